/**
 * `persistence: redis`: two broker instances (BrokerService on aedes, each with its own listener) sharing one real
 * redis-server form one broker. Real sockets, real mqtt.js clients, a real Redis that is stopped and restarted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { BrokerService, type BrokerServiceOptions } from '../../src/broker/brokerService';
import { reconnectingSubscriber, TestClient } from '../lib/mqttClient';
import { RedisServer } from '../lib/redis';
import { hasCommand, skipWithReason } from '../lib/tools';
import { until } from '../lib/wait';
import { freePort } from './realHost';

const quiet = { info: (): void => undefined, warn: (): void => undefined, debug: (): void => undefined };

interface Instance {
    name: string;
    broker: BrokerService;
    port: number;
    /** What this instance would mirror into ioBroker: messages its own clients published. */
    mirrored: string[];
    /** storeConnection events: false = Redis lost, true = back. */
    store: boolean[];
}

describe('Shared broker on Redis (two instances, persistence: redis)', function () {
    this.timeout(60000);
    let redis: RedisServer | undefined;
    const dirs: string[] = [];
    const instances: Instance[] = [];
    const clients: TestClient[] = [];
    const cleanupClients: mqtt.MqttClient[] = [];

    before(async function () {
        if (!hasCommand('redis-server')) {
            skipWithReason(this, 'redis-server is not installed (apt-get install redis-server)');
        }
        redis = new RedisServer(await freePort());
        await redis.start();
    });
    after(async () => {
        await redis?.dispose();
        for (const dir of dirs) {
            rmSync(dir, { recursive: true, force: true });
        }
    });
    beforeEach(async () => {
        await redis!.command('FLUSHALL');
    });
    afterEach(async () => {
        for (const c of clients.splice(0)) {
            c.client.end(true);
        }
        for (const c of cleanupClients.splice(0)) {
            c.end(true);
        }
        for (const i of instances.splice(0)) {
            await i.broker.stop();
        }
    });

    async function instance(name: string, options: Partial<BrokerServiceOptions> = {}): Promise<Instance> {
        const dir = mkdtempSync(path.join(tmpdir(), `redis-broker-${name}-`));
        dirs.push(dir);
        const mirrored: string[] = [];
        const store: boolean[] = [];
        const broker = new BrokerService(
            {
                listeners: { bind: '127.0.0.1', port: 0, tls: undefined, webSocket: false, wsPort: 0 },
                persistence: 'redis',
                persistenceDir: dir,
                redisUrl: redis!.url,
                user: '',
                pass: '',
                maxClients: 1000,
                maxPayloadSizeBytes: 1048576,
                forceCleanSession: 'no',
                storeClientsTimeMin: 1440,
                maxQueuedMessages: 1000,
                ...options,
            },
            {
                clientPublish: (topic, payload) => mirrored.push(`${topic}=${payload.toString()}`),
                storeConnection: up => store.push(up),
            },
            quiet,
        );
        await broker.start();
        const started = { name, broker, port: broker.boundPort!, mirrored, store };
        instances.push(started);
        return started;
    }

    async function persistentSubscriber(
        ...args: Parameters<typeof reconnectingSubscriber>
    ): ReturnType<typeof reconnectingSubscriber> {
        const subscriber = await reconnectingSubscriber(...args);
        cleanupClients.push(subscriber.client);
        return subscriber;
    }

    /** Connects a persistent client: its session must be present and bring exactly `expected` queued messages. */
    async function expectSession(port: number, clientId: string, expected: string[]): Promise<void> {
        const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId, clean: false, reconnectPeriod: 0 });
        const got: string[] = [];
        c.on('message', (_t, payload) => got.push(payload.toString()));
        try {
            const connack = await new Promise<{ sessionPresent: boolean }>(resolve => c.once('connect', resolve));
            assert.equal(connack.sessionPresent, true, `the session of '${clientId}' is kept`);
            await until(() => got.length >= expected.length, 10000, `${expected.length} queued message(s)`);
            await new Promise(resolve => setTimeout(resolve, 200));
            assert.deepEqual(got, expected);
        } finally {
            c.end(true);
        }
    }

    async function client(port: number, options: Parameters<typeof TestClient.connect>[1] = {}): Promise<TestClient> {
        const c = await TestClient.connect(port, options);
        clients.push(c);
        return c;
    }

    it('a persistent session subscribing to several filters in one SUBSCRIBE gets its SUBACK (v3.1.1 and 5)', async () => {
        // aedes-persistence-redis waits for the broadcast of a subscription keyed by the first filter: aedes stores a
        // SUBSCRIBE's filters with one call per filter, so all but one call waited forever (no SUBACK)
        const a = await instance('a');
        for (const protocolVersion of [4, 5] as const) {
            const c = await client(a.port, {
                protocolVersion,
                clientId: `multi-${protocolVersion}`,
                clean: false,
                properties: protocolVersion === 5 ? { sessionExpiryInterval: 600 } : undefined,
            });
            const granted = await c.client.subscribeAsync({ 'm/1': { qos: 1 }, 'm/2': { qos: 1 }, 'm/3': { qos: 0 } });
            assert.deepEqual(
                granted.map(g => g.qos),
                [1, 1, 0],
            );
            const pub = await client(a.port);
            await pub.publish('m/2', `to ${protocolVersion}`, { qos: 1 });
            assert.equal((await c.waitForTopic('m/2')).payload.toString(), `to ${protocolVersion}`);
        }
    });

    it('delivers across instances at QoS 0, 1 and 2, once each; only the receiving instance mirrors', async () => {
        const a = await instance('a');
        const b = await instance('b');
        const sub = await client(b.port, { clientId: 'sub-on-b' });
        await sub.subscribe('x/#', 2);
        const pub = await client(a.port, { clientId: 'pub-on-a' });
        for (const qos of [0, 1, 2] as const) {
            await pub.publish(`x/q${qos}`, `v${qos}`, { qos });
        }
        await until(() => sub.messages.length >= 3, 10000, 'three messages on instance b');
        // a marker sent after them, the same way: a duplicate would have shown up before it
        await pub.publish('x/marker', 'm', { qos: 2 });
        await sub.waitForTopic('x/marker');
        const unmarked = <T extends { topic: string }>(messages: T[]): T[] =>
            messages.filter(m => m.topic !== 'x/marker');
        assert.deepEqual(
            unmarked(sub.messages)
                .map(m => `${m.topic}=${m.payload.toString()} qos${m.qos}`)
                .sort(),
            ['x/q0=v0 qos0', 'x/q1=v1 qos1', 'x/q2=v2 qos2'],
        );
        assert.deepEqual(a.mirrored.filter(m => m !== 'x/marker=m').sort(), ['x/q0=v0', 'x/q1=v1', 'x/q2=v2']);
        assert.deepEqual(b.mirrored, []);
        // and the other way round
        const subA = await client(a.port, { clientId: 'sub-on-a' });
        await subA.subscribe('y/#', 1);
        await sub.publish('y/back', 'from-b', { qos: 1 });
        assert.equal((await subA.waitForTopic('y/back')).payload.toString(), 'from-b');
        assert.deepEqual(b.mirrored, ['y/back=from-b']);
    });

    it('shares retained messages: published on a, delivered by b to a new subscriber', async () => {
        const a = await instance('a');
        const b = await instance('b');
        const pub = await client(a.port);
        await pub.publish('home/lamp', 'on', { qos: 1, retain: true });
        const late = await client(b.port);
        await late.subscribe('home/#', 1);
        const got = await late.waitForTopic('home/lamp');
        assert.equal(got.payload.toString(), 'on');
        assert.equal(got.retain, true);
        // cleared on b, gone for a new subscriber on a (which does get another retained message of the same filter)
        await late.publish('home/lamp', '', { qos: 1, retain: true });
        await late.publish('home/marker', 'm', { qos: 1, retain: true });
        await late.waitForTopic('home/marker');
        const later = await client(a.port);
        await later.subscribe('home/#', 1);
        await later.waitForTopic('home/marker');
        await new Promise(resolve => setTimeout(resolve, 300));
        assert.deepEqual(later.received('home/lamp'), []);
    });

    it('a persistent client that moves from a (stopped) to b gets every QoS 1 message queued meanwhile', async () => {
        const a = await instance('a');
        const b = await instance('b');
        const mover = await client(a.port, { clientId: 'mover', clean: false });
        await mover.subscribe('q/#', 1);
        await mover.end();
        await a.broker.stop();
        instances.splice(instances.indexOf(a), 1);

        const pub = await client(b.port);
        for (let i = 0; i < 20; i++) {
            await pub.publish('q/x', `m${i}`, { qos: 1 });
        }
        // aedes sends PUBACK before it queues a QoS 1 message: wait until b has handled all 20
        await until(() => b.mirrored.length >= 20, 10000, 'b has handled the 20 messages');
        const back = mqtt.connect(`mqtt://127.0.0.1:${b.port}`, {
            clientId: 'mover',
            clean: false,
            reconnectPeriod: 0,
        });
        const got: string[] = [];
        back.on('message', (_t, payload) => got.push(payload.toString()));
        const connack = await new Promise<{ sessionPresent: boolean }>(resolve => back.once('connect', resolve));
        try {
            assert.equal(connack.sessionPresent, true, 'b knows the session that was made on a');
            await until(() => got.length >= 20, 10000, '20 queued messages on b');
            // a marker sent after the queue was delivered: a duplicate would have shown up before it
            await pub.publish('q/x', 'marker', { qos: 1 });
            await until(() => got.includes('marker'), 10000, 'the marker');
            assert.equal(got.at(-1), 'marker');
            assert.deepEqual(
                got.slice(0, -1),
                Array.from({ length: 20 }, (_, i) => `m${i}`),
            );
        } finally {
            back.end(true);
        }
    });

    it('a takeover from a to b closes the old connection and keeps the session, even with storeClientsTime 0', async () => {
        const a = await instance('a', { storeClientsTimeMin: 0 });
        const b = await instance('b', { storeClientsTimeMin: 0 });
        const first = await client(a.port, { clientId: 'dev', clean: false });
        await first.subscribe('cmd/#', 1);
        const closed = new Promise<void>(resolve => first.client.once('close', () => resolve()));
        const second = await client(b.port, { clientId: 'dev', clean: false });
        await closed; // a dropped its connection when b registered the same client id
        await new Promise(resolve => setTimeout(resolve, 500)); // a's disconnect handling has run
        const pub = await client(a.port);
        await pub.publish('cmd/go', '1', { qos: 1 });
        assert.equal((await second.waitForTopic('cmd/go')).payload.toString(), '1');
        // the stored session (its subscriptions in Redis) survived a's disconnect handling, which would have dropped
        // it if a had taken dev for offline (storeClientsTime 0 drops a session at disconnect)
        assert.deepEqual(await redis!.command('HKEYS', 'client:dev'), ['cmd/#']);
    });

    it('a restarted instance does not expire a session that lives on another instance', async () => {
        const a = await instance('a', { storeClientsTimeMin: 1 });
        const dirOfA = dirs.at(-1)!;
        const b = await instance('b', { storeClientsTimeMin: 1 });
        const dev = await client(a.port, { clientId: 'dev', clean: false });
        await dev.subscribe('cmd/#', 1);
        await dev.end();
        const back = await client(b.port, { clientId: 'dev', clean: false }); // dev moved to b
        // a restarts with its record of dev's disconnect long overdue (storeClientsTime 1 min): its first sweep runs
        // before any aedes heartbeat of b has arrived
        await a.broker.stop();
        instances.splice(instances.indexOf(a), 1);
        writeFileSync(path.join(dirOfA, 'sessions.json'), JSON.stringify({ dev: Date.now() - 10 * 60_000 }));
        const a2 = await instance('a2', { storeClientsTimeMin: 1, persistenceDir: dirOfA });
        await new Promise(resolve => setTimeout(resolve, 500));
        await back.end();
        const pub = await client(a2.port);
        await pub.publish('cmd/kept', '3', { qos: 1 });
        await until(() => a2.mirrored.includes('cmd/kept=3'), 5000, 'a2 handled the message');
        await expectSession(b.port, 'dev', ['3']);
    });

    it('survives a Redis restart while both run: reports it, keeps clients, loses nothing, mirrors each once', async () => {
        const a = await instance('a');
        const b = await instance('b');
        const sub = await persistentSubscriber(b.port, 'steady', 'r/#');
        const pub = await client(a.port, { clientId: 'writer' });
        await pub.publish('r/before', '0', { qos: 1 });
        await until(() => sub.got.includes('r/before=0'), 5000, 'r/before');

        await redis!.stop();
        await until(() => a.store.includes(false) && b.store.includes(false), 10000, 'both report Redis lost');
        // published while Redis is down: aedes acknowledges QoS 1 at once, the message waits for Redis
        const during = Promise.all(Array.from({ length: 10 }, (_, i) => pub.publish('r/during', `d${i}`, { qos: 1 })));
        await new Promise(resolve => setTimeout(resolve, 1000));
        assert.equal(sub.client.connected && pub.client.connected, true, 'clients stay connected');
        await redis!.start();
        await until(() => a.store.at(-1) === true && b.store.at(-1) === true, 20000, 'both report Redis back');
        await during;
        const expected = Array.from({ length: 10 }, (_, i) => `r/during=d${i}`);
        await until(() => expected.every(m => sub.got.includes(m)), 15000, 'the 10 messages sent during the outage');
        await pub.publish('r/after', '1', { qos: 1 });
        await until(() => sub.got.includes('r/after=1'), 5000, 'r/after');
        assert.deepEqual(
            sub.got.filter(m => m.startsWith('r/during=')),
            expected,
        );
        assert.equal(a.mirrored.filter(m => m.startsWith('r/during=')).length, 10, 'a mirrored each once');
        assert.deepEqual(b.mirrored, []);
    });

    it('a persistent subscriber whose instance missed messages live (its Redis subscription dropped) gets them', async () => {
        const a = await instance('a');
        const b = await instance('b');
        const sub = await persistentSubscriber(b.port, 'watcher', 'm/#', {
            will: { topic: 'wills/watcher', payload: Buffer.from('gone'), qos: 1, retain: false },
        });
        const wills = await client(a.port, { clientId: 'will-watcher' });
        await wills.subscribe('wills/#', 1);
        const pub = await client(a.port, { clientId: 'sender' });
        // the subscribing connections of both instances drop; a's publishing connection does not
        await redis!.command('CLIENT', 'KILL', 'TYPE', 'pubsub');
        for (let i = 0; i < 5; i++) {
            await pub.publish('m/x', `${i}`, { qos: 1 });
        }
        const expected = ['0', '1', '2', '3', '4'].map(v => `m/x=${v}`);
        await until(() => expected.every(m => sub.got.includes(m)), 15000, 'the 5 messages');
        assert.deepEqual(sub.got, expected);
        assert.ok(sub.connects >= 2, 'b closed the connection once, so the client reconnected and got its queue');
        // a marker from b, the way a will from b would come, sent after b closed the connection
        const fromB = await client(b.port, { clientId: 'marker-on-b' });
        await fromB.publish('wills/marker', 'm', { qos: 1 });
        await wills.waitForTopic('wills/marker');
        assert.deepEqual(wills.received('wills/watcher'), [], 'closing it for its queue is no abnormal end: no will');
    });
});
