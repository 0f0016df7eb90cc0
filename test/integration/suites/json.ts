/**
 * JSON payloads as states (jsonTopics), commands back as JSON, and sendTo request/response — on a real host.
 */
import assert from 'node:assert/strict';
import type { TestContext } from '@iobroker/testing/build/tests/integration';
import type { TestHarness } from '@iobroker/testing/build/tests/integration/lib/harness';
import mqtt from 'mqtt';
import { Mosquitto } from '../../lib/mosquitto';
import { TestClient } from '../../lib/mqttClient';
import { hasCommand } from '../../lib/tools';
import { waitForState } from '../../lib/wait';
import { clearInstanceData, freePort, sendToInstance } from '../realHost';

const NS = 'mqtt-gateway.0';

function sendTo(harness: TestHarness, command: string, message: unknown): Promise<Record<string, unknown>> {
    return sendToInstance(harness, command, message);
}

/** A device that answers every request on `<name>/rx/request` with `<name>:<payload>` on `<name>/rx/response`. */
async function responder(port: number, name: string, delayMs = 0): Promise<TestClient> {
    const device = await TestClient.connect(port, { clientId: name });
    await device.subscribe(`${name}/rx/request`, 1);
    device.client.on('message', (topic, payload) => {
        if (topic === `${name}/rx/request`) {
            setTimeout(
                () => void device.publish(`${name}/rx/response`, `${name}:${payload.toString()}`, { qos: 1 }),
                delayMs,
            );
        }
    });
    return device;
}

export function jsonSuites({ suite }: TestContext): void {
    suite('JSON payloads and request/response (server mode)', getHarness => {
        let port = 0;
        before(async function () {
            this.timeout(60000);
            port = await freePort();
            clearInstanceData();
            await getHarness().changeAdapterConfig('mqtt-gateway', {
                native: {
                    type: 'server',
                    bind: '127.0.0.1',
                    port,
                    jsonTopics: 'zigbee2mqtt/+,sensors/+/telemetry',
                },
            });
            await getHarness().startAdapterAndWait(true);
        });

        it('expands a zigbee2mqtt-like device into a channel of typed states, and sends commands back as JSON', async () => {
            const harness = getHarness();
            const lamp = await TestClient.connect(port, { clientId: 'lamp' });
            await lamp.subscribe('zigbee2mqtt/lamp/set', 1);
            await lamp.publish('zigbee2mqtt/lamp', '{"state":"ON","brightness":120,"color":{"x":0.3,"y":0.4}}', {
                qos: 1,
            });
            const base = `${NS}.zigbee2mqtt.lamp`;
            await waitForState(harness, `${base}.color.y`, s => s?.val === 0.4);
            const tree: string[] = [];
            for (const id of [
                base,
                `${base}.state`,
                `${base}.brightness`,
                `${base}.color`,
                `${base}.color.x`,
                `${base}.color.y`,
            ]) {
                const obj = (await harness.objects.getObjectAsync(id)) as ioBroker.Object;
                const state = obj.type === 'state' ? await harness.states.getStateAsync(id) : undefined;
                tree.push(
                    `${id} (${obj.type}${obj.type === 'state' ? `, ${obj.common.type}` : ''})${state ? ` = ${JSON.stringify(state.val)}` : ''}`,
                );
            }
            console.log(`      states tree:\n${tree.map(l => `        ${l}`).join('\n')}`);
            assert.deepEqual(tree, [
                `${base} (channel)`,
                `${base}.state (state, string) = "ON"`,
                `${base}.brightness (state, number) = 120`,
                `${base}.color (channel)`,
                `${base}.color.x (state, number) = 0.3`,
                `${base}.color.y (state, number) = 0.4`,
            ]);
            await harness.states.setStateAsync(`${base}.state`, { val: 'OFF', ack: false });
            const command = await lamp.waitForTopic('zigbee2mqtt/lamp/set');
            assert.deepEqual(JSON.parse(command.payload.toString()), { state: 'OFF' });
            await harness.states.setStateAsync(`${base}.color.x`, { val: 0.5, ack: false });
            await lamp.waitFor(
                m => m.topic === 'zigbee2mqtt/lamp/set' && m.payload.toString() === '{"color":{"x":0.5}}',
            );
            await lamp.end();
        });

        it('writes telemetry {ts, values} arrays with their timestamps, in order', async () => {
            const harness = getHarness();
            const device = await TestClient.connect(port);
            await device.publish(
                'sensors/SN-001/telemetry',
                '[{"ts":1700000000000,"values":{"temperature":25.1,"ok":true}},{"ts":1700000001000,"values":{"temperature":25.3}}]',
                { qos: 1 },
            );
            const state = await waitForState(
                harness,
                `${NS}.sensors.SN-001.telemetry.temperature`,
                s => s?.val === 25.3,
            );
            assert.equal(state?.ts, 1700000001000);
            const ok = await harness.states.getStateAsync(`${NS}.sensors.SN-001.telemetry.ok`);
            assert.equal(ok?.val, true);
            assert.equal(ok?.ts, 1700000000000);
            await device.end();
        });

        it('answers malformed and huge JSON with a warning, writes nothing, and keeps running', async () => {
            const harness = getHarness();
            const device = await TestClient.connect(port);
            await device.publish('zigbee2mqtt/broken', '{"state":', { qos: 1 });
            const huge = JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])));
            await device.publish('zigbee2mqtt/huge', huge, { qos: 1 });
            await device.publish('zigbee2mqtt/after', '{"alive":true}', { qos: 1 });
            await waitForState(harness, `${NS}.zigbee2mqtt.after.alive`, s => s?.val === true);
            assert.equal(await harness.objects.getObjectAsync(`${NS}.zigbee2mqtt.broken`), null);
            assert.equal(await harness.objects.getObjectAsync(`${NS}.zigbee2mqtt.huge`), null);
            assert.ok(harness.hasLog(/'zigbee2mqtt\/broken' \(jsonTopics\) is not valid JSON/, 'warn'));
            assert.ok(harness.hasLog(/'zigbee2mqtt\/huge' \(jsonTopics\) has 5000 fields, more than 1000/, 'warn'));
            await device.end();
        });

        it('MQTT 5 content type application/json: in (JSON string, object, not JSON) and out (JSON states, field commands)', async () => {
            const harness = getHarness();
            const json = { contentType: 'application/json' };
            const v5 = await TestClient.connect(port, { protocolVersion: 5, clientId: 'v5-json' });
            const v4 = await TestClient.connect(port, { clientId: 'v4-json' });
            await v5.subscribe('ct/#', 1);
            await v4.subscribe('ct/#', 1);
            await v5.subscribe('zigbee2mqtt/bulb/set', 1);
            await v5.client.publishAsync('ct/mode', '"ON"', { qos: 1, properties: json });
            await v5.client.publishAsync('ct/config', '{"a":1}', { qos: 1, properties: json });
            await v5.client.publishAsync('ct/bad', 'ON', { qos: 1, properties: json });
            await v5.client.publishAsync('zigbee2mqtt/bulb', '{"state":"ON"}', { qos: 1, properties: json });
            await waitForState(harness, `${NS}.ct.mode`, s => s?.val === 'ON');
            await waitForState(harness, `${NS}.ct.config`, s => s?.val === '{"a":1}');
            await waitForState(harness, `${NS}.ct.bad`, s => s?.val === 'ON');
            await waitForState(harness, `${NS}.zigbee2mqtt.bulb.state`, s => s?.val === 'ON');
            const config = (await harness.objects.getObjectAsync(`${NS}.ct.config`)) as ioBroker.StateObject;
            assert.equal(config.common.type, 'json');
            assert.ok(
                harness.hasLog(
                    /'ct\/bad' has content type 'application\/json' but is not valid JSON: written as a plain payload/,
                    'warn',
                ),
            );
            // out: a JSON state and a JSON field command carry the content type to MQTT 5 clients only
            await harness.states.setStateAsync(`${NS}.ct.config`, { val: '{"a":2}', ack: false });
            const at5 = await v5.waitFor(m => m.topic === 'ct/config' && m.payload.toString() === '{"a":2}');
            assert.equal(at5.properties?.contentType, 'application/json');
            assert.equal(at5.properties?.payloadFormatIndicator, true);
            const at4 = await v4.waitFor(m => m.topic === 'ct/config' && m.payload.toString() === '{"a":2}');
            assert.equal(at4.properties, undefined);
            await harness.states.setStateAsync(`${NS}.ct.mode`, { val: 'OFF', ack: false });
            const text = await v5.waitFor(m => m.topic === 'ct/mode' && m.payload.toString() === 'OFF');
            assert.equal(text.properties?.contentType, undefined, 'a text value is not JSON');
            await harness.states.setStateAsync(`${NS}.zigbee2mqtt.bulb.state`, { val: 'OFF', ack: false });
            const command = await v5.waitForTopic('zigbee2mqtt/bulb/set');
            assert.equal(command.payload.toString(), '{"state":"OFF"}');
            assert.equal(command.properties?.contentType, 'application/json');
            await v5.end();
            await v4.end();
        });

        it('request: publishes and answers with the response; concurrent requests get their own answers; timeout', async function () {
            this.timeout(20000);
            const harness = getHarness();
            const a = await responder(port, 'devA', 100);
            const b = await responder(port, 'devB');
            const [ra, rb, ra2] = await Promise.all([
                sendTo(harness, 'request', {
                    topic: 'devA/rx/request',
                    message: 'one',
                    responseTopic: 'devA/rx/response',
                }),
                sendTo(harness, 'request', { topic: 'devB/rx/request', message: 'two', responseTopic: 'devB/rx/+' }),
                sendTo(harness, 'request', {
                    topic: 'devA/rx/request',
                    message: 'three',
                    responseTopic: 'devA/rx/response',
                }),
            ]);
            assert.deepEqual(ra, { result: { topic: 'devA/rx/response', message: 'devA:one' } });
            assert.deepEqual(rb, { result: { topic: 'devB/rx/response', message: 'devB:two' } });
            assert.deepEqual(ra2, { result: { topic: 'devA/rx/response', message: 'devA:three' } });
            const timedOut = await sendTo(harness, 'request', {
                topic: 'nobody/listens',
                message: 'x',
                responseTopic: 'nobody/answer',
                timeout: 300,
            });
            assert.deepEqual(timedOut, { error: 'timeout' });
            await a.end();
            await b.end();
        });
    });

    suite('Request/response in client mode with MQTT 5 correlation data', getHarness => {
        let mosquitto: Mosquitto | undefined;
        let device: mqtt.MqttClient | undefined;
        before(async function () {
            this.timeout(60000);
            if (!hasCommand('mosquitto')) {
                console.log('      SKIPPED: mosquitto is not installed (apt-get install mosquitto)');
                this.skip();
            }
            mosquitto = new Mosquitto({ port: await freePort() });
            await mosquitto.start();
            // an MQTT 5 device: answers on the request's response topic with its correlation data, answers out of order
            device = await mqtt.connectAsync(`mqtt://127.0.0.1:${mosquitto.options.port}`, {
                protocolVersion: 5,
                reconnectPeriod: 0,
            });
            await device.subscribeAsync('v5/request', { qos: 1 });
            device.on('message', (_topic, payload, packet) => {
                const props = packet.properties ?? {};
                const delay = payload.toString() === 'slow' ? 300 : 0;
                setTimeout(() => {
                    void device?.publishAsync(props.responseTopic ?? 'v5/response', `re:${payload.toString()}`, {
                        qos: 1,
                        properties: { correlationData: props.correlationData },
                    });
                }, delay);
            });
            clearInstanceData();
            await getHarness().changeAdapterConfig('mqtt-gateway', {
                native: {
                    type: 'client',
                    url: '127.0.0.1',
                    port: mosquitto.options.port,
                    protocolVersion: '5',
                    patterns: 'other/#',
                },
            });
            await getHarness().startAdapterAndWait(true);
        });
        after(async () => {
            await device?.endAsync();
            await mosquitto?.dispose();
        });

        it('two concurrent requests on one response topic get their own answers', async function () {
            this.timeout(20000);
            const harness = getHarness();
            const [slow, fast] = await Promise.all([
                sendTo(harness, 'request', { topic: 'v5/request', message: 'slow', responseTopic: 'v5/response' }),
                sendTo(harness, 'request', { topic: 'v5/request', message: 'fast', responseTopic: 'v5/response' }),
            ]);
            assert.deepEqual(slow, { result: { topic: 'v5/response', message: 're:slow' } });
            assert.deepEqual(fast, { result: { topic: 'v5/response', message: 're:fast' } });
        });

        it('MQTT 5 content type application/json both ways through the broker', async function () {
            this.timeout(20000);
            const harness = getHarness();
            const peer = await TestClient.connect(mosquitto!.options.port, { protocolVersion: 5, clientId: 'ct-peer' });
            await peer.subscribe('other/#', 1);
            const json = { contentType: 'application/json' };
            await peer.client.publishAsync('other/mode', '"ON"', { qos: 1, properties: json });
            await peer.client.publishAsync('other/cfg', '{"a":1}', { qos: 1, properties: json });
            await waitForState(harness, `${NS}.other.mode`, s => s?.val === 'ON');
            await waitForState(harness, `${NS}.other.cfg`, s => s?.val === '{"a":1}');
            await harness.states.setStateAsync(`${NS}.other.cfg`, { val: '{"a":2}', ack: false });
            const sent = await peer.waitFor(m => m.topic === 'other/cfg' && m.payload.toString() === '{"a":2}');
            assert.equal(sent.properties?.contentType, 'application/json');
            assert.equal(sent.properties?.payloadFormatIndicator, true);
            await peer.end();
        });
    });
}
