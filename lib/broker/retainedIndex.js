"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RetainedIndex = void 0;
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
    /** Fills the index from the store (everything it has stored); later stores are written to it behind. */
    async load(source) {
        for await (const packet of source.createRetainedStream('#')) {
            this.store(packet);
        }
        this.write = source.storeRetained.bind(source);
    }
    /** A retained message published: answered from memory at once, written to the store behind. */
    storeRetained(packet) {
        this.store(packet);
        // a copy: aedes sets fields on the packet later (clientId), which must not reach the store
        this.dirty.set(packet.topic, { ...packet });
        this.timer ??= timers_1.timers.setTimeout(() => void this.flush(), this.options.delayMs ?? 1000);
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
