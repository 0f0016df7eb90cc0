declare module 'aedes-persistence-redis/asyncPersistence.js' {
    import type { Redis } from 'ioredis';

    interface RedisPersistenceOptions {
        /** An open ioredis connection (the persistence disconnects it in destroy()). */
        conn?: Redis;
        /** Queued messages delivered per reconnect (default 1000). */
        maxSessionDelivery?: number;
        /** Seconds a queued QoS 1/2 message lives in Redis (0 = forever). */
        packetTTL?: (packet: unknown) => number;
    }

    /** The promise-based aedes persistence on Redis (sessions, subscriptions, queues, retained messages, wills). */
    class AsyncRedisPersistence {
        constructor(options?: RedisPersistenceOptions);
        destroy(): Promise<void>;
    }
    export = AsyncRedisPersistence;
}
