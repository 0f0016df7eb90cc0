/**
 * `persistence: redis` for the broker: sessions, queues and retained messages in Redis (aedes-persistence-redis),
 * messages between broker instances over Redis pub/sub (mqemitter-redis), which instance has which client
 * (redisLink.ts). Reports an outage and the return of Redis, and after an outage has the clients that missed queued
 * messages reconnect. Loads ioredis and the Redis packages only when it is opened.
 */
import type { Aedes } from 'aedes';
import {
    closeRedisEmitterAtOnce,
    closeWithoutWill,
    connectedClients,
    onRedisEmitterError,
    redisQueues,
} from './aedesInternals';
import type { BrokerEvents, BrokerLogger, BrokerServiceOptions } from './brokerTypes';
import { BrokerPersistence, type AedesPersistence } from './persistence';
import type * as RedisLink from './redisLink';
import { errorText } from '../errorText';
import { redisUrlForLog } from '../settings';
import { timers, delay, type Timer } from '../timers';

export interface RedisStore {
    persistence: BrokerPersistence;
    mq: unknown;
    /** Which broker instance has which client connected. */
    presence: RedisLink.ClusterPresence;
    /** The broker that runs on this store (its id is the instance's in Redis). */
    attach(broker: Aedes): void;
    /** The broker is stopping: no more outage reports, redeliveries or heartbeats. */
    detach(): void;
    /** After the broker closed: its last writes (at most 0.3 s), then the connections are cut. Never throws. */
    close(): Promise<void>;
}

/**
 * Sessions, queues and retained messages in Redis; messages between broker instances over Redis pub/sub.
 * Three connections: the store's, one to publish and one to subscribe (a subscribing connection can do
 * nothing else). While Redis is away their commands wait; the store's connection reports the outage.
 */
export async function openRedisStore(
    url: string,
    options: Pick<BrokerServiceOptions, 'storeClientsTimeMin' | 'maxQueuedMessages'>,
    events: Pick<BrokerEvents, 'storeConnection'>,
    log: BrokerLogger,
): Promise<RedisStore> {
    const { default: RedisPersistence } = await import('aedes-persistence-redis/asyncPersistence.js');
    const { default: mqEmitterRedis } = await import('mqemitter-redis');
    // loaded only with persistence: redis (ioredis alone is several MB of memory)
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load (CommonJS output; tsx in tests)
    const { ClusterPresence, connectRedis } = require('./redisLink') as typeof RedisLink;
    const store = connectRedis(url, 'mqtt-gateway store');
    const pub = connectRedis(url, 'mqtt-gateway pub');
    const sub = connectRedis(url, 'mqtt-gateway sub');
    /** The broker on this store and the store as it is given to it, from `attach` to `detach`. */
    let running: { broker: Aedes; persistence: BrokerPersistence } | undefined;
    /** The broker is stopping (it closes the connections itself). */
    let stopped = false;
    let redeliverTimer: Timer | undefined;
    const presence = new ClusterPresence(store, () => running?.broker.id ?? '');
    let up = true;
    const report = (nowUp: boolean, reason: string): void => {
        if (nowUp === up || stopped) {
            // unchanged, or the broker is stopping (it closes the connections itself)
            return;
        }
        up = nowUp;
        if (nowUp) {
            log.info(`Redis ${redisUrlForLog(url)} is back: the broker is shared again`);
        } else {
            log.warn(
                `Lost the connection to Redis ${redisUrlForLog(url)} (${reason}): connected clients stay connected, ` +
                    'their messages wait until Redis is back',
            );
        }
        events.storeConnection?.(nowUp);
    };
    let lastError = 'connection closed';
    for (const connection of [store, pub, sub]) {
        connection.on('error', (err: Error) => {
            lastError = err.message;
            log.debug(`Redis: ${err.message}`);
        });
    }
    let outage = false;
    store.on('close', () => {
        outage ||= !stopped;
        report(false, lastError);
    });
    // Redis pub/sub does not buffer: what another instance sent on before this instance's subscription was back
    // reached no live client here, but its QoS 1/2 copies for persistent sessions are queued in Redis
    const afterOutage = (): void => {
        if (!outage) {
            return;
        }
        timers.clearTimeout(redeliverTimer);
        redeliverTimer = timers.setTimeout(() => {
            if (store.status !== 'ready' || sub.status !== 'ready') {
                return; // the other connection's 'ready' schedules this again
            }
            outage = false;
            if (running) {
                closeClientsWithQueues(running.broker, running.persistence, log).catch((err: unknown) =>
                    log.warn(`Redis: ${errorText(err)}`),
                );
            }
        }, 2000);
    };
    store.on('ready', () => {
        if (!stopped) {
            presence.beat();
        }
        report(true, '');
        afterOutage();
    });
    sub.on('close', () => {
        outage ||= !stopped;
    });
    sub.on('ready', afterOutage);
    const keepMin = options.storeClientsTimeMin;
    const persistence = new RedisPersistence({
        conn: store,
        // queued messages of an offline session expire with the session (storeClientsTime)
        // (an hour with storeClientsTime 0: sessions go at disconnect, only messages in flight are stored)
        packetTTL: () => (keepMin > 0 ? keepMin * 60 : keepMin === 0 ? 3600 : 0),
        maxSessionDelivery: options.maxQueuedMessages > 0 ? options.maxQueuedMessages : 1_000_000,
    });
    const mq = mqEmitterRedis({ pubConn: pub, subConn: sub, matchEmptyLevels: true });
    onRedisEmitterError(mq, err => log.debug(`Redis pub/sub: ${err.message}`));
    const wrapped = new BrokerPersistence(persistence as unknown as AedesPersistence, {
        keepsV5Fields: true,
        // queued messages expire with packetTTL; maxSessionDelivery bounds a queue
        queues: redisQueues(store),
        onError: err => log.warn(`Redis: ${errorText(err)}`),
    });
    // aedes closes the pub/sub connections with QUIT, which waits for (or fails without) Redis: cut them instead
    closeRedisEmitterAtOnce(mq, [pub, sub]);
    return {
        persistence: wrapped,
        mq,
        presence,
        attach: broker => {
            running = { broker, persistence: wrapped };
        },
        detach: () => {
            stopped = true;
            running = undefined;
            timers.clearTimeout(redeliverTimer);
            presence.stopHeartbeat();
        },
        close: async () => {
            await Promise.race([persistence.destroy(), delay(300)]).catch(() => undefined);
            for (const connection of [store, pub, sub]) {
                connection.disconnect();
            }
        },
    };
}

/**
 * After a Redis outage: a connected persistent client with messages still queued for it in Redis missed them
 * live; its connection is closed, so that it reconnects (every MQTT client library does) and aedes delivers the
 * queue, as at any reconnect.
 */
async function closeClientsWithQueues(broker: Aedes, persistence: BrokerPersistence, log: BrokerLogger): Promise<void> {
    for (const client of connectedClients(broker)) {
        if (client.clean || client.closed) {
            continue;
        }
        const queued = await persistence.queued(client.id);
        if (queued > 0 && !client.closed) {
            log.info(
                `Client '${client.id}' has ${queued} message(s) waiting from the Redis outage: closing its connection, so that it reconnects and receives them`,
            );
            // not an abnormal end of the client: its will must not be published (it is stored again when the
            // client reconnects)
            closeWithoutWill(client);
        }
    }
}
