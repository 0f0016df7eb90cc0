"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Backpressure = exports.DEFAULT_BACKLOG = void 0;
/**
 * Backpressure for the ingest: counts the messages taken and not yet written, and makes the transport wait before it
 * takes the next one while too many are in flight (so a flood waits in the sender's socket, not here as pending
 * database work without bound).
 */
const timers_1 = require("../timers");
exports.DEFAULT_BACKLOG = { high: 1000, low: 500, maxWaitMs: 2000 };
class Backpressure {
    limits;
    /** Messages taken (past the filters) and not yet written or dropped. */
    inFlight = 0;
    /** After close(): nothing is held any more (the instance is stopping). */
    closed = false;
    /** Messages held back by `admit()`, in arrival order. */
    held = [];
    holdTimer;
    constructor(limits = exports.DEFAULT_BACKLOG) {
        this.limits = limits;
    }
    /** Messages taken and not yet written (or dropped). */
    get pending() {
        return this.inFlight;
    }
    /**
     * Undefined means: take the next message now; a promise: once the messages in flight are down to the low mark.
     * Promises resolve in the order they were handed out, so messages keep their order.
     */
    admit() {
        if (this.closed || (this.inFlight < this.limits.high && this.held.length === 0)) {
            return undefined;
        }
        return new Promise(resolve => {
            this.held.push(resolve);
            if (!this.holdTimer) {
                this.holdTimer = timers_1.timers.setTimeout(() => this.release(), this.limits.maxWaitMs);
            }
        });
    }
    /** Counts a taken message until its promise settles (fulfilled or rejected); returns the same promise. */
    track(result) {
        this.inFlight++;
        const settled = () => {
            this.inFlight--;
            if (this.held.length > 0 && this.inFlight <= this.limits.low) {
                this.release();
            }
        };
        void result.then(settled, settled);
        return result;
    }
    /** The instance stops: lets every held message in and holds none from now on. */
    close() {
        this.closed = true;
        this.release();
    }
    release() {
        timers_1.timers.clearTimeout(this.holdTimer);
        this.holdTimer = undefined;
        for (const resolve of this.held.splice(0)) {
            resolve();
        }
    }
}
exports.Backpressure = Backpressure;
