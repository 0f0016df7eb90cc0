"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.openRedisStore = openRedisStore;
const aedesInternals_1 = require("./aedesInternals");
const persistence_1 = require("./persistence");
const errorText_1 = require("../errorText");
const settings_1 = require("../settings");
const timers_1 = require("../timers");
/**
 * Sessions, queues and retained messages in Redis; messages between broker instances over Redis pub/sub.
 * Three connections: the store's, one to publish and one to subscribe (a subscribing connection can do
 * nothing else). While Redis is away their commands wait; the store's connection reports the outage.
 */
async function openRedisStore(url, options, events, log) {
    const { default: RedisPersistence } = await Promise.resolve().then(() => __importStar(require('aedes-persistence-redis/asyncPersistence.js')));
    const { default: mqEmitterRedis } = await Promise.resolve().then(() => __importStar(require('mqemitter-redis')));
    // loaded only with persistence: redis (ioredis alone is several MB of memory)
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load (CommonJS output; tsx in tests)
    const { ClusterPresence, connectRedis } = require('./redisLink');
    const store = connectRedis(url, 'mqtt-gateway store');
    const pub = connectRedis(url, 'mqtt-gateway pub');
    const sub = connectRedis(url, 'mqtt-gateway sub');
    /** The broker on this store and the store as it is given to it, from `attach` to `detach`. */
    let running;
    /** The broker is stopping (it closes the connections itself). */
    let stopped = false;
    let redeliverTimer;
    const presence = new ClusterPresence(store, () => running?.broker.id ?? '');
    let up = true;
    const report = (nowUp, reason) => {
        if (nowUp === up || stopped) {
            // unchanged, or the broker is stopping (it closes the connections itself)
            return;
        }
        up = nowUp;
        if (nowUp) {
            log.info(`Redis ${(0, settings_1.redisUrlForLog)(url)} is back: the broker is shared again`);
        }
        else {
            log.warn(`Lost the connection to Redis ${(0, settings_1.redisUrlForLog)(url)} (${reason}): connected clients stay connected, ` +
                'their messages wait until Redis is back');
        }
        events.storeConnection?.(nowUp);
    };
    let lastError = 'connection closed';
    for (const connection of [store, pub, sub]) {
        connection.on('error', (err) => {
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
    const afterOutage = () => {
        if (!outage) {
            return;
        }
        timers_1.timers.clearTimeout(redeliverTimer);
        redeliverTimer = timers_1.timers.setTimeout(() => {
            if (store.status !== 'ready' || sub.status !== 'ready') {
                return; // the other connection's 'ready' schedules this again
            }
            outage = false;
            if (running) {
                closeClientsWithQueues(running.broker, running.persistence, log).catch((err) => log.warn(`Redis: ${(0, errorText_1.errorText)(err)}`));
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
    (0, aedesInternals_1.onRedisEmitterError)(mq, err => log.debug(`Redis pub/sub: ${err.message}`));
    const wrapped = new persistence_1.BrokerPersistence(persistence, {
        keepsV5Fields: true,
        // queued messages expire with packetTTL; maxSessionDelivery bounds a queue
        queues: (0, aedesInternals_1.redisQueues)(store),
        onError: err => log.warn(`Redis: ${(0, errorText_1.errorText)(err)}`),
    });
    // aedes closes the pub/sub connections with QUIT, which waits for (or fails without) Redis: cut them instead
    (0, aedesInternals_1.closeRedisEmitterAtOnce)(mq, [pub, sub]);
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
            timers_1.timers.clearTimeout(redeliverTimer);
            presence.stopHeartbeat();
        },
        close: async () => {
            await Promise.race([persistence.destroy(), (0, timers_1.delay)(300)]).catch(() => undefined);
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
async function closeClientsWithQueues(broker, persistence, log) {
    for (const client of (0, aedesInternals_1.connectedClients)(broker)) {
        if (client.clean || client.closed) {
            continue;
        }
        const queued = await persistence.queued(client.id);
        if (queued > 0 && !client.closed) {
            log.info(`Client '${client.id}' has ${queued} message(s) waiting from the Redis outage: closing its connection, so that it reconnects and receives them`);
            // not an abnormal end of the client: its will must not be published (it is stored again when the
            // client reconnects)
            (0, aedesInternals_1.closeWithoutWill)(client);
        }
    }
}
