import assert from 'node:assert/strict';
import { expandConfig, resolveBaseTopic } from '../../../src/discovery/abbreviations';
import { ABBREVIATIONS, DEVICE_ABBREVIATIONS } from '../../../src/discovery/abbreviationTable';

describe('discovery abbreviations', () => {
    it('has the common entries of the table', () => {
        const expected: Record<string, string> = {
            stat_t: 'state_topic',
            cmd_t: 'command_topic',
            avty_t: 'availability_topic',
            avty: 'availability',
            pl_on: 'payload_on',
            uniq_id: 'unique_id',
            val_tpl: 'value_template',
            json_attr_t: 'json_attributes_topic',
            bri_cmd_t: 'brightness_command_topic',
            dev: 'device',
            o: 'origin',
            cmps: 'components',
            p: 'platform',
            t: 'topic',
            pl_avail: 'payload_available',
            pl_not_avail: 'payload_not_available',
            unit_of_meas: 'unit_of_measurement',
            dev_cla: 'device_class',
            set_pos_t: 'set_position_topic',
            temp_cmd_t: 'temperature_command_topic',
            curr_temp_t: 'current_temperature_topic',
            pct_cmd_t: 'percentage_command_topic',
            evt_typ: 'event_types',
            sug_dsp_prc: 'suggested_display_precision',
        };
        for (const [short, full] of Object.entries(expected)) {
            assert.equal(ABBREVIATIONS[short], full, short);
        }
        assert.equal(DEVICE_ABBREVIATIONS.ids, 'identifiers');
        assert.equal(DEVICE_ABBREVIATIONS.mf, 'manufacturer');
        assert.equal(DEVICE_ABBREVIATIONS.cns, 'connections');
        // every value is a full key (no abbreviation maps to another abbreviation)
        for (const full of Object.values(ABBREVIATIONS)) {
            assert.equal(ABBREVIATIONS[full], undefined, full);
        }
    });

    it('expands top-level keys, device, origin and availability entries', () => {
        const expanded = expandConfig({
            name: 'Plug',
            stat_t: 'plug/state',
            cmd_t: 'plug/set',
            pl_on: 'ON',
            uniq_id: 'plug_1',
            avty: [{ t: 'plug/status', pl_avail: 'up', pl_not_avail: 'down', val_tpl: '{{ value }}' }],
            dev: {
                ids: ['aabbcc'],
                mf: 'Acme',
                mdl: 'P1',
                sw: '1.0',
                hw: 'rev2',
                cns: [['mac', 'aa:bb:cc']],
                name: 'Plug',
            },
            o: { name: 'fw', sw: '2.0', url: 'https://example.org' },
            custom_key: 1,
        });
        assert.deepEqual(expanded, {
            name: 'Plug',
            state_topic: 'plug/state',
            command_topic: 'plug/set',
            payload_on: 'ON',
            unique_id: 'plug_1',
            availability: [
                {
                    topic: 'plug/status',
                    payload_available: 'up',
                    payload_not_available: 'down',
                    value_template: '{{ value }}',
                },
            ],
            device: {
                identifiers: ['aabbcc'],
                manufacturer: 'Acme',
                model: 'P1',
                sw_version: '1.0',
                hw_version: 'rev2',
                connections: [['mac', 'aa:bb:cc']],
                name: 'Plug',
            },
            origin: { name: 'fw', sw_version: '2.0', support_url: 'https://example.org' },
            custom_key: 1,
        });
    });

    it('resolves ~ at the start or the end of topic values only', () => {
        assert.equal(resolveBaseTopic('~/set', 'home/plug'), 'home/plug/set');
        assert.equal(resolveBaseTopic('cmnd/~', 'plug'), 'cmnd/plug');
        assert.equal(resolveBaseTopic('a/~/b', 'plug'), 'a/~/b');
        const expanded = expandConfig({
            '~': 'homeassistant/light/kitchen',
            stat_t: '~/state',
            cmd_t: '~/set',
            bri_cmd_t: 'brightness/~',
            name: '~name',
            avty_t: '~/avail',
            avty: [{ t: '~/status' }],
        });
        assert.deepEqual(expanded, {
            state_topic: 'homeassistant/light/kitchen/state',
            command_topic: 'homeassistant/light/kitchen/set',
            brightness_command_topic: 'brightness/homeassistant/light/kitchen',
            name: '~name',
            availability_topic: 'homeassistant/light/kitchen/avail',
            availability: [{ topic: 'homeassistant/light/kitchen/status' }],
        });
    });

    it('expands every cmps entry, which inherits the base topic of the device config', () => {
        const expanded = expandConfig({
            '~': 'dev1',
            dev: { ids: 'dev1' },
            cmps: {
                t1: { p: 'sensor', stat_t: '~/temp', uniq_id: 't1' },
                r1: { p: 'switch', '~': 'other', cmd_t: '~/set' },
            },
        });
        assert.deepEqual(expanded, {
            device: { identifiers: 'dev1' },
            components: {
                t1: { platform: 'sensor', state_topic: 'dev1/temp', unique_id: 't1' },
                r1: { platform: 'switch', command_topic: 'other/set' },
            },
        });
    });

    it('lets a full key win over its abbreviation', () => {
        assert.deepEqual(expandConfig({ stat_t: 'short', state_topic: 'long' }), { state_topic: 'long' });
    });
});
