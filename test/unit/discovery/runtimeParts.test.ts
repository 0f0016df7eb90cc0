import assert from 'node:assert/strict';
import { DeviceAvailability } from '../../../src/discovery/deviceAvailability';
import { EntityIds } from '../../../src/discovery/entityIds';
import type { EntityPlan } from '../../../src/discovery/model';

function plan(
    device: string,
    key: string,
    uniqueId: string | undefined,
    configTopic = `ha/x/${key}/config`,
): EntityPlan {
    return {
        configTopic,
        uniqueId,
        component: 'sensor',
        device: { key: device, name: device, native: {} },
        key,
        name: key,
        native: {},
        states: [],
        warnings: [],
    };
}

describe('EntityIds', () => {
    it('gives <root>.<device>.<entity>, and the same id again to the same unique id', () => {
        const ids = new EntityIds('gw.0.devices');
        assert.equal(ids.channelIdFor(plan('lamp', 'light', 'u1')), 'gw.0.devices.lamp.light');
        assert.equal(ids.channelIdFor(plan('lamp', 'light', 'u1')), 'gw.0.devices.lamp.light');
    });

    it('a second entity proposing a taken id gets _2, a third _3', () => {
        const ids = new EntityIds('gw.0.devices');
        assert.equal(ids.channelIdFor(plan('d', 'temp', 'a')), 'gw.0.devices.d.temp');
        assert.equal(ids.channelIdFor(plan('d', 'temp', 'b')), 'gw.0.devices.d.temp_2');
        assert.equal(ids.channelIdFor(plan('d', 'temp', 'c')), 'gw.0.devices.d.temp_3');
        assert.equal(ids.channelIdFor(plan('d', 'temp', 'b')), 'gw.0.devices.d.temp_2');
    });

    it('keeps the id remembered from the database even when the device key changes', () => {
        const ids = new EntityIds('gw.0.devices');
        ids.remember('gw.0.devices.old.temp', { uniqueId: 'u9' });
        assert.equal(ids.channelIdFor(plan('new', 'temp', 'u9')), 'gw.0.devices.old.temp');
        assert.equal(ids.channelIdFor(plan('old', 'temp', 'other')), 'gw.0.devices.old.temp_2');
    });

    it('without a unique id, the config topic and key identify the entity; forget frees the id', () => {
        const ids = new EntityIds('gw.0.devices');
        const first = ids.channelIdFor(plan('d', 'x', undefined, 'ha/sensor/x/config'));
        assert.equal(ids.channelIdFor(plan('d', 'x', undefined, 'ha/sensor/x/config')), first);
        assert.equal(ids.channelIdFor(plan('d', 'x', undefined, 'ha/sensor/y/config')), 'gw.0.devices.d.x_2');
        ids.forget(first);
        assert.equal(ids.channelIdFor(plan('d', 'x', 'new')), first);
    });
});

describe('DeviceAvailability', () => {
    const two = (mode: 'all' | 'any' | 'latest'): DeviceAvailability =>
        new DeviceAvailability({
            mode,
            topics: [
                { topic: 'a', online: 'online', offline: 'offline' },
                { topic: 'b', online: 'Online', offline: 'Offline', read: p => (JSON.parse(p) as { s: string }).s },
            ],
        });

    const rows: { mode: 'all' | 'any' | 'latest'; messages: [string, string][]; expect: (boolean | undefined)[] }[] = [
        {
            mode: 'latest',
            messages: [
                ['a', 'online'],
                ['b', '{"s":"Offline"}'],
                ['a', 'junk'],
                ['a', 'online'],
            ],
            expect: [true, false, undefined, true],
        },
        {
            mode: 'all',
            messages: [
                ['a', 'online'],
                ['b', '{"s":"Online"}'],
                ['b', '{"s":"Offline"}'],
            ],
            expect: [undefined, true, false],
        },
        {
            mode: 'any',
            messages: [
                ['a', 'offline'],
                ['b', '{"s":"Offline"}'],
                ['b', '{"s":"Online"}'],
                ['a', 'offline'],
            ],
            expect: [undefined, false, true, true],
        },
    ];
    for (const row of rows) {
        it(`availability_mode ${row.mode}: ${row.messages.map(m => m.join('=')).join(', ')}`, () => {
            const availability = two(row.mode);
            assert.deepEqual(
                row.messages.map(([topic, payload]) => availability.onMessage(topic, payload)),
                row.expect,
            );
        });
    }

    it('a message on a topic it does not know changes nothing', () => {
        const availability = two('latest');
        assert.equal(availability.onMessage('c', 'online'), undefined);
        assert.equal(availability.current(), undefined);
    });
});

describe('EntityIds across a restart', () => {
    it('a suffixed id (no unique id) is found again by the key the plan proposed, not the suffix', () => {
        const ids = new EntityIds('gw.0.devices');
        ids.remember('gw.0.devices.d.status', { configTopic: 'ha/sensor/x/config', entityKey: 'status' });
        ids.remember('gw.0.devices.d.status_2', { configTopic: 'ha/binary_sensor/x/config', entityKey: 'status' });
        assert.equal(
            ids.channelIdFor(plan('d', 'status', undefined, 'ha/binary_sensor/x/config')),
            'gw.0.devices.d.status_2',
        );
    });
});
