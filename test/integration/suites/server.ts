/**
 * Server mode on a real js-controller: the broker mirrored into states, sessions across adapter restarts,
 * certificates from the system, client states, limits and sendTo.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { TestContext } from '@iobroker/testing/build/tests/integration';
import type { TestHarness } from '@iobroker/testing/build/tests/integration/lib/harness';
import mqtt from 'mqtt';
import { makeCertificates } from '../../lib/certs';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { TestClient } from '../../lib/mqttClient';
import { RawClient } from '../../lib/rawMqtt';
import { hasCommand, skipWithReason } from '../../lib/tools';
import { until, waitForEvent, waitForState } from '../../lib/wait';
import { clearInstanceData, freePort, startAgain } from '../realHost';

const NS = 'mqtt-gateway.0';

async function configure(harness: TestHarness, native: Record<string, unknown>): Promise<number> {
    const port = await freePort();
    clearInstanceData();
    await harness.changeAdapterConfig('mqtt-gateway', {
        native: { type: 'server', bind: '127.0.0.1', port, ...native },
    });
    return port;
}

/** Stops the adapter process and starts it again in the same harness (same databases and data directory). */
async function restartAdapter(harness: TestHarness): Promise<void> {
    await harness.stopAdapter();
    await startAgain(harness);
}

function sendTo(harness: TestHarness, command: string, message: unknown): Promise<Record<string, unknown>> {
    return new Promise(resolve =>
        harness.sendTo(NS, command, message, result => resolve(result as unknown as Record<string, unknown>)),
    );
}

async function stateObject(
    harness: TestHarness,
    id: string,
    type: string,
    native: Record<string, unknown> = {},
): Promise<void> {
    await harness.objects.setObjectAsync(id, {
        type: 'state',
        common: { name: id, type, role: 'state', read: true, write: true },
        native,
    });
}

export function serverSuites({ suite }: TestContext): void {
    suite('Server: persistent session survives an adapter restart with queued QoS 1 messages', getHarness => {
        it('delivers every queued message after the restart, and the retained store too', async function () {
            this.timeout(60000);
            const harness = getHarness();
            const port = await configure(harness, {});
            await harness.startAdapterAndWait(true);
            const session = await TestClient.connect(port, { clientId: 'sleepy', clean: false });
            await session.subscribe('queue/#', 1);
            await session.end();
            const pub = await TestClient.connect(port, { clientId: 'pub' });
            for (let i = 0; i < 20; i++) {
                await pub.publish('queue/x', `m${i}`, { qos: 1 });
            }
            await pub.publish('keep/r', 'retained', { qos: 1, retain: true });
            await pub.end();
            await waitForState(harness, `${NS}.queue.x`, s => s?.val === 'm19');

            await restartAdapter(harness);

            const back = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
                clientId: 'sleepy',
                clean: false,
                reconnectPeriod: 0,
            });
            const got: string[] = [];
            back.on('message', (topic, payload) => topic === 'queue/x' && got.push(payload.toString()));
            const connack = await waitForEvent<{ sessionPresent: boolean }>(back, 'connect');
            assert.equal(connack.sessionPresent, true);
            await until(() => got.length >= 20, 10000, 'the 20 queued messages');
            assert.deepEqual(
                got.slice(0, 20),
                Array.from({ length: 20 }, (_, i) => `m${i}`),
            );
            await back.endAsync();
            const late = await TestClient.connect(port);
            await late.subscribe('keep/#');
            assert.equal((await late.waitForTopic('keep/r')).payload.toString(), 'retained');
            await late.end();
        });
    });

    suite('Server: TLS and WSS with certificates from the system', getHarness => {
        let port = 0;
        let wsPort = 0;
        before(async function () {
            this.timeout(60000);
            if (!hasCommand('openssl')) {
                console.log('      SKIPPED: openssl is not installed (needed to make test certificates)');
                this.skip();
            }
            const harness = getHarness();
            const certs = makeCertificates();
            const system = (await harness.objects.getObjectAsync('system.certificates')) as ioBroker.Object;
            system.native.certificates = {
                ...system.native.certificates,
                testPublic: certs.cert,
                testPrivate: certs.key,
            };
            await harness.objects.setObjectAsync('system.certificates', system);
            wsPort = await freePort();
            port = await configure(harness, {
                ssl: true,
                certPublic: 'testPublic',
                certPrivate: 'testPrivate',
                webSocket: true,
                wsPort,
            });
            await harness.startAdapterAndWait(true);
        });

        it('accepts mqtts and wss clients that trust the CA, and mirrors their messages', async () => {
            const certs = makeCertificates();
            const harness = getHarness();
            const tls = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, { ca: certs.ca, reconnectPeriod: 0 });
            const wss = await mqtt.connectAsync(`wss://127.0.0.1:${wsPort}/mqtt`, { ca: certs.ca, reconnectPeriod: 0 });
            await wss.subscribeAsync('secure/#');
            const got = waitForEvent<string>(wss, 'message');
            await tls.publishAsync('secure/x', '1', { qos: 1 });
            assert.equal(await got, 'secure/x');
            await waitForState(harness, `${NS}.secure.x`, s => s?.val === 1);
            await tls.endAsync();
            await wss.endAsync();
        });
    });

    suite('Server: a missing certificate stops the instance naming the option', getHarness => {
        it("names 'certPublic' and 'certPrivate' and exits with code 11", async function () {
            this.timeout(30000);
            const harness = getHarness();
            await configure(harness, { ssl: true, certPublic: 'doesNotExist', certPrivate: 'doesNotExistEither' });
            const exited = waitForEvent<number | string>(harness, 'failed', 20000);
            await harness.startAdapter();
            assert.equal(await exited, 11);
            const errors = harness.getLogs('error');
            assert.equal(errors.length, 1, errors.map(e => e.message).join('\n'));
            assert.match(
                errors[0]!.message,
                /option 'certPublic' names the certificate 'doesNotExist', which is not among the system certificates; option 'certPrivate' names the certificate 'doesNotExistEither'/,
            );
        });
    });

    suite('Server: retained values, publishOnSubscribe and publishAllOnStart', getHarness => {
        let port = 0;
        before(async function () {
            this.timeout(60000);
            const harness = getHarness();
            await stateObject(harness, `${NS}.cur.a`, 'number');
            await stateObject(harness, `${NS}.cur.b`, 'number');
            await stateObject(harness, 'javascript.0.cur', 'string');
            await harness.states.setStateAsync(`${NS}.cur.a`, { val: 1, ack: false });
            await harness.states.setStateAsync(`${NS}.cur.b`, { val: 2, ack: true });
            await harness.states.setStateAsync('javascript.0.cur', { val: 'js', ack: false });
            // SPEC §8: publishOnSubscribe offers statuses with sendAckToo and commands only with retainCommands
            port = await configure(harness, {
                publish: `${NS}.*,javascript.0.*`,
                sendOnStartInterval: 100,
                sendAckToo: true,
                retainCommands: true,
            });
            await harness.startAdapterAndWait(true);
        });

        it('a new subscription gets the current value of every matching state exactly once', async () => {
            const harness = getHarness();
            // cur/a also gets a retained copy in the broker through a change while running
            await harness.states.setStateAsync(`${NS}.cur.a`, { val: 3, ack: false });
            const watcher = await TestClient.connect(port);
            await watcher.subscribe('cur/#');
            await watcher.waitFor(m => m.topic === 'cur/a' && m.payload.toString() === '3');
            await watcher.end();

            const sub = await TestClient.connect(port);
            await sub.subscribe('cur/#');
            await sub.subscribe('javascript/#');
            await sub.waitForTopic('cur/a');
            await sub.waitForTopic('cur/b');
            await sub.waitForTopic('javascript/0/cur');
            // a marker through the broker comes after anything the subscriptions triggered
            const pub = await TestClient.connect(port);
            await pub.publish('cur/zz', 'marker', { qos: 1 });
            await sub.waitForTopic('cur/zz');
            assert.deepEqual(
                sub.received('cur/a').map(m => [m.payload.toString(), m.retain]),
                [['3', true]],
            );
            assert.deepEqual(
                sub.received('cur/b').map(m => m.payload.toString()),
                ['2'],
            );
            assert.deepEqual(
                sub.received('javascript/0/cur').map(m => m.payload.toString()),
                ['js'],
            );
            await sub.end();
            await pub.end();
        });

        it('MQTT 5 retain handling applies to the current values: 2 never, 1 only for a new subscription', async () => {
            const sub = await TestClient.connect(port, { protocolVersion: 5 });
            const pub = await TestClient.connect(port);
            await sub.subscribe('mark/#', 1);
            let marker = 0;
            /** The current values a SUBSCRIBE brought: a marker through the broker comes after them. */
            const brought = async (options: { rh: 0 | 1 | 2 }): Promise<number> => {
                const before = sub.received('cur/b').length;
                await sub.client.subscribeAsync('cur/b', { qos: 1, ...options });
                const text = `m${++marker}`;
                await pub.publish('mark/x', text, { qos: 1 });
                await sub.waitFor(m => m.topic === 'mark/x' && m.payload.toString() === text);
                return sub.received('cur/b').length - before;
            };
            assert.equal(await brought({ rh: 2 }), 0, 'retain handling 2');
            await sub.client.unsubscribeAsync('cur/b');
            assert.equal(await brought({ rh: 1 }), 1, 'retain handling 1, a new subscription');
            assert.equal(await brought({ rh: 1 }), 0, 'retain handling 1, the subscription existed');
            assert.equal(await brought({ rh: 0 }), 1, 'retain handling 0');
            await sub.end();
            await pub.end();
        });

        it('a persistent session that reconnects gets the current values of its subscriptions', async () => {
            const harness = getHarness();
            const first = await TestClient.connect(port, { clientId: 'returning', clean: false });
            await first.subscribe('cur/b', 1);
            await first.waitForTopic('cur/b');
            await first.end();
            // a status while the session is offline: its QoS 0 copy is not queued, the current value is sent on return
            await harness.states.setStateAsync(`${NS}.cur.b`, { val: 22, ack: true });
            const again = await TestClient.connect(port, { clientId: 'returning', clean: false });
            const got = await again.waitFor(m => m.topic === 'cur/b' && m.payload.toString() === '22', 5000);
            assert.equal(got.retain, true);
            await again.end();
        });
    });

    suite('Server: refused subscriptions, client states, counters and sendTo', getHarness => {
        let port = 0;
        before(async function () {
            this.timeout(60000);
            const harness = getHarness();
            await stateObject(harness, `${NS}.known`, 'number');
            await stateObject(harness, `${NS}.send.me`, 'number', { topic: 'custom/send/me' });
            port = await configure(harness, {
                ignoreNewObjects: true,
                ignoredTopics: 'private/#',
                maxPayloadSize: 100,
            });
            await harness.startAdapterAndWait(true);
        });

        it('answers SUBACK 0x80 for ignoredTopics and for unknown exact topics with ignoreNewObjects', async () => {
            // a raw client shows the SUBACK codes as sent (mqtt.js reports refused ones differently)
            const raw = await RawClient.open(port);
            try {
                await raw.connect('subs');
                raw.send({
                    cmd: 'subscribe',
                    messageId: 3,
                    subscriptions: [
                        { topic: 'private/#', qos: 0 },
                        { topic: 'unknown', qos: 0 },
                        { topic: 'known', qos: 1 },
                        { topic: 'wild/#', qos: 1 },
                    ],
                });
                const suback = (await raw.waitFor(p => p.cmd === 'suback')) as Packet & { granted: number[] };
                assert.deepEqual(suback.granted, [0x80, 0x80, 1, 1]);
            } finally {
                raw.destroy();
            }
        });

        it('keeps info.clientCount, info.clientList and info.clients.<id>', async () => {
            const harness = getHarness();
            const client = await TestClient.connect(port, { clientId: 'kitchen.esp 1' });
            await waitForState(harness, `${NS}.info.clientList`, s =>
                String(s?.val).split(',').includes('kitchen.esp 1'),
            );
            await waitForState(harness, `${NS}.info.clientCount`, s => s?.val === 1);
            const state = await waitForState(harness, `${NS}.info.clients.kitchen_esp_1`, s => s?.val === true);
            assert.equal(state?.ack, true);
            const obj = (await harness.objects.getObjectAsync(`${NS}.info.clients.kitchen_esp_1`)) as ioBroker.Object;
            assert.equal(obj.native.clientId, 'kitchen.esp 1');
            assert.equal(obj.native.ip, '127.0.0.1');
            await client.end();
            await waitForState(harness, `${NS}.info.clients.kitchen_esp_1`, s => s?.val === false);
            await waitForState(
                harness,
                `${NS}.info.clientList`,
                s => !String(s?.val).split(',').includes('kitchen.esp 1'),
            );
        });

        it('drops an oversized payload, counts it in info.dropped within 10 s, and the client stays connected', async function () {
            this.timeout(20000);
            const harness = getHarness();
            const client = await TestClient.connect(port, { clientId: 'big' });
            await client.publish('known', Buffer.alloc(101, 0x31), { qos: 1 });
            await client.publish('known', '5', { qos: 1 });
            await waitForState(harness, `${NS}.known`, s => s?.val === 5);
            assert.equal(client.client.connected, true);
            await waitForState(harness, `${NS}.info.dropped`, s => Number(s?.val) >= 1, 15000);
            assert.ok(
                harness.hasLog(
                    /Message from 'big' refused: payload of 101 bytes on 'known' exceeds maxPayloadSize \(100\)/,
                    'warn',
                ),
            );
            await client.end();
        });

        it('sendMessage2Client publishes through the broker: only subscribers receive it', async () => {
            const harness = getHarness();
            const sub = await TestClient.connect(port);
            await sub.subscribe('notify/#');
            const other = await TestClient.connect(port);
            await other.subscribe('else/#');
            assert.deepEqual(
                await sendTo(harness, 'sendMessage2Client', { topic: 'notify/x', message: 'hello', qos: 1 }),
                {
                    result: true,
                },
            );
            assert.equal((await sub.waitForTopic('notify/x')).payload.toString(), 'hello');
            assert.equal(other.messages.length, 0);
            const refused = await sendTo(harness, 'sendMessage2Client', { topic: 'bad/#', message: 'x' });
            assert.match(String(refused.error), /wildcard/);
            await sub.end();
            await other.end();
        });

        it('sendState2Client publishes a state as if it had changed (native.topic honoured)', async () => {
            const harness = getHarness();
            const sub = await TestClient.connect(port);
            await sub.subscribe('custom/#');
            assert.deepEqual(
                await sendTo(harness, 'sendState2Client', { id: `${NS}.send.me`, state: { val: 42, ack: true } }),
                {
                    result: true,
                },
            );
            assert.equal((await sub.waitForTopic('custom/send/me')).payload.toString(), '42');
            await sub.end();
        });
    });

    suite('Server: wills, mosquitto clients and a flood of 10,000 QoS 1 messages', getHarness => {
        let port = 0;
        before(async function () {
            this.timeout(60000);
            port = await configure(getHarness(), {});
            await getHarness().startAdapterAndWait(true);
        });

        it("writes a client's will to its state when the client dies", async () => {
            const dying = await TestClient.connect(port, {
                clientId: 'shelly',
                will: { topic: 'shelly/online', payload: Buffer.from('false'), qos: 1, retain: true },
            });
            await dying.publish('shelly/online', 'true', { qos: 1, retain: true });
            await waitForState(getHarness(), `${NS}.shelly.online`, s => s?.val === true);
            (dying.client.stream as unknown as { destroy(): void }).destroy();
            const state = await waitForState(getHarness(), `${NS}.shelly.online`, s => s?.val === false);
            assert.equal(state?.ack, true);
        });

        it('serves mosquitto_sub and mosquitto_pub (retained message, -C 1)', async function () {
            if (!hasCommand('mosquitto_sub') || !hasCommand('mosquitto_pub')) {
                skipWithReason(this, 'mosquitto-clients is not installed (apt-get install mosquitto-clients)');
            }
            const pub = spawnSync('mosquitto_pub', [
                '-h',
                '127.0.0.1',
                '-p',
                String(port),
                '-t',
                'tasmota/POWER',
                '-m',
                'ON',
                '-r',
                '-q',
                '1',
            ]);
            assert.equal(pub.status, 0, pub.stderr.toString());
            await waitForState(getHarness(), `${NS}.tasmota.POWER`, s => s?.val === 'ON');
            const sub = spawnSync('mosquitto_sub', [
                '-h',
                '127.0.0.1',
                '-p',
                String(port),
                '-t',
                'tasmota/#',
                '-C',
                '1',
                '-v',
                '-W',
                '5',
            ]);
            assert.equal(sub.status, 0, sub.stderr.toString());
            assert.equal(sub.stdout.toString().trim(), 'tasmota/POWER ON');
        });

        it('writes every one of 10,000 QoS 1 messages from 10 clients (and prints the rate and RSS)', async function () {
            this.timeout(180000);
            const harness = getHarness();
            const CLIENTS = 10;
            const PER_CLIENT = 1000;
            const clients = await Promise.all(
                Array.from({ length: CLIENTS }, (_, c) => TestClient.connect(port, { clientId: `flood-${c}` })),
            );
            // one state per client and message index keeps every single message checkable
            const last = new Map<string, number>();
            const onChange = (id: string, state: ioBroker.State | null | undefined): void => {
                if (id.startsWith(`${NS}.flood.`) && typeof state?.val === 'number') {
                    last.set(id, state.val);
                }
            };
            harness.on('stateChange', onChange);
            const started = Date.now();
            try {
                await Promise.all(
                    clients.map(async (client, c) => {
                        for (let i = 0; i < PER_CLIENT; i++) {
                            await client.publish(`flood/c${c}/m${i % 100}`, String(i), { qos: 1 });
                        }
                    }),
                );
                const sentMs = Date.now() - started;
                // each of the 1,000 topics ends with the last of its 10 values (900..999)
                await until(
                    () => last.size === CLIENTS * 100 && [...last.values()].every(v => v >= 900),
                    120000,
                    'all 10,000 messages in the states',
                );
                const doneMs = Date.now() - started;
                for (let c = 0; c < CLIENTS; c++) {
                    for (let m = 0; m < 100; m++) {
                        const state = await harness.states.getStateAsync(`${NS}.flood.c${c}.m${m}`);
                        assert.equal(state?.val, 900 + m, `flood/c${c}/m${m}`);
                    }
                }
                const pid = harness.adapterProcess?.pid;
                const rss = pid
                    ? /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
                    : undefined;
                console.log(
                    `      flood: 10,000 QoS 1 messages from 10 clients published in ${sentMs} ms, all in the states after ${doneMs} ms (${Math.round(10000 / (doneMs / 1000))} msg/s into states); adapter RSS ${rss ? `${Math.round(Number(rss) / 1024)} MiB` : 'unknown'}`,
                );
            } finally {
                harness.off('stateChange', onChange);
                await Promise.all(clients.map(c => c.end()));
            }
        });
    });

    suite('Server: client states with clients that drop during the handshake, and with huge client ids', getHarness => {
        let port = 0;
        before(async function () {
            this.timeout(60000);
            port = await configure(getHarness(), {});
            await getHarness().startAdapterAndWait(true);
        });
        interface Objects {
            getKeysAsync(pattern: string): Promise<string[]>;
            getObjectAsync(id: string): Promise<ioBroker.Object | null | undefined>;
        }
        const objects = (): Objects => getHarness().objects as Objects;

        it('100 clients closing right after CONNECT: clientCount 0, no ghost left true, every object a full state (issue #16)', async function () {
            this.timeout(60000);
            const harness = getHarness();
            // unique ids and repeated ones (a takeover while the other copy is still in its handshake)
            const ids = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? `drop-${i}` : `same-${i % 5}`));
            await Promise.all(
                ids.map(
                    clientId =>
                        new Promise<void>((resolve, reject) => {
                            const socket = connect({ port, host: '127.0.0.1' }, () => {
                                socket.end(
                                    mqttPacket.generate({
                                        cmd: 'connect',
                                        protocolId: 'MQTT',
                                        protocolVersion: 4,
                                        clientId,
                                        clean: true,
                                        keepalive: 30,
                                    }),
                                );
                                socket.destroy();
                            });
                            socket.on('error', reject);
                            socket.on('close', () => resolve());
                        }),
                ),
            );
            // a marker after them: its states are written after whatever the drops caused (one queue of writes)
            const marker = await TestClient.connect(port, { clientId: 'marker' });
            await waitForState(harness, `${NS}.info.clients.marker`, s => s?.val === true);
            await marker.end();
            await waitForState(harness, `${NS}.info.clients.marker`, s => s?.val === false);
            await waitForState(harness, `${NS}.info.clientCount`, s => s?.val === 0);
            assert.equal((await harness.states.getStateAsync(`${NS}.info.clientList`))?.val, '');
            const keys = await objects().getKeysAsync(`${NS}.info.clients.*`);
            assert.ok(keys.includes(`${NS}.info.clients.marker`));
            for (const id of keys) {
                const obj = await objects().getObjectAsync(id);
                assert.equal(obj?.type, 'state', `${id} has its full definition`);
                assert.equal(obj.common.type, 'boolean', id);
                const state = await harness.states.getStateAsync(id);
                assert.notEqual(state?.val, true, `${id} is not left true with no connection open`);
            }
        });

        it('a 65,535-character client id gives an object id and a clientList of bounded length (issue #16)', async function () {
            this.timeout(30000);
            const harness = getHarness();
            const longId = `long-${'x'.repeat(65_530)}`;
            const client = await TestClient.connect(port, { clientId: longId });
            const list = String(
                (await waitForState(harness, `${NS}.info.clientList`, s => String(s?.val).startsWith('long-')))?.val,
            );
            assert.ok(list.startsWith('long-xxx') && list.length < 200, `clientList of ${list.length} characters`);
            const keys = (await objects().getKeysAsync(`${NS}.info.clients.long-*`)) ?? [];
            assert.equal(keys.length, 1);
            const id = keys[0]!;
            assert.ok(id.length <= `${NS}.info.clients.`.length + 100, `object id of ${id.length} characters`);
            await waitForState(harness, id, s => s?.val === true);
            const obj = await objects().getObjectAsync(id);
            const clientId = String(obj?.native.clientId);
            assert.ok(
                clientId.startsWith('long-xxx') && clientId.length <= 1100,
                `native.clientId of ${clientId.length}`,
            );
            await client.end();
            await waitForState(harness, id, s => s?.val === false);
            await waitForState(harness, `${NS}.info.clientCount`, s => s?.val === 0);
        });
    });

    suite('Server: accounts table — passwords stored as hashes, rights enforced', getHarness => {
        let port = 0;
        before(async function () {
            this.timeout(60000);
            const harness = getHarness();
            port = await configure(harness, {
                users: [{ user: 'sensor1', pass: 'pw-sensor1', publish: 'devices/%u/#', subscribe: 'devices/%u/#' }],
            });
            await harness.startAdapterAndWait(true);
        });

        it('replaces the plain password in the settings by a hash at start', async () => {
            const config = await getHarness().getAdapterConfig();
            const users = (config?.native as { users: { pass: string; passHash: string }[] }).users;
            assert.equal(users[0]?.pass, '');
            assert.match(users[0]?.passHash ?? '', /^scrypt\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
            assert.ok(
                !getHarness()
                    .getLogs()
                    .some(l => l.message.includes('pw-sensor1')),
                'never logged',
            );
        });

        it("writes a device's own topics to states, and nothing it may not publish", async () => {
            const harness = getHarness();
            const device = await TestClient.connect(port, { username: 'sensor1', password: 'pw-sensor1' });
            await device.publish('devices/sensor1/temp', '20', { qos: 1 });
            await device.publish('javascript/0/anything', '1', { qos: 1 });
            await device.publish('devices/sensor2/temp', '99', { qos: 1 });
            await device.publish('devices/sensor1/marker', '1', { qos: 1 });
            // new topics are created concurrently (order is kept per topic only): wait for each
            await waitForState(harness, `${NS}.devices.sensor1.marker`, s => s?.val === 1);
            await waitForState(harness, `${NS}.devices.sensor1.temp`, s => s?.val === 20);
            // the refused ones were dropped at the broker, before any state could be written
            assert.equal(await harness.objects.getObjectAsync(`${NS}.devices.sensor2.temp`), null);
            assert.equal(await harness.objects.getObjectAsync(`${NS}.javascript.0.anything`), null);
            await device.end();
            const anonymous = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
            const err = await waitForEvent<Error & { code?: number }>(anonymous, 'error');
            assert.equal(err.code, 4, 'no anonymous access once an account exists');
            anonymous.end(true);
        });
    });

    suite('Server: user and password', getHarness => {
        const PASSWORD = 'pa55-Secret-xyz';
        let port = 0;
        before(async function () {
            this.timeout(60000);
            const harness = getHarness();
            // changeAdapterConfig encrypts `pass` itself (it is in encryptedNative)
            port = await configure(harness, { user: 'iob', pass: PASSWORD, debug: true });
            await harness.startAdapterAndWait(true);
        });

        it('refuses a wrong password with CONNACK 4 and never logs the password', async () => {
            const good = await TestClient.connect(port, { clientId: 'dev', username: 'iob', password: PASSWORD });
            const bad = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
                clientId: 'dev',
                username: 'iob',
                password: `${PASSWORD}-wrong`,
                reconnectPeriod: 0,
            });
            const err = await waitForEvent<Error & { code?: number }>(bad, 'error');
            assert.equal(err.code, 4);
            bad.end(true);
            assert.equal(good.client.connected, true, 'the connected client with that id stays');
            await good.publish('auth/x', '1');
            await waitForState(getHarness(), `${NS}.auth.x`, s => s?.val === 1);
            await good.end();
            const logs = getHarness().getLogs();
            assert.ok(logs.length > 0);
            assert.ok(
                !logs.some(l => l.message.includes(PASSWORD)),
                'the password appears in no log line at any level',
            );
        });
    });
}
