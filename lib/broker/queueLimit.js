"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.QueueLimit = void 0;
const keyedQueue_1 = require("../keyedQueue");
class QueueLimit {
    queues;
    options;
    /** Per offline client: an upper bound of its queue's length since it was last counted. */
    estimate = new Map();
    /** Per client: the trim under way (the next one waits for it). */
    chains = new keyedQueue_1.KeyedQueue();
    constructor(queues, options) {
        this.queues = queues;
        this.options = options;
    }
    /** Messages were queued for these clients (one each): trims what is over the limit; never rejects. */
    async afterEnqueue(clientIds) {
        for (const id of clientIds) {
            await this.chains.run(id, () => this.trim(id)).catch((err) => this.options.onError(id, err));
        }
    }
    /** The client's queue is gone (its session ended). */
    forget(clientId) {
        this.estimate.delete(clientId);
    }
    async trim(clientId) {
        const max = this.options.max;
        if (this.options.isOnline(clientId)) {
            return;
        }
        // counted only when it may be over the limit: a queue of unknown length counts as full
        const estimate = (this.estimate.get(clientId) ?? max) + 1;
        this.estimate.set(clientId, estimate);
        if (estimate <= max) {
            return;
        }
        const entries = await this.queues.list(clientId);
        if (entries.length <= max) {
            this.estimate.set(clientId, entries.length);
            return;
        }
        const current = this.options.brokerId();
        const ordered = [
            ...entries.filter(e => e.brokerId !== current),
            ...entries.filter(e => e.brokerId === current),
        ];
        const excess = ordered.slice(0, entries.length - max);
        await this.queues.remove(excess.map(e => e.key));
        this.estimate.set(clientId, max);
        for (let i = 0; i < excess.length; i++) {
            this.options.onDropped(clientId);
        }
    }
}
exports.QueueLimit = QueueLimit;
