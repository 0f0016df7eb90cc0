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
import type { Readable } from 'node:stream';
import { compileTopicFilter } from '../mapping/filter';
import { timers, type Timer } from '../timers';

export interface RetainedPacket {
    topic: string;
    payload: Buffer;
    [key: string]: unknown;
}

/** What the index needs of the store: everything stored (once, at start) and the write of one message. */
export interface RetainedSource {
    storeRetained(packet: RetainedPacket): unknown;
    createRetainedStream(pattern: string): Readable | AsyncIterable<RetainedPacket>;
}

const WILDCARD = /[+#]/;

export interface RetainedIndexOptions {
    delayMs?: number;
    /** A write to the store failed. */
    onError?: (err: unknown) => void;
}

export class RetainedIndex {
    private readonly byTopic = new Map<string, RetainedPacket>();
    /** topic → its newest message not yet written (an empty payload deletes). */
    private readonly dirty = new Map<string, RetainedPacket>();
    private timer: Timer | undefined;
    private writing: Promise<void> = Promise.resolve();
    private write: ((packet: RetainedPacket) => unknown) | undefined;

    constructor(private readonly options: RetainedIndexOptions = {}) {}

    get size(): number {
        return this.byTopic.size;
    }

    /** Fills the index from the store (everything it has stored); later stores are written to it behind. */
    async load(source: RetainedSource): Promise<void> {
        for await (const packet of source.createRetainedStream('#') as AsyncIterable<RetainedPacket>) {
            this.store(packet);
        }
        this.write = source.storeRetained.bind(source);
    }

    /** A retained message published: answered from memory at once, written to the store behind. */
    storeRetained(packet: RetainedPacket): void {
        this.store(packet);
        // a copy: aedes sets fields on the packet later (clientId), which must not reach the store
        this.dirty.set(packet.topic, { ...packet });
        this.timer ??= timers.setTimeout(() => void this.flush(), this.options.delayMs ?? 1000);
    }

    /** Writes what is pending now (one batch: the writes are issued in one turn); resolves when it is written. */
    flush(): Promise<void> {
        timers.clearTimeout(this.timer);
        this.timer = undefined;
        const write = this.write;
        const pending = [...this.dirty.values()];
        this.dirty.clear();
        if (write && pending.length > 0) {
            this.writing = this.writing
                .then(() => Promise.all(pending.map(packet => write(packet))))
                .then(
                    () => undefined,
                    (err: unknown) => {
                        // written again with the next flush, unless a newer message of the topic is waiting
                        for (const packet of pending) {
                            if (!this.dirty.has(packet.topic)) {
                                this.dirty.set(packet.topic, packet);
                            }
                        }
                        try {
                            this.options.onError?.(err);
                        } catch {
                            // a failing reporter must not stop the writes
                        }
                    },
                );
        }
        return this.writing;
    }

    /** A retained message stored (an empty payload removes the topic's message, as MQTT says). */
    store(packet: RetainedPacket): void {
        if (packet.payload.length === 0) {
            this.byTopic.delete(packet.topic);
        } else {
            this.byTopic.set(packet.topic, { ...packet, retain: true });
        }
    }

    /** Retained messages matching any of the filters, each once. */
    match(filters: string[]): RetainedPacket[] {
        const found = new Map<string, RetainedPacket>();
        const wildcards: ReturnType<typeof compileTopicFilter>[] = [];
        for (const filter of filters) {
            if (WILDCARD.test(filter)) {
                try {
                    wildcards.push(compileTopicFilter(filter));
                } catch {
                    // not a valid filter: matches nothing (aedes refuses such subscriptions before asking)
                }
            } else {
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
