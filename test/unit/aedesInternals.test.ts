/**
 * The assumptions src/broker/aedesInternals.ts makes about aedes' internals, each checked against the installed aedes
 * (and mqemitter-redis): after an upgrade, a failure here names the item that broke.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Aedes, type Client } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import {
    closeRedisEmitterAtOnce,
    closeWithoutWill,
    connectedClients,
    deliverAtHighestQos,
    deliverDirect,
    hasSubscription,
    isConnectedHere,
    levelQueues,
    markDropped,
    onRedisEmitterError,
    redisQueues,
    skipDroppedPublishes,
} from '../../src/broker/aedesInternals';
import type { StoredQueues } from '../../src/broker/persistence';
import { RedisServer } from '../lib/redis';
import { hasCommand, skipWithReason } from '../lib/tools';

describe('aedes internals the broker relies on (aedesInternals.ts)', function () {
    this.timeout(10000);
    let broker: Aedes;
    let server: Server;
    let port: number;
    const clients: MqttClient[] = [];
    const preConnected: Client[] = [];

    beforeEach(async () => {
        preConnected.length = 0;
        broker = await Aedes.createBroker({
            preConnect: (client, _packet, done) => {
                preConnected.push(client);
                deliverAtHighestQos(client);
                done(null, true);
            },
            authorizePublish: (_client, packet, done) => {
                if (packet.topic === 'drop/me') {
                    markDropped(packet);
                }
                done(null);
            },
        });
        skipDroppedPublishes(broker);
        server = createServer(socket => broker.handle(socket));
        await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
        port = (server.address() as { port: number }).port;
    });
    afterEach(async () => {
        for (const c of clients.splice(0)) {
            c.end(true);
        }
        await new Promise<void>(resolve => broker.close(() => resolve()));
        await new Promise<void>(resolve => server.close(() => resolve()));
    });
    async function connect(options: mqtt.IClientOptions = {}): Promise<MqttClient> {
        const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, ...options });
        clients.push(c);
        return c;
    }
    function nextMessage(c: MqttClient): Promise<{ topic: string; qos: number; ids: unknown }> {
        return new Promise(resolve =>
            c.once('message', (topic, _payload, packet) =>
                resolve({ topic, qos: packet.qos, ids: packet.properties?.subscriptionIdentifier }),
            ),
        );
    }

    it('item 1: a client has deliver0/deliverQoS/duplicates at preConnect, and subscriptions bind to the replaced ones', async () => {
        const c = await connect({ protocolVersion: 5, clientId: 'one' });
        const client = preConnected[0]!;
        const raw = client as unknown as Record<string, unknown>;
        assert.equal(typeof raw.deliver0, 'function');
        assert.equal(typeof raw.deliverQoS, 'function');
        assert.equal(typeof raw.duplicates, 'object');
        await c.subscribeAsync('a/#', { qos: 0, properties: { subscriptionIdentifier: 4 } });
        await c.subscribeAsync('a/+', { qos: 1, properties: { subscriptionIdentifier: 5 } });
        // aedes' record of a subscription: its granted QoS and its identifier
        const subscriptions = raw.subscriptions as Record<string, { qos: number; si?: number }>;
        assert.deepEqual([subscriptions['a/#']?.qos, subscriptions['a/#']?.si], [0, 4]);
        const got = nextMessage(c);
        broker.publish(
            { cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 1, retain: false, dup: false },
            () => undefined,
        );
        // only the replaced delivery gives one copy at QoS 1 with both identifiers
        const message = await got;
        assert.equal(message.qos, 1);
        assert.deepEqual(Array.isArray(message.ids) ? [...(message.ids as number[])].sort() : message.ids, [4, 5]);
    });

    it('item 2: deliverDirect reaches the one client through its original delivery', async () => {
        const c = await connect({ clientId: 'direct' });
        await c.subscribeAsync('d/#', { qos: 1 });
        const got = nextMessage(c);
        deliverDirect(
            preConnected[0]!,
            { cmd: 'publish', topic: 'd/x', payload: Buffer.from('v'), qos: 1, retain: false, dup: false },
            () => undefined,
        );
        assert.equal((await got).topic, 'd/x');
    });

    it('item 3: broker.clients holds the connected clients by id', async () => {
        await connect({ clientId: 'here' });
        assert.equal(isConnectedHere(broker, 'here'), true);
        assert.equal(isConnectedHere(broker, 'elsewhere'), false);
        assert.deepEqual(
            connectedClients(broker).map(c => c.id),
            ['here'],
        );
    });

    it('item 4: closeWithoutWill closes a client and its will is not published', async () => {
        const watcher = await connect({ clientId: 'watcher' });
        await watcher.subscribeAsync('will/#', { qos: 1 });
        await connect({
            clientId: 'mortal',
            will: { topic: 'will/x', payload: Buffer.from('dead'), qos: 1, retain: false },
        });
        const client = connectedClients(broker).find(c => c.id === 'mortal')!;
        const published: string[] = [];
        broker.on('publish', packet => published.push(packet.topic));
        const gone = new Promise(resolve => broker.once('clientDisconnect', resolve));
        closeWithoutWill(client);
        await gone;
        // a marker after the close, through the same steps (QoS 1): the will would have been published before it
        await new Promise<void>(resolve =>
            broker.publish(
                { cmd: 'publish', topic: 'will/marker', payload: Buffer.alloc(0), qos: 1, retain: false, dup: false },
                () => resolve(),
            ),
        );
        assert.deepEqual(
            published.filter(t => t.startsWith('will/')),
            ['will/marker'],
        );
    });

    it('item 5: aedes publishes a client message through broker.publish: a marked one is acknowledged, never delivered', async () => {
        const sub = await connect({ clientId: 'sub' });
        await sub.subscribeAsync('#', { qos: 1 });
        const pub = await connect({ clientId: 'pub' });
        const got = nextMessage(sub);
        await pub.publishAsync('drop/me', 'x', { qos: 1 }); // resolves on PUBACK
        await pub.publishAsync('keep/me', 'y', { qos: 1 });
        assert.equal((await got).topic, 'keep/me');
    });

    it('item 6: a subscription is in the client record once SUBACK is sent, not before', async () => {
        const c = await connect({ clientId: 'record' });
        const client = preConnected[0]!;
        assert.equal(hasSubscription(client, 's/#'), false);
        await c.subscribeAsync('s/#', { qos: 1 });
        assert.equal(hasSubscription(client, 's/#'), true);
        assert.equal(hasSubscription(client, 's/+'), false);
    });

    it('item 7: mqemitter-redis reports errors on its state emitter and closes through _close after setting closing', async () => {
        const { default: mqEmitterRedis } = await import('mqemitter-redis');
        const { default: Redis } = await import('ioredis');
        const pubConn = new Redis({ lazyConnect: true, port: 1 });
        const subConn = new Redis({ lazyConnect: true, port: 1 });
        const mq = mqEmitterRedis({ pubConn, subConn });
        const internal = mq as unknown as { _close?: unknown; closing?: boolean; state: NodeJS.EventEmitter };
        assert.equal(typeof internal._close, 'function');
        const errors: string[] = [];
        onRedisEmitterError(mq, err => errors.push(err.message));
        internal.state.emit('error', new Error('redis away'));
        assert.deepEqual(errors, ['redis away']);
        let cut = 0;
        closeRedisEmitterAtOnce(mq, [{ disconnect: () => cut++ }, { disconnect: () => cut++ }]);
        await new Promise<void>(resolve => (mq as unknown as { close(cb: () => void): void }).close(resolve));
        assert.equal(cut, 2);
        assert.equal(internal.closing, true);
        pubConn.disconnect();
        subConn.disconnect();
    });
});

/** Item 8: the queue layouts of the installed stores, written through the stores' own interface. */
describe("the stores' queue layouts the broker relies on (aedesInternals.ts item 8)", function () {
    this.timeout(20000);
    interface QueueStore {
        outgoingEnqueueCombi(subs: { clientId: string }[], packet: object): Promise<unknown>;
        outgoingStream(client: { id: string }): AsyncIterable<{ topic: string }>;
    }
    const packet = (brokerId: string, brokerCounter: number): object => ({
        cmd: 'publish',
        topic: `t/${brokerId}/${brokerCounter}`,
        payload: Buffer.from('x'),
        qos: 1,
        retain: false,
        dup: false,
        brokerId,
        brokerCounter,
    });
    async function topics(store: QueueStore, clientId: string): Promise<string[]> {
        const found: string[] = [];
        for await (const p of store.outgoingStream({ id: clientId })) {
            found.push(p.topic);
        }
        return found;
    }
    /** Queues of 'a:b c' (an id that needs encoding) and of 'a' (a prefix of it) through the store; checks `queues`. */
    async function checkLayout(store: QueueStore, queues: StoredQueues): Promise<void> {
        await store.outgoingEnqueueCombi([{ clientId: 'a:b c' }, { clientId: 'a' }], packet('old', 1));
        await store.outgoingEnqueueCombi([{ clientId: 'a:b c' }], packet('new', 2));
        await store.outgoingEnqueueCombi([{ clientId: 'a:b c' }], packet('new', 10));
        assert.equal(await queues.count('a:b c'), 3);
        assert.equal(await queues.count('a'), 1);
        if (queues.list && queues.remove) {
            const entries = await queues.list('a:b c');
            assert.deepEqual(
                entries.map(e => e.brokerId),
                ['new', 'new', 'old'],
                'by broker id, then age',
            );
            await queues.remove([entries[0]!.key]);
            assert.deepEqual(await topics(store, 'a:b c'), ['t/new/10', 't/old/1'], 'the oldest of "new" went');
        }
        await queues.clear('a:b c');
        assert.equal(await queues.count('a:b c'), 0);
        assert.deepEqual(await topics(store, 'a:b c'), []);
        assert.deepEqual(await topics(store, 'a'), ['t/old/1'], "another client's queue stays");
    }

    it('aedes-persistence-level: outgoing:<client>:<broker id>:<counter>', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'level-layout-'));
        const { Level } = await import('level');
        const db = new Level<string, unknown>(dir);
        try {
            await db.open();
            const { default: persistenceLevel } = await import('aedes-persistence-level');
            const store = persistenceLevel(db) as QueueStore & { setup(broker: unknown): Promise<void> };
            await store.setup({});
            let flushed = 0;
            await checkLayout(
                store,
                levelQueues(db, () => Promise.resolve(void flushed++)),
            );
            assert.ok(flushed > 0, 'pending writes are flushed before the keys are read');
        } finally {
            await db.close();
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it('aedes-persistence-redis: the list outgoing:<client>', async function () {
        if (!hasCommand('redis-server')) {
            skipWithReason(this, 'redis-server is not installed (apt-get install redis-server)');
        }
        const port = await new Promise<number>(resolve => {
            const probe = createServer().listen(0, '127.0.0.1', () => {
                const { port: free } = probe.address() as { port: number };
                probe.close(() => resolve(free));
            });
        });
        const redis = new RedisServer(port);
        await redis.start();
        const { default: Redis } = await import('ioredis');
        const conn = new Redis(redis.url);
        try {
            const { default: RedisStore } = await import('aedes-persistence-redis/asyncPersistence.js');
            const store = new RedisStore({ conn }) as unknown as QueueStore;
            await checkLayout(store, redisQueues(conn));
        } finally {
            conn.disconnect();
            await redis.dispose();
        }
    });
});
