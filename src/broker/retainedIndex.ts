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
import { Readable } from 'node:stream';
import { compileTopicFilter } from '../mapping/filter';

export interface RetainedPacket {
    topic: string;
    payload: Buffer;
    [key: string]: unknown;
}

/** The part of an aedes persistence this index takes over. */
export interface RetainedPersistence {
    storeRetained(packet: RetainedPacket, ...rest: unknown[]): unknown;
    createRetainedStreamCombi(patterns: string[]): Readable;
    createRetainedStream(pattern: string): Readable;
}

const WILDCARD = /[+#]/;

export class RetainedIndex {
    private readonly byTopic = new Map<string, RetainedPacket>();

    get size(): number {
        return this.byTopic.size;
    }

    /** Fills the index from the persistence (everything it has stored), then answers its lookups from memory. */
    async attach(persistence: RetainedPersistence): Promise<void> {
        for await (const packet of persistence.createRetainedStream('#') as AsyncIterable<RetainedPacket>) {
            this.store(packet);
        }
        const storeRetained = persistence.storeRetained.bind(persistence);
        persistence.storeRetained = (packet, ...rest) => {
            this.store(packet);
            return storeRetained(packet, ...rest);
        };
        persistence.createRetainedStreamCombi = patterns => Readable.from(this.match(patterns));
        persistence.createRetainedStream = pattern => Readable.from(this.match([pattern]));
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
