/**
 * Echo suppression, one rule for both directions: a value this instance just sent one way must not come back the
 * other way as a second copy. What was sent is remembered per key; the first thing seen afterwards on that key is an
 * echo when it is the same value and arrives within the window (`noEchoInterval`). Either way the key is forgotten
 * then: only one copy is ever swallowed.
 *
 * - ioBroker side (publisher.ts): ingest writes a value from MQTT to a state (key: state id) — its state change is
 *   not published back.
 * - broker side (client mode): the instance publishes a message (key: topic) — the copy an MQTT 3.1.1 broker sends
 *   back (no 'no local') is not written.
 *
 * Bounded: entries older than the window are dropped as new ones come in (oldest first), and at most `maxEntries`
 * are kept (the oldest evicted first), so keys chosen from outside (topics) cannot grow memory.
 */
import type { Value } from './mapping/payload';

export interface EchoGuardOptions<V> {
    /** How long after `remember` the same value still counts as an echo (ms, inclusive). */
    windowMs: number;
    /** Whether two values are the same. */
    same: (a: V, b: V) => boolean;
    /** Keys kept at most (default 100,000). */
    maxEntries?: number;
    now?: () => number;
}

interface Sent<V> {
    value: V;
    at: number;
}

export class EchoGuard<V> {
    /** In the order remembered (a key remembered again moves to the end): the oldest first. */
    private readonly sent = new Map<string, Sent<V>>();
    private readonly maxEntries: number;
    private readonly now: () => number;

    constructor(private readonly options: EchoGuardOptions<V>) {
        this.maxEntries = options.maxEntries ?? 100_000;
        this.now = options.now ?? Date.now;
    }

    /** Keys remembered now. */
    get size(): number {
        return this.sent.size;
    }

    /** `value` was just sent under `key`: its copy coming back is an echo. */
    remember(key: string, value: V): void {
        const at = this.now();
        this.sent.delete(key);
        this.sent.set(key, { value, at });
        for (const [oldest, entry] of this.sent) {
            if (this.sent.size <= this.maxEntries && at - entry.at <= this.options.windowMs) {
                break;
            }
            this.sent.delete(oldest);
        }
    }

    /**
     * Whether `value` seen on `key` is the copy of what was remembered (same value, within the window). Forgets the
     * key either way: a second copy is not an echo.
     */
    isEcho(key: string, value: V): boolean {
        const sent = this.sent.get(key);
        if (!sent) {
            return false;
        }
        this.sent.delete(key);
        return this.options.same(sent.value, value) && this.now() - sent.at <= this.options.windowMs;
    }
}

/** ioBroker side: state id → the value ingest wrote (compared with `===`, as ioBroker values are primitives). */
export function stateEchoGuard(windowMs: number, now?: () => number): EchoGuard<Value> {
    return new EchoGuard<Value>({ windowMs, same: (a, b) => a === b, ...(now ? { now } : {}) });
}

/** Broker side: topic → the payload published (compared byte for byte; text is compared as its UTF-8 bytes). */
export class MessageEchoGuard {
    private readonly guard: EchoGuard<Buffer>;

    constructor(windowMs: number, now?: () => number, maxEntries?: number) {
        this.guard = new EchoGuard<Buffer>({
            windowMs,
            same: (a, b) => a.equals(b),
            ...(now ? { now } : {}),
            ...(maxEntries !== undefined ? { maxEntries } : {}),
        });
    }

    get size(): number {
        return this.guard.size;
    }

    /** The instance published `payload` on `topic`. */
    remember(topic: string, payload: string | Buffer): void {
        this.guard.remember(topic, Buffer.isBuffer(payload) ? payload : Buffer.from(payload));
    }

    /** Whether a message from the broker is the copy of the instance's own. */
    isEcho(topic: string, payload: Buffer): boolean {
        return this.guard.isEcho(topic, payload);
    }
}
