"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.StoredClients = void 0;
/**
 * Which client ids may have anything in the store — subscriptions, queued or in-flight outgoing messages, unreleased
 * inbound QoS 2 messages, a will — so that persistence.ts can answer the store's reads and deletes for every other
 * client id at once (issue #16: a storm of clean-session CONNECTs made aedes open two LevelDB iterators and read the
 * will key per CONNECT — `cleanSubscriptions`, `outgoingStream`, `delWill` — each finding nothing).
 *
 * The set is a superset of the ids with stored state, at all times:
 * - at start it is read from the store (`ClientStateScan.ids`, one pass over the store's keys);
 * - every operation that can write state for a client id adds the id before the store is called;
 * - an id leaves the set only when the store, read after every operation on that id had settled, holds nothing for
 *   it and no operation on it started meanwhile (`check`, run a moment after a session ended).
 * So a fast answer ("nothing stored") is only ever given for an id the store has nothing for. Only for a store that
 * this process alone writes (Level); with Redis, another broker instance writes state for any client id, so the set
 * is not used there.
 */
const node_timers_1 = __importDefault(require("node:timers"));
class StoredClients {
    scan;
    checkDelayMs;
    ids = new Set();
    /** Per client id: store operations started and not settled. */
    pending = new Map();
    /** Ids being checked now: set to true when an operation on the id starts during the check. */
    checking = new Map();
    due = new Set();
    timer;
    closed = false;
    constructor(scan, checkDelayMs = 1000) {
        this.scan = scan;
        this.checkDelayMs = checkDelayMs;
    }
    /** Reads the ids with stored state (call before any client connects). */
    async load() {
        for await (const id of this.scan.ids()) {
            this.ids.add(id);
        }
    }
    /** Whether the store certainly holds nothing for this client id (no operation on it is in progress either). */
    isEmpty(clientId) {
        return !this.ids.has(clientId) && !this.pending.has(clientId);
    }
    /** Ids that may have stored state now (for tests and diagnostics). */
    get size() {
        return this.ids.size;
    }
    /**
     * Runs a store operation on these client ids; `writes`: it may create state for them (they join the set before
     * the store is called).
     */
    track(clientIds, writes, operation) {
        for (const id of clientIds) {
            if (writes) {
                this.ids.add(id);
            }
            this.pending.set(id, (this.pending.get(id) ?? 0) + 1);
            if (this.checking.has(id)) {
                this.checking.set(id, true);
            }
        }
        const settled = () => {
            for (const id of clientIds) {
                const left = (this.pending.get(id) ?? 1) - 1;
                if (left > 0) {
                    this.pending.set(id, left);
                }
                else {
                    this.pending.delete(id);
                }
            }
        };
        let result;
        try {
            result = operation();
        }
        catch (err) {
            settled();
            throw err;
        }
        result.then(settled, settled);
        return result;
    }
    /** A session of this client id ended: soon, whether the store still holds anything for it is read once. */
    check(clientId) {
        if (this.closed || !this.ids.has(clientId)) {
            return;
        }
        this.due.add(clientId);
        if (!this.timer) {
            this.timer = node_timers_1.default.setTimeout(() => {
                this.timer = undefined;
                const ids = [...this.due];
                this.due.clear();
                void this.runChecks(ids);
            }, this.checkDelayMs);
            this.timer.unref();
        }
    }
    /** Stops the checks (the store is closing). */
    close() {
        this.closed = true;
        node_timers_1.default.clearTimeout(this.timer);
        this.timer = undefined;
        this.due.clear();
    }
    async runChecks(ids) {
        for (const id of ids) {
            if (this.closed) {
                return;
            }
            if (!this.ids.has(id) || this.pending.has(id) || this.checking.has(id)) {
                continue; // still in use: the next end of a session checks again
            }
            this.checking.set(id, false);
            let stored = true;
            try {
                stored = await this.scan.has(id);
            }
            catch {
                // unknown: it stays
            }
            const touched = this.checking.get(id);
            this.checking.delete(id);
            if (!stored && !touched && !this.pending.has(id)) {
                this.ids.delete(id);
            }
        }
    }
}
exports.StoredClients = StoredClients;
