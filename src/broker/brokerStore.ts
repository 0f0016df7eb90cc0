/**
 * The broker's store by `persistence`: memory (lost at stop), disk (LevelDB in the instance's folder, with the
 * retained index in memory and same-turn write batching) or Redis (redisStore.ts), each wrapped in the adapter's
 * persistence (persistence.ts); and how each is closed once the broker has closed.
 */
import { mkdirSync } from 'node:fs';
import { levelClientState, levelQueues } from './aedesInternals';
import type { BrokerEvents, BrokerLogger, BrokerServiceOptions } from './brokerTypes';
import { BrokerPersistence, type AedesPersistence } from './persistence';
import { openRedisStore, type RedisStore } from './redisStore';
import { RetainedIndex } from './retainedIndex';
import { batchWrites } from './writeBatcher';
import { errorText } from '../errorText';

export interface BrokerStore {
    /** What aedes is given as its persistence (persistence.ts). */
    persistence: BrokerPersistence;
    /** The message emitter between broker instances (Redis only). */
    mq?: unknown;
    /** `persistence: redis`: the connections to Redis. */
    redis?: RedisStore;
    /** After the broker closed: writes what is pending and closes the store. Never throws. */
    close(): Promise<void>;
}

export type BrokerStoreOptions = Pick<
    BrokerServiceOptions,
    'persistence' | 'persistenceDir' | 'redisUrl' | 'storeClientsTimeMin' | 'maxQueuedMessages'
>;

/** Opens the store that `options.persistence` names. */
export async function openStore(
    options: BrokerStoreOptions,
    events: Pick<BrokerEvents, 'dropped' | 'storeConnection'>,
    log: BrokerLogger,
): Promise<BrokerStore> {
    const onError = (err: unknown): void => log.warn(`Broker store: ${errorText(err)}`);
    if (options.persistence === 'memory') {
        const { default: memory } = await import('aedes-persistence');
        const store = memory() as unknown as AedesPersistence;
        return {
            persistence: new BrokerPersistence(store, { keepsV5Fields: true, onError }),
            close: () => Promise.resolve(),
        };
    }
    mkdirSync(options.persistenceDir, { recursive: true });
    if (options.persistence === 'redis') {
        const redis = await openRedisStore(options.redisUrl ?? '', options, events, log);
        return { persistence: redis.persistence, mq: redis.mq, redis, close: () => redis.close() };
    }
    const { Level } = await import('level');
    const persistenceLevel = (await import('aedes-persistence-level')).default;
    const db = new Level(options.persistenceDir);
    await db.open();
    const retained = new RetainedIndex({
        onError: err => log.warn(`Cannot store retained messages: ${errorText(err)}`),
    });
    const writes = batchWrites(db);
    const store = persistenceLevel(db) as AedesPersistence;
    return {
        persistence: new BrokerPersistence(store, {
            // retained lookups from memory instead of a LevelDB scan per subscription (see retainedIndex.ts)
            retainedIndex: retained,
            keepsV5Fields: false,
            // a queue is counted with what was queued, not only with what reached the disk
            queues: levelQueues(db, () => writes.flush()),
            clientState: levelClientState(db, () => writes.flush()),
            maxQueued: options.maxQueuedMessages,
            onQueueDropped: (clientId, max) =>
                events.dropped?.(
                    `queue of offline client '${clientId}' is full (maxQueuedMessages ${max}): oldest message dropped`,
                    clientId,
                ),
            onError,
        }),
        close: async () => {
            await retained.flush();
            await writes.flush();
            await db.close().catch(() => undefined);
        },
    };
}
