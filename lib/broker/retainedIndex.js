"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RetainedIndex = void 0;
/**
 * Retained messages answered from memory, kept on disk by the persistence.
 *
 * aedes-persistence-level answers every new subscription by iterating over ALL retained messages in LevelDB and
 * decoding each one. With ioBroker publishing every state retained, that is thousands of reads per SUBSCRIBE:
 * measured in bench/compare.ts (W4) as ~400 KB of RSS per client and most of the connect time. This index loads the
 * retained messages once at start, keeps itself up to date on every store, and answers lookups from a Map: an exact
 * topic in O(1), a wildcard filter by matching the topics in memory. The persistence still writes every change, so
 * the retained store survives restarts exactly as before.
 */
const node_stream_1 = require("node:stream");
const filter_1 = require("../mapping/filter");
const WILDCARD = /[+#]/;
class RetainedIndex {
    byTopic = new Map();
    get size() {
        return this.byTopic.size;
    }
    /** Fills the index from the persistence (everything it has stored), then answers its lookups from memory. */
    async attach(persistence) {
        for await (const packet of persistence.createRetainedStream('#')) {
            this.store(packet);
        }
        const storeRetained = persistence.storeRetained.bind(persistence);
        persistence.storeRetained = (packet, ...rest) => {
            this.store(packet);
            return storeRetained(packet, ...rest);
        };
        persistence.createRetainedStreamCombi = patterns => node_stream_1.Readable.from(this.match(patterns));
        persistence.createRetainedStream = pattern => node_stream_1.Readable.from(this.match([pattern]));
    }
    /** A retained message stored (an empty payload removes the topic's message, as MQTT says). */
    store(packet) {
        if (packet.payload.length === 0) {
            this.byTopic.delete(packet.topic);
        }
        else {
            this.byTopic.set(packet.topic, { ...packet, retain: true });
        }
    }
    /** Retained messages matching any of the filters, each once. */
    match(filters) {
        const found = new Map();
        const wildcards = [];
        for (const filter of filters) {
            if (WILDCARD.test(filter)) {
                try {
                    wildcards.push((0, filter_1.compileTopicFilter)(filter));
                }
                catch {
                    // not a valid filter: matches nothing (aedes refuses such subscriptions before asking)
                }
            }
            else {
                const packet = this.byTopic.get(filter);
                if (packet) {
                    found.set(filter, packet);
                }
            }
        }
        if (wildcards.length > 0) {
            for (const [topic, packet] of this.byTopic) {
                if (!found.has(topic) && wildcards.some(f => f.matches(topic))) {
                    found.set(topic, packet);
                }
            }
        }
        return [...found.values()];
    }
}
exports.RetainedIndex = RetainedIndex;
