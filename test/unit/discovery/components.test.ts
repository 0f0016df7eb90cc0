import assert from 'node:assert/strict';
import { binarySensorRole, sensorRole } from '../../../src/discovery/roles';
import { discover, read, stateOf, write } from './helpers';

const dev = { ids: ['dev01'], name: 'Test device' };

describe('Home Assistant discovery: components', () => {
    it('default-schema light: brightness scale 100, colour temperature in kelvin, rgb with command template', () => {
        const light = discover('homeassistant/light/dev01/strip/config', {
            name: 'Strip',
            dev,
            uniq_id: 'dev01_strip',
            stat_t: 'strip/state',
            cmd_t: 'strip/set',
            pl_on: '1',
            pl_off: '0',
            bri_stat_t: 'strip/bri',
            bri_cmd_t: 'strip/bri/set',
            bri_scl: 100,
            clr_temp_stat_t: 'strip/ct',
            clr_temp_cmd_t: 'strip/ct/set',
            clr_temp_k: true,
            min_k: 2700,
            max_k: 6500,
            rgb_stat_t: 'strip/rgb',
            rgb_cmd_t: 'strip/rgb/set',
            rgb_cmd_tpl: '{{ "%02x%02x%02x" if false else red ~ "/" ~ green ~ "/" ~ blue }}',
        });
        assert.equal(light.key, 'strip');
        assert.deepEqual(
            light.states.map(s => [s.key, s.common.role, s.common.unit, s.source?.topic]),
            [
                ['state', 'switch.light', undefined, 'strip/state'],
                ['brightness', 'level.dimmer', '%', 'strip/bri'],
                ['color_temp', 'level.color.temperature', 'K', 'strip/ct'],
                ['rgb', 'level.color.rgb', undefined, 'strip/rgb'],
            ],
        );
        assert.deepEqual(
            [stateOf(light, 'color_temp').common.min, stateOf(light, 'color_temp').common.max],
            [2700, 6500],
        );
        assert.equal(read(stateOf(light, 'state'), '1'), true);
        assert.equal(read(stateOf(light, 'brightness'), '40'), 40);
        assert.equal(read(stateOf(light, 'rgb'), '255,128,0'), '#ff8000');
        assert.deepEqual(write(stateOf(light, 'state'), false), { topic: 'strip/set', payload: '0' });
        assert.deepEqual(write(stateOf(light, 'brightness'), 40), { topic: 'strip/bri/set', payload: '40' });
        assert.deepEqual(write(stateOf(light, 'color_temp'), 3000), { topic: 'strip/ct/set', payload: '3000' });
        assert.deepEqual(write(stateOf(light, 'rgb'), '#ff8000'), { topic: 'strip/rgb/set', payload: '255/128/0' });
    });

    it('default-schema light with hs colour and brightness 0..255 without templates', () => {
        const light = discover('homeassistant/light/bulb/config', {
            name: 'Bulb',
            cmd_t: 'bulb/set',
            bri_cmd_t: 'bulb/bri',
            hs_cmd_t: 'bulb/hs',
            hs_stat_t: 'bulb/hs/state',
        });
        assert.deepEqual(write(stateOf(light, 'brightness'), 100), { topic: 'bulb/bri', payload: '255' });
        assert.deepEqual(write(stateOf(light, 'rgb'), '#0000ff'), { topic: 'bulb/hs', payload: '240,100' });
        assert.equal(read(stateOf(light, 'rgb'), '120,100'), '#00ff00');
        assert.equal(stateOf(light, 'brightness').command?.optimistic, true);
        assert.equal(stateOf(light, 'rgb').command?.optimistic, false);
    });

    it('template-schema light', () => {
        const light = discover('homeassistant/light/tpl/config', {
            name: 'Tpl',
            schema: 'template',
            cmd_t: 'tpl/set',
            stat_t: 'tpl/state',
            cmd_on_tpl: '{"on":true{% if brightness is defined %},"bri":{{ brightness }}{% endif %}}',
            cmd_off_tpl: '{"on":false}',
            stat_tpl: "{{ 'on' if value_json.on else 'off' }}",
            bri_tpl: '{{ value_json.bri }}',
        });
        assert.equal(read(stateOf(light, 'state'), '{"on":true,"bri":51}'), true);
        assert.equal(read(stateOf(light, 'brightness'), '{"on":true,"bri":51}'), 20);
        assert.deepEqual(write(stateOf(light, 'state'), true), { topic: 'tpl/set', payload: '{"on":true}' });
        assert.deepEqual(write(stateOf(light, 'brightness'), 20), {
            topic: 'tpl/set',
            payload: '{"on":true,"bri":51}',
        });
        assert.deepEqual(write(stateOf(light, 'brightness'), 0), { topic: 'tpl/set', payload: '{"on":false}' });
    });

    it('cover: position with its own range, state, buttons, tilt', () => {
        const cover = discover('homeassistant/cover/blind/config', {
            name: 'Blind',
            dev,
            cmd_t: 'blind/set',
            stat_t: 'blind/state',
            pos_t: 'blind/pos',
            set_pos_t: 'blind/pos/set',
            pos_open: 255,
            pos_clsd: 0,
            pl_stop: null,
            tilt_status_t: 'blind/tilt',
            tilt_cmd_t: 'blind/tilt/set',
            tilt_min: 0,
            tilt_max: 180,
            set_pos_tpl: '{"position": {{ position }}}',
        });
        assert.deepEqual(
            cover.states.map(s => [s.key, s.common.role, s.common.write]),
            [
                ['position', 'level.blind', true],
                ['state', 'text', false],
                ['open', 'button.open.blind', true],
                ['close', 'button.close.blind', true],
                ['tilt', 'level.tilt', true],
            ],
        );
        assert.equal(read(stateOf(cover, 'position'), '51'), 20);
        assert.deepEqual(write(stateOf(cover, 'position'), 20), {
            topic: 'blind/pos/set',
            payload: '{"position": 51}',
        });
        assert.equal(read(stateOf(cover, 'state'), 'closing'), 'closing');
        assert.equal(read(stateOf(cover, 'state'), 'nonsense'), undefined);
        assert.deepEqual(write(stateOf(cover, 'open'), true), { topic: 'blind/set', payload: 'OPEN' });
        assert.deepEqual(write(stateOf(cover, 'close'), true), { topic: 'blind/set', payload: 'CLOSE' });
        assert.deepEqual(stateOf(cover, 'open').common, {
            name: 'Blind open',
            role: 'button.open.blind',
            type: 'boolean',
            read: false,
            write: true,
        });
        assert.equal(read(stateOf(cover, 'tilt'), '90'), 50);
        assert.deepEqual(write(stateOf(cover, 'tilt'), 100), { topic: 'blind/tilt/set', payload: '180' });
    });

    it('climate: mode with states, target and current temperature', () => {
        const climate = discover('homeassistant/climate/trv/config', {
            name: 'TRV',
            dev,
            modes: ['off', 'heat', 'auto'],
            mode_stat_t: 'trv',
            mode_stat_tpl: '{{ value_json.system_mode }}',
            mode_cmd_t: 'trv/set/system_mode',
            temp_stat_t: 'trv',
            temp_stat_tpl: '{{ value_json.current_heating_setpoint }}',
            temp_cmd_t: 'trv/set/current_heating_setpoint',
            curr_temp_t: 'trv',
            curr_temp_tpl: '{{ value_json.local_temperature }}',
            min_temp: 5,
            max_temp: 30,
            temp_step: 0.5,
        });
        assert.deepEqual(
            climate.states.map(s => [s.key, s.common]),
            [
                [
                    'mode',
                    {
                        name: 'TRV mode',
                        role: 'level.mode.thermostat',
                        type: 'string',
                        states: { off: 'off', heat: 'heat', auto: 'auto' },
                        read: true,
                        write: true,
                    },
                ],
                [
                    'target_temperature',
                    {
                        name: 'TRV target temperature',
                        role: 'level.temperature',
                        type: 'number',
                        unit: '°C',
                        min: 5,
                        max: 30,
                        step: 0.5,
                        read: true,
                        write: true,
                    },
                ],
                [
                    'current_temperature',
                    {
                        name: 'TRV current temperature',
                        role: 'value.temperature',
                        type: 'number',
                        unit: '°C',
                        read: true,
                        write: false,
                    },
                ],
            ],
        );
        const message = '{"system_mode":"heat","current_heating_setpoint":21.5,"local_temperature":19.8}';
        assert.deepEqual(
            climate.states.map(s => read(s, message)),
            ['heat', 21.5, 19.8],
        );
        assert.deepEqual(write(stateOf(climate, 'mode'), 'auto'), { topic: 'trv/set/system_mode', payload: 'auto' });
        assert.equal(write(stateOf(climate, 'mode'), 'cool'), undefined);
        assert.deepEqual(write(stateOf(climate, 'target_temperature'), 22.5), {
            topic: 'trv/set/current_heating_setpoint',
            payload: '22.5',
        });
    });

    it('fan: on/off and percentage over a speed range', () => {
        const fan = discover('homeassistant/fan/fan1/config', {
            name: 'Fan',
            cmd_t: 'fan/set',
            stat_t: 'fan/state',
            pct_stat_t: 'fan/speed',
            pct_cmd_t: 'fan/speed/set',
            spd_rng_min: 1,
            spd_rng_max: 3,
        });
        assert.deepEqual(
            fan.states.map(s => [s.key, s.common.role]),
            [
                ['state', 'switch'],
                ['percentage', 'level.speed'],
            ],
        );
        assert.equal(read(stateOf(fan, 'percentage'), '2'), 66);
        assert.equal(read(stateOf(fan, 'percentage'), '3'), 100);
        assert.deepEqual(write(stateOf(fan, 'percentage'), 50), { topic: 'fan/speed/set', payload: '2' });
        assert.deepEqual(write(stateOf(fan, 'percentage'), 0), { topic: 'fan/speed/set', payload: '0' });
        assert.deepEqual(write(stateOf(fan, 'state'), true), { topic: 'fan/set', payload: 'ON' });
    });

    it('lock, number, select, button, text', () => {
        const lock = discover('homeassistant/lock/door/config', {
            name: 'Door',
            cmd_t: 'door/set',
            stat_t: 'door/state',
            pl_open: 'OPEN',
        });
        assert.equal(stateOf(lock, 'state').common.role, 'switch.lock');
        assert.equal(read(stateOf(lock, 'state'), 'LOCKED'), false);
        assert.equal(read(stateOf(lock, 'state'), 'UNLOCKED'), true);
        assert.deepEqual(write(stateOf(lock, 'state'), false), { topic: 'door/set', payload: 'LOCK' });
        assert.deepEqual(write(stateOf(lock, 'open'), true), { topic: 'door/set', payload: 'OPEN' });

        const number = discover('homeassistant/number/n/config', {
            name: 'Level',
            cmd_t: 'n/set',
            stat_t: 'n',
            min: 0,
            max: 10,
            step: 0.5,
            unit_of_meas: 'cm',
            cmd_tpl: '{"v": {{ value }}}',
        });
        assert.deepEqual(number.states[0]!.common, {
            name: 'Level',
            role: 'level',
            type: 'number',
            min: 0,
            max: 10,
            step: 0.5,
            unit: 'cm',
            read: true,
            write: true,
        });
        assert.deepEqual(write(number.states[0]!, 2.5), { topic: 'n/set', payload: '{"v": 2.5}' });
        assert.equal(write(number.states[0]!, 'x'), undefined);

        const select = discover('homeassistant/select/s/config', {
            name: 'Effect',
            cmd_t: 's/set',
            stat_t: 's',
            ops: ['none', 'blink'],
        });
        assert.deepEqual(select.states[0]!.common.states, { none: 'none', blink: 'blink' });
        assert.equal(select.states[0]!.common.role, 'state');
        assert.equal(read(select.states[0]!, 'blink'), 'blink');
        assert.equal(read(select.states[0]!, 'other'), undefined);
        assert.deepEqual(write(select.states[0]!, 'none'), { topic: 's/set', payload: 'none' });

        const button = discover('homeassistant/button/b/config', {
            name: 'Restart',
            cmd_t: 'b/restart',
            pl_prs: 'restart',
        });
        assert.deepEqual(
            button.states.map(s => [s.key, s.common, s.source, s.command?.optimistic]),
            [
                [
                    'press',
                    { name: 'Restart', role: 'button', type: 'boolean', read: false, write: true },
                    undefined,
                    true,
                ],
            ],
        );
        assert.deepEqual(write(button.states[0]!, true), { topic: 'b/restart', payload: 'restart' });

        const text = discover('homeassistant/text/t/config', { name: 'Message', cmd_t: 't/set', max: 5 });
        assert.deepEqual(text.states[0]!.common, {
            name: 'Message',
            role: 'text',
            type: 'string',
            read: true,
            write: true,
        });
        assert.equal(text.states[0]!.command?.optimistic, true);
        assert.deepEqual(write(text.states[0]!, 'hello'), { topic: 't/set', payload: 'hello' });
        assert.equal(write(text.states[0]!, 'too long'), undefined);
    });

    it('event and device_tracker', () => {
        const event = discover('homeassistant/event/remote/config', {
            name: 'Remote',
            stat_t: 'remote/action',
            evt_typ: ['press', 'hold'],
        });
        assert.equal(read(event.states[0]!, '{"event_type":"hold","duration":2}'), 'hold');
        assert.equal(read(event.states[0]!, '{"event_type":"other"}'), undefined);
        assert.deepEqual(event.states[0]!.common.states, { press: 'press', hold: 'hold' });

        const tracker = discover('homeassistant/device_tracker/phone/config', {
            name: 'Phone',
            stat_t: 'phone/location',
            pl_home: 'in',
            pl_not_home: 'out',
        });
        assert.deepEqual(
            ['in', 'out', 'office', 'None'].map(p => tracker.states.map(s => read(s, p))),
            [
                ['home', true],
                ['not_home', false],
                ['office', false],
                [null, null],
            ],
        );
        assert.deepEqual(
            tracker.states.map(s => s.common.role),
            ['text', 'indicator'],
        );
    });

    it('roles by device class', () => {
        assert.deepEqual(
            [
                'temperature',
                'humidity',
                'power',
                'energy',
                'battery',
                'illuminance',
                'voltage',
                'current',
                'pressure',
            ].map(c => sensorRole(c, true)),
            [
                'value.temperature',
                'value.humidity',
                'value.power',
                'value.energy',
                'value.battery',
                'value.brightness',
                'value.voltage',
                'value.current',
                'value.pressure',
            ],
        );
        assert.deepEqual(
            [sensorRole(undefined, true), sensorRole(undefined, false), sensorRole('enum', false)],
            ['value', 'text', 'text'],
        );
        assert.deepEqual(
            ['door', 'window', 'motion', 'occupancy', 'presence', 'moisture', 'smoke', 'unknown_class', undefined].map(
                binarySensorRole,
            ),
            [
                'sensor.door',
                'sensor.window',
                'sensor.motion',
                'sensor.motion',
                'sensor.motion',
                'sensor.alarm.flood',
                'sensor.alarm.fire',
                'sensor',
                'indicator',
            ],
        );
    });
});
