"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RateLimitedLog = void 0;
exports.clip = clip;
const WINDOW_MS = 60_000;
/** A text cut to `max` characters, with the cut marked (for identifiers that a client chooses). */
function clip(text, max = 100) {
    return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`;
}
class RateLimitedLog {
    log;
    seen = new Map();
    budgets = new Map();
    linesPerMinute;
    debugLinesPerMinute;
    maxKeys;
    maxKeyLength;
    maxMessageLength;
    now;
    constructor(log, options = {}) {
        this.log = log;
        this.linesPerMinute = options.linesPerMinute ?? 3;
        this.debugLinesPerMinute = options.debugLinesPerMinute ?? 30;
        this.maxKeys = options.maxKeys ?? 1000;
        this.maxKeyLength = options.maxKeyLength ?? 200;
        this.maxMessageLength = options.maxMessageLength ?? 400;
        this.now = options.now ?? Date.now;
    }
    /** Keys remembered now (bounded by `maxKeys`). */
    get size() {
        return this.seen.size;
    }
    /**
     * `cause` names the kind of problem (a fixed word: 'auth', 'sys-publish'); `key` what it is about (a client id,
     * an address, a topic). The first time per cause and key a warning, within the cause's budget.
     */
    warn(cause, key, message) {
        const fullKey = `${cause}\u0000${key.slice(0, this.maxKeyLength)}`;
        const count = (this.seen.get(fullKey) ?? 0) + 1;
        this.seen.delete(fullKey); // re-inserted last: the map's order is the least recently seen first
        this.seen.set(fullKey, count);
        if (this.seen.size > this.maxKeys) {
            const oldest = this.seen.keys().next().value;
            if (oldest !== undefined) {
                this.seen.delete(oldest);
            }
        }
        const text = clip(message, this.maxMessageLength);
        const budget = this.budget(cause);
        if (count === 1 && budget.warned < this.linesPerMinute) {
            budget.warned++;
            const more = budget.suppressed > 0
                ? ` (and ${budget.suppressed} more like this in the last minute, not logged)`
                : '';
            budget.suppressed = 0;
            this.log.warn(`${text}${more}`);
            return;
        }
        if (count === 1) {
            budget.suppressed++;
        }
        if (budget.debugged < this.debugLinesPerMinute) {
            budget.debugged++;
            this.log.debug(`${text} (${count} times)`);
        }
    }
    budget(cause) {
        const now = this.now();
        let budget = this.budgets.get(cause);
        if (!budget) {
            budget = { windowStart: now, warned: 0, debugged: 0, suppressed: 0 };
            this.budgets.set(cause, budget);
        }
        else if (now - budget.windowStart >= WINDOW_MS) {
            budget.windowStart = now;
            budget.warned = 0;
            budget.debugged = 0;
        }
        return budget;
    }
}
exports.RateLimitedLog = RateLimitedLog;
