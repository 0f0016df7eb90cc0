/**
 * MQTT 5 on the embedded broker (issue #17): real MQTT 5 clients (mqtt.js with protocolVersion 5, Debian's
 * mosquitto_pub/sub -V 5) on real sockets, next to MQTT 3.1.1 clients.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import mqttPacket, { type IConnackPacket, type IPubackPacket, type ISubackPacket } from 'mqtt-packet';
import { hashPassword, type Account } from '../../src/broker/accessControl';
import type { BrokerEvents, BrokerServiceOptions } from '../../src/broker/brokerService';
import { Requests } from '../../src/requests';
import { makeCertificates } from '../lib/certs';
import { runMosquittoTool } from '../lib/mosquittoCli';
import { TestClient } from '../lib/mqttClient';
import { RawClient } from '../lib/rawMqtt';
import { startBroker, webSocketPort, type Started } from '../lib/testBroker';
import { hasCommand, skipWithReason } from '../lib/tools';
import { until } from '../lib/wait';

const V5: IClientOptions = { protocolVersion: 5 };

/** An account limited to `devices/<user>/#` (password `pw-<user>`). */
const device = (user: string): Account => ({
    user,
    pass: undefined,
    passHash: hashPassword(`pw-${user}`),
    publish: ['devices/%u/#'],
    subscribe: ['devices/%u/#'],
    readOnly: false,
    enabled: true,
    full: false,
});

describe('MQTT 5 broker (real MQTT 5 clients, real sockets)', function () {
    this.timeout(30000);
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
        for (const cleanup of cleanups.splice(0).reverse()) {
            await cleanup();
        }
    });
    interface Logged {
        info: string[];
        warn: string[];
    }
    async function broker(
        options: Partial<BrokerServiceOptions> = {},
        events: BrokerEvents = {},
        logged: Logged = { info: [], warn: [] },
    ): Promise<Started> {
        const started = await startBroker(options, events, {
            info: message => logged.info.push(message),
            warn: message => logged.warn.push(message),
            debug: () => undefined,
        });
        cleanups.push(() => started.broker.stop());
        return started;
    }
    /** A raw socket (closed after the test) for packets mqtt.js would not send. */
    async function rawClient(port: number, protocolVersion: 4 | 5 = 4): Promise<RawClient> {
        const raw = await RawClient.open(port, protocolVersion);
        cleanups.push(() => raw.destroy());
        return raw;
    }
    async function client(port: number, options: IClientOptions = {}): Promise<TestClient> {
        const c = await TestClient.connect(port, options);
        cleanups.push(() => void c.client.end(true));
        return c;
    }
    /** Connects and resolves with the CONNACK (mqtt.js keeps it only in the 'connect' event). */
    async function connectV5(
        url: string,
        options: IClientOptions = {},
    ): Promise<{ c: MqttClient; connack: IConnackPacket }> {
        const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...V5, ...options });
        cleanups.push(() => void c.end(true));
        const connack = await new Promise<IConnackPacket>((resolve, reject) => {
            c.once('connect', resolve);
            c.once('error', reject);
        });
        return { c, connack };
    }
    function needMosquittoTools(ctx: Mocha.Context): void {
        if (!hasCommand('mosquitto_sub') || !hasCommand('mosquitto_pub')) {
            skipWithReason(ctx, 'mosquitto_sub/mosquitto_pub are not installed (Debian package mosquitto-clients)');
        }
    }

    it('speaks MQTT 5 by default: 3.1.1 and 5 clients exchange messages both ways, v5 properties kept', async () => {
        const { port } = await broker();
        const v5 = await client(port, { ...V5, clientId: 'v5' });
        const v4 = await client(port, { clientId: 'v4' });
        await v5.subscribe('x/#', 1);
        await v4.subscribe('x/#', 1);
        const properties = {
            payloadFormatIndicator: true,
            contentType: 'application/json',
            responseTopic: 'x/reply',
            correlationData: Buffer.from([1, 2, 3]),
            userProperties: { room: 'kitchen' },
        };
        await v5.client.publishAsync('x/from5', '{"a":1}', { qos: 1, properties });
        const at5 = await v5.waitForTopic('x/from5');
        assert.equal(at5.properties?.contentType, 'application/json');
        assert.equal(at5.properties?.payloadFormatIndicator, true);
        assert.equal(at5.properties?.responseTopic, 'x/reply');
        assert.deepEqual(at5.properties?.correlationData, Buffer.from([1, 2, 3]));
        assert.deepEqual({ ...at5.properties?.userProperties }, { room: 'kitchen' });
        const at4 = await v4.waitForTopic('x/from5');
        assert.equal(at4.payload.toString(), '{"a":1}');
        assert.equal(at4.properties, undefined, 'a 3.1.1 client gets no properties');
        await v4.publish('x/from4', 'plain', { qos: 1 });
        const from4 = await v5.waitForTopic('x/from4');
        assert.equal(from4.payload.toString(), 'plain');
        assert.equal(from4.qos, 1);
    });

    it('speaks MQTT 5 on TLS, WebSocket and secure WebSocket as well', async function () {
        if (!hasCommand('openssl')) {
            skipWithReason(this, 'openssl is not installed (needed to make test certificates)');
        }
        const certs = makeCertificates();
        for (const tls of [{ key: certs.key, cert: certs.cert }, undefined]) {
            const { broker: service } = await broker({
                listeners: { bind: '127.0.0.1', port: 0, tls, webSocket: true, wsPort: 0 },
            });
            const port = service.boundPort!;
            const wsPort = webSocketPort(service);
            const scheme = tls ? ['mqtts', 'wss'] : ['mqtt', 'ws'];
            const { c: main, connack: mainAck } = await connectV5(`${scheme[0]}://127.0.0.1:${port}`, { ca: certs.ca });
            const { c: ws, connack: wsAck } = await connectV5(`${scheme[1]}://127.0.0.1:${wsPort}/mqtt`, {
                ca: certs.ca,
            });
            // only MQTT 5 CONNACKs carry properties: these are MQTT 5 sessions
            assert.equal(mainAck.properties?.sharedSubscriptionAvailable, false);
            assert.equal(wsAck.properties?.sharedSubscriptionAvailable, false);
            await ws.subscribeAsync('t/#', { qos: 1 });
            const got = new Promise<string>(resolve =>
                ws.once('message', (_t, _p, packet) => resolve(packet.properties?.contentType ?? '')),
            );
            await main.publishAsync('t/x', 'hi', { qos: 1, properties: { contentType: scheme.join('+') } });
            assert.equal(await got, scheme.join('+'));
        }
    });

    it('mqtt5 off: an MQTT 5 CONNECT gets CONNACK 0x84 and one info line with client id, address and version; 3.1.1 still works', async () => {
        const logged: Logged = { info: [], warn: [] };
        const { port } = await broker({ mqtt5: false }, {}, logged);
        for (let i = 0; i < 3; i++) {
            await assert.rejects(
                mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { ...V5, clientId: 'ha-core', reconnectPeriod: 0 }),
                (err: Error & { code?: number }) => err.code === 0x84,
            );
        }
        const lines = logged.info.filter(line => line.includes('refused'));
        assert.equal(lines.length, 1, `one line for three refusals: ${lines.join(' | ')}`);
        assert.match(lines[0]!, /'ha-core'/);
        assert.match(lines[0]!, /127\.0\.0\.1/);
        assert.match(lines[0]!, /MQTT 5/);
        const v4 = await client(port, { clientId: 'old' });
        assert.ok(v4.client.connected);
    });

    it('answers a CONNECT of an unknown protocol level with CONNACK 0x01, closes it and logs one info line', async () => {
        const logged: Logged = { info: [], warn: [] };
        const { port } = await broker({}, {}, logged);
        const connect = mqttPacket.generate({
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion: 5,
            clientId: 'from-the-future',
            clean: true,
            keepalive: 30,
            properties: { sessionExpiryInterval: 60 },
        });
        connect[8] = 6; // protocol level 6, laid out like MQTT 5
        const raw = await RawClient.open(port);
        raw.sendBytes(connect);
        const connack = (await raw.waitFor(p => p.cmd === 'connack', 5000, 'CONNACK')) as IConnackPacket;
        assert.equal(connack.returnCode, 1);
        await raw.waitClosed();
        const lines = logged.info.filter(line => line.includes('refused'));
        assert.equal(lines.length, 1);
        assert.match(lines[0]!, /'from-the-future' from 127\.0\.0\.1 .*protocol level 6/);
    });

    it('mosquitto_pub/sub -V 5 exchange messages with properties; with mqtt5 off -V 5 is refused and -V 311 works', async function () {
        needMosquittoTools(this);
        let subscribed = 0;
        const { port } = await broker({}, { subscribed: () => subscribed++ });
        const sub = runMosquittoTool('mosquitto_sub', [
            ...['-h', '127.0.0.1', '-p', String(port), '-V', '5', '-t', 'm/#', '-q', '1', '-C', '1', '-W', '10'],
            ...['-F', '%t %p %C'],
        ]);
        await until(() => subscribed > 0, 5000, 'the subscription of mosquitto_sub');
        const pub = await runMosquittoTool('mosquitto_pub', [
            ...['-h', '127.0.0.1', '-p', String(port), '-V', '5', '-t', 'm/1', '-m', 'v5!', '-q', '1'],
            ...['-D', 'publish', 'content-type', 'text/x-test'],
        ]);
        assert.equal(pub.code, 0, pub.stderr);
        const got = await sub;
        assert.equal(got.code, 0, got.stderr);
        assert.equal(got.stdout.trim(), 'm/1 v5! text/x-test');

        const off = await broker({ mqtt5: false });
        const refused = await runMosquittoTool('mosquitto_pub', [
            ...['-h', '127.0.0.1', '-p', String(off.port), '-V', '5', '-t', 'm/1', '-m', 'x'],
        ]);
        assert.notEqual(refused.code, 0);
        assert.match(refused.stderr, /unsupported protocol version/i);
        const old = await runMosquittoTool('mosquitto_pub', [
            ...['-h', '127.0.0.1', '-p', String(off.port), '-V', '311', '-t', 'm/1', '-m', 'x'],
        ]);
        assert.equal(old.code, 0, old.stderr);
    });

    /** The CONNACK code mqtt.js reports for a refused connect. */
    async function refusedWith(port: number, options: IClientOptions): Promise<number | undefined> {
        const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
        try {
            const err = await new Promise<Error & { code?: number }>((resolve, reject) => {
                c.once('error', resolve);
                c.once('connect', () => reject(new Error('connected')));
            });
            return err.code;
        } finally {
            c.end(true);
        }
    }

    it('refused subscriptions: SUBACK 0x87 for MQTT 5 and 0x80 for 3.1.1 (account rights, ignoredTopics)', async () => {
        const { port } = await broker(
            { accounts: [device('alice')] },
            { allowSubscribe: (_id, filter) => !filter.startsWith('devices/alice/ignored') },
        );
        const filters = ['devices/bob/#', 'devices/alice/ignored/x', 'devices/alice/#'];
        for (const protocolVersion of [5, 4] as const) {
            const raw = await rawClient(port, protocolVersion);
            raw.send({
                cmd: 'connect',
                protocolId: 'MQTT',
                protocolVersion,
                clientId: `alice-${protocolVersion}`,
                clean: true,
                keepalive: 30,
                username: 'alice',
                password: Buffer.from('pw-alice'),
            });
            assert.equal(
                ((await raw.waitFor(p => p.cmd === 'connack')) as IConnackPacket)[
                    protocolVersion === 5 ? 'reasonCode' : 'returnCode'
                ],
                0,
            );
            raw.send({ cmd: 'subscribe', messageId: 7, subscriptions: filters.map(topic => ({ topic, qos: 1 })) });
            const suback = (await raw.waitFor(p => p.cmd === 'suback')) as ISubackPacket;
            const no = protocolVersion === 5 ? 0x87 : 0x80;
            assert.deepEqual(suback.granted, [no, no, 1], `MQTT ${protocolVersion}`);
        }
    });

    it("a publish outside the account's rights: MQTT 5 gets PUBACK/PUBREC 0x87 and stays connected, 3.1.1 a plain PUBACK", async () => {
        const { port, published } = await broker({ accounts: [device('alice')] });
        const raw = await rawClient(port, 5);
        await raw.connect('alice-5', { username: 'alice', password: Buffer.from('pw-alice') });
        for (const [qos, ack] of [
            [1, 'puback'],
            [2, 'pubrec'],
        ] as const) {
            raw.send({
                cmd: 'publish',
                topic: 'devices/bob/x',
                payload: 'no',
                qos,
                messageId: qos,
                retain: false,
                dup: false,
            });
            const answer = (await raw.waitFor(p => p.cmd === ack && p.messageId === qos)) as IPubackPacket;
            assert.equal(answer.reasonCode, 0x87, ack);
            assert.match(String(answer.properties?.reasonString), /no right to publish to 'devices\/bob\/x'/);
        }
        raw.send({
            cmd: 'publish',
            topic: 'devices/alice/x',
            payload: 'yes',
            qos: 1,
            messageId: 3,
            retain: false,
            dup: false,
        });
        const ok = (await raw.waitFor(p => p.cmd === 'puback' && p.messageId === 3)) as IPubackPacket;
        assert.ok(!ok.reasonCode, 'allowed: success');
        assert.equal(raw.closed, false);
        assert.deepEqual(
            published.map(p => p.topic),
            ['devices/alice/x'],
        );
        const v4 = await client(port, { username: 'alice', password: 'pw-alice' });
        await v4.publish('devices/bob/y', 'no', { qos: 1 }); // resolves on a PUBACK, which 3.1.1 has only as success
        assert.ok(v4.client.connected);
    });

    it('CONNACK codes: bad credentials 0x86 (3.1.1: 4), a banned address 0x8A (3.1.1: 4), maxClients 0x97 (3.1.1: 3)', async function () {
        const { port } = await broker({
            user: 'u',
            pass: 'p',
            maxClients: 2,
            bruteForce: { maxFailures: 2, blockMs: 60_000 },
        });
        assert.equal(await refusedWith(port, { ...V5, username: 'u', password: 'wrong' }), 0x86);
        assert.equal(await refusedWith(port, { username: 'u', password: 'wrong' }), 4);
        // two failures: the address is blocked now, even with the right password
        assert.equal(await refusedWith(port, { ...V5, username: 'u', password: 'p' }), 0x8a);
        assert.equal(await refusedWith(port, { username: 'u', password: 'p' }), 4);

        const full = await broker({ maxClients: 2 });
        await client(full.port, V5);
        await client(full.port);
        assert.equal(await refusedWith(full.port, V5), 0x97);
        assert.equal(await refusedWith(full.port, {}), 3);
    });

    it('CONNACK announces its limits: maximum packet size, topic aliases, receive maximum; session expiry capped by storeClientsTime', async () => {
        const { port } = await broker({ maxPayloadSizeBytes: 1000, storeClientsTimeMin: 10 });
        const { connack } = await connectV5(`mqtt://127.0.0.1:${port}`, {
            clientId: 'limits',
            clean: false,
            properties: { sessionExpiryInterval: 0xffffffff },
        });
        const props = connack.properties!;
        // 1000 + 66,560 bytes of headroom = 67,560 remaining length, 3 length bytes, 1 type byte
        assert.equal(props.maximumPacketSize, 67_564);
        assert.equal(props.topicAliasMaximum, 16);
        assert.equal(props.receiveMaximum, 100);
        assert.equal(props.sessionExpiryInterval, 600, 'capped at storeClientsTime (10 min)');
        assert.equal(props.sharedSubscriptionAvailable, false);
        // the limit is enforced: a packet over it closes the connection with DISCONNECT 0x95
        const raw = await rawClient(port, 5);
        await raw.connect('big');
        raw.send({ cmd: 'publish', topic: 't', payload: Buffer.alloc(67_564), qos: 0, retain: false, dup: false });
        const disconnect = await raw.waitFor(p => p.cmd === 'disconnect');
        assert.equal((disconnect as { reasonCode?: number }).reasonCode, 0x95);
        await raw.waitClosed();
        // a topic alias works within the announced maximum
        const { c } = await connectV5(`mqtt://127.0.0.1:${port}`, { clientId: 'alias' });
        const sub = await client(port, V5);
        await sub.subscribe('alias/#', 1);
        await c.publishAsync('alias/long/topic', 'one', { qos: 1, properties: { topicAlias: 3 } });
        await c.publishAsync('', 'two', { qos: 1, properties: { topicAlias: 3 } });
        await until(() => sub.received('alias/long/topic').length === 2, 5000, 'both aliased messages');
        assert.equal(sub.received('alias/long/topic')[1]!.properties?.topicAlias, undefined);
    });

    it('honours will delay and never passes the Will Delay Interval on in the PUBLISH [MQTT-3.1.3.2.2]', async () => {
        const { port } = await broker();
        const watcher = await client(port, { ...V5, clientId: 'watcher' });
        await watcher.subscribe('status/#', 1);
        const will = {
            topic: 'status/dev',
            payload: Buffer.from('offline'),
            qos: 1 as const,
            retain: false,
            properties: { willDelayInterval: 1, contentType: 'text/plain' },
        };
        const options = { ...V5, clientId: 'dev', will, properties: { sessionExpiryInterval: 60 } };
        // a reconnect within the delay cancels the will
        const first = await client(port, options);
        first.client.stream.destroy();
        await until(() => !first.client.connected, 5000, 'the first connection to drop');
        const second = await client(port, options);
        const lostAt = Date.now();
        second.client.stream.destroy();
        const got = await watcher.waitForTopic('status/dev', 10_000);
        assert.ok(Date.now() - lostAt >= 900, `the will waited for its delay (${Date.now() - lostAt} ms)`);
        assert.equal(watcher.received('status/dev').length, 1, 'one will: the first was cancelled by the reconnect');
        assert.equal(got.payload.toString(), 'offline');
        assert.equal(got.properties?.contentType, 'text/plain', "the will's PUBLISH properties are kept");
        assert.equal((got.properties as Record<string, unknown>).willDelayInterval, undefined);
    });

    it('overlapping subscriptions on MQTT 5: one copy at the highest QoS, with every matching subscription identifier [MQTT-3.3.4-3]', async () => {
        const { port } = await broker();
        const sub = await client(port, { ...V5, clientId: 'overlap' });
        await sub.client.subscribeAsync('o/#', { qos: 0, properties: { subscriptionIdentifier: 1 } });
        await sub.client.subscribeAsync('o/+', { qos: 2, properties: { subscriptionIdentifier: 2 } });
        const pub = await client(port, V5);
        await pub.publish('o/x', 'once', { qos: 2 });
        await pub.publish('o/y/z', 'only #', { qos: 2 });
        await sub.waitForTopic('o/y/z');
        const got = sub.received('o/x');
        assert.equal(got.length, 1);
        assert.equal(got[0]!.qos, 2);
        const ids = got[0]!.properties?.subscriptionIdentifier;
        assert.deepEqual(Array.isArray(ids) ? [...ids].sort() : ids, [1, 2]);
        assert.equal(sub.received('o/y/z')[0]!.properties?.subscriptionIdentifier, 1);
    });

    it('refuses reserved client ids such as __proto__ (GHSA-52qw-whmv-87c5): 0x85, 3.1.1: 2; the broker carries on', async () => {
        const { port } = await broker();
        assert.equal(await refusedWith(port, { ...V5, clientId: '__proto__' }), 0x85);
        assert.equal(await refusedWith(port, { clientId: 'constructor' }), 2);
        const ok = await client(port, { ...V5, clientId: 'normal' });
        assert.ok(ok.client.connected);
    });

    it('a SUBSCRIBE or UNSUBSCRIBE naming __proto__ or constructor closes only that connection (GHSA-52qw-whmv-87c5)', async () => {
        const { port } = await broker();
        const bystander = await client(port, { ...V5, clientId: 'bystander' });
        await bystander.subscribe('news/#', 1);
        const cases: { version: 4 | 5; packet: Record<string, unknown> }[] = [
            // aedes 2.0.0-beta.1 would throw inside its packet handler: the whole process would end
            {
                version: 5,
                packet: {
                    cmd: 'subscribe',
                    messageId: 1,
                    subscriptions: [
                        { topic: 'a', qos: 0 },
                        { topic: '__proto__', qos: 0 },
                    ],
                },
            },
            {
                version: 4,
                packet: {
                    cmd: 'subscribe',
                    messageId: 1,
                    subscriptions: [
                        { topic: '__proto__', qos: 0 },
                        { topic: 'b', qos: 1 },
                    ],
                },
            },
            // would make aedes unsubscribe every client's subscription of that name
            { version: 4, packet: { cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['constructor'] } },
        ];
        for (const { version, packet } of cases) {
            const raw = await rawClient(port, version);
            await raw.connect(`evil${version}`);
            raw.send(packet);
            await raw.waitClosed();
            if (version === 5) {
                const disconnect = await raw.waitFor(p => p.cmd === 'disconnect');
                assert.equal((disconnect as { reasonCode?: number }).reasonCode, 0x8f);
            }
        }
        const pub = await client(port);
        await pub.publish('news/x', 'still here', { qos: 1 });
        assert.equal((await bystander.waitForTopic('news/x')).payload.toString(), 'still here');
    });

    it('malformed MQTT 5 packets (unknown property id, a property twice, property length past the packet) close only that connection', async () => {
        const { port, published } = await broker();
        const bystander = await client(port, { ...V5, clientId: 'bystander' });
        await bystander.subscribe('t', 1);
        const publishWith = (properties: number[]): Buffer => {
            const body = [0, 1, 0x74, properties.length, ...properties, 0x70]; // topic 't', properties, payload 'p'
            return Buffer.from([0x30, body.length, ...body]);
        };
        const cases = {
            'unknown property id 0x7f': publishWith([0x7f, 0x00]),
            'Content Type twice': publishWith([0x03, 0, 1, 0x61, 0x03, 0, 1, 0x62]),
            'a string property longer than the packet': publishWith([0x03, 0, 100, 0x61]),
        };
        for (const [name, bytes] of Object.entries(cases)) {
            const raw = await rawClient(port, 5);
            await raw.connect('bad');
            raw.sendBytes(bytes);
            await raw.waitClosed(5000).catch(() => assert.fail(`${name}: the connection stayed open`));
        }
        // a CONNECT with a property twice is refused with 0x82 (Protocol Error)
        const raw = await rawClient(port, 5);
        const connect = mqttPacket.generate(
            {
                cmd: 'connect',
                protocolId: 'MQTT',
                protocolVersion: 5,
                clientId: 'twice',
                clean: true,
                keepalive: 30,
                properties: { sessionExpiryInterval: 5 },
            },
            { protocolVersion: 5 },
        );
        // append a second Session Expiry Interval (id 0x11, 4 bytes) to the properties, and fix both lengths
        const propertiesAt = 2 + 6 + 1 + 1 + 2; // fixed header (2 bytes here), 'MQTT' with its length, level, flags, keep alive
        const patched = Buffer.concat([
            connect.subarray(0, propertiesAt + 1 + connect[propertiesAt]!),
            Buffer.from([0x11, 0, 0, 0, 9]),
            connect.subarray(propertiesAt + 1 + connect[propertiesAt]!),
        ]);
        patched[1] = patched[1]! + 5;
        patched[propertiesAt] = patched[propertiesAt]! + 5;
        raw.sendBytes(patched);
        const connack = (await raw.waitFor(p => p.cmd === 'connack')) as IConnackPacket;
        assert.equal(connack.reasonCode, 0x82);
        await raw.waitClosed();
        // nothing of it was delivered or mirrored; the bystander is still served
        const pub = await client(port);
        await pub.publish('t', 'fine', { qos: 1 });
        await bystander.waitFor(m => m.payload.toString() === 'fine');
        assert.deepEqual(
            bystander.received('t').map(m => m.payload.toString()),
            ['fine'],
        );
        await until(() => published.length > 0, 5000, 'the clientPublish event');
        assert.deepEqual(
            published.map(p => p.payload.toString()),
            ['fine'],
        );
    });

    it('a Home Assistant-like session: will on its status topic, discovery retained under homeassistant/#, back after a reconnect and a broker restart', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'mqtt5-ha-'));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        const options = { persistence: 'disk' as const, persistenceDir: dir };
        let started = await startBroker(options);
        const ha = {
            ...V5,
            clientId: 'homeassistant',
            will: { topic: 'homeassistant/status', payload: Buffer.from('offline'), qos: 1 as const, retain: true },
        };
        const device = await TestClient.connect(started.port, { ...V5, clientId: 'plug' });
        const core = await TestClient.connect(started.port, ha);
        await core.subscribe('homeassistant/#', 1);
        await core.publish('homeassistant/status', 'online', { qos: 1, retain: true });
        const config = JSON.stringify({ name: 'Plug', state_topic: 'plug/state', unique_id: 'plug-1' });
        await device.client.publishAsync('homeassistant/switch/plug/config', config, {
            qos: 1,
            retain: true,
            properties: { contentType: 'application/json' },
        });
        await core.waitForTopic('homeassistant/switch/plug/config');
        // Home Assistant goes away without DISCONNECT: its will says offline, retained
        core.client.stream.destroy();
        const watcher = await TestClient.connect(started.port, { ...V5, clientId: 'watcher' });
        await watcher.subscribe('homeassistant/status', 1);
        await watcher.waitFor(m => m.payload.toString() === 'offline', 10_000, 'the will');
        for (const c of [device, watcher]) {
            await c.end();
        }
        await started.broker.stop();
        started = await startBroker(options);
        cleanups.push(() => started.broker.stop());
        const back = await TestClient.connect(started.port, ha);
        cleanups.push(() => void back.client.end(true));
        await back.subscribe('homeassistant/#', 1);
        const discovery = await back.waitForTopic('homeassistant/switch/plug/config');
        assert.equal(discovery.payload.toString(), config);
        assert.equal(discovery.retain, true);
        assert.equal(discovery.properties?.contentType, 'application/json');
        const status = await back.waitForTopic('homeassistant/status');
        assert.equal(status.payload.toString(), 'offline');
    });

    it('enforces the receive maximum: the 101st QoS 2 message without PUBREL gets DISCONNECT 0x93 [MQTT-3.3.4-9]', async () => {
        const { port } = await broker();
        const raw = await rawClient(port, 5);
        await raw.connect('flood');
        for (let id = 1; id <= 100; id++) {
            raw.send({ cmd: 'publish', topic: 'q2', payload: 'x', qos: 2, messageId: id, retain: false, dup: false });
        }
        await raw.waitFor(p => p.cmd === 'pubrec' && p.messageId === 100, 5000, 'the 100th PUBREC');
        // a retransmission of one already held is not one more
        raw.send({ cmd: 'publish', topic: 'q2', payload: 'x', qos: 2, messageId: 7, retain: false, dup: true });
        raw.send({ cmd: 'pubrel', messageId: 1 });
        await raw.waitFor(p => p.cmd === 'pubcomp' && p.messageId === 1);
        // one released: one more fits, the next is one too many
        raw.send({ cmd: 'publish', topic: 'q2', payload: 'x', qos: 2, messageId: 101, retain: false, dup: false });
        await raw.waitFor(p => p.cmd === 'pubrec' && p.messageId === 101);
        assert.equal(raw.closed, false);
        raw.send({ cmd: 'publish', topic: 'q2', payload: 'x', qos: 2, messageId: 102, retain: false, dup: false });
        const disconnect = await raw.waitFor(p => p.cmd === 'disconnect');
        assert.equal((disconnect as { reasonCode?: number }).reasonCode, 0x93);
        await raw.waitClosed();
        assert.equal(raw.packets.filter(p => p.cmd === 'pubrec' && p.messageId === 102).length, 0);
    });

    for (const persistence of ['memory', 'disk'] as const) {
        it(`message expiry (${persistence}): an expired message leaves the queue and the retained store; the others keep their properties`, async () => {
            const dir = mkdtempSync(path.join(tmpdir(), 'mqtt5-expiry-'));
            cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
            const { port } = await broker({ persistence, persistenceDir: dir });
            const sessionOptions = {
                ...V5,
                clientId: 'sleepy',
                clean: false,
                properties: { sessionExpiryInterval: 300 },
            };
            const sleepy = await TestClient.connect(port, sessionOptions);
            await sleepy.subscribe('e/#', 1);
            await sleepy.end();
            const pub = await client(port, V5);
            const keep = { contentType: 'text/plain', correlationData: Buffer.from('c1'), userProperties: { k: 'v' } };
            await pub.client.publishAsync('e/short', 'gone', { qos: 1, properties: { messageExpiryInterval: 1 } });
            await pub.client.publishAsync('e/long', 'kept', {
                qos: 1,
                properties: { ...keep, messageExpiryInterval: 600 },
            });
            await pub.client.publishAsync('e/plain', 'kept too', { qos: 1, properties: keep });
            await pub.client.publishAsync('e/retained', 'r', {
                qos: 1,
                retain: true,
                properties: { messageExpiryInterval: 1 },
            });
            // expiry is a matter of time: nothing to wait for but the clock
            await new Promise(resolve => setTimeout(resolve, 1500));
            const back = await client(port, { ...sessionOptions, clean: false });
            await back.waitForTopic('e/plain');
            const long = back.received('e/long')[0];
            assert.ok(long, 'the unexpired message was queued');
            assert.equal(long.properties?.contentType, 'text/plain');
            assert.deepEqual(long.properties?.correlationData, Buffer.from('c1'));
            assert.deepEqual({ ...long.properties?.userProperties }, { k: 'v' });
            const remaining = long.properties?.messageExpiryInterval ?? 0;
            assert.ok(remaining > 590 && remaining <= 600, `remaining lifetime ${remaining} s`);
            assert.equal(back.received('e/plain')[0]!.properties?.contentType, 'text/plain');
            assert.equal(back.received('e/short').length, 0, 'the expired message is not delivered');
            const late = await client(port, V5);
            await late.subscribe('e/#', 1);
            await pub.publish('e/marker', 'm', { qos: 1 });
            await late.waitForTopic('e/marker');
            assert.equal(late.received('e/retained').length, 0, 'the expired retained message is gone');
        });
    }

    it('sendTo request in server mode: an MQTT 5 device gets Response Topic and Correlation Data; only its answer with them counts', async () => {
        const { broker: service, port } = await broker();
        const device = await client(port, { ...V5, clientId: 'device' });
        await device.subscribe('dev/cmd', 1);
        const old = await client(port, { clientId: 'old' });
        await old.subscribe('dev/cmd', 1);
        device.client.on('message', (topic, payload, packet) => {
            const responseTopic = packet.properties?.responseTopic;
            if (topic !== 'dev/cmd' || !responseTopic) {
                return;
            }
            // another request's answer first (other correlation data), then this one's
            void device.client.publishAsync(responseTopic, 'not yours', {
                qos: 1,
                properties: { correlationData: Buffer.from('other') },
            });
            void device.client.publishAsync(responseTopic, `pong to ${payload.toString()}`, {
                qos: 1,
                properties: { correlationData: packet.properties?.correlationData },
            });
        });
        const requests = new Requests(service.requestTransport(), 1);
        const answer = await requests.request({
            topic: 'dev/cmd',
            message: 'ping',
            responseTopic: 'dev/reply',
            timeout: 5000,
        });
        assert.deepEqual(answer, { result: { topic: 'dev/reply', message: 'pong to ping' } });
        const plain = await old.waitForTopic('dev/cmd');
        assert.equal(plain.payload.toString(), 'ping');
    });

    it('retain handling holds for what the adapter sends at a subscription (publishOnSubscribe): 0 always, 1 only when new, 2 never', async () => {
        // the adapter's publishOnSubscribe, as currentValues.ts does it: current values for the subscriptions offered
        const { broker: service, port } = await broker(
            {},
            {
                subscribed: (c, _granted, offer) => {
                    for (const s of offer.filter(o => o.topic.startsWith('cur/'))) {
                        service.sendToClient(c, { topic: 'cur/x', payload: `for ${s.topic}`, qos: 1, retain: true });
                    }
                },
            },
        );
        const sub = await client(port, { ...V5, clientId: 'rh' });
        const pub = await client(port, V5);
        let marker = 0;
        /** What the subscription made arrive: a marker through the broker comes after it. */
        async function arrivedAfter(subscribe: () => Promise<unknown>): Promise<string[]> {
            const before = sub.received('cur/x').length;
            await subscribe();
            const text = `m${++marker}`;
            await pub.publish('mark/x', text, { qos: 1 });
            await sub.waitFor(m => m.topic === 'mark/x' && m.payload.toString() === text);
            return sub
                .received('cur/x')
                .slice(before)
                .map(m => `${m.payload.toString()}${m.retain ? ' (retain)' : ''}`);
        }
        await sub.subscribe('mark/#', 1);
        assert.deepEqual(await arrivedAfter(() => sub.client.subscribeAsync('cur/+', { qos: 1, rh: 0 })), [
            'for cur/+ (retain)',
        ]);
        assert.deepEqual(await arrivedAfter(() => sub.client.subscribeAsync('cur/+', { qos: 1, rh: 0 })), [
            'for cur/+ (retain)',
        ]);
        assert.deepEqual(await arrivedAfter(() => sub.client.subscribeAsync('cur/#', { qos: 1, rh: 1 })), [
            'for cur/# (retain)',
        ]);
        assert.deepEqual(await arrivedAfter(() => sub.client.subscribeAsync('cur/#', { qos: 1, rh: 1 })), []);
        assert.deepEqual(await arrivedAfter(() => sub.client.subscribeAsync('cur/x', { qos: 1, rh: 2 })), []);
    });

    it('mosquitto_pub/sub -V 5 get the MQTT 5 reason codes: bad credentials, denied subscription, publish outside the rights', async function () {
        needMosquittoTools(this);
        const { port } = await broker({ accounts: [device('alice')] });
        const base = ['-h', '127.0.0.1', '-p', String(port), '-V', '5'];
        const wrong = await runMosquittoTool('mosquitto_pub', [
            ...base,
            '-u',
            'alice',
            '-P',
            'no',
            '-t',
            'x',
            '-m',
            '1',
        ]);
        assert.notEqual(wrong.code, 0);
        assert.match(wrong.stderr, /Bad User Name or Password/i);
        const login = ['-u', 'alice', '-P', 'pw-alice'];
        const denied = await runMosquittoTool('mosquitto_sub', [
            ...base,
            ...login,
            '-t',
            'devices/bob/#',
            '-C',
            '1',
            '-W',
            '5',
        ]);
        assert.match(denied.stderr, /All subscription requests were denied/);
        const outside = await runMosquittoTool('mosquitto_pub', [
            ...base,
            ...login,
            '-t',
            'devices/bob/x',
            '-m',
            '1',
            '-q',
            '1',
            '-d',
        ]);
        assert.match(outside.stdout, /received PUBACK \(Mid: 1, RC:135\)/);
        assert.match(outside.stderr, /no right to publish to 'devices\/bob\/x'/);
        const inside = await runMosquittoTool('mosquitto_pub', [
            ...base,
            ...login,
            '-t',
            'devices/alice/x',
            '-m',
            '1',
            '-q',
            '1',
            '-d',
        ]);
        assert.match(inside.stdout, /received PUBACK \(Mid: 1, RC:0\)/);
    });

    it('No Local per subscription, also with overlapping ones; Retain As Published keeps the retain flag of live messages', async () => {
        const { port } = await broker();
        const me = await client(port, { ...V5, clientId: 'me' });
        // only No Local: my own message does not come back
        await me.client.subscribeAsync('nl/a/#', { qos: 1, nl: true });
        // No Local on one, not on the other: it comes back once, through the other [MQTT-3.8.3-3]
        await me.client.subscribeAsync('nl/b/#', { qos: 1, nl: true });
        await me.client.subscribeAsync('nl/b/+', { qos: 1, nl: false });
        await me.publish('nl/a/x', 'own a', { qos: 1 });
        await me.publish('nl/b/x', 'own b', { qos: 1 });
        const other = await client(port, V5);
        await other.publish('nl/a/x', 'other a', { qos: 1 });
        await me.waitFor(m => m.payload.toString() === 'other a');
        await me.waitFor(m => m.payload.toString() === 'own b');
        assert.deepEqual(me.messages.map(m => m.payload.toString()).sort(), ['other a', 'own b']);
        const rap = await client(port, { ...V5, clientId: 'rap' });
        await rap.client.subscribeAsync('rap/kept', { qos: 1, rap: true });
        await rap.client.subscribeAsync('rap/plain', { qos: 1, rap: false });
        await other.publish('rap/kept', 'r1', { qos: 1, retain: true });
        await other.publish('rap/plain', 'r2', { qos: 1, retain: true });
        assert.equal((await rap.waitForTopic('rap/kept')).retain, true);
        assert.equal((await rap.waitForTopic('rap/plain')).retain, false);
    });
});
