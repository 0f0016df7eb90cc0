/**
 * A client that reads slowly, or not at all, costs only itself. aedes waits for a connection to drain before it
 * completes a delivery, and every other subscriber of that message waits with it; so the connections are given a
 * write buffer as large as the limit below (the listeners' highWaterMark) and nothing is written past it:
 * - over a quarter of the limit, QoS 0 messages to that client are dropped (counted);
 * - QoS 1/2 messages are written up to the limit; one more closes the connection (a persistent session keeps its
 *   unacknowledged messages and gets them again when it reconnects [MQTT-4.4.0-1]);
 * - a client whose buffer stays over a quarter of the limit for `maxSlowMs` is closed as well.
 */
export interface SlowConsumerOptions {
    /** Bytes a connection may have waiting to be sent. */
    limitBytes: number;
    /** How long a connection may stay over a quarter of the limit. */
    maxSlowMs: number;
    now?: () => number;
}

export interface OutgoingConnection {
    readonly writableLength?: number;
    destroy(error?: Error): void;
}

export type SlowVerdict = 'send' | 'drop' | 'close';

export class SlowConsumers {
    private readonly overSince = new WeakMap<OutgoingConnection, number>();
    private readonly now: () => number;

    constructor(private readonly options: SlowConsumerOptions) {
        this.now = options.now ?? Date.now;
    }

    /** What to do with a message of `bytes` (payload) and `qos` for this connection. */
    verdict(conn: OutgoingConnection, bytes: number, qos: number): SlowVerdict {
        const buffered = conn.writableLength ?? 0;
        const soft = this.options.limitBytes / 4;
        if (buffered === 0 || buffered + bytes <= soft) {
            this.overSince.delete(conn);
            return 'send';
        }
        const now = this.now();
        const since = this.overSince.get(conn);
        if (since === undefined) {
            this.overSince.set(conn, now);
        } else if (now - since > this.options.maxSlowMs) {
            return 'close';
        }
        if (qos === 0) {
            return 'drop';
        }
        return buffered + bytes <= this.options.limitBytes ? 'send' : 'close';
    }
}
