/**
 * Backpressure for the ingest: counts the messages taken and not yet written, and makes the transport wait before it
 * takes the next one while too many are in flight (so a flood waits in the sender's socket, not here as pending
 * database work without bound).
 */
import { timers, type Timer } from '../timers';

/**
 * With `high` messages being written, `admit()` makes the next messages wait until no more than `low` are left (or
 * `maxWaitMs` passed, so a stalled database cannot hold a connection forever).
 */
export interface BacklogLimits {
    high: number;
    low: number;
    maxWaitMs: number;
}

export const DEFAULT_BACKLOG: BacklogLimits = { high: 1000, low: 500, maxWaitMs: 2000 };

export class Backpressure {
    /** Messages taken (past the filters) and not yet written or dropped. */
    private inFlight = 0;
    /** After close(): nothing is held any more (the instance is stopping). */
    private closed = false;
    /** Messages held back by `admit()`, in arrival order. */
    private readonly held: (() => void)[] = [];
    private holdTimer: Timer | undefined;

    constructor(private readonly limits: BacklogLimits = DEFAULT_BACKLOG) {}

    /** Messages taken and not yet written (or dropped). */
    get pending(): number {
        return this.inFlight;
    }

    /**
     * Undefined means: take the next message now; a promise: once the messages in flight are down to the low mark.
     * Promises resolve in the order they were handed out, so messages keep their order.
     */
    admit(): Promise<void> | undefined {
        if (this.closed || (this.inFlight < this.limits.high && this.held.length === 0)) {
            return undefined;
        }
        return new Promise<void>(resolve => {
            this.held.push(resolve);
            if (!this.holdTimer) {
                this.holdTimer = timers.setTimeout(() => this.release(), this.limits.maxWaitMs);
            }
        });
    }

    /** Counts a taken message until its promise settles (fulfilled or rejected); returns the same promise. */
    track<T>(result: Promise<T>): Promise<T> {
        this.inFlight++;
        const settled = (): void => {
            this.inFlight--;
            if (this.held.length > 0 && this.inFlight <= this.limits.low) {
                this.release();
            }
        };
        void result.then(settled, settled);
        return result;
    }

    /** The instance stops: lets every held message in and holds none from now on. */
    close(): void {
        this.closed = true;
        this.release();
    }

    private release(): void {
        timers.clearTimeout(this.holdTimer);
        this.holdTimer = undefined;
        for (const resolve of this.held.splice(0)) {
            resolve();
        }
    }
}
