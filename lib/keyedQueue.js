"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.KeyedQueue = void 0;
/**
 * Tasks run one after another per key (a topic, a state id, a client id), tasks of different keys side by side.
 * A failing task does not stop the ones queued after it; the caller sees its failure in the promise `run` returns.
 * A key is forgotten as soon as its last task settled, so the map holds only keys with work in flight.
 */
class KeyedQueue {
    tails = new Map();
    /**
     * Runs `task` after every task queued before it under `key` settled; resolves or rejects with its outcome. The
     * task starts in the microtask after its predecessor settled, and the key is forgotten in the microtask after
     * its last task settled.
     */
    run(key, task) {
        const previous = this.tails.get(key);
        // `task` itself as the handler (it ignores the previous outcome): no wrapper closure per call on hot paths
        const result = previous ? previous.then(task, task) : Promise.resolve().then(task);
        this.tails.set(key, result);
        void result.then(() => this.forget(key, result), () => this.forget(key, result));
        return result;
    }
    forget(key, settled) {
        if (this.tails.get(key) === settled) {
            this.tails.delete(key);
        }
    }
    /** Whether a task of `key` is queued or running. */
    busy(key) {
        return this.tails.has(key);
    }
    /** Settles when every task queued under `key` so far settled (never rejects). */
    idle(key) {
        const last = this.tails.get(key);
        return last
            ? last.then(() => undefined, () => undefined)
            : Promise.resolve();
    }
    /** Keys with a task queued or running. */
    get size() {
        return this.tails.size;
    }
}
exports.KeyedQueue = KeyedQueue;
