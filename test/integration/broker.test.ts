/**
 * MQTT 3.1.1 semantics of the embedded broker (BrokerService on aedes), on real sockets with real clients.
 * The ioBroker side is covered by the suites that run on a real js-controller.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import type { Packet } from 'mqtt-packet';
import { hashPassword, type Account } from '../../src/broker/accessControl';
import type { BrokerEvents, BrokerServiceOptions } from '../../src/broker/brokerService';
import { quiet, startBroker, webSocketPort, type Started } from '../lib/testBroker';
import { ClientService } from '../../src/client/clientService';
import { makeCertificates } from '../lib/certs';
import { TestClient } from '../lib/mqttClient';
import { RawClient } from '../lib/rawMqtt';
import { hasCommand } from '../lib/tools';
import { until, waitForEvent } from '../lib/wait';

describe('Broker semantics (aedes + our policy, real sockets)', function () {
    this.timeout(20000);
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
        for (const cleanup of cleanups.splice(0).reverse()) {
            await cleanup();
        }
    });
    async function broker(options: Partial<BrokerServiceOptions> = {}, events: BrokerEvents = {}): Promise<Started> {
        const started = await startBroker(options, events);
        cleanups.push(() => started.broker.stop());
        return started;
    }
    async function client(port: number, options: Parameters<typeof TestClient.connect>[1] = {}): Promise<TestClient> {
        const c = await TestClient.connect(port, options);
        cleanups.push(() => void c.client.end(true));
        return c;
    }

    it('relays messages between clients byte for byte', async () => {
        const { port, published } = await broker();
        const sub = await client(port);
        await sub.subscribe('bin/#', 1);
        const pub = await client(port, { clientId: 'pub' });
        const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x0a]);
        await pub.publish('bin/x', bytes, { qos: 1 });
        const got = await sub.waitForTopic('bin/x');
        assert.ok(got.payload.equals(bytes));
        await until(() => published.length > 0, 5000, 'the clientPublish event');
        assert.deepEqual(
            published.map(p => [p.topic, p.clientId]),
            [['bin/x', 'pub']],
        );
    });

    it('keeps retained messages for late subscribers and clears them with an empty retained payload', async () => {
        const { port } = await broker();
        const pub = await client(port);
        await pub.publish('r/a', 'kept', { qos: 1, retain: true });
        const late = await client(port);
        await late.subscribe('r/#');
        const got = await late.waitForTopic('r/a');
        assert.equal(got.payload.toString(), 'kept');
        assert.equal(got.retain, true);
        await pub.publish('r/a', '', { qos: 1, retain: true });
        const later = await client(port);
        await later.subscribe('r/#');
        await pub.publish('r/marker', 'm', { qos: 1 });
        await later.waitForTopic('r/marker');
        assert.equal(later.received('r/a').length, 0, 'the retained message was cleared');
    });

    it('delivers QoS 0, 1 and 2 with the granted QoS and fresh message ids', async () => {
        const { port } = await broker();
        const raw = await RawClient.open(port);
        cleanups.push(() => raw.destroy());
        await raw.connect('raw-q');
        raw.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q/#', qos: 2 }] });
        await raw.waitFor(p => p.cmd === 'suback');
        const pub = await client(port);
        await pub.publish('q/0', 'a', { qos: 0 });
        await pub.publish('q/1', 'b', { qos: 1 });
        await pub.publish('q/1', 'c', { qos: 1 });
        await pub.publish('q/2', 'd', { qos: 2 });
        const publishes = async (n: number): Promise<Packet[]> => {
            await raw.waitFor(() => raw.packets.filter(p => p.cmd === 'publish').length >= n);
            return raw.packets.filter(p => p.cmd === 'publish');
        };
        const got = (await publishes(4)) as (Packet & { qos: number; messageId?: number; topic: string })[];
        for (const p of got.filter(p => p.qos > 0)) {
            raw.send({ cmd: p.qos === 1 ? 'puback' : 'pubrec', messageId: p.messageId });
        }
        assert.deepEqual(
            got.map(p => [p.topic, p.qos]),
            [
                ['q/0', 0],
                ['q/1', 1],
                ['q/1', 1],
                ['q/2', 2],
            ],
        );
        const ids = got.filter(p => p.qos > 0).map(p => p.messageId);
        assert.equal(new Set(ids).size, ids.length, `message ids must differ: ${ids.join(',')}`);
    });

    it('gives overlapping subscriptions one copy at the highest granted QoS [MQTT-3.3.5-1]', async () => {
        const { port } = await broker();
        const sub = await client(port);
        await sub.client.subscribeAsync({ 'o/#': { qos: 0 }, '+/x': { qos: 2 }, 'o/+': { qos: 1 } });
        const pub = await client(port);
        await pub.publish('o/x', 'once', { qos: 2 });
        await pub.publish('o/y', 'two', { qos: 2 });
        await pub.publish('o/marker', 'm', { qos: 0 });
        await sub.waitForTopic('o/marker');
        await sub.waitForTopic('o/y');
        assert.deepEqual(
            sub.received('o/x').map(m => m.qos),
            [2],
        );
        assert.deepEqual(
            sub.received('o/y').map(m => m.qos),
            [1],
        );
    });

    it('loses nothing when retained and plain messages interleave (aedes alone drops the overtaken ones)', async () => {
        // a retained message is stored before it is delivered, so a later plain message can overtake it; aedes'
        // duplicate check ('broker counter must rise') then drops the retained one — half of them here
        const dir = mkdtempSync(path.join(tmpdir(), 'mqtt-gateway-persist-'));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        const { port } = await broker({ persistence: 'disk', persistenceDir: dir });
        const sub = await client(port);
        await sub.subscribe('#');
        const a = await client(port);
        const b = await client(port);
        for (let i = 0; i < 50; i++) {
            void a.client.publishAsync(`ret/${i}`, 'r', { retain: true });
            void b.client.publishAsync(`plain/${i}`, 'p');
        }
        await until(() => sub.messages.length >= 100, 10000, 'all 100 messages').catch(() => undefined);
        assert.equal(sub.messages.filter(m => m.topic.startsWith('ret/')).length, 50);
        assert.equal(sub.messages.filter(m => m.topic.startsWith('plain/')).length, 50);
    });

    it('does not match $-topics with # or +/… [MQTT-4.7.2-1]', async () => {
        const { port, broker: service } = await broker();
        const sub = await client(port);
        await sub.subscribe('#');
        await sub.subscribe('+/x');
        const dollar = await client(port);
        await dollar.subscribe('$test/#');
        service.publish({ topic: '$test/x', payload: 'hidden', qos: 0, retain: false });
        service.publish({ topic: 'plain/x', payload: 'seen', qos: 0, retain: false });
        await sub.waitForTopic('plain/x');
        await dollar.waitForTopic('$test/x');
        assert.equal(sub.received('$test/x').length, 0);
    });

    it('publishes the will on an abnormal disconnect and on keepalive timeout, but not on DISCONNECT', async () => {
        const { port } = await broker();
        const watcher = await client(port);
        await watcher.subscribe('will/#');
        const dying = await client(port, {
            clientId: 'dying',
            will: { topic: 'will/dying', payload: Buffer.from('gone'), qos: 1, retain: false },
        });
        (dying.client.stream as unknown as { destroy(): void }).destroy();
        assert.equal((await watcher.waitForTopic('will/dying')).payload.toString(), 'gone');

        const raw = await RawClient.open(port);
        cleanups.push(() => raw.destroy());
        raw.send({
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion: 4,
            clientId: 'silent',
            clean: true,
            keepalive: 1,
            will: { topic: 'will/silent', payload: Buffer.from('timeout'), qos: 0, retain: false },
        });
        await raw.waitFor(p => p.cmd === 'connack');
        // no PINGREQ: the broker closes after 1.5 × keepalive and publishes the will
        assert.equal((await watcher.waitForTopic('will/silent', 5000)).payload.toString(), 'timeout');

        const polite = await client(port, {
            clientId: 'polite',
            will: { topic: 'will/polite', payload: Buffer.from('x'), qos: 0, retain: false },
        });
        await polite.end();
        const marker = await client(port);
        await marker.publish('will/marker', 'm');
        await watcher.waitForTopic('will/marker');
        assert.equal(watcher.received('will/polite').length, 0);
    });

    it('takes over a session with the same client id', async () => {
        const { port } = await broker();
        const first = await client(port, { clientId: 'same' });
        const closed = waitForEvent(first.client, 'close');
        await client(port, { clientId: 'same' });
        await closed;
    });

    it('refuses an empty client id with clean session off (CONNACK 2) [MQTT-3.1.3-8]', async () => {
        const { port } = await broker();
        const raw = await RawClient.open(port);
        cleanups.push(() => raw.destroy());
        // mqtt.js and mqtt-packet refuse to send it, so the CONNECT is written byte by byte:
        // protocol 'MQTT' level 4, flags 0 (clean session off), keepalive 30, client id of length 0
        raw.sendBytes(
            Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x00, 0x00, 0x1e, 0x00, 0x00]),
        );
        const connack = (await raw.waitFor(p => p.cmd === 'connack')) as Packet & { returnCode: number };
        assert.equal(connack.returnCode, 2);
        await raw.waitClosed();
        // an empty id with clean session on is fine
        const ok = await RawClient.open(port);
        cleanups.push(() => ok.destroy());
        ok.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: '', clean: true, keepalive: 30 });
        assert.equal(((await ok.waitFor(p => p.cmd === 'connack')) as Packet & { returnCode: number }).returnCode, 0);
    });

    it('stops delivery after unsubscribe, wildcards included', async () => {
        const { port } = await broker();
        const sub = await client(port);
        await sub.subscribe('u/+/x');
        await sub.subscribe('u/#');
        const pub = await client(port);
        await pub.publish('u/a/x', '1');
        await sub.waitForTopic('u/a/x');
        await sub.client.unsubscribeAsync(['u/+/x', 'u/#']);
        await sub.subscribe('marker');
        await pub.publish('u/a/x', '2');
        await pub.publish('marker', 'm');
        await sub.waitForTopic('marker');
        assert.equal(sub.received('u/a/x').length, 1);
    });

    it('checks user and password (CONNACK 4), and a failed login does not disturb the connected client', async () => {
        const { port } = await broker({ user: 'iob', pass: 's3cret' });
        const good = await client(port, { clientId: 'dev1', username: 'iob', password: 's3cret' });
        await good.subscribe('a/#');
        for (const [username, password] of [
            ['iob', 'wrong'],
            ['other', 's3cret'],
            [undefined, undefined],
        ] as const) {
            const bad = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
                clientId: 'dev1',
                username,
                password,
                reconnectPeriod: 0,
            });
            const err = await waitForEvent<Error & { code?: number }>(bad, 'error');
            assert.equal(err.code, 4, `${String(username)}/${String(password)}`);
            bad.end(true);
        }
        const pub = await client(port, { username: 'iob', password: 's3cret' });
        await pub.publish('a/b', 'still here');
        assert.equal((await good.waitForTopic('a/b')).payload.toString(), 'still here');
        assert.equal(good.client.connected, true);
    });

    it('refuses connections beyond maxClients with CONNACK 3', async () => {
        const { port } = await broker({ maxClients: 2 });
        await client(port);
        await client(port);
        const third = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
        const err = await waitForEvent<Error & { code?: number }>(third, 'error');
        assert.equal(err.code, 3);
        third.end(true);
    });

    it('acknowledges but drops a payload over maxPayloadSize, and counts it', async () => {
        const { port, published, dropped } = await broker({ maxPayloadSizeBytes: 1000 });
        const sub = await client(port);
        await sub.subscribe('big/#');
        const pub = await client(port);
        await pub.publish('big/x', Buffer.alloc(1001, 1), { qos: 1 }); // resolves on PUBACK
        await pub.publish('big/x', Buffer.alloc(1001, 2), { qos: 2 }); // resolves on PUBCOMP
        await pub.publish('big/ok', Buffer.alloc(1000, 3), { qos: 1 });
        await sub.waitForTopic('big/ok');
        await until(() => published.length > 0, 5000, 'the clientPublish event');
        assert.equal(sub.received('big/x').length, 0);
        assert.deepEqual(
            published.map(p => p.topic),
            ['big/ok'],
        );
        assert.equal(dropped.length, 2);
        assert.match(dropped[0]!, /maxPayloadSize/);
    });

    it('closes only the connection that sends garbage or a malformed packet', async () => {
        const { port } = await broker();
        const good = await client(port);
        await good.subscribe('g/#');
        const garbage = await RawClient.open(port);
        cleanups.push(() => garbage.destroy());
        garbage.sendBytes(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        await garbage.waitClosed();
        const malformed = await RawClient.open(port);
        cleanups.push(() => malformed.destroy());
        // CONNECT with a remaining length that promises more than the protocol name can hold
        malformed.sendBytes(Buffer.from([0x10, 0x04, 0x00, 0x09, 0x4d, 0x51]));
        malformed.sendBytes(Buffer.from([0x30, 0x02, 0x00, 0x00]));
        await malformed.waitClosed();
        const pub = await client(port);
        await pub.publish('g/x', 'fine');
        await good.waitForTopic('g/x');
    });

    it('answers SUBACK 0x80 for a subscription the policy refuses', async () => {
        const { port } = await broker({}, { allowSubscribe: (_id, filter) => filter !== 'secret/#' });
        const raw = await RawClient.open(port);
        cleanups.push(() => raw.destroy());
        await raw.connect('subs');
        raw.send({
            cmd: 'subscribe',
            messageId: 7,
            subscriptions: [
                { topic: 'secret/#', qos: 1 },
                { topic: 'open/#', qos: 1 },
            ],
        });
        const suback = (await raw.waitFor(p => p.cmd === 'suback')) as Packet & { granted: number[] };
        assert.deepEqual(suback.granted, [0x80, 1]);
    });

    it('keeps persistent sessions and queued QoS 1 messages across a broker restart', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'mqtt-gateway-persist-'));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        let started = await startBroker({ persistence: 'disk', persistenceDir: dir });
        const port = started.port;
        const session = await TestClient.connect(port, { clientId: 'persistent', clean: false });
        await session.subscribe('p/#', 1);
        await session.end();
        const pub = await TestClient.connect(port);
        for (let i = 0; i < 5; i++) {
            await pub.publish('p/x', `m${i}`, { qos: 1 });
        }
        await pub.publish('p/retained', 'r', { qos: 1, retain: true });
        await pub.end();
        await started.broker.stop();

        started = await startBroker({
            persistence: 'disk',
            persistenceDir: dir,
            listeners: { bind: '127.0.0.1', port, tls: undefined, webSocket: false, wsPort: 0 },
        });
        cleanups.push(() => started.broker.stop());
        const back = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
            clientId: 'persistent',
            clean: false,
            reconnectPeriod: 0,
        });
        cleanups.push(() => void back.end(true));
        const messages: string[] = [];
        back.on('message', (topic, payload) => messages.push(`${topic}=${payload.toString()}`));
        const connack = await waitForEvent<{ sessionPresent: boolean }>(back, 'connect');
        assert.equal(connack.sessionPresent, true);
        const fresh = await client(port);
        await fresh.subscribe('p/retained');
        await fresh.waitForTopic('p/retained');
        await until(() => messages.length >= 6, 5000, 'the queued messages');
        assert.deepEqual(
            messages.filter(m => m.startsWith('p/x=')),
            ['p/x=m0', 'p/x=m1', 'p/x=m2', 'p/x=m3', 'p/x=m4'],
        );
        // the retained message published meanwhile was queued for the session too
        assert.ok(messages.includes('p/retained=r'));
    });

    it('maxQueuedMessages keeps the newest messages of an offline session and counts the dropped ones', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'mqtt-gateway-persist-'));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        const { port, dropped } = await broker({ persistence: 'disk', persistenceDir: dir, maxQueuedMessages: 5 });
        const session = await TestClient.connect(port, { clientId: 'offline', clean: false });
        await session.subscribe('mq/#', 1);
        await session.end();
        const pub = await client(port);
        for (let i = 0; i < 12; i++) {
            await pub.publish('mq/x', `m${i}`, { qos: 1 });
        }
        await until(() => dropped.length >= 7, 5000, 'seven dropped messages');
        const back = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
            clientId: 'offline',
            clean: false,
            reconnectPeriod: 0,
        });
        cleanups.push(() => void back.end(true));
        const received: string[] = [];
        back.on('message', (_topic, payload) => received.push(payload.toString()));
        await waitForEvent(back, 'connect');
        await until(() => received.length >= 5, 5000, 'the five kept messages');
        await back.subscribeAsync('marker');
        await pub.publish('marker', 'end', { qos: 1 });
        await until(() => received.includes('end'), 5000, 'the marker');
        assert.deepEqual(received, ['m7', 'm8', 'm9', 'm10', 'm11', 'end']);
        assert.equal(dropped.length, 7);
        assert.match(dropped[0]!, /maxQueuedMessages 5/);
    });

    it('storeClientsTime 0 drops a persistent session and its queue at disconnect', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'mqtt-gateway-persist-'));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        const { port } = await broker({ persistence: 'disk', persistenceDir: dir, storeClientsTimeMin: 0 });
        const session = await TestClient.connect(port, { clientId: 'short', clean: false });
        await session.subscribe('s/#', 1);
        await session.end();
        const pub = await client(port);
        await pub.publish('s/x', 'queued?', { qos: 1 });
        const back = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: 'short', clean: false, reconnectPeriod: 0 });
        cleanups.push(() => void back.end(true));
        const received: string[] = [];
        back.on('message', topic => received.push(topic));
        const connack = await waitForEvent<{ sessionPresent: boolean }>(back, 'connect');
        assert.equal(connack.sessionPresent, false);
        await back.subscribeAsync('marker');
        await pub.publish('marker', 'm', { qos: 1 });
        await until(() => received.includes('marker'), 5000, 'the marker');
        assert.deepEqual(received, ['marker']);
    });

    /** A gate for admitPublish / admit: open, or closed until `open()`; counts how often it held a message back. */
    function gate(): { admit: () => Promise<void> | undefined; close(): void; open(): void; held: () => number } {
        let closed: { promise: Promise<void>; resolve: () => void } | undefined;
        let held = 0;
        return {
            admit: () => {
                if (!closed) {
                    return undefined;
                }
                held++;
                return closed.promise;
            },
            close: () => {
                let resolve: () => void = () => undefined;
                const promise = new Promise<void>(r => (resolve = r));
                closed = { promise, resolve };
            },
            open: () => {
                closed?.resolve();
                closed = undefined;
            },
            held: () => held,
        };
    }

    it('holds a client back while admitPublish waits (no PUBACK, nothing let in), then takes everything in order', async () => {
        const g = gate();
        const { port, published } = await broker({}, { admitPublish: g.admit });
        const pub = await client(port, { clientId: 'flood' });
        const other = await client(port, { clientId: 'other' });
        await pub.publish('flood/0', '0', { qos: 1 });
        g.close();
        const acked: number[] = [];
        const sends = Array.from({ length: 50 }, (_, i) =>
            pub.publish(`flood/${(i + 1) % 5}`, String(i + 1), { qos: 1 }).then(() => acked.push(i + 1)),
        );
        await until(() => g.held() > 0, 5000, 'the first message held back');
        await new Promise(resolve => setTimeout(resolve, 300));
        // aedes hands on every packet of a chunk it has read, then reads the next chunk only when all are done
        assert.deepEqual(acked, [], 'no PUBACK while the messages wait');
        assert.deepEqual(
            published.map(p => p.payload.toString()),
            ['0'],
            'nothing is let in while the gate is closed',
        );
        const heldBefore = g.held();
        // other connections are asked too: the gate is the database's, not one client's
        const otherSent = other.publish('other/x', 'x', { qos: 1 });
        await until(() => g.held() === heldBefore + 1, 5000, 'the other client held back as well');
        g.open();
        await Promise.all([...sends, otherSent]);
        await until(() => published.length === 52, 5000, 'all 52 messages');
        assert.deepEqual(
            published.filter(p => p.clientId === 'flood').map(p => p.payload.toString()),
            Array.from({ length: 51 }, (_, i) => String(i)),
            'every message, in the order sent',
        );
    });

    it('client mode: holds reading from the broker while admit waits, then takes every message in order', async () => {
        const { port } = await broker();
        const g = gate();
        const received: string[] = [];
        let subscribedOnce: () => void = () => undefined;
        const subscribed = new Promise<void>(resolve => (subscribedOnce = resolve));
        const service = new ClientService(
            {
                href: `mqtt://127.0.0.1:${port}`,
                clientId: 'gw-client',
                username: '',
                password: '',
                protocolVersion: 4,
                keepaliveSec: 60,
                reconnectPeriodSec: 1,
                connectTimeoutSec: 5,
                persistent: false,
                rejectUnauthorized: true,
                lwtTopic: '',
                lwtPayload: '',
                birthPayload: '',
                patterns: ['dev/#'],
                lastPatterns: [],
                defaultQoS: 1,
                maxQueued: 100,
            },
            {
                connected: () => undefined,
                disconnected: () => undefined,
                message: (_topic, payload) => received.push(payload.toString()),
                admit: g.admit,
                dropped: () => undefined,
                subscribed: () => subscribedOnce(),
            },
            quiet,
        );
        service.start();
        cleanups.push(() => service.stop());
        await until(() => service.isConnected, 5000, 'the client service to connect');
        await subscribed; // the subscription is in place (SUBACK received)
        const pub = await client(port, { clientId: 'device' });
        g.close();
        for (let i = 0; i < 30; i++) {
            await pub.publish('dev/x', String(i), { qos: 1 });
        }
        await until(() => g.held() > 0, 5000, 'a message held back');
        await new Promise(resolve => setTimeout(resolve, 300));
        assert.equal(g.held(), 1, 'no further message is taken while one waits');
        assert.ok(received.length < 30, `only what came before the hold (${received.length})`);
        g.open();
        await until(() => received.length === 30, 5000, 'all 30 messages');
        assert.deepEqual(
            received,
            Array.from({ length: 30 }, (_, i) => String(i)),
        );
    });

    it("forceCleanSession 'clean' ignores a client's clean session off", async () => {
        const { port } = await broker({ forceCleanSession: 'clean' });
        const first = await client(port, { clientId: 'fc', clean: false });
        await first.subscribe('fc/#', 1);
        await first.end();
        const again = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: 'fc', clean: false, reconnectPeriod: 0 });
        cleanups.push(() => void again.end(true));
        const connack = await waitForEvent<{ sessionPresent: boolean }>(again, 'connect');
        assert.equal(connack.sessionPresent, false);
    });

    describe('TLS, WebSocket and secure WebSocket', function () {
        before(function () {
            if (!hasCommand('openssl')) {
                console.log('      SKIPPED: openssl is not installed (needed to make test certificates)');
                this.skip();
            }
        });

        it('serves TLS on port and WSS on wsPort with the same broker', async () => {
            const certs = makeCertificates();
            const { broker: service } = await broker({
                listeners: {
                    bind: '127.0.0.1',
                    port: 0,
                    tls: { key: certs.key, cert: certs.cert },
                    webSocket: true,
                    wsPort: 0,
                },
            });
            const port = service.boundPort!;
            const wsPort = webSocketPort(service);
            const tlsClient = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
                ca: certs.ca,
                reconnectPeriod: 0,
            });
            cleanups.push(() => void tlsClient.end(true));
            const wssClient = await mqtt.connectAsync(`wss://127.0.0.1:${wsPort}/`, {
                ca: certs.ca,
                reconnectPeriod: 0,
            });
            cleanups.push(() => void wssClient.end(true));
            await wssClient.subscribeAsync('t/#');
            const got = waitForEvent<string>(wssClient, 'message');
            await tlsClient.publishAsync('t/x', 'over tls');
            assert.equal(await got, 't/x');
            // a client that does not trust the CA is refused
            const untrusting = mqtt.connect(`mqtts://127.0.0.1:${port}`, {
                reconnectPeriod: 0,
                rejectUnauthorized: true,
            });
            const err = await waitForEvent<Error>(untrusting, 'error');
            assert.match(err.message, /self[- ]signed|unable to verify|certificate/i);
            untrusting.end(true);
        });

        it('serves plain WebSocket next to TCP', async () => {
            const { broker: service } = await broker({
                listeners: { bind: '127.0.0.1', port: 0, tls: undefined, webSocket: true, wsPort: 0 },
            });
            const port = service.boundPort!;
            const wsPort = webSocketPort(service);
            const ws = await mqtt.connectAsync(`ws://127.0.0.1:${wsPort}/mqtt`, { reconnectPeriod: 0 });
            cleanups.push(() => void ws.end(true));
            await ws.subscribeAsync('w/#');
            const tcp = await client(port);
            const got = waitForEvent<string>(ws, 'message');
            await tcp.publish('w/x', 'hi');
            assert.equal(await got, 'w/x');
        });
    });
});

describe('Broker accounts and rights (real sockets)', function () {
    this.timeout(60000);
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
        for (const cleanup of cleanups.splice(0).reverse()) {
            await cleanup();
        }
    });
    const devices = (user: string, extra: Partial<Account> = {}): Account => ({
        user,
        pass: undefined,
        passHash: hashPassword(`pw-${user}`),
        publish: ['devices/%u/#'],
        subscribe: ['devices/%u/#'],
        readOnly: false,
        enabled: true,
        full: false,
        ...extra,
    });
    async function start(accounts: Account[], options: Partial<BrokerServiceOptions> = {}): Promise<Started> {
        const started = await startBroker({ accounts, ...options });
        cleanups.push(() => started.broker.stop());
        return started;
    }
    async function login(
        port: number,
        user: string,
        options: Parameters<typeof TestClient.connect>[1] = {},
    ): Promise<TestClient> {
        const c = await TestClient.connect(port, { username: user, password: `pw-${user}`, ...options });
        cleanups.push(() => void c.client.end(true));
        return c;
    }
    function connectError(port: number, options: Parameters<typeof mqtt.connect>[1]): Promise<number | undefined> {
        const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, ...options });
        return waitForEvent<Error & { code?: number }>(c, 'error').then(err => {
            c.end(true);
            return err.code;
        });
    }

    it('isolates two users: # is refused, retained messages and publishes of the other stay invisible', async () => {
        const { port, dropped } = await start([devices('alice'), devices('bob')]);
        const alice = await login(port, 'alice');
        const bob = await login(port, 'bob');
        const raw = await RawClient.open(port);
        cleanups.push(() => raw.destroy());
        await raw.connect('raw-bob', { username: 'bob', password: Buffer.from('pw-bob') });
        raw.send({
            cmd: 'subscribe',
            messageId: 1,
            subscriptions: [
                { topic: '#', qos: 0 },
                { topic: 'devices/+/x', qos: 0 },
                { topic: 'devices/bob/#', qos: 1 },
            ],
        });
        assert.deepEqual(
            ((await raw.waitFor(p => p.cmd === 'suback')) as Packet & { granted: number[] }).granted,
            [0x80, 0x80, 1],
        );

        await alice.publish('devices/alice/secret', 'a-retained', { qos: 1, retain: true });
        await alice.publish('devices/bob/spoof', 'from alice', { qos: 1 }); // not alice's subtree: acked, dropped
        await bob.subscribe('devices/bob/#');
        await bob.publish('devices/bob/marker', 'm', { qos: 1 });
        await bob.waitForTopic('devices/bob/marker');
        assert.equal(bob.received('devices/bob/spoof').length, 0);
        assert.ok(!bob.messages.some(m => m.topic.startsWith('devices/alice')));
        assert.equal(dropped.filter(d => d.includes("no right to publish to 'devices/bob/spoof'")).length, 1);
        // alice sees her own retained message
        const again = await login(port, 'alice');
        await again.subscribe('devices/alice/#');
        assert.equal((await again.waitForTopic('devices/alice/secret')).payload.toString(), 'a-retained');
    });

    it('applies %c and a read-only account', async () => {
        const { port, dropped } = await start([
            devices('panel', { publish: [], subscribe: ['panels/%c/#'], readOnly: true }),
            devices('writer', { publish: ['panels/#'], subscribe: [] }),
        ]);
        const panel = await login(port, 'panel', { clientId: 'kitchen' });
        await panel.subscribe('panels/kitchen/#');
        const writer = await login(port, 'writer');
        await writer.publish('panels/kitchen/text', 'hello', { qos: 1 });
        await writer.publish('panels/hall/text', 'not for the kitchen', { qos: 1 });
        assert.equal((await panel.waitForTopic('panels/kitchen/text')).payload.toString(), 'hello');
        await panel.publish('panels/kitchen/text', 'read-only', { qos: 1 }); // acked, dropped
        await writer.publish('panels/kitchen/marker', 'm', { qos: 1 });
        await panel.waitForTopic('panels/kitchen/marker');
        assert.deepEqual(
            panel.received('panels/kitchen/text').map(m => m.payload.toString()),
            ['hello'],
        );
        assert.equal(panel.received('panels/hall/text').length, 0);
        assert.ok(dropped.some(d => d.includes("no right to publish to 'panels/kitchen/text'")));
    });

    it('answers CONNACK 4 for a wrong password or unknown user, 5 for a disabled account, and refuses anonymous clients', async () => {
        const { port } = await start([devices('ok'), devices('off', { enabled: false })]);
        assert.equal(await connectError(port, { username: 'ok', password: 'wrong' }), 4);
        assert.equal(await connectError(port, { username: 'ghost', password: 'pw-ghost' }), 4);
        assert.equal(await connectError(port, { username: 'off', password: 'pw-off' }), 5);
        assert.equal(await connectError(port, {}), 4);
    });

    it('refuses an address after 5 failed logins in a minute for a growing delay, then lets it in again', async () => {
        const { port, broker: service } = await start([devices('ok')], {
            bruteForce: { blockMs: 1500, maxBlockMs: 10_000 },
        });
        for (let i = 0; i < 5; i++) {
            assert.equal(await connectError(port, { username: 'ok', password: `guess-${i}` }), 4);
        }
        // blocked: even the right password is refused now
        assert.equal(await connectError(port, { username: 'ok', password: 'pw-ok' }), 4);
        assert.equal(service.blockedLogins, 1);
        const blockedAt = Date.now();
        let connected: TestClient | undefined;
        while (!connected) {
            connected = await TestClient.connect(port, { username: 'ok', password: 'pw-ok' }).catch(() => undefined);
            if (!connected) {
                assert.ok(Date.now() - blockedAt < 5000, 'the block ends');
                await new Promise(resolve => setTimeout(resolve, 250));
            }
        }
        cleanups.push(() => void connected?.client.end(true));
        assert.ok(Date.now() - blockedAt >= 1000, 'not before the block ended');
    });

    it('keeps 50 accounts with 50 clients apart', async () => {
        const accounts = Array.from({ length: 50 }, (_, i) => devices(`dev${i}`));
        const { port } = await start(accounts);
        const clients = await Promise.all(accounts.map(a => login(port, a.user)));
        await Promise.all(clients.map((c, i) => c.subscribe(`devices/dev${i}/#`)));
        await Promise.all(clients.map((c, i) => c.publish(`devices/dev${i}/state`, `s${i}`, { qos: 1 })));
        await Promise.all(clients.map((c, i) => c.waitForTopic(`devices/dev${i}/state`)));
        clients.forEach((c, i) => {
            assert.deepEqual(
                c.messages.map(m => m.topic),
                [`devices/dev${i}/state`],
                `dev${i} saw only its own topic`,
            );
        });
    });
});
