import assert from 'node:assert/strict';
import { DiscoveryService, type DiscoveryMessage } from '../../../src/discovery/discoveryService';
import { FakeStore, memoryLogger } from '../../lib/fakeStore';

const ROOT = 'gw.0.devices';

/** A device-based config with two components, written for these tests from Home Assistant's documentation. */
function deviceConfig(components: Record<string, Record<string, unknown>>): string {
    return JSON.stringify({
        dev: { ids: ['kitchen-node'], name: 'Kitchen node', mf: 'DIY' },
        o: { name: 'test' },
        avty_t: 'kitchen/status',
        cmps: components,
    });
}

const SWITCH = { p: 'switch', name: 'Fan', cmd_t: 'kitchen/fan/set', stat_t: 'kitchen/fan', uniq_id: 'kitchen_fan' };
const SENSOR = {
    p: 'sensor',
    name: 'Temperature',
    stat_t: 'kitchen/temp',
    dev_cla: 'temperature',
    unit_of_meas: '°C',
    uniq_id: 'kitchen_temp',
};
const OPTIMISTIC = { p: 'switch', name: 'Siren', cmd_t: 'kitchen/siren/set', uniq_id: 'kitchen_siren' };

function setup(keepRaw = false): {
    service: DiscoveryService;
    store: FakeStore;
    sent: DiscoveryMessage[];
    subscribed: string[];
    log: ReturnType<typeof memoryLogger>;
} {
    const store = new FakeStore();
    const sent: DiscoveryMessage[] = [];
    const subscribed: string[] = [];
    const log = memoryLogger();
    const service = new DiscoveryService(
        { namespace: 'gw.0', prefix: 'homeassistant', keepRaw },
        store,
        {
            publish: m => sent.push(m),
            subscribe: topics => subscribed.push(...topics),
            rawIdOf: topic => `gw.0.${topic.replace(/\//g, '.')}`,
        },
        log,
    );
    return { service, store, sent, subscribed, log };
}

async function settle(service: DiscoveryService): Promise<void> {
    await service.settled();
    await new Promise(resolve => setImmediate(resolve));
}

function ids(store: FakeStore): string[] {
    return [...store.objects.keys()].filter(id => id.startsWith(`${ROOT}.`)).sort();
}

describe('DiscoveryService (runtime, in-memory store)', () => {
    it('a device-based config builds device, channels, states; values and availability flow; client topics subscribed', async () => {
        const { service, store, subscribed } = setup();
        await service.start();
        assert.equal(
            service.onMessage(
                'homeassistant/device/kitchen/config',
                Buffer.from(deviceConfig({ fan: SWITCH, temp: SENSOR })),
            ),
            true,
        );
        await settle(service);
        assert.deepEqual(ids(store), [
            `${ROOT}.kitchen_node`,
            `${ROOT}.kitchen_node.available`,
            `${ROOT}.kitchen_node.kitchen_fan`,
            `${ROOT}.kitchen_node.kitchen_fan.state`,
            `${ROOT}.kitchen_node.kitchen_temp`,
            `${ROOT}.kitchen_node.kitchen_temp.state`,
        ]);
        assert.equal(store.objects.get(`${ROOT}.kitchen_node`)?.common.name, 'Kitchen node');
        assert.deepEqual(subscribed.sort(), ['kitchen/fan', 'kitchen/status', 'kitchen/temp']);
        assert.equal(service.onMessage('kitchen/temp', Buffer.from('21.5')), true);
        assert.equal(service.onMessage('kitchen/status', Buffer.from('online')), true);
        assert.equal(service.onMessage('kitchen/other', Buffer.from('1')), false, 'not a discovered topic');
        await settle(service);
        assert.deepEqual(store.states.get(`${ROOT}.kitchen_node.kitchen_temp.state`)?.val, 21.5);
        assert.deepEqual(store.states.get(`${ROOT}.kitchen_node.available`)?.val, true);
    });

    it('a write goes to the command topic (not retained); an optimistic entity gets its value acknowledged', async () => {
        const { service, store, sent } = setup();
        await service.start();
        service.onMessage(
            'homeassistant/device/kitchen/config',
            Buffer.from(deviceConfig({ fan: SWITCH, siren: OPTIMISTIC })),
        );
        await settle(service);
        const fan = `${ROOT}.kitchen_node.kitchen_fan.state`;
        const siren = `${ROOT}.kitchen_node.kitchen_siren.state`;
        assert.equal(service.owns(fan), true);
        assert.equal(service.owns('gw.0.kitchen.fan'), false);
        service.onStateChange(fan, { val: true, ack: false } as ioBroker.State);
        service.onStateChange(fan, { val: true, ack: true } as ioBroker.State);
        service.onStateChange(siren, { val: true, ack: false } as ioBroker.State);
        await settle(service);
        assert.deepEqual(sent, [
            { topic: 'kitchen/fan/set', payload: 'ON', qos: 0, retain: false },
            { topic: 'kitchen/siren/set', payload: 'ON', qos: 0, retain: false },
        ]);
        assert.equal(store.states.get(fan), undefined, 'the fan waits for its state topic');
        assert.deepEqual(store.states.get(siren)?.val, true);
        assert.deepEqual(store.states.get(siren)?.ack, true);
    });

    it('a component left out of a new device message is removed; the same message again changes nothing', async () => {
        const { service, store } = setup();
        await service.start();
        const topic = 'homeassistant/device/kitchen/config';
        service.onMessage(topic, Buffer.from(deviceConfig({ fan: SWITCH, temp: SENSOR })));
        await settle(service);
        service.onMessage(topic, Buffer.from(deviceConfig({ temp: SENSOR })));
        await settle(service);
        assert.deepEqual(ids(store), [
            `${ROOT}.kitchen_node`,
            `${ROOT}.kitchen_node.available`,
            `${ROOT}.kitchen_node.kitchen_temp`,
            `${ROOT}.kitchen_node.kitchen_temp.state`,
        ]);
        const before = structuredClone([...store.objects.entries()]);
        service.onMessage(topic, Buffer.from(deviceConfig({ temp: SENSOR })));
        await settle(service);
        assert.deepEqual([...store.objects.entries()], before);
        service.onMessage(topic, Buffer.alloc(0));
        await settle(service);
        assert.deepEqual(ids(store), [], 'an empty config removes the entities and the device');
    });

    it('a raw state of a topic that now belongs to an entity is removed; kept with keepRaw', async () => {
        for (const keepRaw of [false, true]) {
            const { service, store } = setup(keepRaw);
            store.addObject('gw.0.kitchen.temp', { type: 'state', native: { topic: 'kitchen/temp' } });
            await service.start();
            service.onMessage('homeassistant/device/kitchen/config', Buffer.from(deviceConfig({ temp: SENSOR })));
            await settle(service);
            assert.equal(store.objects.has('gw.0.kitchen.temp'), keepRaw, `keepRaw ${String(keepRaw)}`);
            assert.equal(service.onMessage('kitchen/temp', Buffer.from('20')), !keepRaw);
        }
    });

    it('ids are stable across a restart: the channel remembered by unique id keeps its id', async () => {
        const { service, store } = setup();
        store.addObject(`${ROOT}.renamed.old_temp`, { type: 'channel', native: { uniqueId: 'kitchen_temp' } });
        await service.start();
        service.onMessage('homeassistant/device/kitchen/config', Buffer.from(deviceConfig({ temp: SENSOR })));
        await settle(service);
        assert.ok(store.objects.has(`${ROOT}.renamed.old_temp.state`));
        assert.deepEqual(store.subscribedStates, [`${ROOT}.*`]);
    });

    it('the birth message, and who gets it', () => {
        const { service } = setup();
        assert.deepEqual(service.birth, { topic: 'homeassistant/status', payload: 'online', qos: 0, retain: false });
        assert.equal(service.wantsBirth('homeassistant/status'), true);
        assert.equal(service.wantsBirth('#'), false);
        assert.equal(service.wantsBirth('homeassistant/#'), false);
        assert.deepEqual(service.filters, ['homeassistant/#', 'tasmota/discovery/#']);
        assert.equal(service.onMessage('homeassistant/status', Buffer.from('online')), true, 'never mirrored raw');
    });

    it('an unsupported component warns once per component', async () => {
        const { service, log } = setup();
        await service.start();
        for (const n of [1, 2, 3]) {
            service.onMessage(
                `homeassistant/device_automation/0xabc/action_${n}/config`,
                Buffer.from('{"atype":"trigger"}'),
            );
        }
        assert.equal(log.lines.filter(l => l.level === 'warn').length, 1);
    });
});

describe('DiscoveryService right after a start', () => {
    it('owns the states of entities known from the database before their configs come again; a write is not sent', async () => {
        const store = new FakeStore();
        store.addObject(`${ROOT}.kitchen_node`, { type: 'device' });
        store.addObject(`${ROOT}.kitchen_node.kitchen_fan`, { type: 'channel', native: { uniqueId: 'kitchen_fan' } });
        const sent: DiscoveryMessage[] = [];
        const log = memoryLogger();
        const service = new DiscoveryService(
            { namespace: 'gw.0', prefix: 'homeassistant', keepRaw: false },
            store,
            { publish: m => sent.push(m) },
            log,
        );
        await service.start();
        assert.equal(service.owns(`${ROOT}.kitchen_node.kitchen_fan.state`), true);
        assert.equal(service.owns(`${ROOT}.kitchen_node.available`), true);
        assert.equal(service.owns('gw.0.devices.raw_topic'), false);
        service.onStateChange(`${ROOT}.kitchen_node.kitchen_fan.state`, { val: true, ack: false } as ioBroker.State);
        assert.deepEqual(sent, []);
        assert.equal(log.lines.filter(l => l.level === 'warn').length, 1);
    });
});

describe('DiscoveryService: review findings', () => {
    it('an entity topic under the discovery prefix is read, not swallowed', async () => {
        const { service, store } = setup();
        await service.start();
        service.onMessage(
            'homeassistant/binary_sensor/garden/config',
            Buffer.from(
                JSON.stringify({
                    name: 'Garden door',
                    dev_cla: 'door',
                    stat_t: 'homeassistant/binary_sensor/garden/state',
                    uniq_id: 'garden_door',
                    dev: { ids: ['garden'], name: 'Garden' },
                }),
            ),
        );
        await settle(service);
        assert.equal(service.onMessage('homeassistant/binary_sensor/garden/state', Buffer.from('ON')), true);
        await settle(service);
        assert.equal(store.states.get(`${ROOT}.garden.door.state`)?.val, true);
    });

    it('Tasmota discovery messages are never raw, also a reading before its config', async () => {
        const { service } = setup();
        await service.start();
        assert.equal(service.onMessage('tasmota/discovery/AABBCCDDEEFF/sensors', Buffer.from('{"sn":{}}')), true);
        assert.equal(service.onMessage('tasmota/discovery/other', Buffer.from('x')), true);
    });

    it('a config nested 20,000 levels deep neither throws nor builds anything', async () => {
        const { service, store } = setup();
        await service.start();
        let nested = '{"p":"sensor","stat_t":"x"}';
        for (let i = 0; i < 20_000; i++) {
            nested = `{"p":"sensor","cmps":{"a":${nested}}}`;
        }
        const message = `{"dev":{"ids":["deep"]},"cmps":{"a":${nested}}}`;
        assert.equal(service.onMessage('homeassistant/device/deep/config', Buffer.from(message)), true);
        await settle(service);
        assert.ok(ids(store).every(id => !id.includes('deep_state')));
    });

    it('a state discovery removed stays its own (its deletion is not published as a raw topic)', async () => {
        const { service } = setup();
        await service.start();
        const topic = 'homeassistant/device/kitchen/config';
        service.onMessage(topic, Buffer.from(deviceConfig({ fan: SWITCH, temp: SENSOR })));
        await settle(service);
        service.onMessage(topic, Buffer.from(deviceConfig({ temp: SENSOR })));
        await settle(service);
        assert.equal(service.owns(`${ROOT}.kitchen_node.kitchen_fan.state`), true);
    });

    it('a device config whose components are all removed (platform-only entries) removes them', async () => {
        const { service, store } = setup();
        await service.start();
        const topic = 'homeassistant/device/kitchen/config';
        service.onMessage(topic, Buffer.from(deviceConfig({ fan: SWITCH })));
        await settle(service);
        service.onMessage(topic, Buffer.from(deviceConfig({ fan: { p: 'switch' } })));
        await settle(service);
        assert.deepEqual(ids(store), []);
    });

    it('a wildcard state topic is not read (one warning) and other entities still are', async () => {
        const { service, subscribed, log } = setup();
        await service.start();
        service.onMessage(
            'homeassistant/device/kitchen/config',
            Buffer.from(deviceConfig({ temp: SENSOR, bad: { ...SENSOR, uniq_id: 'bad', stat_t: 'kitchen/+/temp' } })),
        );
        await settle(service);
        assert.deepEqual(subscribed.sort(), ['kitchen/status', 'kitchen/temp']);
        assert.equal(log.lines.filter(l => l.level === 'warn' && l.message.includes("'kitchen/+/temp'")).length, 1);
    });
});
