import assert from 'node:assert/strict';
import { compileTopicFilter } from '../../src/mapping/filter';
import { expandJson, keyToLevel, nestedCommand } from '../../src/mapping/json';
import { Ingest } from '../../src/ingest';
import { Publisher, type OutgoingMessage } from '../../src/publisher';
import { FakeStore, memoryLogger } from '../lib/fakeStore';
import { ingestOptions, NS, publisherOptions } from '../lib/pipelines';

describe('expandJson', () => {
    it('flattens objects, keeps arrays as JSON text, and stops at depth 5', () => {
        const batches = expandJson(
            '{"state":"ON","brightness":120,"color":{"x":0.3,"y":0.4},"list":[1,2],"n":null,"a":{"b":{"c":{"d":{"e":{"f":1}}}}}}',
        );
        assert.ok(batches);
        assert.equal(batches.length, 1);
        assert.deepEqual(
            batches[0]!.rows.map(r => [r.path.join('.'), r.value, r.isJsonText]),
            [
                ['state', 'ON', false],
                ['brightness', 120, false],
                ['color.x', 0.3, false],
                ['color.y', 0.4, false],
                ['list', '[1,2]', true],
                ['n', null, false],
                ['a.b.c.d.e', '{"f":1}', true],
            ],
        );
    });

    it('reads telemetry {ts, values} and arrays of it, in order', () => {
        const batches = expandJson('[{"ts":1000,"values":{"t":1}},{"ts":2000,"values":{"t":2,"h":40}}]');
        assert.deepEqual(
            batches?.map(b => [b.ts, b.rows.map(r => `${r.path.join('.')}=${String(r.value)}`)]),
            [
                [1000, ['t=1']],
                [2000, ['t=2', 'h=40']],
            ],
        );
        assert.equal(expandJson('{"ts":5,"values":{"a":1}}')?.[0]?.ts, 5);
        // an object with ts and other keys is a plain object
        assert.deepEqual(
            expandJson('{"ts":5,"temp":1}')?.[0]?.rows.map(r => r.path.join('.')),
            ['ts', 'temp'],
        );
    });

    it('sanitizes keys like topic levels; a dot never makes a deeper level', () => {
        assert.equal(keyToLevel('Temp.C'), 'Temp_C');
        assert.equal(keyToLevel('a b*c'), 'a_b_c');
        assert.equal(keyToLevel(''), '_');
        const rows = expandJson('{"Temp.C":1,"a b":2}')![0]!.rows;
        assert.deepEqual(
            rows.map(r => [r.path, r.keys]),
            [
                [['Temp_C'], ['Temp.C']],
                [['a_b'], ['a b']],
            ],
        );
    });

    it('does not expand what is not a JSON object', () => {
        for (const text of ['online', '42', '"x"', '[1,2]', '[]', '{"a":', 'null']) {
            assert.equal(expandJson(text), undefined, text);
        }
    });

    it('builds nested commands', () => {
        assert.deepEqual(nestedCommand(['color', 'x'], 0.3), { color: { x: 0.3 } });
        assert.deepEqual(nestedCommand(['state'], 'OFF'), { state: 'OFF' });
    });
});

describe('Ingest with jsonTopics', () => {
    function setup(): { store: FakeStore; ingest: Ingest; log: ReturnType<typeof memoryLogger> } {
        const store = new FakeStore();
        const log = memoryLogger();
        const ingest = new Ingest(
            ingestOptions({
                jsonTopics: [compileTopicFilter('zigbee2mqtt/+'), compileTopicFilter('sensors/+/telemetry')],
            }),
            store,
            log,
        );
        return { store, ingest, log };
    }
    const buf = (s: string): Buffer => Buffer.from(s);

    it('makes a channel with one typed state per field, nested channels, stable types', async () => {
        const { store, ingest } = setup();
        await ingest.handle('zigbee2mqtt/lamp', buf('{"state":"ON","brightness":120,"color":{"x":0.3,"y":0.4}}'));
        const lamp = `${NS}.zigbee2mqtt.lamp`;
        assert.equal(store.objects.get(lamp)?.type, 'channel');
        assert.equal(store.objects.get(`${lamp}.color`)?.type, 'channel');
        assert.equal(store.objects.get(`${lamp}.state`)?.common.type, 'string');
        assert.equal(store.objects.get(`${lamp}.brightness`)?.common.type, 'number');
        assert.equal(store.states.get(`${lamp}.color.x`)?.val, 0.3);
        assert.deepEqual(store.objects.get(`${lamp}.color.x`)?.native, {
            jsonParent: 'zigbee2mqtt/lamp',
            jsonKeys: ['color', 'x'],
        });
        // a later message without 'color' keeps its last value; a string number into a number field stays a number
        await ingest.handle('zigbee2mqtt/lamp', buf('{"state":"OFF","brightness":"80"}'));
        assert.equal(store.states.get(`${lamp}.state`)?.val, 'OFF');
        assert.equal(store.states.get(`${lamp}.brightness`)?.val, 80);
        assert.equal(store.states.get(`${lamp}.color.x`)?.val, 0.3);
        assert.equal(store.states.get(`${lamp}.state`)?.ack, true);
    });

    it('writes telemetry with the given timestamps, in order', async () => {
        const { store, ingest } = setup();
        await ingest.handle(
            'sensors/SN-001/telemetry',
            buf('[{"ts":1000,"values":{"temperature":25.1}},{"ts":2000,"values":{"temperature":25.3}}]'),
        );
        const writes = store.writes.filter(w => w.id === `${NS}.sensors.SN-001.telemetry.temperature`);
        assert.deepEqual(
            writes.map(w => [w.state.val, w.state.ts]),
            [
                [25.1, 1000],
                [25.3, 2000],
            ],
        );
    });

    it('warns about malformed or huge JSON and writes nothing; plain text stays one state', async () => {
        const { store, ingest, log } = setup();
        assert.equal((await ingest.handle('zigbee2mqtt/x', buf('{"a":'))).status, 'dropped');
        const huge = JSON.stringify(Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i])));
        assert.equal((await ingest.handle('zigbee2mqtt/y', buf(huge))).status, 'dropped');
        assert.equal(store.writes.length, 0);
        assert.equal(log.lines.filter(l => l.level === 'warn').length, 2);
        assert.equal((await ingest.handle('zigbee2mqtt/z', buf('online'))).status, 'written');
        assert.equal(store.states.get(`${NS}.zigbee2mqtt.z`)?.val, 'online');
    });
});

describe('Publisher and JSON fields', () => {
    it('publishes a command on a field as {"<key>": value} to <parent>/set, and no statuses', async () => {
        const store = new FakeStore();
        store.addObject(`${NS}.z.lamp.color.x`, {
            type: 'state',
            common: { type: 'number' } as ioBroker.StateCommon,
            native: { jsonParent: 'zigbee2mqtt/lamp', jsonKeys: ['color', 'x'] },
        });
        const sent: OutgoingMessage[] = [];
        const options = publisherOptions({ sendAckToo: true, sendOnStartIntervalMs: 0, sendIntervalMs: 0 });
        const publisher = new Publisher(options, store, m => sent.push(m), memoryLogger());
        await publisher.start();
        publisher.onStateChange(`${NS}.z.lamp.color.x`, { val: 0.5, ack: true, ts: 1, lc: 1, q: 0, from: 'x' });
        publisher.onStateChange(`${NS}.z.lamp.color.x`, { val: 0.6, ack: false, ts: 2, lc: 2, q: 0, from: 'x' });
        assert.deepEqual(sent, [
            {
                id: `${NS}.z.lamp.color.x`,
                topic: 'zigbee2mqtt/lamp/set',
                payload: '{"color":{"x":0.6}}',
                qos: 1,
                retain: false,
                // MQTT 5 receivers are told it is JSON
                properties: { contentType: 'application/json', payloadFormatIndicator: true },
            },
        ]);
        const bare = new Publisher({ ...options, jsonCommandSuffix: '' }, store, m => sent.push(m), memoryLogger());
        await bare.start();
        bare.onStateChange(`${NS}.z.lamp.color.x`, { val: 0.7, ack: false, ts: 3, lc: 3, q: 0, from: 'x' });
        assert.equal(sent[1]?.topic, 'zigbee2mqtt/lamp');
    });
});
