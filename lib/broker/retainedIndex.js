"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RetainedIndex = void 0;
/**
 * Retained messages answered from memory, kept on disk by the persistence.
 *
 * aedes-persistence-level answers every new subscription by iterating over ALL retained messages in LevelDB and
 * decoding each one. With ioBroker publishing every state retained, that is thousands of reads per SUBSCRIBE:
 * measured in scripts/bench/compare.ts (W4) as ~400 KB of RSS per client and most of the connect time. This index loads the
 * retained messages once at start, keeps itself up to date on every store, and answers lookups from a Map: an exact
 * topic in O(1), a wildcard filter by matching the topics in memory.
 *
 * Writes to the store happen behind (every `delayMs`, 1 s by default, and at stop): a topic that changes several
 * times in that window is written once, with its last message, and a publish never waits for the disk. ioBroker
 * publishes every state change retained, so this takes the encoding and LevelDB write of most changes off the
 * message path. What the last window held is lost only if the process dies without stopping.
 */
const node_stream_1 = require("node:stream");
const filter_1 = require("../mapping/filter");
const timers_1 = require("../timers");
const WILDCARD = /[+#]/;
class RetainedIndex {
    options;
    byTopic = new Map();
    /** topic → its newest message not yet written (an empty payload deletes). */
    dirty = new Map();
    timer;
    writing = Promise.resolve();
    write;
    constructor(options = {}) {
        this.options = options;
    }
    get size() {
        return this.byTopic.size;
    }
    /** Fills the index from the persistence (everything it has stored), then answers its lookups from memory. */
    async attach(persistence) {
        for await (const packet of persistence.createRetainedStream('#')) {
            this.store(packet);
        }
        this.write = persistence.storeRetained.bind(persistence);
        persistence.storeRetained = packet => {
            this.store(packet);
            // a copy: aedes sets fields on the packet later (clientId), which must not reach the store
            this.dirty.set(packet.topic, { ...packet });
            this.timer ??= timers_1.timers.setTimeout(() => void this.flush(), this.options.delayMs ?? 1000);
            return Promise.resolve();
        };
        persistence.createRetainedStreamCombi = patterns => node_stream_1.Readable.from(this.match(patterns));
        persistence.createRetainedStream = pattern => node_stream_1.Readable.from(this.match([pattern]));
    }
    /** Writes what is pending now (one batch: the writes are issued in one turn); resolves when it is written. */
    flush() {
        timers_1.timers.clearTimeout(this.timer);
        this.timer = undefined;
        const write = this.write;
        const pending = [...this.dirty.values()];
        this.dirty.clear();
        if (write && pending.length > 0) {
            this.writing = this.writing
                .then(() => Promise.all(pending.map(packet => write(packet))))
                .then(() => undefined, (err) => {
                // written again with the next flush, unless a newer message of the topic is waiting
                for (const packet of pending) {
                    if (!this.dirty.has(packet.topic)) {
                        this.dirty.set(packet.topic, packet);
                    }
                }
                try {
                    this.options.onError?.(err);
                }
                catch {
                    // a failing reporter must not stop the writes
                }
            });
        }
        return this.writing;
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
