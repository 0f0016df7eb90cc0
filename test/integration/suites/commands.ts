/**
 * Commands devices can trust (SPEC §8, issue #21), on a real js-controller with the broker on a real socket:
 * Tasmota-, Shelly- and zigbee2mqtt-style devices. A command is an intent (every one sent, never retained unless
 * retainCommands), a status a fact; the retained store agrees with ioBroker; values from MQTT are never re-offered.
 */
import assert from 'node:assert/strict';
import type { TestContext } from '@iobroker/testing/build/tests/integration';
import type { TestHarness } from '@iobroker/testing/build/tests/integration/lib/harness';
import { Mosquitto } from '../../lib/mosquitto';
import { TestClient } from '../../lib/mqttClient';
import { hasCommand } from '../../lib/tools';
import { until, waitForState } from '../../lib/wait';
import { clearInstanceData, freePort, sendToInstance, startAgain } from '../realHost';

const NS = 'mqtt-gateway.0';

async function configure(harness: TestHarness, native: Record<string, unknown>, keepData = false): Promise<number> {
    const port = await freePort();
    if (!keepData) {
        clearInstanceData();
    }
    await harness.changeAdapterConfig('mqtt-gateway', {
        native: { type: 'server', bind: '127.0.0.1', port, ...native },
    });
    return port;
}

/**
 * Subscribes a fresh client to `filter` and returns what it got once a marker published after the subscription
 * has come back: everything the subscription triggered (retained messages, offered values) came before it.
 */
async function lateSubscriber(
    port: number,
    filter: string,
): Promise<{ topic: string; payload: string; retain: boolean }[]> {
    const late = await TestClient.connect(port);
    try {
        await late.subscribe(filter, 1);
        await late.subscribe('marker/#', 1);
        const pub = await TestClient.connect(port);
        await pub.publish('marker/x', 'm', { qos: 1 });
        await pub.end();
        await late.waitForTopic('marker/x');
        return late.messages
            .filter(m => m.topic !== 'marker/x')
            .map(m => ({ topic: m.topic, payload: m.payload.toString(), retain: m.retain }));
    } finally {
        await late.end();
    }
}

export function commandSuites({ suite }: TestContext): void {
    suite('Commands: a Tasmota-style plug on server mode with the defaults', getHarness => {
        let port = 0;
        const id = `${NS}.cmnd.plug1.POWER`;
        before(async function () {
            this.timeout(60000);
            const harness = getHarness();
            port = await configure(harness, {});
            await harness.startAdapterAndWait(true);
        });

        it('createCommand makes a writable state for a topic no device publishes to, and keeps an existing one', async () => {
            const harness = getHarness();
            const answer = await sendToInstance(harness, 'createCommand', {
                topic: 'cmnd/plug1/POWER',
                type: 'string',
            });
            assert.deepEqual(answer, { result: { id } });
            const obj = await harness.objects.getObjectAsync(id);
            assert.equal(obj?.type, 'state');
            assert.equal(obj?.common.write, true);
            assert.equal(obj?.common.type, 'string');
            assert.equal((obj?.native as { topic?: string }).topic, 'cmnd/plug1/POWER');
            assert.deepEqual(
                await sendToInstance(harness, 'createCommand', { topic: 'cmnd/plug1/POWER', type: 'number' }),
                { result: { id } },
                'an existing state is kept',
            );
            assert.equal((await harness.objects.getObjectAsync(id))?.common.type, 'string');
            const role = await sendToInstance(harness, 'createCommand', {
                topic: 'shellies/shelly1/relay/0/command',
                type: 'string',
                role: 'switch',
            });
            assert.deepEqual(role, { result: { id: `${NS}.shellies.shelly1.relay.0.command` } });
            assert.equal(
                (await harness.objects.getObjectAsync(`${NS}.shellies.shelly1.relay.0.command`))?.common.role,
                'switch',
            );
            assert.match(
                String((await sendToInstance(harness, 'createCommand', { topic: 'a/+', type: 'string' })).error),
                /wildcard/,
            );
            assert.match(
                String((await sendToInstance(harness, 'createCommand', { topic: 'x', type: 'car' })).error),
                /type/,
            );
            assert.match(String((await sendToInstance(harness, 'createCommand', { type: 'string' })).error), /topic/);
        });

        it('a command reaches the plug not retained; a plug that reconnects does not get it again', async () => {
            const harness = getHarness();
            await sendToInstance(harness, 'createCommand', { topic: 'cmnd/plug1/POWER', type: 'string' });
            const plug = await TestClient.connect(port, { clientId: 'plug1' });
            await plug.subscribe('cmnd/plug1/#', 1);
            await harness.states.setStateAsync(id, { val: 'OFF', ack: false });
            const got = await plug.waitFor(m => m.topic === 'cmnd/plug1/POWER');
            assert.equal(got.payload.toString(), 'OFF');
            assert.equal(got.retain, false);
            await plug.end();
            // Wi-Fi drop: the plug connects and subscribes again
            assert.deepEqual(await lateSubscriber(port, 'cmnd/plug1/#'), []);
        });

        it('100 identical commands from a script give 100 messages', async () => {
            const harness = getHarness();
            const plug = await TestClient.connect(port, { clientId: 'plug1-burst' });
            await plug.subscribe('cmnd/plug1/POWER', 1);
            await plug.subscribe('marker/#', 1);
            for (let i = 0; i < 100; i++) {
                await harness.states.setStateAsync(id, { val: 'OFF', ack: false });
            }
            await until(() => plug.received('cmnd/plug1/POWER').length >= 100, 15000, '100 commands');
            // a marker through the broker after them: no 101st copy was on its way
            const pub = await TestClient.connect(port);
            await pub.publish('marker/burst', 'm', { qos: 1 });
            await pub.end();
            await plug.waitForTopic('marker/burst');
            assert.equal(plug.received('cmnd/plug1/POWER').length, 100);
            await plug.end();
        });

        it('a status the plug published without retain is never offered to a later subscriber, flagged retained or not', async () => {
            const harness = getHarness();
            const plug = await TestClient.connect(port, { clientId: 'plug1-stat' });
            await plug.publish('stat/plug1/POWER', 'ON', { qos: 1, retain: false });
            await waitForState(harness, `${NS}.stat.plug1.POWER`, s => s?.val === 'ON');
            await plug.end();
            assert.deepEqual(await lateSubscriber(port, 'stat/#'), []);
        });

        it('an empty retained publish clears the retained message; the state keeps its value (q 0x40), never null', async () => {
            const harness = getHarness();
            const shelly = await TestClient.connect(port, { clientId: 'shelly1' });
            await shelly.publish('shellies/shelly1/relay/0', 'on', { qos: 1, retain: true });
            await waitForState(harness, `${NS}.shellies.shelly1.relay.0`, s => s?.val === 'on');
            await shelly.publish('shellies/shelly1/relay/0', '', { qos: 1, retain: true });
            const state = await waitForState(harness, `${NS}.shellies.shelly1.relay.0`, s => s?.q === 0x40);
            assert.equal(state?.val, 'on');
            await shelly.end();
            const got = await lateSubscriber(port, 'shellies/#');
            assert.deepEqual(got, [], 'nothing offered: no retained copy, no null');
        });
    });

    suite('Commands: retained store and ioBroker agree across restarts (options switched)', getHarness => {
        const command = `${NS}.zigbee2mqtt.lamp.set`;
        const status = `${NS}.zigbee2mqtt.lamp.state`;

        /**
         * Stops the instance, runs `whileStopped`, starts it again with `native` (the broker's store is kept). The
         * harness merges native options into the old ones: every option switched here is named in each call.
         */
        async function restart(
            harness: TestHarness,
            native: Record<string, unknown>,
            whileStopped?: () => Promise<unknown>,
        ): Promise<number> {
            await harness.stopAdapter();
            await whileStopped?.();
            const port = await configure(harness, native, true);
            await startAgain(harness);
            return port;
        }

        it('a retained command from before is removed at start; with retainCommands the current command is kept', async function () {
            this.timeout(90000);
            const harness = getHarness();
            let port = await configure(harness, {});
            await harness.startAdapterAndWait(true);
            await sendToInstance(harness, 'createCommand', { topic: 'zigbee2mqtt/lamp/set', type: 'string' });
            // an old version (or a user) left a retained command on the topic
            const old = await TestClient.connect(port);
            await old.publish('zigbee2mqtt/lamp/set', 'OFF', { qos: 1, retain: true });
            await old.end();
            await waitForState(harness, command, s => s?.val === 'OFF');
            // the script's command, then a restart while it is ON in ioBroker
            await harness.states.setStateAsync(command, { val: 'ON', ack: false });
            port = await restart(harness, { retainCommands: false, publishOnSubscribe: true });
            assert.deepEqual(await lateSubscriber(port, 'zigbee2mqtt/#'), [], 'no replay of OFF (nor of ON)');

            port = await restart(harness, { retainCommands: true, publishOnSubscribe: false });
            await harness.states.setStateAsync(command, { val: 'TOGGLE', ack: false });
            await until(async () => (await lateSubscriber(port, 'zigbee2mqtt/lamp/set')).length > 0, 10000, 'kept');
            assert.deepEqual(await lateSubscriber(port, 'zigbee2mqtt/#'), [
                { topic: 'zigbee2mqtt/lamp/set', payload: 'TOGGLE', retain: true },
            ]);
            port = await restart(harness, { retainCommands: true, publishOnSubscribe: false }, () =>
                harness.states.setStateAsync(command, { val: 'ON', ack: false }),
            );
            assert.deepEqual(
                await lateSubscriber(port, 'zigbee2mqtt/#'),
                [{ topic: 'zigbee2mqtt/lamp/set', payload: 'ON', retain: true }],
                'the command set while stopped replaced the old copy',
            );
            port = await restart(harness, { retainCommands: false, publishOnSubscribe: false });
            assert.deepEqual(await lateSubscriber(port, 'zigbee2mqtt/#'), [], 'retainCommands off: removed');
        });

        it('statuses: a stale copy is replaced at start; noRetain removes the copies', async function () {
            this.timeout(90000);
            const harness = getHarness();
            await harness.objects.setObjectAsync(status, {
                type: 'state',
                common: { name: 'lamp state', type: 'string', role: 'state', read: true, write: true },
                native: {},
            });
            let port = await restart(harness, { sendAckToo: true, noRetain: false, publishOnSubscribe: false });
            await harness.states.setStateAsync(status, { val: 'ON', ack: true });
            await until(async () => (await lateSubscriber(port, 'zigbee2mqtt/lamp/state')).length > 0, 10000, 'kept');
            port = await restart(harness, { sendAckToo: true, noRetain: false, publishOnSubscribe: false }, () =>
                harness.states.setStateAsync(status, { val: 'OFF', ack: true }),
            );
            assert.deepEqual(await lateSubscriber(port, 'zigbee2mqtt/lamp/state'), [
                { topic: 'zigbee2mqtt/lamp/state', payload: 'OFF', retain: true },
            ]);
            port = await restart(harness, { sendAckToo: true, noRetain: true, publishOnSubscribe: false });
            assert.deepEqual(await lateSubscriber(port, 'zigbee2mqtt/lamp/state'), [], 'noRetain: no copy kept');
            // publishOnSubscribe still offers the status (sendAckToo) from ioBroker's value, flagged as a stored value
            port = await restart(harness, { sendAckToo: true, noRetain: true, publishOnSubscribe: true });
            assert.deepEqual(await lateSubscriber(port, 'zigbee2mqtt/lamp/state'), [
                { topic: 'zigbee2mqtt/lamp/state', payload: 'OFF', retain: true },
            ]);
        });
    });

    suite("Commands: client mode — the external broker's retained copy agrees with ioBroker at connect", getHarness => {
        let mosquitto: Mosquitto | undefined;
        after(async () => {
            await mosquitto?.dispose();
        });

        it('a stale retained command on mosquitto is not written to the state and is cleared; publishAllOnStart sends no command', async function () {
            if (!hasCommand('mosquitto')) {
                console.log('      SKIPPED: mosquitto is not installed (apt-get install mosquitto mosquitto-clients)');
                this.skip();
            }
            this.timeout(60000);
            mosquitto = new Mosquitto({ port: await freePort() });
            await mosquitto.start();
            const port = mosquitto.options.port;
            // left behind by an old version (or a script), retained on the broker
            const old = await TestClient.connect(port, { clientId: 'old' });
            await old.publish('cmnd/plug2/POWER', 'OFF', { qos: 1, retain: true });
            await old.end();
            const harness = getHarness();
            const id = `${NS}.cmnd.plug2.POWER`;
            await harness.objects.setObjectAsync(id, {
                type: 'state',
                common: { name: 'plug2', type: 'string', role: 'switch', read: true, write: true },
                native: { topic: 'cmnd/plug2/POWER' },
            });
            // set in ioBroker while the instance was not running
            await harness.states.setStateAsync(id, { val: 'ON', ack: false });
            clearInstanceData();
            await harness.changeAdapterConfig('mqtt-gateway', {
                native: { type: 'client', url: '127.0.0.1', port, reconnectPeriod: 1, sendOnStartInterval: 100 },
            });
            const plug = await TestClient.connect(port, { clientId: 'plug2' });
            await plug.subscribe('cmnd/plug2/#', 1);
            await plug.waitFor(m => m.topic === 'cmnd/plug2/POWER' && m.payload.toString() === 'OFF');
            await harness.startAdapterAndWait(true);
            // the correction reaches current subscribers as one empty message (MQTT's only way to clear)
            await plug.waitFor(m => m.topic === 'cmnd/plug2/POWER' && m.payload.length === 0, 15000);
            assert.equal((await harness.states.getStateAsync(id))?.val, 'ON', "ioBroker's command stays");
            const late = await TestClient.connect(port);
            await late.subscribe('cmnd/plug2/#', 1);
            await late.subscribe('marker/#', 1);
            const pub = await TestClient.connect(port);
            await pub.publish('marker/x', 'm', { qos: 1 });
            await pub.end();
            await late.waitForTopic('marker/x');
            assert.deepEqual(late.received('cmnd/plug2/POWER'), [], 'no retained command left on the broker');
            assert.deepEqual(
                plug.received('cmnd/plug2/POWER').map(m => m.payload.toString()),
                ['OFF', ''],
                'publishAllOnStart sent no command (retainCommands is off)',
            );
            await late.end();
            await plug.end();
        });
    });
}
