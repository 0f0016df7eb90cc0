"use strict";
/**
 * The only door, besides main.ts, to ioBroker's objects and states. The pipelines depend on these interfaces,
 * so unit tests can use a small in-memory fake while integration tests use the real databases.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.OnceLogger = void 0;
const rateLog_1 = require("../rateLog");
/**
 * Logs a warning once per key (`cause:what`, e.g. `length:<topic>`); later occurrences go to debug with a count.
 * Bounded in memory and in log lines per cause (see rateLog.ts): keys are topics and client ids that outsiders choose.
 */
class OnceLogger {
    limited;
    constructor(log, options) {
        this.limited = new rateLog_1.RateLimitedLog(log, options);
    }
    warn(key, message) {
        const colon = key.indexOf(':');
        this.limited.warn(colon < 0 ? key : key.slice(0, colon), colon < 0 ? '' : key.slice(colon + 1), message);
    }
    /** Keys remembered now. */
    get size() {
        return this.limited.size;
    }
}
exports.OnceLogger = OnceLogger;
