"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.ClusterPresence = void 0;
exports.connectRedis = connectRedis;
exports.probeRedis = probeRedis;
/**
 * `persistence: redis`: the connections to the Redis server that several broker instances share. Sessions,
 * subscriptions, queues and retained messages live there (aedes-persistence-redis), and messages travel between
 * the instances through its pub/sub (mqemitter-redis). This module owns the connections, the start-up probe and
 * the record of which instance has which client connected.
 */
const ioredis_1 = __importDefault(require("ioredis"));
const timers_1 = require("../timers");
/**
 * A connection for the broker: while Redis is away, commands wait in ioredis' offline queue (they neither fail nor
 * get lost) and the connection retries every 0.2–5 s until Redis is back.
 */
function connectRedis(url, name) {
    return new ioredis_1.default(url, {
        connectionName: name,
        maxRetriesPerRequest: null,
        enableOfflineQueue: true,
        retryStrategy: times => Math.min(times * 200, 5000),
    });
}
/** Resolves when Redis answers PING within `timeoutMs`; rejects with the reason otherwise. Never retries. */
async function probeRedis(url, timeoutMs) {
    const probe = new ioredis_1.default(url, {
        lazyConnect: true,
        connectTimeout: timeoutMs,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
    });
    let cause;
    probe.on('error', (err) => (cause ??= err)); // the socket's reason, e.g. ECONNREFUSED
    try {
        await probe.connect();
        await probe.ping();
    }
    catch (err) {
        throw cause ?? err;
    }
    finally {
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
class ClusterPresence {
    db;
    brokerId;
    key;
    timer;
    constructor(db, brokerId, key = 'mqtt-gateway:online') {
        this.db = db;
        this.brokerId = brokerId;
        this.key = key;
    }
    aliveKey(id) {
        return `mqtt-gateway:broker:${id}`;
    }
    /** Says "alive" now and every 30 s (the key lives 90 s). */
    startHeartbeat() {
        this.beat();
        this.timer ??= timers_1.timers.setInterval(() => this.beat(), HEARTBEAT_MS);
    }
    /** Refreshes the alive key now (also right after Redis is back from an outage). */
    beat() {
        const id = this.brokerId();
        if (id) {
            this.db.set(this.aliveKey(id), String(Date.now()), 'PX', 3 * HEARTBEAT_MS).catch(() => undefined);
        }
    }
    stopHeartbeat() {
        timers_1.timers.clearInterval(this.timer);
        this.timer = undefined;
    }
    online(clientId) {
        return this.db.hset(this.key, clientId, this.brokerId());
    }
    release(clientId) {
        return this.db.eval(RELEASE, 1, this.key, clientId, this.brokerId());
    }
    /** Whether another live broker instance has this client connected now. */
    async elsewhere(clientId) {
        const owner = await this.db.hget(this.key, clientId);
        if (owner === null || owner === this.brokerId()) {
            return false;
        }
        return (await this.db.exists(this.aliveKey(owner))) === 1;
    }
}
exports.ClusterPresence = ClusterPresence;
