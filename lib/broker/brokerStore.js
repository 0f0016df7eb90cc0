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
exports.openStore = openStore;
/**
 * The broker's store by `persistence`: memory (lost at stop), disk (LevelDB in the instance's folder, with the
 * retained index in memory and same-turn write batching) or Redis (redisStore.ts), each wrapped in the adapter's
 * persistence (persistence.ts); and how each is closed once the broker has closed.
 */
const node_fs_1 = require("node:fs");
const aedesInternals_1 = require("./aedesInternals");
const persistence_1 = require("./persistence");
const redisStore_1 = require("./redisStore");
const retainedIndex_1 = require("./retainedIndex");
const writeBatcher_1 = require("./writeBatcher");
const errorText_1 = require("../errorText");
/** Opens the store that `options.persistence` names. */
async function openStore(options, events, log) {
    const onError = (err) => log.warn(`Broker store: ${(0, errorText_1.errorText)(err)}`);
    if (options.persistence === 'memory') {
        const { default: memory } = await Promise.resolve().then(() => __importStar(require('aedes-persistence')));
        const store = memory();
        return {
            persistence: new persistence_1.BrokerPersistence(store, { keepsV5Fields: true, onError }),
            close: () => Promise.resolve(),
        };
    }
    (0, node_fs_1.mkdirSync)(options.persistenceDir, { recursive: true });
    if (options.persistence === 'redis') {
        const redis = await (0, redisStore_1.openRedisStore)(options.redisUrl ?? '', options, events, log);
        return { persistence: redis.persistence, mq: redis.mq, redis, close: () => redis.close() };
    }
    const { Level } = await Promise.resolve().then(() => __importStar(require('level')));
    const persistenceLevel = (await Promise.resolve().then(() => __importStar(require('aedes-persistence-level')))).default;
    const db = new Level(options.persistenceDir);
    await db.open();
    const retained = new retainedIndex_1.RetainedIndex({
        onError: err => log.warn(`Cannot store retained messages: ${(0, errorText_1.errorText)(err)}`),
    });
    const writes = (0, writeBatcher_1.batchWrites)(db);
    const store = persistenceLevel(db);
    return {
        persistence: new persistence_1.BrokerPersistence(store, {
            // retained lookups from memory instead of a LevelDB scan per subscription (see retainedIndex.ts)
            retainedIndex: retained,
            keepsV5Fields: false,
            // a queue is counted with what was queued, not only with what reached the disk
            queues: (0, aedesInternals_1.levelQueues)(db, () => writes.flush()),
            clientState: (0, aedesInternals_1.levelClientState)(db, () => writes.flush()),
            maxQueued: options.maxQueuedMessages,
            onQueueDropped: (clientId, max) => events.dropped?.(`queue of offline client '${clientId}' is full (maxQueuedMessages ${max}): oldest message dropped`, clientId),
            onError,
        }),
        close: async () => {
            await retained.flush();
            await writes.flush();
            await db.close().catch(() => undefined);
        },
    };
}
