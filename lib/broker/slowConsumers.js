"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SlowConsumers = void 0;
class SlowConsumers {
    options;
    overSince = new WeakMap();
    now;
    constructor(options) {
        this.options = options;
        this.now = options.now ?? Date.now;
    }
    /** What to do with a message of `bytes` (payload) and `qos` for this connection. */
    verdict(conn, bytes, qos) {
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
        }
        else if (now - since > this.options.maxSlowMs) {
            return 'close';
        }
        if (qos === 0) {
            return 'drop';
        }
        return buffered + bytes <= this.options.limitBytes ? 'send' : 'close';
    }
}
exports.SlowConsumers = SlowConsumers;
