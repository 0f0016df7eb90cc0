/**
 * Client mode on a real js-controller against a real mosquitto (and against our own broker for 3.1.1-only and
 * ws/wss): connection state, subscriptions, will and birth, TLS, reconnects, offline queue, persistent sessions.
 */
import assert from 'node:assert/strict';
import type { TestContext } from '@iobroker/testing/build/tests/integration';
import type { TestHarness } from '@iobroker/testing/build/tests/integration/lib/harness';
import { BrokerService } from '../../../src/broker/brokerService';
import { webSocketPort } from '../../lib/testBroker';
import { makeCertificates } from '../../lib/certs';
import { Mosquitto, type MosquittoOptions } from '../../lib/mosquitto';
import { TestClient } from '../../lib/mqttClient';
import { hasCommand } from '../../lib/tools';
import { until, waitForEvent, waitForState } from '../../lib/wait';
import { clearInstanceData, freePort, startAgain } from '../realHost';

const NS = 'mqtt-gateway.0';

async function configureClient(harness: TestHarness, native: Record<string, unknown>): Promise<void> {
    clearInstanceData();
    await harness.changeAdapterConfig('mqtt-gateway', {
        native: {
            type: 'client',
            url: '127.0.0.1',
            reconnectPeriod: 1,
            connectTimeout: 5,
            sendOnStartInterval: 100,
            ...native,
        },
    });
}

function requireMosquitto(ctx: Mocha.Context): void {
    if (!hasCommand('mosquitto')) {
        console.log('      SKIPPED: mosquitto is not installed (apt-get install mosquitto mosquitto-clients)');
        ctx.skip();
    }
}

async function startMosquitto(options: Omit<MosquittoOptions, 'port'>): Promise<Mosquitto> {
    const broker = new Mosquitto({ port: await freePort(), ...options });
    await broker.start();
    return broker;
}

function sendTo(harness: TestHarness, command: string, message: unknown): Promise<Record<string, unknown>> {
    return new Promise(resolve =>
        harness.sendTo(NS, command, message, result => resolve(result as unknown as Record<string, unknown>)),
    );
}

async function stateObject(harness: TestHarness, id: string, type: string): Promise<void> {
    await harness.objects.setObjectAsync(id, {
        type: 'state',
        common: { name: id, type, role: 'state', read: true, write: true },
        native: {},
    });
}

export function clientSuites({ suite }: TestContext): void {
    suite('Client: mosquitto, plain MQTT 5 — states both ways, will and birth', getHarness => {
        let mosquitto: Mosquitto;
        let watcher: TestClient;
        before(async function () {
            this.timeout(60000);
            requireMosquitto(this);
            mosquitto = await startMosquitto({});
            watcher = await TestClient.connect(mosquitto.options.port, { clientId: 'watcher' });
            await watcher.subscribe('#', 1);
            const harness = getHarness();
            await stateObject(harness, `${NS}.cmd.light`, 'boolean');
            await stateObject(harness, 'javascript.0.status', 'number');
            await harness.states.setStateAsync(`${NS}.cmd.light`, { val: true, ack: false });
            await harness.states.setStateAsync('javascript.0.status', { val: 7, ack: true });
            await configureClient(harness, {
                port: mosquitto.options.port,
                protocolVersion: '5',
                patterns: 'dev/#,zigbee2mqtt/#',
                publish: 'javascript.0.*',
                lwtTopic: 'iob/status',
                lwtPayload: 'offline',
                birthPayload: 'online',
                defaultQoS: 1,
                // SPEC §8: publishAllOnStart sends commands only with retainCommands
                retainCommands: true,
            });
            await harness.startAdapterAndWait(true);
        });
        after(async () => {
            await watcher?.end();
            await mosquitto?.dispose();
        });

        it('sets info.connection after CONNACK and publishes the birth message (retained)', async () => {
            const birth = await watcher.waitFor(m => m.topic === 'iob/status' && m.payload.toString() === 'online');
            assert.ok(birth);
            assert.ok(getHarness().hasLog(/Connected to mqtt:\/\/127\.0\.0\.1:\d+ \(MQTT 5\)/, 'info'));
        });

        it('writes messages of the subscribed patterns into states', async () => {
            await watcher.publish('dev/temp', '21.5', { qos: 1 });
            await watcher.publish('other/x', '1', { qos: 1 });
            await watcher.publish('zigbee2mqtt/lamp', '{"state":"ON"}', { qos: 1 });
            await waitForState(getHarness(), `${NS}.zigbee2mqtt.lamp`, s => s?.val === '{"state":"ON"}');
            assert.equal((await getHarness().states.getStateAsync(`${NS}.dev.temp`))?.val, 21.5);
            assert.equal(await getHarness().objects.getObjectAsync(`${NS}.other.x`), null, 'not subscribed');
        });

        it('publishAllOnStart sent own commands (retainCommands) but no statuses and no info.* states', async () => {
            await watcher.waitFor(m => m.topic === 'cmd/light' && m.payload.toString() === 'true');
            assert.equal(
                watcher.received('javascript/0/status').length,
                0,
                'ack=true is not published without sendAckToo',
            );
            assert.ok(!watcher.messages.some(m => m.topic.startsWith('info/')));
        });

        it('publishes commands of the publish mask and of own states, and does not echo broker values', async () => {
            const harness = getHarness();
            await harness.states.setStateAsync('javascript.0.status', { val: 8, ack: false });
            await watcher.waitFor(m => m.topic === 'javascript/0/status' && m.payload.toString() === '8');
            // a value from the broker lands in the state and is not published back
            await watcher.publish('dev/echo', 'from-broker', { qos: 1 });
            await waitForState(harness, `${NS}.dev.echo`, s => s?.val === 'from-broker');
            await harness.states.setStateAsync(`${NS}.cmd.light`, { val: false, ack: false });
            await watcher.waitFor(m => m.topic === 'cmd/light' && m.payload.toString() === 'false');
            assert.equal(watcher.received('dev/echo').length, 1, 'only the original message');
        });

        it('sendMessage2Client publishes to the broker', async () => {
            const answer = await sendTo(getHarness(), 'sendMessage2Client', { topic: 'z/x', message: 'hi', qos: 1 });
            assert.deepEqual(answer, { result: true });
            assert.equal((await watcher.waitForTopic('z/x')).payload.toString(), 'hi');
        });

        it('the broker publishes the will when the adapter process dies', async function () {
            this.timeout(30000);
            const harness = getHarness();
            const child = harness.adapterProcess;
            assert.ok(child);
            const willSeen = watcher.waitFor(
                m => m.topic === 'iob/status' && m.payload.toString() === 'offline',
                20000,
                'the will',
            );
            // SIGKILL: no goodbye from the adapter; the broker notices the dead socket (keepalive/close) and sends the will
            const exited = waitForEvent(harness, 'failed', 10000);
            child.kill('SIGKILL');
            await willSeen;
            await exited;
            // start it again for the next test
            await startAgain(harness);
            await watcher.waitFor(
                m => m.topic === 'iob/status' && m.payload.toString() === 'online' && watcher.messages.indexOf(m) > 0,
            );
        });

        it('publishes the will payload as a clean goodbye when the instance stops, and info.connection goes false', async () => {
            const harness = getHarness();
            await harness.stopAdapter();
            await watcher.waitFor(m => m.topic === 'iob/status' && m.payload.toString() === 'offline');
            assert.equal((await harness.states.getStateAsync(`${NS}.info.connection`))?.val, false);
        });
    });

    suite('Client: user/password and TLS with a private CA and client certificates', getHarness => {
        let mosquitto: Mosquitto;
        before(async function () {
            this.timeout(60000);
            requireMosquitto(this);
            if (!hasCommand('openssl')) {
                console.log('      SKIPPED: openssl is not installed');
                this.skip();
            }
            const certs = makeCertificates();
            mosquitto = await startMosquitto({ users: { iob: 'pw-1' }, tls: certs, requireClientCertificate: true });
            const harness = getHarness();
            const system = (await harness.objects.getObjectAsync('system.certificates')) as ioBroker.Object;
            system.native.certificates = {
                ...system.native.certificates,
                testCa: certs.ca,
                testClientCert: certs.clientCert,
                testClientKey: certs.clientKey,
            };
            await harness.objects.setObjectAsync('system.certificates', system);
            await configureClient(harness, {
                url: `mqtts://127.0.0.1:${mosquitto.options.port}`,
                user: 'iob',
                pass: 'pw-1',
                caCert: 'testCa',
                clientCert: 'testClientCert',
                clientKey: 'testClientKey',
                protocolVersion: '4',
                patterns: 'secure/#',
            });
            await harness.startAdapterAndWait(true);
        });
        after(async () => mosquitto?.dispose());

        it('connects with mutual TLS and credentials and receives messages', async () => {
            const certs = makeCertificates();
            const { default: mqtt } = await import('mqtt');
            const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${mosquitto.options.port}`, {
                ca: certs.ca,
                cert: certs.clientCert,
                key: certs.clientKey,
                username: 'iob',
                password: 'pw-1',
                reconnectPeriod: 0,
            });
            await client.publishAsync('secure/x', '1', { qos: 1 });
            await waitForState(getHarness(), `${NS}.secure.x`, s => s?.val === 1);
            await client.endAsync();
        });

        it('the test message reports success, bad credentials, TLS errors, timeouts and a refused connection', async function () {
            this.timeout(20000);
            const harness = getHarness();
            const refusedPort = await freePort();
            assert.deepEqual(await sendTo(harness, 'test', { url: '127.0.0.1', port: refusedPort }), {
                error: `mqtt://127.0.0.1:${refusedPort}: connect ECONNREFUSED 127.0.0.1:${refusedPort}`,
            });
            // a TLS broker whose CA the form does not trust
            const untrusted = await sendTo(harness, 'test', { url: `mqtts://127.0.0.1:${mosquitto.options.port}` });
            assert.match(String(untrusted.error), /certificate/i);
            // a port that accepts TCP but never answers MQTT: the answer comes within 5 s
            const { createServer } = await import('node:net');
            const silent = createServer(() => undefined);
            await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', () => resolve()));
            const silentPort = (silent.address() as { port: number }).port;
            const started = Date.now();
            const timedOut = await sendTo(harness, 'test', { url: '127.0.0.1', port: silentPort });
            silent.close();
            assert.match(String(timedOut.error), /timeout: no answer/);
            assert.ok(Date.now() - started < 7000, 'answered within the 5 s limit (plus messaging)');
            const plain = await startMosquitto({ users: { u: 'right' } });
            try {
                assert.deepEqual(
                    await sendTo(harness, 'test', {
                        url: '127.0.0.1',
                        port: plain.options.port,
                        user: 'u',
                        pass: 'right',
                    }),
                    {
                        result: 'connected',
                    },
                );
                const bad = await sendTo(harness, 'test', {
                    url: '127.0.0.1',
                    port: plain.options.port,
                    user: 'u',
                    pass: 'wrong',
                });
                assert.match(String(bad.error), /bad user name or password|not authorized/);
            } finally {
                await plain.dispose();
            }
        });
    });

    suite('Client: broker restart — connection state, offline queue, exactly once', getHarness => {
        let mosquitto: Mosquitto;
        let subscriber: TestClient;
        before(async function () {
            this.timeout(60000);
            requireMosquitto(this);
            mosquitto = await startMosquitto({ persistence: true });
            // a persistent subscriber whose session survives the broker restart
            subscriber = await TestClient.connect(mosquitto.options.port, {
                clientId: 'sub-persist',
                clean: false,
                reconnectPeriod: 500,
            });
            await subscriber.subscribe('q/#', 1);
            const harness = getHarness();
            for (let i = 0; i < 3; i++) {
                await stateObject(harness, `${NS}.q.s${i}`, 'number');
            }
            await configureClient(harness, {
                port: mosquitto.options.port,
                patterns: 'in/#',
                defaultQoS: 1,
                publishAllOnStart: false,
            });
            await harness.startAdapterAndWait(true);
        });
        after(async () => {
            await subscriber?.end();
            await mosquitto?.dispose();
        });

        it('info.connection false while the broker is down, true again after; QoS 1 changes made meanwhile arrive once', async function () {
            this.timeout(60000);
            const harness = getHarness();
            await mosquitto.stop();
            await waitForState(harness, `${NS}.info.connection`, s => s?.val === false);
            for (let i = 0; i < 3; i++) {
                await harness.states.setStateAsync(`${NS}.q.s${i}`, { val: 100 + i, ack: false });
            }
            await mosquitto.start();
            await waitForState(harness, `${NS}.info.connection`, s => s?.val === true, 20000);
            await until(
                () => ['q/s0', 'q/s1', 'q/s2'].every(t => subscriber.received(t).length > 0),
                20000,
                'the queued messages',
            );
            // a marker after the queue
            await harness.states.setStateAsync(`${NS}.q.s0`, { val: 999, ack: false });
            await subscriber.waitFor(m => m.topic === 'q/s0' && m.payload.toString() === '999', 10000);
            assert.deepEqual(
                subscriber.received('q/s1').map(m => m.payload.toString()),
                ['101'],
            );
            assert.deepEqual(
                subscriber.received('q/s2').map(m => m.payload.toString()),
                ['102'],
            );
            const warnings = harness.getLogs('warn').filter(l => l.message.includes('lost'));
            assert.equal(warnings.length, 1, 'one warning per outage');
        });
    });

    suite('Client: persistent session keeps QoS 1 subscriptions across an adapter restart', getHarness => {
        let mosquitto: Mosquitto;
        before(async function () {
            this.timeout(60000);
            requireMosquitto(this);
            mosquitto = await startMosquitto({});
            await configureClient(getHarness(), {
                port: mosquitto.options.port,
                patterns: 'p/#',
                defaultQoS: 1,
                persistent: true,
                clientId: 'iob-persistent',
            });
            await getHarness().startAdapterAndWait(true);
        });
        after(async () => mosquitto?.dispose());

        it('receives messages published while the adapter was stopped', async function () {
            this.timeout(60000);
            const harness = getHarness();
            await harness.stopAdapter();
            const pub = await TestClient.connect(mosquitto.options.port);
            for (let i = 0; i < 5; i++) {
                await pub.publish(`p/m${i}`, String(i), { qos: 1 });
            }
            await pub.end();
            await startAgain(harness);
            for (let i = 0; i < 5; i++) {
                await waitForState(harness, `${NS}.p.m${i}`, s => s?.val === i);
            }
            const session = await harness.states.getStateAsync(`${NS}.info.lastSession`);
            assert.deepEqual(JSON.parse(String(session?.val)), { patterns: ['p/#'] });
        });
    });

    suite('Client: MQTT auto falls back to 3.1.1, over wss with a private CA', getHarness => {
        let broker: BrokerService;
        let port = 0;
        before(async function () {
            this.timeout(60000);
            if (!hasCommand('openssl')) {
                console.log('      SKIPPED: openssl is not installed');
                this.skip();
            }
            const certs = makeCertificates();
            // our own broker as an MQTT 3.1.1-only broker (mqtt5 off: CONNACK 0x84 to MQTT 5), with TLS and secure WebSocket
            broker = new BrokerService(
                {
                    listeners: {
                        bind: '127.0.0.1',
                        port: 0,
                        tls: { key: certs.key, cert: certs.cert },
                        webSocket: true,
                        wsPort: 0,
                    },
                    persistence: 'memory',
                    persistenceDir: '',
                    user: '',
                    pass: '',
                    maxClients: 100,
                    maxPayloadSizeBytes: 1 << 20,
                    forceCleanSession: 'no',
                    storeClientsTimeMin: -1,
                    maxQueuedMessages: 100,
                    mqtt5: false,
                },
                {},
                { info: () => undefined, warn: () => undefined, debug: () => undefined },
            );
            await broker.start();
            port = broker.boundPort!;
            const wsPort = webSocketPort(broker);
            const harness = getHarness();
            const system = (await harness.objects.getObjectAsync('system.certificates')) as ioBroker.Object;
            system.native.certificates = { ...system.native.certificates, testCa: certs.ca };
            await harness.objects.setObjectAsync('system.certificates', system);
            await configureClient(harness, {
                url: `wss://127.0.0.1:${wsPort}/mqtt`,
                caCert: 'testCa',
                protocolVersion: 'auto',
                patterns: 'w/#',
            });
            await harness.startAdapterAndWait(true);
        });
        after(async () => broker?.stop());

        it('connects over wss with MQTT 3.1.1 after one info line and receives messages', async () => {
            const harness = getHarness();
            assert.ok(harness.hasLog(/does not speak MQTT 5: using MQTT 3\.1\.1/, 'info'));
            assert.ok(harness.hasLog(/Connected to wss:\/\/127\.0\.0\.1:\d+\/mqtt \(MQTT 3\.1\.1\)/, 'info'));
            const { default: mqtt } = await import('mqtt');
            const pub = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
                ca: makeCertificates().ca,
                reconnectPeriod: 0,
            });
            await pub.publishAsync('w/x', '3', { qos: 1 });
            await waitForState(harness, `${NS}.w.x`, s => s?.val === 3);
            await pub.endAsync();
        });
    });
}
