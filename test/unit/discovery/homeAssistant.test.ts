import assert from 'node:assert/strict';
import { entityKey, parseDiscoveryTopic, parseHomeAssistant } from '../../../src/discovery/homeAssistant';
import { discover, entitiesOf, read, stateOf, write } from './helpers';

const LAMP_CONFIG = {
    availability: [
        { topic: 'zigbee2mqtt/bridge/state', value_template: '{{ value_json.state }}' },
        { topic: 'zigbee2mqtt/Desk lamp/availability', value_template: '{{ value_json.state }}' },
    ],
    availability_mode: 'all',
    brightness: true,
    brightness_scale: 254,
    supported_color_modes: ['xy', 'color_temp'],
    command_topic: 'zigbee2mqtt/Desk lamp/set',
    state_topic: 'zigbee2mqtt/Desk lamp',
    schema: 'json',
    name: null,
    max_mireds: 454,
    min_mireds: 250,
    unique_id: '0x000b57fffe123456_light_zigbee2mqtt',
    device: {
        identifiers: ['zigbee2mqtt_0x000b57fffe123456'],
        manufacturer: 'IKEA',
        model: 'Bulb E27 WS opal 1000lm',
        name: 'Desk lamp',
        sw_version: '2.3.093',
        via_device: 'zigbee2mqtt_bridge_0x00124b0022aabbcc',
    },
    origin: { name: 'Zigbee2MQTT', sw: '1.40.2', url: 'https://www.zigbee2mqtt.io' },
};

describe('Home Assistant discovery: devices', () => {
    it('parses discovery topics with and without node_id and ignores others', () => {
        assert.deepEqual(parseDiscoveryTopic('homeassistant/sensor/node-1/temp_1/config', 'homeassistant'), {
            component: 'sensor',
            nodeId: 'node-1',
            objectId: 'temp_1',
        });
        assert.deepEqual(parseDiscoveryTopic('homeassistant/switch/plug/config', 'homeassistant'), {
            component: 'switch',
            nodeId: undefined,
            objectId: 'plug',
        });
        for (const topic of [
            'homeassistant/switch/plug/state',
            'other/switch/plug/config',
            'homeassistant/switch/config',
            'homeassistant/a/b/c/d/config',
            'homeassistant/switch/pl ug/config',
        ]) {
            assert.equal(parseHomeAssistant(topic, '{}', 'homeassistant'), undefined, topic);
        }
        assert.deepEqual(parseHomeAssistant('homeassistant/switch/plug/config', '', 'homeassistant'), {
            kind: 'remove',
            configTopic: 'homeassistant/switch/plug/config',
        });
    });

    it('a zigbee2mqtt lamp: JSON schema, brightness scale 254, colour temperature, xy colour, availability list', () => {
        const lamp = discover('homeassistant/light/0x000b57fffe123456/light/config', LAMP_CONFIG);
        assert.equal(lamp.key, 'light_zigbee2mqtt');
        assert.equal(lamp.name, 'Desk lamp');
        assert.equal(lamp.uniqueId, '0x000b57fffe123456_light_zigbee2mqtt');
        assert.equal(lamp.component, 'light');
        assert.deepEqual(lamp.device, {
            key: 'zigbee2mqtt_0x000b57fffe123456',
            name: 'Desk lamp',
            native: {
                identifiers: ['zigbee2mqtt_0x000b57fffe123456'],
                manufacturer: 'IKEA',
                model: 'Bulb E27 WS opal 1000lm',
                name: 'Desk lamp',
                sw_version: '2.3.093',
                via_device: 'zigbee2mqtt_bridge_0x00124b0022aabbcc',
            },
        });
        assert.deepEqual(
            lamp.states.map(s => [s.key, s.common]),
            [
                ['state', { name: 'Desk lamp', role: 'switch.light', type: 'boolean', read: true, write: true }],
                [
                    'brightness',
                    {
                        name: 'Desk lamp brightness',
                        role: 'level.dimmer',
                        type: 'number',
                        unit: '%',
                        min: 0,
                        max: 100,
                        step: 1,
                        read: true,
                        write: true,
                    },
                ],
                [
                    'color_temp',
                    {
                        name: 'Desk lamp colour temperature',
                        role: 'level.color.temperature',
                        type: 'number',
                        unit: 'mired',
                        min: 250,
                        max: 454,
                        read: true,
                        write: true,
                    },
                ],
                ['rgb', { name: 'Desk lamp colour', role: 'level.color.rgb', type: 'string', read: true, write: true }],
            ],
        );
        const message =
            '{"state":"ON","brightness":127,"color_temp":370,"color_mode":"xy","color":{"x":0.6401,"y":0.33},"linkquality":80}';
        assert.deepEqual(
            lamp.states.map(s => read(s, message)),
            [true, 50, 370, '#ff0000'],
        );
        assert.deepEqual(
            lamp.states.map(s => read(s, '{"state":"OFF"}')),
            [false, undefined, undefined, undefined],
        );
        assert.deepEqual(
            lamp.states.map(s => read(s, 'garbage')),
            [undefined, undefined, undefined, undefined],
        );
        const set = 'zigbee2mqtt/Desk lamp/set';
        assert.deepEqual(write(stateOf(lamp, 'state'), true), { topic: set, payload: '{"state":"ON"}' });
        assert.deepEqual(write(stateOf(lamp, 'state'), false), { topic: set, payload: '{"state":"OFF"}' });
        assert.deepEqual(write(stateOf(lamp, 'brightness'), 100), {
            topic: set,
            payload: '{"state":"ON","brightness":254}',
        });
        assert.deepEqual(write(stateOf(lamp, 'brightness'), 50), {
            topic: set,
            payload: '{"state":"ON","brightness":127}',
        });
        assert.deepEqual(write(stateOf(lamp, 'brightness'), 0), { topic: set, payload: '{"state":"OFF"}' });
        assert.deepEqual(write(stateOf(lamp, 'color_temp'), 300), {
            topic: set,
            payload: '{"state":"ON","color_temp":300}',
        });
        assert.deepEqual(write(stateOf(lamp, 'rgb'), '#00FF00'), {
            topic: set,
            payload: '{"state":"ON","color":{"x":0.3,"y":0.6}}',
        });
        assert.equal(write(stateOf(lamp, 'rgb'), 'green'), undefined);
        assert.equal(stateOf(lamp, 'state').command?.optimistic, false);
        assert.equal(lamp.availability?.mode, 'all');
        assert.deepEqual(
            lamp.availability?.topics.map(t => [t.topic, t.online, t.offline, t.read?.('{"state":"online"}')]),
            [
                ['zigbee2mqtt/bridge/state', 'online', 'offline', 'online'],
                ['zigbee2mqtt/Desk lamp/availability', 'online', 'offline', 'online'],
            ],
        );
        assert.deepEqual(lamp.native.origin, undefined);
        assert.deepEqual((lamp.native.config as Record<string, unknown>).origin, {
            name: 'Zigbee2MQTT',
            sw_version: '1.40.2',
            support_url: 'https://www.zigbee2mqtt.io',
        });
        assert.deepEqual(lamp.warnings, []);
    });

    it('a zigbee2mqtt contact sensor: payload_on false / payload_off true through value_json.contact', () => {
        const contact = discover('homeassistant/binary_sensor/0x00158d000aabbccd/contact/config', {
            availability: [{ topic: 'zigbee2mqtt/bridge/state', value_template: '{{ value_json.state }}' }],
            device: {
                identifiers: ['zigbee2mqtt_0x00158d000aabbccd'],
                name: 'Front door',
                model: 'MCCGQ11LM',
                manufacturer: 'Aqara',
            },
            device_class: 'door',
            name: 'Door',
            payload_off: true,
            payload_on: false,
            state_topic: 'zigbee2mqtt/Front door',
            unique_id: '0x00158d000aabbccd_contact_zigbee2mqtt',
            value_template: '{{ value_json.contact }}',
        });
        assert.equal(contact.key, 'contact_zigbee2mqtt');
        assert.deepEqual(
            contact.states.map(s => [s.key, s.common, s.command]),
            [['state', { name: 'Door', role: 'sensor.door', type: 'boolean', read: true, write: false }, undefined]],
        );
        const state = stateOf(contact, 'state');
        assert.equal(read(state, '{"contact":true,"battery":97}'), false); // closed
        assert.equal(read(state, '{"contact":false,"battery":97}'), true); // open
        assert.equal(read(state, '{"battery":97}'), undefined);
    });

    it('a temperature/humidity sensor: roles, units, numbers', () => {
        const device = {
            identifiers: ['zigbee2mqtt_0x00158d0001234567'],
            name: 'Bathroom climate',
            model: 'WSDCGQ11LM',
        };
        const temperature = discover('homeassistant/sensor/0x00158d0001234567/temperature/config', {
            device,
            device_class: 'temperature',
            state_class: 'measurement',
            unit_of_measurement: '°C',
            state_topic: 'zigbee2mqtt/Bathroom climate',
            value_template: '{{ value_json.temperature }}',
            unique_id: '0x00158d0001234567_temperature_zigbee2mqtt',
            name: 'Temperature',
        });
        const humidity = discover('homeassistant/sensor/0x00158d0001234567/humidity/config', {
            device,
            device_class: 'humidity',
            state_class: 'measurement',
            unit_of_measurement: '%',
            state_topic: 'zigbee2mqtt/Bathroom climate',
            value_template: '{{ value_json.humidity }}',
            unique_id: '0x00158d0001234567_humidity_zigbee2mqtt',
            name: 'Humidity',
        });
        const payload = '{"temperature":21.37,"humidity":"55.2","pressure":1002}';
        assert.deepEqual(temperature.states[0]!.common, {
            name: 'Temperature',
            role: 'value.temperature',
            type: 'number',
            unit: '°C',
            read: true,
            write: false,
        });
        assert.deepEqual(humidity.states[0]!.common, {
            name: 'Humidity',
            role: 'value.humidity',
            type: 'number',
            unit: '%',
            read: true,
            write: false,
        });
        assert.equal(read(temperature.states[0]!, payload), 21.37);
        assert.equal(read(humidity.states[0]!, payload), 55.2);
        assert.equal(read(humidity.states[0]!, '{"humidity":null}'), null);
        assert.equal(temperature.device.key, humidity.device.key);
        assert.deepEqual([temperature.key, humidity.key], ['temperature_zigbee2mqtt', 'humidity_zigbee2mqtt']);
    });

    it('an ESPHome switch with availability (abbreviated config)', () => {
        const relay = discover('homeassistant/switch/garage/relay/config', {
            name: 'Relay',
            stat_t: 'garage/switch/relay/state',
            cmd_t: 'garage/switch/relay/command',
            avty_t: 'garage/status',
            uniq_id: 'ESPswitchrelay',
            dev: {
                ids: 'a0b1c2d3e4f5',
                name: 'garage',
                sw: 'esphome v2024.6.0 Jun 1 2024',
                mdl: 'esp32dev',
                mf: 'espressif',
            },
        });
        assert.equal(relay.key, 'espswitchrelay');
        assert.deepEqual(relay.device, {
            key: 'a0b1c2d3e4f5',
            name: 'garage',
            native: {
                identifiers: ['a0b1c2d3e4f5'],
                name: 'garage',
                sw_version: 'esphome v2024.6.0 Jun 1 2024',
                model: 'esp32dev',
                manufacturer: 'espressif',
            },
        });
        const state = stateOf(relay, 'state');
        assert.deepEqual(state.common, { name: 'Relay', role: 'switch', type: 'boolean', read: true, write: true });
        assert.equal(read(state, 'ON'), true);
        assert.equal(read(state, 'OFF'), false);
        assert.equal(read(state, 'unknown'), undefined);
        assert.deepEqual(write(state, true), { topic: 'garage/switch/relay/command', payload: 'ON' });
        assert.deepEqual(write(state, false), { topic: 'garage/switch/relay/command', payload: 'OFF' });
        assert.deepEqual(state.command && [state.command.qos, state.command.retain, state.command.optimistic], [
            0,
            false,
            false,
        ]);
        assert.deepEqual(relay.availability, {
            topics: [{ topic: 'garage/status', online: 'online', offline: 'offline' }],
            mode: 'latest',
        });
    });

    it('a Tasmota plug in Home Assistant style (abbreviations, STATE / SENSOR JSON)', () => {
        const plug = discover('homeassistant/switch/35EBF6_RL_1/config', {
            name: 'Plug',
            stat_t: 'tele/plug_35EBF6/STATE',
            avty_t: 'tele/plug_35EBF6/LWT',
            pl_avail: 'Online',
            pl_not_avail: 'Offline',
            cmd_t: 'cmnd/plug_35EBF6/POWER',
            pl_off: 'OFF',
            pl_on: 'ON',
            val_tpl: '{{value_json.POWER}}',
            uniq_id: '35EBF6_RL_1',
            dev: { ids: ['35EBF6'] },
        });
        const power = discover('homeassistant/sensor/35EBF6_ENERGY_Power/config', {
            name: 'Plug ENERGY Power',
            stat_t: 'tele/plug_35EBF6/SENSOR',
            avty_t: 'tele/plug_35EBF6/LWT',
            pl_avail: 'Online',
            pl_not_avail: 'Offline',
            uniq_id: '35EBF6_ENERGY_Power',
            dev: { ids: ['35EBF6'] },
            unit_of_meas: 'W',
            dev_cla: 'power',
            frc_upd: true,
            val_tpl: "{{value_json['ENERGY']['Power']}}",
        });
        assert.deepEqual([plug.device.key, plug.key, power.key], ['35ebf6', 'rl_1', 'energy_power']);
        assert.equal(read(plug.states[0]!, '{"Time":"2024-01-01T00:00:00","POWER":"ON"}'), true);
        assert.deepEqual(write(plug.states[0]!, false), { topic: 'cmnd/plug_35EBF6/POWER', payload: 'OFF' });
        assert.deepEqual(plug.availability?.topics, [
            { topic: 'tele/plug_35EBF6/LWT', online: 'Online', offline: 'Offline' },
        ]);
        assert.deepEqual(power.states[0]!.common, {
            name: 'Plug ENERGY Power',
            role: 'value.power',
            type: 'number',
            unit: 'W',
            read: true,
            write: false,
        });
        assert.equal(read(power.states[0]!, '{"ENERGY":{"Total":1.5,"Power":12}}'), 12);
    });

    it('device-based discovery: cmps share device, origin, state topic and availability', () => {
        const result = parseHomeAssistant(
            'homeassistant/device/weather01/config',
            JSON.stringify({
                dev: { ids: 'weather01', name: 'Weather station', mf: 'Bastler' },
                o: { name: 'diy', sw: '0.1' },
                '~': 'garden/weather01',
                stat_t: '~/state',
                avty_t: '~/status',
                qos: 1,
                cmps: {
                    temp: {
                        p: 'sensor',
                        name: 'Temperature',
                        dev_cla: 'temperature',
                        unit_of_meas: '°C',
                        val_tpl: '{{ value_json.t }}',
                        uniq_id: 'weather01_t',
                    },
                    hum: {
                        p: 'sensor',
                        name: 'Humidity',
                        dev_cla: 'humidity',
                        unit_of_meas: '%',
                        val_tpl: '{{ value_json.h }}',
                        uniq_id: 'weather01_h',
                    },
                    heater: {
                        p: 'switch',
                        name: 'Heater',
                        cmd_t: '~/heater/set',
                        stat_t: '~/heater',
                        uniq_id: 'weather01_heater',
                    },
                    robot: { p: 'vacuum', name: 'Robot', cmd_t: '~/robot' },
                    gone: { p: 'sensor' },
                },
            }),
            'homeassistant',
        );
        const entities = entitiesOf(result);
        assert.deepEqual(
            entities.map(e => [e.key, e.component, e.device.key, e.name, e.configTopic]),
            [
                ['t', 'sensor', 'weather01', 'Temperature', 'homeassistant/device/weather01/config'],
                ['h', 'sensor', 'weather01', 'Humidity', 'homeassistant/device/weather01/config'],
                ['heater', 'switch', 'weather01', 'Heater', 'homeassistant/device/weather01/config'],
            ],
        );
        assert.deepEqual(
            entities.map(e => e.states.map(s => s.source?.topic)),
            [['garden/weather01/state'], ['garden/weather01/state'], ['garden/weather01/heater']],
        );
        assert.deepEqual(
            entities.map(e => read(e.states[0]!, '{"t":3.5,"h":91}')),
            [3.5, 91, undefined],
        );
        assert.deepEqual(write(entities[2]!.states[0]!, true), { topic: 'garden/weather01/heater/set', payload: 'ON' });
        assert.equal(entities[2]!.states[0]!.command?.qos, 1);
        assert.deepEqual(entities[0]!.availability?.topics, [
            { topic: 'garden/weather01/status', online: 'online', offline: 'offline' },
        ]);
        assert.deepEqual(entities[0]!.device.native, {
            identifiers: ['weather01'],
            name: 'Weather station',
            manufacturer: 'Bastler',
        });
        assert.deepEqual(result?.kind === 'entities' && result.warnings, [
            "homeassistant/device/weather01/config: component 'robot': component 'vacuum' is not supported",
        ]);
    });

    it('a template outside the subset: the state holds the raw payload, read-only, with a warning', () => {
        const sensor = discover('homeassistant/sensor/meter/power/config', {
            name: 'Meter power',
            stat_t: 'meter/tele',
            unit_of_meas: 'W',
            dev_cla: 'power',
            val_tpl: "{{ value.split(';')[1] }}",
        });
        assert.deepEqual(sensor.states[0]!.common, {
            name: 'Meter power',
            role: 'text',
            type: 'string',
            read: true,
            write: false,
        });
        assert.equal(read(sensor.states[0]!, 'a;42'), 'a;42');
        assert.deepEqual(sensor.warnings, [
            "sensor 'Meter power' (homeassistant/sensor/meter/power/config): value_template \"{{ value.split(';')[1] }}\" is outside the supported template subset (method call '.split()' is not supported); the state 'state' holds the raw payload, read-only",
        ]);
        assert.deepEqual([sensor.device.key, sensor.device.name, sensor.key], ['meter', 'meter', 'power']);
        const relay = discover('homeassistant/switch/r1/config', {
            name: 'R1',
            stat_t: 'r1/state',
            cmd_t: 'r1/set',
            cmd_tpl: '{{ value | regex_replace("O", "0") }}',
        });
        assert.equal(read(relay.states[0]!, 'ON'), true);
        assert.equal(relay.states[0]!.command, undefined);
        assert.equal(relay.states[0]!.common.write, false);
        assert.deepEqual(relay.warnings, [
            `switch 'R1' (homeassistant/switch/r1/config): command_template "{{ value | regex_replace("O", "0") }}" is outside the supported template subset (filter 'regex_replace' is not supported); the state 'state' cannot be written`,
        ]);
    });

    it('invalid configs name the topic', () => {
        const cases: [string, string, string][] = [
            [
                'homeassistant/sensor/x/config',
                '{not json',
                'homeassistant/sensor/x/config: the discovery config is not valid JSON',
            ],
            [
                'homeassistant/sensor/x/config',
                '[1]',
                'homeassistant/sensor/x/config: the discovery config is not a JSON object',
            ],
            [
                'homeassistant/sensor/x/config',
                '{"name":"X"}',
                "homeassistant/sensor/x/config: sensor 'X': state_topic is missing",
            ],
            [
                'homeassistant/vacuum/x/config',
                '{"cmd_t":"a"}',
                "homeassistant/vacuum/x/config: component 'vacuum' is not supported",
            ],
            [
                'homeassistant/device/x/config',
                '{"dev":{"ids":"x"}}',
                "homeassistant/device/x/config: device discovery without 'cmps' (components)",
            ],
        ];
        for (const [topic, payload, warning] of cases) {
            assert.deepEqual(parseHomeAssistant(topic, payload, 'homeassistant'), {
                kind: 'invalid',
                configTopic: topic,
                warning,
            });
        }
    });

    it('entity keys are readable and stable', () => {
        assert.equal(
            entityKey('0x00158d0001234567_temperature_zigbee2mqtt', ['zigbee2mqtt_0x00158d0001234567'], 'temperature'),
            'temperature_zigbee2mqtt',
        );
        assert.equal(entityKey('AB12CD_relay', ['ab12cd'], 'o'), 'relay');
        assert.equal(entityKey('Kitchen Light!', [], 'o'), 'kitchen_light');
        assert.equal(entityKey(undefined, ['x'], 'Object-1'), 'object_1');
        assert.equal(entityKey('ab12cd', ['ab12cd'], 'obj'), 'ab12cd');
    });
});
