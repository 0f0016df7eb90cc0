/**
 * The state ⇄ topic engine on a real js-controller, driven through the server-mode broker by real MQTT clients.
 */
import assert from 'node:assert/strict';
import type { TestContext } from '@iobroker/testing/build/tests/integration';
import type { TestHarness } from '@iobroker/testing/build/tests/integration/lib/harness';
import { TestClient } from '../../lib/mqttClient';
import { waitForState } from '../../lib/wait';
import { clearInstanceData, freePort } from '../realHost';

const NS = 'mqtt-gateway.0';

async function startServer(harness: TestHarness, native: Record<string, unknown>): Promise<number> {
    const port = await freePort();
    clearInstanceData();
    await harness.changeAdapterConfig('mqtt-gateway', {
        native: { type: 'server', bind: '127.0.0.1', port, ...native },
    });
    await harness.startAdapterAndWait(true);
    return port;
}

async function stateObject(harness: TestHarness, id: string, type: string): Promise<void> {
    await harness.objects.setObjectAsync(id, {
        type: 'state',
        common: { name: id, type, role: 'state', read: true, write: true },
        native: {},
    });
}

async function getObject(harness: TestHarness, id: string): Promise<ioBroker.Object | null | undefined> {
    return harness.objects.getObjectAsync(id) as Promise<ioBroker.Object | null | undefined>;
}

export function engineSuites({ suite }: TestContext): void {
    suite('Engine: ingest creates typed states and guards foreign ones', getHarness => {
        let client: TestClient;

        before(async function () {
            this.timeout(60000);
            const harness = getHarness();
            await stateObject(harness, 'javascript.0.allowed', 'number');
            await stateObject(harness, 'javascript.0.denied', 'number');
            const port = await startServer(harness, {
                writableMask: 'javascript.0.allowed',
                binaryTopics: 'bin/#',
            });
            client = await TestClient.connect(port, { clientId: 'ingest-test' });
        });
        after(async () => client?.end());

        it('creates a number state with folders and native.topic, written with ack=true', async () => {
            const harness = getHarness();
            await client.publish('dev/kitchen/temp', '21.5');
            const state = await waitForState(harness, `${NS}.dev.kitchen.temp`, s => s?.val === 21.5);
            assert.equal(state?.ack, true);
            const obj = await getObject(harness, `${NS}.dev.kitchen.temp`);
            assert.equal(obj?.type, 'state');
            assert.equal(obj?.common.type, 'number');
            assert.equal(obj?.native.topic, 'dev/kitchen/temp');
            assert.equal((await getObject(harness, `${NS}.dev`))?.type, 'folder');
            assert.equal((await getObject(harness, `${NS}.dev.kitchen`))?.type, 'folder');
        });

        it('infers boolean, json and string, and keeps the type afterwards', async () => {
            const harness = getHarness();
            await client.publish('dev/flag', 'true');
            await client.publish('dev/json', '{"a":1}');
            await client.publish('dev/code', 'abc');
            await waitForState(harness, `${NS}.dev.code`, s => s?.val === 'abc');
            assert.equal((await getObject(harness, `${NS}.dev.flag`))?.common.type, 'boolean');
            assert.equal((await harness.states.getStateAsync(`${NS}.dev.flag`))?.val, true);
            assert.equal((await getObject(harness, `${NS}.dev.json`))?.common.type, 'json');
            assert.equal((await harness.states.getStateAsync(`${NS}.dev.json`))?.val, '{"a":1}');
            // a string state keeps "007" as text: no flip-flop to number
            await client.publish('dev/code', '007');
            await waitForState(harness, `${NS}.dev.code`, s => s?.val === '007');
            assert.equal((await getObject(harness, `${NS}.dev.code`))?.common.type, 'string');
        });

        it('writes an allowed foreign state with ack=false', async () => {
            const harness = getHarness();
            await client.publish('javascript/0/allowed', '42');
            const state = await waitForState(harness, 'javascript.0.allowed', s => s?.val === 42);
            assert.equal(state?.ack, false);
        });

        it('refuses a foreign state outside writableMask and creates nothing for it', async () => {
            const harness = getHarness();
            await client.publish('javascript/0/denied', '13');
            await client.publish('dev/marker', '1');
            await waitForState(harness, `${NS}.dev.marker`, s => s?.val === 1);
            const denied = await harness.states.getStateAsync('javascript.0.denied');
            assert.notEqual(denied?.val, 13);
            assert.equal(await getObject(harness, `${NS}.javascript.0.denied`), null);
            assert.ok(harness.hasLog(/javascript\.0\.denied', which writableMask does not allow/, 'warn'));
        });

        it('stores a binaryTopics payload byte-exact as a file', async () => {
            const harness = getHarness();
            const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x0a]);
            await client.publish('bin/image', bytes);
            await waitForState(harness, `${NS}.bin.image`, s => s?.val === `/files/${NS}/bin/image`);
            const file = await new Promise<Buffer>((resolve, reject) =>
                harness.objects.readFile(NS, 'bin/image', {}, (err: Error | null, data: Buffer | string) =>
                    err ? reject(err) : resolve(Buffer.from(data)),
                ),
            );
            assert.ok(file.equals(bytes), `file bytes ${file.toString('hex')}`);
            const obj = await getObject(harness, `${NS}.bin.image`);
            assert.equal(obj?.native.binary, true);
            assert.equal(obj?.common.role, 'url');
        });

        it('writes a burst on a new topic in order, losing nothing', async () => {
            const harness = getHarness();
            const seen: unknown[] = [];
            const onChange = (id: string, state: ioBroker.State | null | undefined): void => {
                if (id === `${NS}.burst.value`) {
                    seen.push(state?.val);
                }
            };
            harness.on('stateChange', onChange);
            try {
                await Promise.all(Array.from({ length: 20 }, (_, i) => client.publish('burst/value', String(i))));
                await waitForState(harness, `${NS}.burst.value`, s => s?.val === 19);
                assert.deepEqual(
                    seen,
                    Array.from({ length: 20 }, (_, i) => i),
                );
            } finally {
                harness.off('stateChange', onChange);
            }
        });
    });

    suite('Engine: publisher with default filters (commands only, on change)', getHarness => {
        let subscriber: TestClient;
        let marker = 0;

        async function sync(): Promise<void> {
            marker++;
            await getHarness().states.setStateAsync(`${NS}.pub.marker`, { val: marker, ack: false });
            await subscriber.waitFor(m => m.topic === 'pub/marker' && m.payload.toString() === String(marker));
        }

        before(async function () {
            this.timeout(60000);
            const harness = getHarness();
            await stateObject(harness, `${NS}.pub.a`, 'number');
            await stateObject(harness, `${NS}.pub.marker`, 'number');
            await stateObject(harness, 'javascript.0.outside', 'number');
            const port = await startServer(harness, {});
            subscriber = await TestClient.connect(port, { clientId: 'subscriber' });
            await subscriber.subscribe('#');
        });
        after(async () => subscriber?.end());

        it('publishes a command (ack=false) on the mapped topic', async () => {
            await getHarness().states.setStateAsync(`${NS}.pub.a`, { val: 5, ack: false });
            const message = await subscriber.waitForTopic('pub/a');
            assert.equal(message.payload.toString(), '5');
        });

        it('does not publish an ack=true status, an unchanged value, or a state outside the mask', async () => {
            const harness = getHarness();
            await harness.states.setStateAsync(`${NS}.pub.a`, { val: 6, ack: true });
            await harness.states.setStateAsync(`${NS}.pub.a`, { val: 6, ack: true });
            await harness.states.setStateAsync('javascript.0.outside', { val: 1, ack: false });
            await sync();
            assert.deepEqual(
                subscriber.received('pub/a').map(m => m.payload.toString()),
                ['5'],
            );
            assert.equal(subscriber.received('javascript/0/outside').length, 0);
        });

        it('publishes a changed command again', async () => {
            await getHarness().states.setStateAsync(`${NS}.pub.a`, { val: 7, ack: false });
            await subscriber.waitFor(m => m.topic === 'pub/a' && m.payload.toString() === '7');
        });
    });

    suite('Engine: publisher with sendAckToo, onchange off, extraSet and prefix', getHarness => {
        let subscriber: TestClient;
        let device: TestClient;

        before(async function () {
            this.timeout(60000);
            const harness = getHarness();
            await stateObject(harness, `${NS}.pub.b`, 'number');
            const port = await startServer(harness, {
                sendAckToo: true,
                onchange: false,
                extraSet: true,
                prefix: 'iob/',
            });
            subscriber = await TestClient.connect(port, { clientId: 'subscriber2' });
            await subscriber.subscribe('iob/#');
            device = await TestClient.connect(port, { clientId: 'device' });
        });
        after(async () => {
            await subscriber?.end();
            await device?.end();
        });

        it('sends commands to <prefix><topic>/set and statuses to <prefix><topic>, every update', async () => {
            const harness = getHarness();
            await harness.states.setStateAsync(`${NS}.pub.b`, { val: 1, ack: false });
            await harness.states.setStateAsync(`${NS}.pub.b`, { val: 1, ack: true });
            await harness.states.setStateAsync(`${NS}.pub.b`, { val: 1, ack: true });
            await subscriber.waitFor(m => m.topic === 'iob/pub/b/set' && m.payload.toString() === '1');
            // a later command on the same id is published after the statuses: a marker, no sleep
            await harness.states.setStateAsync(`${NS}.pub.b`, { val: 2, ack: false });
            await subscriber.waitFor(m => m.topic === 'iob/pub/b/set' && m.payload.toString() === '2');
            const statuses = (): number => subscriber.received('iob/pub/b').length;
            assert.equal(statuses(), 2, 'onchange off: the same status twice is sent twice');
        });

        it("a device's /set message becomes a command (ack=false) and is not echoed back", async () => {
            const harness = getHarness();
            await device.publish('iob/dev/lamp/set', 'on');
            const state = await waitForState(harness, `${NS}.dev.lamp`, s => s?.val === 'on');
            assert.equal(state?.ack, false);
            assert.equal((await getObject(harness, `${NS}.dev.lamp`))?.native.topic, 'iob/dev/lamp');
            // marker through the same publisher path
            await harness.states.setStateAsync(`${NS}.pub.b`, { val: 99, ack: false });
            await subscriber.waitFor(m => m.topic === 'iob/pub/b/set' && m.payload.toString() === '99');
            assert.equal(subscriber.received('iob/dev/lamp/set').length, 1, "only the device's own message");
        });
    });
}
