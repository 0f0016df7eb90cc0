/**
 * `persistence: redis`: the connections to the Redis server that several broker instances share. Sessions,
 * subscriptions, queues and retained messages live there (aedes-persistence-redis), and messages travel between
 * the instances through its pub/sub (mqemitter-redis). This module owns the connections, the start-up probe and
 * the record of which instance has which client connected.
 */
import Redis from 'ioredis';
import { timers, type Timer } from '../timers';

/**
 * A connection for the broker: while Redis is away, commands wait in ioredis' offline queue (they neither fail nor
 * get lost) and the connection retries every 0.2–5 s until Redis is back.
 */
export function connectRedis(url: string, name: string): Redis {
    return new Redis(url, {
        connectionName: name,
        maxRetriesPerRequest: null,
        enableOfflineQueue: true,
        retryStrategy: times => Math.min(times * 200, 5000),
    });
}

/** Resolves when Redis answers PING within `timeoutMs`; rejects with the reason otherwise. Never retries. */
export async function probeRedis(url: string, timeoutMs: number): Promise<void> {
    const probe = new Redis(url, {
        lazyConnect: true,
        connectTimeout: timeoutMs,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
    });
    let cause: Error | undefined;
    probe.on('error', (err: Error) => (cause ??= err)); // the socket's reason, e.g. ECONNREFUSED
    try {
        await probe.connect();
        await probe.ping();
    } catch (err) {
        throw cause ?? err;
    } finally {
        probe.disconnect();
    }
}

/** Deletes the field only when it still holds this broker's id; 1 when deleted. */
const RELEASE = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0`;

const HEARTBEAT_MS = 30_000;

/**
 * Which broker instance has which client connected, in one Redis hash, and which broker instances are alive (a key
 * per instance that expires unless refreshed every 30 s). A client that moves from instance A to B is recorded by B
 * when it registers (before aedes tells A to close its old connection), and A's release only removes the record
 * while it is still A's — so A never takes a client that lives on B for offline and never expires its session.
 * Records of an instance whose heartbeat key has expired (it died) count as offline.
 */
export class ClusterPresence {
    private timer: Timer | undefined;

    constructor(
        private readonly db: Redis,
        private readonly brokerId: () => string,
        private readonly key = 'mqtt-gateway:online',
    ) {}

    private aliveKey(id: string): string {
        return `mqtt-gateway:broker:${id}`;
    }

    /** Says "alive" now and every 30 s (the key lives 90 s). */
    startHeartbeat(): void {
        this.beat();
        this.timer ??= timers.setInterval(() => this.beat(), HEARTBEAT_MS);
    }

    /** Refreshes the alive key now (also right after Redis is back from an outage). */
    beat(): void {
        const id = this.brokerId();
        if (id) {
            this.db.set(this.aliveKey(id), String(Date.now()), 'PX', 3 * HEARTBEAT_MS).catch(() => undefined);
        }
    }

    stopHeartbeat(): void {
        timers.clearInterval(this.timer);
        this.timer = undefined;
    }

    online(clientId: string): Promise<unknown> {
        return this.db.hset(this.key, clientId, this.brokerId());
    }

    release(clientId: string): Promise<unknown> {
        return this.db.eval(RELEASE, 1, this.key, clientId, this.brokerId());
    }

    /** Whether another live broker instance has this client connected now. */
    async elsewhere(clientId: string): Promise<boolean> {
        const owner = await this.db.hget(this.key, clientId);
        if (owner === null || owner === this.brokerId()) {
            return false;
        }
        return (await this.db.exists(this.aliveKey(owner))) === 1;
    }
}
