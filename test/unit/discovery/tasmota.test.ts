import assert from 'node:assert/strict';
import { TasmotaDiscovery } from '../../../src/discovery/tasmota';
import { entitiesOf, read, stateOf, write } from './helpers';

const MAC = 'A4CF1235EBF6';
const CONFIG_TOPIC = `tasmota/discovery/${MAC}/config`;

function plugConfig(overrides: Record<string, unknown> = {}): string {
    return JSON.stringify({
        ip: '192.168.1.50',
        dn: 'Washer plug',
        fn: ['Washer', null, null, null, null, null, null, null],
        hn: 'washer-5878',
        mac: MAC,
        md: 'Gosund SP111',
        ty: 0,
        if: 0,
        ofln: 'Offline',
        onln: 'Online',
        state: ['OFF', 'ON', 'TOGGLE', 'HOLD'],
        sw: '13.2.0',
        t: 'washer',
        ft: '%prefix%/%topic%/',
        tp: ['cmnd', 'stat', 'tele'],
        rl: [1, 0, 0, 0, 0, 0, 0, 0],
        swc: [-1, -1, -1, -1, -1, -1, -1, -1],
        btn: [0, 0, 0, 0, 0, 0, 0, 0],
        so: { 4: 0, 11: 0, 13: 0, 17: 0, 20: 0, 30: 0, 68: 0, 73: 0, 82: 0, 114: 0, 117: 0 },
        lk: 0,
        lt_st: 0,
        sho: [],
        ver: 1,
        ...overrides,
    });
}

const PLUG_SENSORS = JSON.stringify({
    sn: {
        Time: '2024-05-01T10:00:00',
        ENERGY: {
            TotalStartTime: '2024-01-01T00:00:00',
            Total: 12.345,
            Yesterday: 0.5,
            Today: 0.25,
            Power: 230,
            ApparentPower: 240,
            ReactivePower: 20,
            Factor: 0.96,
            Voltage: 231,
            Current: 1.02,
        },
    },
    ver: 1,
});

describe('Tasmota discovery', () => {
    it('ignores other topics and keeps a sensor reading until the config comes', () => {
        const discovery = new TasmotaDiscovery();
        assert.equal(discovery.handle('tasmota/other/A4CF1235EBF6/config', plugConfig()), undefined);
        assert.equal(discovery.handle('tasmota/discovery/xyz/config', plugConfig()), undefined);
        assert.equal(discovery.handle(`tasmota/discovery/${MAC}/sensors`, PLUG_SENSORS), undefined);
        const entities = entitiesOf(discovery.handle(CONFIG_TOPIC, plugConfig()));
        assert.deepEqual(
            entities.map(e => [e.key, e.component, e.name]),
            [
                ['relay_1', 'switch', 'Washer'],
                ['sensor_energy', 'sensor', 'ENERGY'],
            ],
        );
    });

    it('a plug: relay bound to cmnd/stat POWER, LWT availability, device from the config', () => {
        const discovery = new TasmotaDiscovery();
        const entities = entitiesOf(discovery.handle(CONFIG_TOPIC, plugConfig()));
        assert.equal(entities.length, 1);
        const relay = entities[0]!;
        assert.deepEqual(relay.device, {
            key: 'a4cf1235ebf6',
            name: 'Washer plug',
            native: {
                manufacturer: 'Tasmota',
                model: 'Gosund SP111',
                sw_version: '13.2.0',
                identifiers: ['A4CF1235EBF6'],
                connections: [['mac', 'a4:cf:12:35:eb:f6']],
                hostname: 'washer-5878',
                ip: '192.168.1.50',
                configuration_url: 'http://192.168.1.50/',
            },
        });
        assert.equal(relay.configTopic, CONFIG_TOPIC);
        assert.equal(relay.uniqueId, 'A4CF1235EBF6_relay_1');
        const state = stateOf(relay, 'state');
        assert.deepEqual(state.common, { name: 'Washer', role: 'switch', type: 'boolean', read: true, write: true });
        assert.equal(state.source?.topic, 'stat/washer/POWER');
        assert.equal(read(state, 'ON'), true);
        assert.equal(read(state, 'OFF'), false);
        assert.equal(read(state, 'TOGGLE'), undefined);
        assert.deepEqual(write(state, true), { topic: 'cmnd/washer/POWER', payload: 'ON' });
        assert.deepEqual(write(state, false), { topic: 'cmnd/washer/POWER', payload: 'OFF' });
        assert.deepEqual(relay.availability, {
            topics: [{ topic: 'tele/washer/LWT', online: 'Online', offline: 'Offline' }],
            mode: 'latest',
        });
    });

    it('a plug: energy sensors from the sensors message, read from tele/<t>/SENSOR', () => {
        const discovery = new TasmotaDiscovery();
        discovery.handle(CONFIG_TOPIC, plugConfig());
        const entities = entitiesOf(discovery.handle(`tasmota/discovery/${MAC}/sensors`, PLUG_SENSORS));
        const energy = entities.find(e => e.key === 'sensor_energy');
        assert.ok(energy);
        assert.deepEqual(
            energy.states.map(s => [s.key, s.common.role, s.common.type, s.common.unit]),
            [
                ['totalstarttime', 'text', 'string', undefined],
                ['total', 'value.energy', 'number', 'kWh'],
                ['yesterday', 'value.energy', 'number', 'kWh'],
                ['today', 'value.energy', 'number', 'kWh'],
                ['power', 'value.power', 'number', 'W'],
                ['apparentpower', 'value.power', 'number', 'VA'],
                ['reactivepower', 'value.power.reactive', 'number', 'var'],
                ['factor', 'value', 'number', undefined],
                ['voltage', 'value.voltage', 'number', 'V'],
                ['current', 'value.current', 'number', 'A'],
            ],
        );
        const telemetry =
            '{"Time":"2024-05-01T10:05:00","ENERGY":{"Total":12.4,"Power":1850,"Voltage":229,"Current":8.1}}';
        assert.equal(stateOf(energy, 'power').source?.topic, 'tele/washer/SENSOR');
        assert.equal(read(stateOf(energy, 'power'), telemetry), 1850);
        assert.equal(read(stateOf(energy, 'total'), telemetry), 12.4);
        assert.equal(read(stateOf(energy, 'factor'), telemetry), undefined);
        assert.equal(stateOf(energy, 'power').command, undefined);
    });

    it('two relays, a custom full topic and a temperature/humidity sensor in Fahrenheit', () => {
        const discovery = new TasmotaDiscovery();
        discovery.handle(
            `tasmota/discovery/${MAC}/sensors`,
            JSON.stringify({
                sn: { Time: 't', AM2301: { Temperature: 70.2, Humidity: 48.2, DewPoint: 49.6 }, TempUnit: 'F' },
                ver: 1,
            }),
        );
        const entities = entitiesOf(
            discovery.handle(
                CONFIG_TOPIC,
                plugConfig({ rl: [1, 1, 0, 0, 0, 0, 0, 0], fn: ['Pump', null], ft: 'home/%topic%/%prefix%/' }),
            ),
        );
        assert.deepEqual(
            entities.map(e => [e.key, e.name, e.states[0]!.source?.topic, e.states[0]!.command?.build(true)?.topic]),
            [
                ['relay_1', 'Pump', 'home/washer/stat/POWER1', 'home/washer/cmnd/POWER1'],
                ['relay_2', 'Washer plug 2', 'home/washer/stat/POWER2', 'home/washer/cmnd/POWER2'],
                ['sensor_am2301', 'AM2301', 'home/washer/tele/SENSOR', undefined],
            ],
        );
        const climate = entities[2]!;
        assert.deepEqual(
            climate.states.map(s => [s.key, s.common.role, s.common.unit]),
            [
                ['temperature', 'value.temperature', '°F'],
                ['humidity', 'value.humidity', '%'],
                ['dewpoint', 'value.temperature', '°F'],
            ],
        );
        assert.equal(read(stateOf(climate, 'humidity'), '{"AM2301":{"Temperature":71,"Humidity":50.5}}'), 50.5);
        assert.equal(climate.availability?.topics[0]?.topic, 'home/washer/tele/LWT');
    });

    it('a light relay with a dimmer; shutters are reported as not supported', () => {
        const discovery = new TasmotaDiscovery();
        const result = discovery.handle(CONFIG_TOPIC, plugConfig({ rl: [2, 3, 3, 0, 0, 0, 0, 0], lt_st: 1 }));
        const entities = entitiesOf(result);
        assert.deepEqual(
            entities.map(e => [e.key, e.component, e.states.map(s => s.common.role)]),
            [['relay_1', 'light', ['switch.light', 'level.dimmer']]],
        );
        const dimmer = stateOf(entities[0]!, 'brightness');
        assert.equal(read(dimmer, '{"POWER1":"ON","Dimmer":40}'), 40);
        assert.deepEqual(write(dimmer, 75), { topic: 'cmnd/washer/Dimmer', payload: '75' });
        assert.equal(stateOf(entities[0]!, 'state').source?.topic, 'stat/washer/POWER1');
        assert.deepEqual(result?.kind === 'entities' && result.warnings, [
            `${CONFIG_TOPIC}: relay 2 of type 3 (e.g. shutter) is not supported`,
            `${CONFIG_TOPIC}: relay 3 of type 3 (e.g. shutter) is not supported`,
        ]);
    });

    it('an empty config removes the device; broken JSON is invalid', () => {
        const discovery = new TasmotaDiscovery();
        discovery.handle(CONFIG_TOPIC, plugConfig());
        assert.deepEqual(discovery.handle(CONFIG_TOPIC, ''), { kind: 'remove', configTopic: CONFIG_TOPIC });
        assert.equal(discovery.handle(`tasmota/discovery/${MAC}/sensors`, PLUG_SENSORS), undefined);
        assert.deepEqual(discovery.handle(CONFIG_TOPIC, '{broken'), {
            kind: 'invalid',
            configTopic: CONFIG_TOPIC,
            warning: `${CONFIG_TOPIC}: the Tasmota discovery message is not a JSON object`,
        });
    });
});
