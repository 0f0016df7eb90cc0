"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessageEchoGuard = exports.EchoGuard = void 0;
exports.stateEchoGuard = stateEchoGuard;
class EchoGuard {
    options;
    /** In the order remembered (a key remembered again moves to the end): the oldest first. */
    sent = new Map();
    maxEntries;
    now;
    constructor(options) {
        this.options = options;
        this.maxEntries = options.maxEntries ?? 100_000;
        this.now = options.now ?? Date.now;
    }
    /** Keys remembered now. */
    get size() {
        return this.sent.size;
    }
    /** `value` was just sent under `key`: its copy coming back is an echo. */
    remember(key, value) {
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
    isEcho(key, value) {
        const sent = this.sent.get(key);
        if (!sent) {
            return false;
        }
        this.sent.delete(key);
        return this.options.same(sent.value, value) && this.now() - sent.at <= this.options.windowMs;
    }
}
exports.EchoGuard = EchoGuard;
/** ioBroker side: state id → the value ingest wrote (compared with `===`, as ioBroker values are primitives). */
function stateEchoGuard(windowMs, now) {
    return new EchoGuard({ windowMs, same: (a, b) => a === b, ...(now ? { now } : {}) });
}
/** Broker side: topic → the payload published (compared byte for byte; text is compared as its UTF-8 bytes). */
class MessageEchoGuard {
    guard;
    constructor(windowMs, now, maxEntries) {
        this.guard = new EchoGuard({
            windowMs,
            same: (a, b) => a.equals(b),
            ...(now ? { now } : {}),
            ...(maxEntries !== undefined ? { maxEntries } : {}),
        });
    }
    get size() {
        return this.guard.size;
    }
    /** The instance published `payload` on `topic`. */
    remember(topic, payload) {
        this.guard.remember(topic, Buffer.isBuffer(payload) ? payload : Buffer.from(payload));
    }
    /** Whether a message from the broker is the copy of the instance's own. */
    isEcho(topic, payload) {
        return this.guard.isEcho(topic, payload);
    }
}
exports.MessageEchoGuard = MessageEchoGuard;
