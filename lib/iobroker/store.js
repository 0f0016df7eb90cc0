"use strict";
/**
 * The only door, besides main.ts, to ioBroker's objects and states. The pipelines depend on these interfaces,
 * so unit tests can use a small in-memory fake while integration tests use the real databases.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.OnceLogger = void 0;
/** Logs a warning once per key; later occurrences go to debug with a count. */
class OnceLogger {
    log;
    seen = new Map();
    constructor(log) {
        this.log = log;
    }
    warn(key, message) {
        const count = (this.seen.get(key) ?? 0) + 1;
        this.seen.set(key, count);
        if (count === 1) {
            this.log.warn(message);
        }
        else {
            this.log.debug(`${message} (${count} times)`);
        }
    }
    info(key, message) {
        if (!this.seen.has(key)) {
            this.seen.set(key, 1);
            this.log.info(message);
        }
    }
    forget(key) {
        this.seen.delete(key);
    }
}
exports.OnceLogger = OnceLogger;
