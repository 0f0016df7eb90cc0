/**
 * Warnings about bad input from outside (a client, a topic, an address) without letting that input grow memory or
 * the log: the first occurrence of a key is a warning, repeats go to debug with a count; every cause has a budget of
 * a few warning lines a minute (what is over it is counted and reported with the next line of that cause); the keys
 * remembered are bounded in number (least recently seen forgotten first) and in length, and messages are clipped.
 */
export interface RateLog {
    warn(message: string): void;
    debug(message: string): void;
}

export interface RateLimitedLogOptions {
    /** Warning lines per cause and minute (default 3). */
    linesPerMinute?: number;
    /** Debug lines per cause and minute (default 30). */
    debugLinesPerMinute?: number;
    /** Keys remembered at most (default 1,000). */
    maxKeys?: number;
    /** Characters of a key that are kept (default 200). */
    maxKeyLength?: number;
    /** Characters of a message that are logged (default 400). */
    maxMessageLength?: number;
    now?: () => number;
}

interface Budget {
    windowStart: number;
    warned: number;
    debugged: number;
    suppressed: number;
}

const WINDOW_MS = 60_000;

/** A text cut to `max` characters, with the cut marked (for identifiers that a client chooses). */
export function clip(text: string, max = 100): string {
    return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`;
}

export class RateLimitedLog {
    private readonly seen = new Map<string, number>();
    private readonly budgets = new Map<string, Budget>();
    private readonly linesPerMinute: number;
    private readonly debugLinesPerMinute: number;
    private readonly maxKeys: number;
    private readonly maxKeyLength: number;
    private readonly maxMessageLength: number;
    private readonly now: () => number;

    constructor(
        private readonly log: RateLog,
        options: RateLimitedLogOptions = {},
    ) {
        this.linesPerMinute = options.linesPerMinute ?? 3;
        this.debugLinesPerMinute = options.debugLinesPerMinute ?? 30;
        this.maxKeys = options.maxKeys ?? 1000;
        this.maxKeyLength = options.maxKeyLength ?? 200;
        this.maxMessageLength = options.maxMessageLength ?? 400;
        this.now = options.now ?? Date.now;
    }

    /** Keys remembered now (bounded by `maxKeys`). */
    get size(): number {
        return this.seen.size;
    }

    /**
     * `cause` names the kind of problem (a fixed word: 'auth', 'sys-publish'); `key` what it is about (a client id,
     * an address, a topic). The first time per cause and key a warning, within the cause's budget.
     */
    warn(cause: string, key: string, message: string): void {
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
            const more =
                budget.suppressed > 0
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

    private budget(cause: string): Budget {
        const now = this.now();
        let budget = this.budgets.get(cause);
        if (!budget) {
            budget = { windowStart: now, warned: 0, debugged: 0, suppressed: 0 };
            this.budgets.set(cause, budget);
        } else if (now - budget.windowStart >= WINDOW_MS) {
            budget.windowStart = now;
            budget.warned = 0;
            budget.debugged = 0;
        }
        return budget;
    }
}
