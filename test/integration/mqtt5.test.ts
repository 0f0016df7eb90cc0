/**
 * MQTT 5 on the embedded broker (issue #17): real MQTT 5 clients (mqtt.js with protocolVersion 5, Debian's
 * mosquitto_pub/sub -V 5) on real sockets, next to MQTT 3.1.1 clients.
 */
import assert from 'node:assert/strict';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import mqttPacket, { type IConnackPacket } from 'mqtt-packet';
import type { BrokerEvents, BrokerServiceOptions } from '../../src/broker/brokerService';
import { makeCertificates } from '../lib/certs';
import { runMosquittoTool } from '../lib/mosquittoCli';
import { TestClient } from '../lib/mqttClient';
import { RawClient } from '../lib/rawMqtt';
import { startBroker, type Started } from '../lib/testBroker';
import { hasCommand, skipWithReason } from '../lib/tools';
import { until } from '../lib/wait';

const V5: IClientOptions = { protocolVersion: 5 };

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
            const wsPort = (
                service as unknown as { listeners: { servers: { address(): { port: number } }[] } }
            ).listeners.servers[1]!.address().port;
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
});
