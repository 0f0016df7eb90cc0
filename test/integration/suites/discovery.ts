/**
 * Devices, not topics (SPEC §12a, issue #20), on a real js-controller with the broker on a real socket and, for
 * client mode, a real mosquitto: a zigbee2mqtt lamp, a Tasmota plug (Tasmota's own discovery and Home Assistant
 * style), an ESPHome sensor announce themselves and become named devices with roles, units and working commands.
 * The discovery payloads are written here from the Home Assistant and Tasmota documentation.
 */
import assert from 'node:assert/strict';
import type { TestContext } from '@iobroker/testing/build/tests/integration';
import type { TestHarness } from '@iobroker/testing/build/tests/integration/lib/harness';
import { Mosquitto } from '../../lib/mosquitto';
import { TestClient } from '../../lib/mqttClient';
import { hasCommand, skipWithReason } from '../../lib/tools';
import { until, waitForState } from '../../lib/wait';
import { clearInstanceData, freePort, startAgain } from '../realHost';

const NS = 'mqtt-gateway.0';
const ROOT = `${NS}.devices.`;

/** A zigbee2mqtt colour-temperature lamp: JSON schema light, brightness 0..254, availability via the bridge. */
const LAMP_CONFIG_TOPIC = 'homeassistant/light/0x00158d0001a2b3c4/light/config';
const LAMP_CONFIG = {
    availability: [{ topic: 'zigbee2mqtt/bridge/state', value_template: '{{ value_json.state }}' }],
    brightness: true,
    brightness_scale: 254,
    color_mode: true,
    supported_color_modes: ['color_temp', 'xy'],
    min_mireds: 250,
    max_mireds: 454,
    command_topic: 'zigbee2mqtt/Living lamp/set',
    state_topic: 'zigbee2mqtt/Living lamp',
    schema: 'json',
    name: null,
    object_id: 'living_lamp',
    unique_id: '0x00158d0001a2b3c4_light_zigbee2mqtt',
    device: {
        identifiers: ['zigbee2mqtt_0x00158d0001a2b3c4'],
        name: 'Living lamp',
        manufacturer: 'IKEA',
        model: 'TRADFRI bulb E27 WS opal 980lm (LED1545G12)',
        sw_version: '2.3.087',
        via_device: 'zigbee2mqtt_bridge_0x00124b00226a1b2c',
    },
};

/** An ESPHome temperature sensor, abbreviated keys as ESPHome sends them. */
const ESP_CONFIG_TOPIC = 'homeassistant/sensor/livingroom-esp/temperature/config';
const ESP_CONFIG = {
    dev_cla: 'temperature',
    unit_of_meas: '°C',
    stat_cla: 'measurement',
    name: 'Temperature',
    stat_t: 'livingroom-esp/sensor/temperature/state',
    avty_t: 'livingroom-esp/status',
    uniq_id: 'livingroom-espsensortemperature',
    dev: { ids: 'a0b1c2d3e4f5', name: 'livingroom-esp', sw: 'esphome v2026.11.0', mdl: 'esp32dev', mf: 'espressif' },
};

/** A Tasmota plug with Tasmota's own discovery (config + sensors), topic plug1, one relay. */
const PLUG_MAC = 'A4CF12B3C4D5';
const PLUG_CONFIG = {
    ip: '192.168.1.50',
    dn: 'Plug 1',
    fn: ['Plug 1', null, null, null, null, null, null, null],
    hn: 'plug1-1234',
    mac: PLUG_MAC,
    md: 'Sonoff S26',
    ty: 0,
    if: 0,
    ofln: 'Offline',
    onln: 'Online',
    state: ['OFF', 'ON', 'TOGGLE', 'HOLD'],
    sw: '14.3.0',
    t: 'plug1',
    ft: '%prefix%/%topic%/',
    tp: ['cmnd', 'stat', 'tele'],
    rl: [1, 0, 0, 0, 0, 0, 0, 0],
    swc: [-1, -1, -1, -1, -1, -1, -1, -1],
    swn: [null, null, null, null, null, null, null, null],
    btn: [0, 0, 0, 0, 0, 0, 0, 0],
    so: { 4: 0, 11: 0, 13: 0, 17: 0, 20: 0, 30: 0, 68: 0, 73: 0, 82: 0, 114: 0, 117: 0 },
    lk: 0,
    lt_st: 0,
    sho: [],
    sht: [],
    ver: 1,
};
const PLUG_SENSORS = { sn: { Time: '2026-11-30T18:00:00', ENERGY: { Total: 12.5, Power: 42, Voltage: 231 } }, ver: 1 };

async function configure(harness: TestHarness, native: Record<string, unknown>): Promise<number> {
    const port = await freePort();
    clearInstanceData();
    await harness.changeAdapterConfig('mqtt-gateway', {
        native: { type: 'server', bind: '127.0.0.1', port, ...native },
    });
    return port;
}

type Tree = Map<string, ioBroker.Object>;

/** Every object discovery made, by id. */
async function tree(harness: TestHarness): Promise<Tree> {
    const objects = harness.objects as {
        getKeysAsync(pattern: string): Promise<string[]>;
        getObjectAsync(id: string): Promise<ioBroker.Object | null | undefined>;
    };
    const result: Tree = new Map();
    for (const id of (await objects.getKeysAsync(`${ROOT}*`)).sort()) {
        const obj = await objects.getObjectAsync(id);
        if (obj) {
            result.set(id, obj);
        }
    }
    return result;
}

/** The device object whose common.name is `name`. */
function deviceNamed(objects: Tree, name: string): ioBroker.Object {
    const found = [...objects.values()].filter(o => o.type === 'device' && o.common.name === name);
    assert.equal(found.length, 1, `one device named '${name}' in ${[...objects.keys()].join(', ')}`);
    return found[0]!;
}

/** The one state with `role` below a device. */
function stateWithRole(objects: Tree, device: ioBroker.Object, role: string): ioBroker.StateObject {
    const found = [...objects.values()].filter(
        o => o.type === 'state' && o._id.startsWith(`${device._id}.`) && o.common.role === role,
    );
    assert.equal(
        found.length,
        1,
        `one state with role '${role}' in device ${device._id}: ${[...objects.values()]
            .filter(o => o._id.startsWith(`${device._id}.`) && o.type === 'state')
            .map(o => `${o._id}=${String(o.common.role)}`)
            .join(', ')}`,
    );
    return found[0] as ioBroker.StateObject;
}

async function waitForTree(
    harness: TestHarness,
    what: string,
    predicate: (objects: Tree) => boolean,
    timeoutMs = 10000,
): Promise<Tree> {
    let objects: Tree = new Map();
    await until(
        async () => {
            objects = await tree(harness);
            return predicate(objects);
        },
        timeoutMs,
        what,
    );
    return objects;
}

const hasDevice = (name: string) => (objects: Tree) =>
    [...objects.values()].some(o => o.type === 'device' && o.common.name === name);

/**
 * A device with a state of each of these roles: discovery writes a device before its channels and states, and an
 * entity of a later message (Tasmota's sensors) after the device, so a wait for the device alone can be too early.
 */
const hasDeviceWith =
    (name: string, ...roles: string[]) =>
    (objects: Tree): boolean => {
        const device = [...objects.values()].find(o => o.type === 'device' && o.common.name === name);
        return (
            device !== undefined &&
            roles.every(role =>
                [...objects.values()].some(
                    o => o.type === 'state' && o._id.startsWith(`${device._id}.`) && o.common.role === role,
                ),
            )
        );
    };

/** Announces the three example devices (retained, as they do). */
async function announce(device: TestClient): Promise<void> {
    await device.publish(LAMP_CONFIG_TOPIC, JSON.stringify(LAMP_CONFIG), { retain: true });
    await device.publish(ESP_CONFIG_TOPIC, JSON.stringify(ESP_CONFIG), { retain: true });
    await device.publish(`tasmota/discovery/${PLUG_MAC}/config`, JSON.stringify(PLUG_CONFIG), { retain: true });
    await device.publish(`tasmota/discovery/${PLUG_MAC}/sensors`, JSON.stringify(PLUG_SENSORS), { retain: true });
}

export function discoverySuites({ suite }: TestContext): void {
    suite('Discovery: a zigbee2mqtt lamp, a Tasmota plug and an ESPHome sensor on server mode', getHarness => {
        let port = 0;
        let device: TestClient;
        before(async function () {
            this.timeout(60000);
            const harness = getHarness();
            port = await configure(harness, {});
            await harness.startAdapterAndWait(true);
            await waitForState(harness, `${NS}.info.connection`, s => s?.val === true);
            device = await TestClient.connect(port, { clientId: 'devices' });
            await device.subscribe('zigbee2mqtt/#', 1);
            await device.subscribe('cmnd/#', 1);
        });
        after(async () => {
            await device?.end();
        });

        it('builds named devices with roles, units and read/write from the three announcements', async () => {
            const harness = getHarness();
            await announce(device);
            const objects = await waitForTree(
                harness,
                'the three devices with their states',
                o =>
                    hasDeviceWith(
                        'Living lamp',
                        'switch.light',
                        'level.dimmer',
                        'level.color.temperature',
                        'level.color.rgb',
                        'indicator.reachable',
                    )(o) &&
                    hasDeviceWith('livingroom-esp', 'value.temperature', 'indicator.reachable')(o) &&
                    hasDeviceWith(
                        'Plug 1',
                        'switch',
                        'value.power',
                        'value.energy',
                        'value.voltage',
                        'indicator.reachable',
                    )(o),
            );
            console.log(
                `      object tree:\n${[...objects.values()]
                    .map(
                        o =>
                            `        ${o._id} (${o.type}${o.type === 'state' ? `, ${String(o.common.role)}${o.common.unit ? `, ${o.common.unit}` : ''}` : ''}) '${typeof o.common.name === 'string' ? o.common.name : JSON.stringify(o.common.name)}'`,
                    )
                    .join('\n')}`,
            );

            const lamp = deviceNamed(objects, 'Living lamp');
            assert.equal((lamp.native as { manufacturer?: string }).manufacturer, 'IKEA');
            const lampSwitch = stateWithRole(objects, lamp, 'switch.light');
            assert.equal(lampSwitch.common.type, 'boolean');
            assert.equal(lampSwitch.common.write, true);
            const dimmer = stateWithRole(objects, lamp, 'level.dimmer');
            assert.equal(dimmer.common.min, 0);
            assert.equal(dimmer.common.max, 100);
            assert.equal(dimmer.common.unit, '%');
            assert.equal(stateWithRole(objects, lamp, 'indicator.reachable').common.write, false);
            assert.ok(
                [...objects.values()].some(o => o.type === 'channel' && o._id.startsWith(`${lamp._id}.`)),
                'the light is a channel of the device',
            );

            const esp = deviceNamed(objects, 'livingroom-esp');
            const temperature = stateWithRole(objects, esp, 'value.temperature');
            assert.equal(temperature.common.unit, '°C');
            assert.equal(temperature.common.type, 'number');
            assert.equal(temperature.common.write, false);

            const plug = deviceNamed(objects, 'Plug 1');
            const relay = stateWithRole(objects, plug, 'switch');
            assert.equal(relay.common.type, 'boolean');
            assert.equal(relay.common.write, true);
            assert.equal(stateWithRole(objects, plug, 'value.power').common.unit, 'W');
        });

        it('values follow the state topics, availability the availability topics', async () => {
            const harness = getHarness();
            const objects = await tree(harness);
            const esp = deviceNamed(objects, 'livingroom-esp');
            const temperature = stateWithRole(objects, esp, 'value.temperature')._id;
            await device.publish('livingroom-esp/status', 'online');
            await device.publish('livingroom-esp/sensor/temperature/state', '21.5');
            const t = await waitForState(harness, temperature, s => s?.val === 21.5);
            assert.equal(t?.ack, true);
            await waitForState(harness, `${esp._id}.available`, s => s?.val === true && s.ack);
            await device.publish('livingroom-esp/status', 'offline');
            await waitForState(harness, `${esp._id}.available`, s => s?.val === false && s.ack);

            const lamp = deviceNamed(objects, 'Living lamp');
            await device.publish('zigbee2mqtt/bridge/state', JSON.stringify({ state: 'online' }));
            await waitForState(harness, `${lamp._id}.available`, s => s?.val === true);
            await device.publish('zigbee2mqtt/Living lamp', JSON.stringify({ state: 'ON', brightness: 254 }));
            await waitForState(
                harness,
                stateWithRole(objects, lamp, 'switch.light')._id,
                s => s?.val === true && s.ack,
            );
            await waitForState(harness, stateWithRole(objects, lamp, 'level.dimmer')._id, s => s?.val === 100);

            const plug = deviceNamed(objects, 'Plug 1');
            await device.publish('tele/plug1/LWT', 'Online', { retain: true });
            await waitForState(harness, `${plug._id}.available`, s => s?.val === true);
            await device.publish(
                'tele/plug1/SENSOR',
                JSON.stringify({ ENERGY: { Total: 12.6, Power: 37, Voltage: 230 } }),
            );
            await waitForState(harness, stateWithRole(objects, plug, 'value.power')._id, s => s?.val === 37);
        });

        it('the lamp and the plug are switched with setState; the confirmation comes back as ack=true', async () => {
            const harness = getHarness();
            const objects = await tree(harness);
            const lamp = deviceNamed(objects, 'Living lamp');
            const lampSwitch = stateWithRole(objects, lamp, 'switch.light')._id;
            const dimmer = stateWithRole(objects, lamp, 'level.dimmer')._id;
            device.messages.length = 0;

            await harness.states.setStateAsync(lampSwitch, { val: false, ack: false });
            const off = await device.waitForTopic('zigbee2mqtt/Living lamp/set');
            assert.deepEqual(JSON.parse(off.payload.toString()), { state: 'OFF' });
            assert.equal(off.retain, false, 'a command is not retained');
            await device.publish('zigbee2mqtt/Living lamp', JSON.stringify({ state: 'OFF', brightness: 254 }));
            await waitForState(harness, lampSwitch, s => s?.val === false && s.ack);

            device.messages.length = 0;
            await harness.states.setStateAsync(dimmer, { val: 50, ack: false });
            const dim = await device.waitForTopic('zigbee2mqtt/Living lamp/set');
            const sent = JSON.parse(dim.payload.toString()) as { brightness?: number };
            assert.equal(sent.brightness, 127, `50 % of the lamp's 254: ${dim.payload.toString()}`);

            const plug = deviceNamed(objects, 'Plug 1');
            const relay = stateWithRole(objects, plug, 'switch')._id;
            device.messages.length = 0;
            await harness.states.setStateAsync(relay, { val: true, ack: false });
            const on = await device.waitFor(m => m.topic.startsWith('cmnd/plug1/POWER'), 10000, 'cmnd/plug1/POWER');
            assert.equal(on.payload.toString(), 'ON');
            await device.publish('stat/plug1/POWER', 'ON');
            await waitForState(harness, relay, s => s?.val === true && s.ack);
        });

        it('the topics of discovered entities are not mirrored as raw states; discovery configs neither', async () => {
            const harness = getHarness();
            // a marker message through the raw mirror: everything published before it has been handled
            await device.publish('marker/discovery', '1');
            await waitForState(harness, `${NS}.marker.discovery`, s => s?.val === 1);
            for (const id of [
                `${NS}.livingroom-esp.sensor.temperature.state`,
                `${NS}.zigbee2mqtt.Living_lamp`,
                `${NS}.stat.plug1.POWER`,
                `${NS}.homeassistant.sensor.livingroom-esp.temperature.config`,
                `${NS}.tasmota.discovery.${PLUG_MAC}.config`,
            ]) {
                assert.equal(await harness.objects.getObjectAsync(id), null, `no raw state ${id}`);
            }
        });

        it("a client subscribing to '<prefix>/status' gets the birth message (devices then announce again)", async () => {
            const fresh = await TestClient.connect(port, { clientId: 'esp-reconnected' });
            try {
                await fresh.subscribe('homeassistant/status', 1);
                const birth = await fresh.waitForTopic('homeassistant/status');
                assert.equal(birth.payload.toString(), 'online');
            } finally {
                await fresh.end();
            }
        });

        it('a changed config updates the objects in place: same ids, custom settings (history) kept', async () => {
            const harness = getHarness();
            let objects = await tree(harness);
            const esp = deviceNamed(objects, 'livingroom-esp');
            const temperature = stateWithRole(objects, esp, 'value.temperature');
            await harness.objects.setObjectAsync(temperature._id, {
                ...temperature,
                common: { ...temperature.common, custom: { 'history.0': { enabled: true } } },
            });
            await device.publish(ESP_CONFIG_TOPIC, JSON.stringify({ ...ESP_CONFIG, unit_of_meas: '°F' }), {
                retain: true,
            });
            objects = await waitForTree(harness, 'the unit changed', o => o.get(temperature._id)?.common.unit === '°F');
            const updated = objects.get(temperature._id)!;
            assert.deepEqual(updated.common.custom, { 'history.0': { enabled: true } });
            assert.equal(updated.common.role, 'value.temperature');
        });

        it('an empty retained config removes the entity, and the device when nothing is left in it', async () => {
            const harness = getHarness();
            const before = await tree(harness);
            const esp = deviceNamed(before, 'livingroom-esp');
            await device.publish(ESP_CONFIG_TOPIC, '', { retain: true });
            await waitForTree(
                harness,
                'the ESPHome device removed',
                o => ![...o.keys()].some(id => id.startsWith(esp._id)),
            );
            const after = await tree(harness);
            assert.ok(hasDevice('Living lamp')(after) && hasDevice('Plug 1')(after), 'the other devices stay');
        });

        it('after a restart the devices keep their ids and values still flow (configs from the retained store)', async () => {
            const harness = getHarness();
            const before = await tree(harness);
            const plug = deviceNamed(before, 'Plug 1');
            const relay = stateWithRole(before, plug, 'switch')._id;
            await device.end();
            await harness.stopAdapter();
            await startAgain(harness);
            await waitForState(harness, `${NS}.info.connection`, s => s?.val === true);
            device = await TestClient.connect(port, { clientId: 'devices' });
            await device.subscribe('cmnd/#', 1);
            // the objects are the same; a command still reaches the plug (the routes were rebuilt from the store)
            assert.deepEqual([...(await tree(harness)).keys()], [...before.keys()]);
            await harness.states.setStateAsync(relay, { val: false, ack: false });
            const off = await device.waitFor(m => m.topic.startsWith('cmnd/plug1/POWER'), 10000, 'the command');
            assert.equal(off.payload.toString(), 'OFF');
        });
    });

    suite('Discovery: a raw state becomes a device state cleanly; an unsupported template', getHarness => {
        let port = 0;
        before(async function () {
            this.timeout(60000);
            const harness = getHarness();
            port = await configure(harness, {});
            await harness.startAdapterAndWait(true);
            await waitForState(harness, `${NS}.info.connection`, s => s?.val === true);
        });

        it('a topic mirrored raw before its device announced itself loses its raw state', async () => {
            const harness = getHarness();
            const device = await TestClient.connect(port);
            try {
                await device.publish('livingroom-esp/sensor/temperature/state', '20.5');
                await waitForState(harness, `${NS}.livingroom-esp.sensor.temperature.state`, s => s?.val === 20.5);
                await device.publish(ESP_CONFIG_TOPIC, JSON.stringify(ESP_CONFIG), { retain: true });
                await until(
                    async () =>
                        (await harness.objects.getObjectAsync(`${NS}.livingroom-esp.sensor.temperature.state`)) ===
                        null,
                    10000,
                    'the raw state removed',
                );
                const objects = await tree(harness);
                const temperature = stateWithRole(objects, deviceNamed(objects, 'livingroom-esp'), 'value.temperature');
                await device.publish('livingroom-esp/sensor/temperature/state', '20.7');
                await waitForState(harness, temperature._id, s => s?.val === 20.7);
            } finally {
                await device.end();
            }
        });

        it('an entity whose template is outside the subset is created read-only with the raw value', async () => {
            const harness = getHarness();
            const device = await TestClient.connect(port);
            try {
                await device.publish(
                    'homeassistant/sensor/weird1/config',
                    JSON.stringify({
                        name: 'Weird',
                        state_topic: 'weird/state',
                        value_template: '{% for x in value_json %}{{ x }}{% endfor %}',
                        unique_id: 'weird1',
                        device: { identifiers: ['weird-dev'], name: 'Weird device' },
                    }),
                    { retain: true },
                );
                const statesOf = (objects: Tree): ioBroker.Object[] =>
                    [...objects.values()].filter(
                        o => o.type === 'state' && o._id.startsWith(`${deviceNamed(objects, 'Weird device')._id}.`),
                    );
                const objects = await waitForTree(
                    harness,
                    'the weird device and its state',
                    o => hasDevice('Weird device')(o) && statesOf(o).length > 0,
                );
                const states = statesOf(objects);
                assert.equal(states.length, 1);
                assert.equal(states[0]!.common.write, false);
                await device.publish('weird/state', '[1,2]');
                await waitForState(harness, states[0]!._id, s => s?.val === '[1,2]');
            } finally {
                await device.end();
            }
        });
    });

    suite('jsonTopics turned on for a topic mirrored as one text state before', getHarness => {
        let port = 0;
        before(async function () {
            this.timeout(60000);
            port = await configure(getHarness(), { discovery: false });
            await getHarness().startAdapterAndWait(true);
        });

        it('the old text state becomes the channel of the field states (no state with children)', async function () {
            this.timeout(60000);
            const harness = getHarness();
            const id = `${NS}.sensors.attic`;
            let device = await TestClient.connect(port);
            await device.publish('sensors/attic', JSON.stringify({ temperature: 12.5 }));
            await waitForState(harness, id, s => typeof s?.val === 'string' && s.val.includes('12.5'));
            assert.equal((await harness.objects.getObjectAsync(id))?.type, 'state');
            await device.end();

            await harness.stopAdapter();
            await harness.changeAdapterConfig('mqtt-gateway', {
                native: { type: 'server', bind: '127.0.0.1', port, discovery: false, jsonTopics: 'sensors/+' },
            });
            await startAgain(harness);
            device = await TestClient.connect(port);
            try {
                await device.publish('sensors/attic', JSON.stringify({ temperature: 13 }));
                await waitForState(harness, `${id}.temperature`, s => s?.val === 13);
                const parent = await harness.objects.getObjectAsync(id);
                assert.equal(parent?.type, 'channel');
                assert.equal(await harness.states.getStateAsync(id), null, 'the old text value is gone');
            } finally {
                await device.end();
            }
        });
    });

    suite('Discovery in client mode: a Tasmota plug in Home Assistant style on mosquitto', getHarness => {
        let mosquitto: Mosquitto | undefined;
        let plug: TestClient | undefined;
        before(async function () {
            this.timeout(60000);
            if (!hasCommand('mosquitto')) {
                return;
            }
            mosquitto = new Mosquitto({ port: await freePort() });
            await mosquitto.start();
            // the plug is there before the adapter: it hears the adapter's birth message
            plug = await TestClient.connect(mosquitto.options.port, { clientId: 'plug2' });
            await plug.subscribe('homeassistant/status', 1);
            await plug.subscribe('cmnd/plug2/#', 1);
            const harness = getHarness();
            await harness.changeAdapterConfig('mqtt-gateway', {
                native: { type: 'client', url: '127.0.0.1', port: mosquitto.options.port, patterns: 'nothing/#' },
            });
            await harness.startAdapterAndWait(true);
            await waitForState(harness, `${NS}.info.connection`, s => s?.val === true, 20000);
        });
        after(async () => {
            await plug?.end();
            await mosquitto?.stop();
        });

        it('announces itself with the birth message; the plug it then builds is switched with setState', async function () {
            if (!mosquitto || !plug) {
                skipWithReason(this, 'mosquitto is not installed (apt-get install mosquitto)');
                return;
            }
            const harness = getHarness();
            const birth = await plug.waitForTopic('homeassistant/status');
            assert.equal(birth.payload.toString(), 'online');
            await plug.publish(
                'homeassistant/switch/C8C9A3AABB01_RL_1/config',
                JSON.stringify({
                    name: 'Plug 2',
                    '~': 'cmnd/plug2',
                    cmd_t: '~/POWER',
                    stat_t: 'stat/plug2/POWER',
                    pl_on: 'ON',
                    pl_off: 'OFF',
                    avty_t: 'tele/plug2/LWT',
                    pl_avail: 'Online',
                    pl_not_avail: 'Offline',
                    uniq_id: 'C8C9A3AABB01_RL_1',
                    dev: { cns: [['mac', 'C8C9A3AABB01']], name: 'Plug 2', mdl: 'Gosund SP1', sw: '14.3.0' },
                }),
                { retain: true },
            );
            const objects = await waitForTree(
                harness,
                'plug 2 with its relay',
                hasDeviceWith('Plug 2', 'switch'),
                15000,
            );
            const device = deviceNamed(objects, 'Plug 2');
            const relay = stateWithRole(objects, device, 'switch')._id;
            await harness.states.setStateAsync(relay, { val: true, ack: false });
            const on = await plug.waitForTopic('cmnd/plug2/POWER');
            assert.equal(on.payload.toString(), 'ON');
            await plug.publish('stat/plug2/POWER', 'ON');
            await waitForState(harness, relay, s => s?.val === true && s.ack, 15000);
            await plug.publish('tele/plug2/LWT', 'Online', { retain: true });
            await waitForState(harness, `${device._id}.available`, s => s?.val === true, 15000);
        });

        it('a removed entity: its topics are unsubscribed (outside the patterns, they become no raw states)', async function () {
            if (!mosquitto || !plug) {
                skipWithReason(this, 'mosquitto is not installed (apt-get install mosquitto)');
                return;
            }
            const harness = getHarness();
            await plug.publish('homeassistant/switch/C8C9A3AABB01_RL_1/config', '', { retain: true });
            await waitForTree(
                harness,
                'the plug removed',
                objects => ![...objects.values()].some(o => o.type === 'device' && o.common.name === 'Plug 2'),
                15000,
            );
            await plug.publish('stat/plug2/POWER', 'OFF');
            await plug.publish('tele/plug2/LWT', 'Offline', { retain: true });
            // the patterns' own topic, after them: its raw state shows the adapter is receiving; raw states of new
            // topics are created concurrently (without the unsubscribe the two above came ~50 ms after the marker's),
            // so a second more for them to appear
            await plug.publish('nothing/marker', '1');
            await waitForState(harness, `${NS}.nothing.marker`, s => s?.val === 1 || s?.val === '1', 15000);
            await new Promise(resolve => setTimeout(resolve, 1000));
            for (const id of [`${NS}.stat.plug2.POWER`, `${NS}.tele.plug2.LWT`]) {
                assert.equal(await harness.objects.getObjectAsync(id), null, `no raw state ${id}`);
            }
        });
    });
}
