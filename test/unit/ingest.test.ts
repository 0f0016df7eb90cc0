import assert from 'node:assert/strict';
import sinon from 'sinon';
import { compileIdMask, compileTopicFilter } from '../../src/mapping/filter';
import type { Ingest } from '../../src/ingest';
import type { FakeStore } from '../lib/fakeStore';
import { ingestSetup as setup, NS } from '../lib/pipelines';

const buf = (s: string): Buffer => Buffer.from(s);

describe('Ingest', () => {
    it('creates a state with the inferred type, native.topic and parent folders, then writes ack=true', async () => {
        const { store, ingest } = setup();
        const result = await ingest.handle('kitchen/sensor/temp', buf('21.5'));
        assert.deepEqual(result, { status: 'written', id: `${NS}.kitchen.sensor.temp`, val: 21.5, ack: true });
        const obj = store.objects.get(`${NS}.kitchen.sensor.temp`);
        assert.equal(obj?.type, 'state');
        assert.equal(obj?.common.type, 'number');
        assert.equal(obj?.common.role, 'state');
        assert.equal(obj?.common.read, true);
        assert.equal(obj?.common.write, true);
        assert.equal(obj?.common.name, 'kitchen/sensor/temp');
        assert.deepEqual(obj?.native, { topic: 'kitchen/sensor/temp' });
        assert.equal(store.objects.get(`${NS}.kitchen`)?.type, 'folder');
        assert.equal(store.objects.get(`${NS}.kitchen.sensor`)?.type, 'folder');
        assert.deepEqual(store.states.get(`${NS}.kitchen.sensor.temp`)?.val, 21.5);
    });

    it('keeps the type: a number state stays number, text it cannot hold makes it mixed once', async () => {
        const { store, ingest, log } = setup();
        await ingest.handle('t', buf('1'));
        await ingest.handle('t', buf(' 7 '));
        assert.equal(store.states.get(`${NS}.t`)?.val, 7);
        await ingest.handle('t', buf('offline'));
        assert.equal(store.objects.get(`${NS}.t`)?.common.type, 'mixed');
        assert.equal(store.states.get(`${NS}.t`)?.val, 'offline');
        await ingest.handle('t', buf('5'));
        assert.equal(store.objects.get(`${NS}.t`)?.common.type, 'mixed', 'never changes back');
        assert.equal(store.states.get(`${NS}.t`)?.val, 5);
        assert.equal(log.lines.filter(l => l.level === 'info' && l.message.includes('becomes mixed')).length, 1);
    });

    it('a string state keeps "007" as text (no flip-flop)', async () => {
        const { store, ingest } = setup();
        store.addObject(`${NS}.code`, {
            type: 'state',
            common: { type: 'string', name: 'code', role: 'state', read: true, write: true } as ioBroker.StateCommon,
        });
        await ingest.handle('code', buf('007'));
        assert.equal(store.states.get(`${NS}.code`)?.val, '007');
    });

    it('writes an allowed foreign state with ack=false (a command for its owner)', async () => {
        const { store, ingest } = setup({ writableMask: [compileIdMask('testAdapter.0.*')] });
        store.addObject('testAdapter.0.testChannel.testState', {
            type: 'state',
            common: { type: 'number' } as ioBroker.StateCommon,
        });
        const result = await ingest.handle('testAdapter/0/testChannel/testState', buf('{"val":3,"ack":true}'));
        assert.deepEqual(result, { status: 'written', id: 'testAdapter.0.testChannel.testState', val: 3, ack: false });
    });

    it('refuses a foreign state outside writableMask, logs once, counts it, creates nothing', async () => {
        const { store, ingest, log } = setup();
        store.addObject('hm-rpc.0.dev.LEVEL', { type: 'state', common: { type: 'number' } as ioBroker.StateCommon });
        for (let i = 0; i < 3; i++) {
            const result = await ingest.handle('hm-rpc/0/dev/LEVEL', buf('1'));
            assert.equal(result.status, 'dropped');
        }
        assert.equal(store.writes.length, 0);
        assert.equal(ingest.dropped, 3);
        assert.equal(log.lines.filter(l => l.level === 'warn').length, 1);
        assert.equal(store.objects.has(`${NS}.hm-rpc.0.dev.LEVEL`), false);
    });

    it('never writes system.* even when the mask allows everything', async () => {
        const { store, ingest } = setup({ writableMask: [compileIdMask('*')] });
        store.addObject('system.adapter.admin.0.alive', {
            type: 'state',
            common: { type: 'boolean' } as ioBroker.StateCommon,
        });
        const result = await ingest.handle('system/adapter/admin/0/alive', buf('false'));
        assert.equal(result.status, 'dropped');
        assert.equal(store.writes.length, 0);
    });

    it('never writes read-only states (write: false), own or foreign, nor into the own info channel', async () => {
        const { ingest, store } = setup({ writableMask: [compileIdMask('*')] });
        store.addObject(`${NS}.info.connection`, {
            type: 'state',
            common: { type: 'boolean', write: false } as ioBroker.StateCommon,
        });
        store.addObject('other.0.info.connection', {
            type: 'state',
            common: { type: 'boolean', write: false } as ioBroker.StateCommon,
        });
        assert.equal((await ingest.handle('info/connection', buf('false'))).status, 'dropped');
        assert.equal((await ingest.handle('mqtt-gateway/0/info/connection', buf('false'))).status, 'dropped');
        assert.equal((await ingest.handle('other/0/info/connection', buf('false'))).status, 'dropped');
        assert.equal((await ingest.handle('info/newThing', buf('1'))).status, 'dropped');
        assert.equal(store.writes.length, 0);
        assert.equal(store.objects.has(`${NS}.info.newThing`), false);
    });

    it('treats a foreign-looking topic without an object as an own state', async () => {
        const { ingest } = setup();
        const result = await ingest.handle('shelly/0/relay', buf('on'));
        assert.equal(result.status === 'written' && result.id, `${NS}.shelly.0.relay`);
    });

    it('with ignoreNewObjects writes existing states only', async () => {
        const { store, ingest } = setup({ ignoreNewObjects: true });
        assert.deepEqual(await ingest.handle('new/topic', buf('1')), { status: 'ignored', reason: 'ignoreNewObjects' });
        store.addObject(`${NS}.known`, { type: 'state', common: { type: 'number' } as ioBroker.StateCommon });
        assert.equal((await ingest.handle('known', buf('2'))).status, 'written');
        assert.equal(store.objects.has(`${NS}.new.topic`), false);
    });

    it('drops topics longer than maxTopicLength with one warning', async () => {
        const { ingest, log, store } = setup({ maxTopicLength: 10 });
        assert.equal((await ingest.handle('abcdefghijk', buf('1'))).status, 'dropped');
        assert.equal((await ingest.handle('abcdefghijk', buf('1'))).status, 'dropped');
        assert.equal((await ingest.handle('abcdefghij', buf('1'))).status, 'written');
        assert.equal(log.lines.filter(l => l.level === 'warn').length, 1);
        assert.equal(store.writes.length, 1);
    });

    it('skips ignoredTopics, $-topics, wildcards and the namespace topic', async () => {
        const { ingest, store } = setup({ ignoredTopics: [compileTopicFilter('tele/+/LWT')] });
        for (const topic of ['tele/x/LWT', '$SYS/uptime', 'a/#', '', 'mqtt-gateway/0']) {
            assert.equal((await ingest.handle(topic, buf('1'))).status, 'ignored', topic);
        }
        assert.equal(store.writes.length, 0);
    });

    it('stores binaryTopics byte-exact as files', async () => {
        const { ingest, store } = setup({ binaryTopics: [compileTopicFilter('cam/+/jpg')] });
        const bytes = Buffer.from([0xff, 0xd8, 0x00, 0x01, 0xfe]);
        const result = await ingest.handle('cam/door/jpg', bytes);
        assert.equal(result.status === 'written' && result.val, `/files/${NS}/cam/door/jpg`);
        assert.ok(store.files.get(`${NS}/cam/door/jpg`)?.equals(bytes));
        const obj = store.objects.get(`${NS}.cam.door.jpg`);
        assert.equal(obj?.common.role, 'url');
        assert.equal(obj?.common.type, 'string');
        assert.equal(obj?.native.binary, true);
    });

    it('warns once about invalid UTF-8 and suggests binaryTopics', async () => {
        const { ingest, log } = setup();
        await ingest.handle('raw', Buffer.from([0xc3, 0x28]));
        await ingest.handle('raw', Buffer.from([0xc3, 0x28]));
        const warnings = log.lines.filter(l => l.level === 'warn');
        assert.equal(warnings.length, 1);
        assert.match(warnings[0]!.message, /binaryTopics/);
    });

    it('extraSet: <topic>/set is a command (ack=false) on <topic>', async () => {
        const { ingest, store } = setup({ extraSet: true });
        const result = await ingest.handle('light/set', buf('true'));
        assert.deepEqual(result, { status: 'written', id: `${NS}.light`, val: true, ack: false });
        assert.equal(store.objects.get(`${NS}.light`)?.native.topic, 'light');
    });

    it('takes ack from a state-object payload', async () => {
        const { ingest } = setup();
        const result = await ingest.handle('cmd', buf('{"val":1,"ack":false}'));
        assert.equal(result.status === 'written' && result.ack, false);
    });

    it('writes messages that arrive while the object is created afterwards, in order, creating once', async () => {
        const { ingest, store } = setup();
        store.slow = true;
        const results = await Promise.all(['1', '2', '3', '4'].map(v => ingest.handle('burst/x', buf(v))));
        assert.deepEqual(
            results.map(r => r.status),
            ['written', 'written', 'written', 'written'],
        );
        assert.deepEqual(
            store.writes.map(w => w.state.val),
            [1, 2, 3, 4],
        );
        assert.equal(store.states.get(`${NS}.burst.x`)?.val, 4);
    });

    it('uses the cache: no object reads once a topic is resolved', async () => {
        const { ingest, store } = setup();
        await ingest.handle('cached/t', buf('1'));
        const reads = store.objectReads;
        for (let i = 0; i < 10; i++) {
            await ingest.handle('cached/t', buf(String(i)));
        }
        assert.equal(store.objectReads, reads);
    });

    it('follows object changes: a deleted object is created again, a changed type is used', async () => {
        const { ingest, store } = setup();
        await ingest.handle('c/t', buf('1'));
        const id = `${NS}.c.t`;
        // the user changes the type to string
        store.objects.get(id)!.common.type = 'string';
        ingest.onObjectChange(id, store.objects.get(id));
        await ingest.handle('c/t', buf('007'));
        assert.equal(store.states.get(id)?.val, '007');
        // the user deletes the object
        store.objects.delete(id);
        ingest.onObjectChange(id, null);
        await ingest.handle('c/t', buf('12'));
        assert.equal(store.objects.get(id)?.common.type, 'number');
    });

    it('turns a folder it created into a state when the parent topic itself gets a value (zigbee2mqtt)', async () => {
        const { ingest, store } = setup();
        await ingest.handle('zigbee2mqtt/lamp/availability', buf('online'));
        assert.equal(store.objects.get(`${NS}.zigbee2mqtt.lamp`)?.type, 'folder');
        await ingest.handle('zigbee2mqtt/lamp', buf('{"state":"ON"}'));
        const lamp = store.objects.get(`${NS}.zigbee2mqtt.lamp`);
        assert.equal(lamp?.type, 'state');
        assert.equal(lamp?.common.type, 'json');
        assert.equal(store.states.get(`${NS}.zigbee2mqtt.lamp`)?.val, '{"state":"ON"}');
    });

    it('does not write into a channel or device the user created', async () => {
        const { ingest, store } = setup();
        store.addObject(`${NS}.dev`, { type: 'device', common: { name: 'dev' } as ioBroker.DeviceCommon });
        assert.equal((await ingest.handle('dev', buf('1'))).status, 'dropped');
    });

    it('tells the publisher about every value it writes (echo suppression)', async () => {
        const { ingest, echoes } = setup();
        await ingest.handle('e', buf('1'));
        assert.deepEqual(echoes, [{ id: `${NS}.e`, val: 1 }]);
    });

    it('reports a failing database as dropped and keeps going', async () => {
        const { ingest, store, log } = setup();
        store.setState = () => Promise.reject(new Error('db down'));
        const result = await ingest.handle('x', buf('1'));
        assert.equal(result.status, 'dropped');
        assert.ok(log.lines.some(l => l.level === 'warn' && l.message.includes('db down')));
    });
});

describe('Ingest backpressure (admit)', () => {
    const nextTurn = (): Promise<void> => new Promise(resolve => setImmediate(resolve));
    /** A store whose state writes wait until the test answers them, in order. */
    function holdingWrites(store: FakeStore): { answer(count: number, err?: Error): Promise<void>; waiting(): number } {
        const pending: { resolve: () => void; reject: (err: Error) => void }[] = [];
        store.setState = () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
        return {
            waiting: () => pending.length,
            async answer(count, err) {
                for (const p of pending.splice(0, count)) {
                    if (err) {
                        p.reject(err);
                    } else {
                        p.resolve();
                    }
                }
                await nextTurn();
            },
        };
    }

    it('lets messages in at once while fewer than `high` writes are in flight', async () => {
        const { ingest } = setup({}, { high: 3, low: 1, maxWaitMs: 60000 });
        await ingest.handle('a', buf('0')); // creates the state
        assert.equal(ingest.admit(), undefined);
        assert.equal(ingest.pendingWrites, 0);
    });

    it('holds the next messages at `high` writes in flight and lets them in, in order, at `low`', async () => {
        const { ingest, store } = setup({}, { high: 3, low: 1, maxWaitMs: 60000 });
        await ingest.handle('a', buf('0'));
        const db = holdingWrites(store);
        const writes = [1, 2, 3].map(i => ingest.handle('a', buf(String(i))));
        await nextTurn();
        assert.equal(ingest.pendingWrites, 3);
        const order: number[] = [];
        const first = ingest.admit();
        const second = ingest.admit();
        assert.ok(first && second, 'at the high mark the next message waits');
        void first.then(() => order.push(1));
        void second.then(() => order.push(2));
        await db.answer(1);
        assert.deepEqual(order, [], 'two writes left: above the low mark, still held');
        assert.ok(ingest.admit(), 'later messages queue behind the held ones even below the high mark');
        await db.answer(1);
        assert.deepEqual(order, [1, 2]);
        await db.answer(10);
        await Promise.all(writes);
        assert.equal(ingest.pendingWrites, 0);
        assert.equal(ingest.admit(), undefined);
    });

    it('counts a failed write as done (a database error does not hold messages back)', async () => {
        const { ingest, store } = setup({}, { high: 2, low: 0, maxWaitMs: 60000 });
        await ingest.handle('a', buf('0'));
        const db = holdingWrites(store);
        const writes = [1, 2].map(i => ingest.handle('a', buf(String(i))));
        await nextTurn();
        const held = ingest.admit();
        assert.ok(held);
        let admitted = false;
        void held.then(() => (admitted = true));
        await db.answer(2, new Error('db down'));
        assert.equal(admitted, true);
        assert.deepEqual(
            (await Promise.all(writes)).map(r => r.status),
            ['dropped', 'dropped'],
        );
    });

    it('counts a message to a new topic from the start (its object is created before the write)', async () => {
        const { ingest, store } = setup({}, { high: 1, low: 0, maxWaitMs: 60000 });
        let createObject: () => void = () => undefined;
        const created = new Promise<void>(resolve => (createObject = resolve));
        const original = store.createObjectIfMissing.bind(store);
        store.createObjectIfMissing = async (id, obj) => {
            await created;
            return original(id, obj);
        };
        const write = ingest.handle('new/topic', buf('1'));
        await nextTurn();
        assert.equal(ingest.pendingWrites, 1);
        assert.ok(ingest.admit(), 'held while the first message is still creating its object');
        createObject();
        assert.equal((await write).status, 'written');
        assert.equal(ingest.pendingWrites, 0);
    });

    /** high 1: one message whose write never finishes, and the next message held behind it. */
    async function oneHeld(maxWaitMs: number): Promise<{ ingest: Ingest; held: Promise<void> }> {
        const { ingest, store } = setup({}, { high: 1, low: 0, maxWaitMs });
        await ingest.handle('a', buf('0'));
        holdingWrites(store);
        void ingest.handle('a', buf('1'));
        await nextTurn();
        const held = ingest.admit();
        assert.ok(held);
        return { ingest, held };
    }

    it('close() lets every held message in and holds none afterwards (the instance stops)', async () => {
        const { ingest, held } = await oneHeld(60000);
        ingest.close();
        await held;
        assert.equal(ingest.admit(), undefined, 'nothing is held while stopping, even with writes in flight');
        assert.equal(ingest.pendingWrites, 1);
    });

    it('lets held messages in after maxWaitMs even when the database never answers', async () => {
        const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
        try {
            const { held } = await oneHeld(50);
            const t0 = Date.now();
            let admitted = false;
            void held.then(() => (admitted = true));
            await clock.tickAsync(49);
            assert.equal(admitted, false, 'still held 1 ms before the time limit');
            await clock.tickAsync(1);
            await held;
            assert.ok(Date.now() - t0 >= 40, 'held until the time limit');
            assert.equal(admitted, true);
        } finally {
            clock.restore();
        }
    });
});

describe('Ingest: MQTT 5 content type JSON', () => {
    it('a JSON string without its quotes; an object as JSON text; jsonTopics expand as without it', async () => {
        const { ingest, store } = setup({ jsonTopics: [compileTopicFilter('z2m/+')] });
        await ingest.handle('dev/mode', buf('"ON"'), 'application/json');
        assert.equal(store.states.get(`${NS}.dev.mode`)?.val, 'ON');
        await ingest.handle('dev/config', buf('{"a":1}'), 'application/json; charset=utf-8');
        assert.equal(store.states.get(`${NS}.dev.config`)?.val, '{"a":1}');
        assert.equal(store.objects.get(`${NS}.dev.config`)?.common.type, 'json');
        await ingest.handle('dev/plain', buf('"ON"'));
        assert.equal(store.states.get(`${NS}.dev.plain`)?.val, '"ON"', 'without the content type: the text as it is');
        await ingest.handle('z2m/lamp', buf('{"state":"ON","brightness":3}'), 'application/json');
        assert.equal(store.states.get(`${NS}.z2m.lamp.brightness`)?.val, 3);
    });

    it('content type JSON with a payload that is not JSON: one warning per topic, written as a plain payload', async () => {
        const { ingest, store, log } = setup();
        await ingest.handle('dev/state', buf('ON'), 'application/json');
        await ingest.handle('dev/state', buf('OFF'), 'application/json');
        assert.equal(store.states.get(`${NS}.dev.state`)?.val, 'OFF');
        const warnings = log.lines.filter(l => l.level === 'warn').map(l => l.message);
        assert.deepEqual(warnings, [
            "Payload on 'dev/state' has content type 'application/json' but is not valid JSON: written as a plain payload",
        ]);
        await ingest.handle('dev/other', buf('ON'), 'text/plain');
        assert.equal(log.lines.filter(l => l.level === 'warn').length, 1, 'other content types are not checked');
    });
});
