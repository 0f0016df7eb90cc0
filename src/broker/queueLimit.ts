/**
 * maxQueuedMessages: after messages were queued for offline persistent clients, a queue longer than the limit loses
 * its oldest messages (queues left from earlier runs count as older than this run's), each counted as dropped. The
 * persistence (persistence.ts) calls it before aedes goes on; trims of one client run one after another, so concurrent
 * enqueues never drop the same message twice. Storage-agnostic: the queue is read and trimmed through `StoredQueues`.
 */
import type { QueuedEntry } from './persistence';
import { KeyedQueue } from '../keyedQueue';

export interface TrimmableQueues {
    /** A client's queued messages in the store's order (by broker id, then age). */
    list(clientId: string): Promise<QueuedEntry[]>;
    remove(keys: string[]): Promise<void>;
}

export interface QueueLimitOptions {
    max: number;
    /** Online clients drain their queue themselves: never trimmed. */
    isOnline(clientId: string): boolean;
    /** The broker instance running now (its messages are the newest). */
    brokerId(): string;
    /** One message of this client's queue was dropped. */
    onDropped(clientId: string): void;
    onError(clientId: string, err: unknown): void;
}

export class QueueLimit {
    /** Per offline client: an upper bound of its queue's length since it was last counted. */
    private readonly estimate = new Map<string, number>();
    /** Per client: the trim under way (the next one waits for it). */
    private readonly chains = new KeyedQueue();

    constructor(
        private readonly queues: TrimmableQueues,
        private readonly options: QueueLimitOptions,
    ) {}

    /** Messages were queued for these clients (one each): trims what is over the limit; never rejects. */
    async afterEnqueue(clientIds: string[]): Promise<void> {
        for (const id of clientIds) {
            await this.chains.run(id, () => this.trim(id)).catch((err: unknown) => this.options.onError(id, err));
        }
    }

    /** The client's queue is gone (its session ended). */
    forget(clientId: string): void {
        this.estimate.delete(clientId);
    }

    private async trim(clientId: string): Promise<void> {
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
