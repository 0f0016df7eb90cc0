import assert from 'node:assert/strict';
import sinon from 'sinon';
import { compileIdMask } from '../../src/mapping/filter';
import { Publisher, type OutgoingMessage, type PublisherOptions } from '../../src/publisher';
import { FakeStore, memoryLogger } from '../lib/fakeStore';
import { NS, publisherOptions } from '../lib/pipelines';

function state(val: ioBroker.StateValue, ack = false, ts = 1000): ioBroker.State {
    return { val, ack, ts, lc: ts, q: 0, from: 'system.adapter.test.0' };
}

function setup(
    overrides: Partial<PublisherOptions> = {},
    now?: () => number,
): { store: FakeStore; sent: OutgoingMessage[]; publisher: Publisher } {
    const store = new FakeStore();
    const sent: OutgoingMessage[] = [];
    const publisher = new Publisher(
        publisherOptions({ publish: [compileIdMask(`${NS}.*`), compileIdMask('javascript.0.*')], ...overrides }),
        store,
        m => sent.push(m),
        memoryLogger(),
        now,
    );
    return { store, sent, publisher };
}

/** Lets queued microtasks (first-time object reads) run. */
async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
        await Promise.resolve();
    }
    await new Promise(resolve => setImmediate(resolve));
}

describe('Publisher', () => {
    it('publishes a command (ack=false) with topic, payload and QoS, not retained (SPEC §8)', async () => {
        const { publisher, sent } = setup();
        await publisher.start();
        publisher.onStateChange(`${NS}.kitchen.light`, state(true));
        await settle();
        assert.deepEqual(sent, [
            { id: `${NS}.kitchen.light`, topic: 'kitchen/light', payload: 'true', qos: 1, retain: false },
        ]);
    });

    it('retain: statuses follow `retain`, commands only `retainCommands`', async () => {
        const rows = [
            { retain: true, retainCommands: false, expected: [false, true] },
            { retain: false, retainCommands: false, expected: [false, false] },
            { retain: false, retainCommands: true, expected: [true, false] },
            { retain: true, retainCommands: true, expected: [true, true] },
        ];
        for (const row of rows) {
            const { publisher, sent } = setup({
                retain: row.retain,
                retainCommands: row.retainCommands,
                sendAckToo: true,
            });
            await publisher.start();
            publisher.onStateChange(`${NS}.plug.power`, state('OFF', false));
            publisher.onStateChange(`${NS}.plug.power`, state('OFF', true));
            await settle();
            assert.deepEqual(
                sent.map(m => m.retain),
                row.expected,
                JSON.stringify(row),
            );
        }
    });

    it('publishes foreign ids with their namespace as topic levels', async () => {
        const { publisher, sent } = setup();
        await publisher.start();
        publisher.onStateChange('javascript.0.x', state(5));
        await settle();
        assert.equal(sent[0]?.topic, 'javascript/0/x');
        assert.equal(sent[0]?.payload, '5');
    });

    it('does not publish ack=true unless sendAckToo', async () => {
        const off = setup();
        await off.publisher.start();
        off.publisher.onStateChange(`${NS}.s`, state(1, true));
        await settle();
        assert.equal(off.sent.length, 0);

        const on = setup({ sendAckToo: true });
        await on.publisher.start();
        on.publisher.onStateChange(`${NS}.s`, state(1, true));
        await settle();
        assert.equal(on.sent.length, 1);
    });

    it('onchange: every command is sent, also the same again; an unchanged status is not (SPEC §8)', async () => {
        const { publisher, sent } = setup({ sendAckToo: true });
        await publisher.start();
        const id = `${NS}.s`;
        publisher.onStateChange(id, state(1, false, 1));
        publisher.onStateChange(id, state(1, false, 2));
        publisher.onStateChange(id, state(1, true, 3));
        publisher.onStateChange(id, state(1, true, 4));
        publisher.onStateChange(id, state(2, true, 5));
        await settle();
        assert.deepEqual(
            sent.map(m => `${String(m.payload)}/${sent.indexOf(m)}`),
            ['1/0', '1/1', '1/2', '2/3'],
        );
    });

    it('100 identical commands from a script give 100 messages', async () => {
        const { publisher, sent } = setup();
        await publisher.start();
        for (let i = 0; i < 100; i++) {
            publisher.onStateChange(`${NS}.cmnd.plug1.POWER`, state('OFF', false, 10 + i));
        }
        await settle();
        assert.equal(sent.length, 100);
    });

    it('keepValues false: loads no values at start; onchange learns each value at its first update, which is sent', async () => {
        const { publisher, sent, store } = setup({ sendAckToo: true, keepValues: false });
        const read = sinon.spy(store, 'getStates');
        await store.setState(`${NS}.known`, { val: 5, ack: true });
        await publisher.start();
        assert.equal(read.callCount, 0, 'no states read at start');
        const id = `${NS}.s`;
        // first update seen after the start: sent, even with the same value as before the start (lc older than ts:
        // lc follows the value only, so an ack confirmation would look unchanged)
        publisher.onStateChange(id, { val: 1, ack: true, ts: 11, lc: 2, q: 0, from: 'system.adapter.test.0' });
        // the same value and ack again: known now → not sent
        publisher.onStateChange(id, { val: 1, ack: true, ts: 12, lc: 2, q: 0, from: 'system.adapter.test.0' });
        // a changed ack → sent
        publisher.onStateChange(id, { val: 1, ack: false, ts: 13, lc: 2, q: 0, from: 'system.adapter.test.0' });
        await settle();
        assert.deepEqual(
            sent.map(m => `${m.topic}=${String(m.payload)}`),
            ['s=1', 's=1'],
        );
    });

    it('keepValues (default): the values are loaded at start, so an unchanged first update is not sent', async () => {
        const { publisher, sent, store } = setup({ sendAckToo: true });
        await store.setState(`${NS}.known`, { val: 5, ack: true });
        await publisher.start();
        publisher.onStateChange(`${NS}.known`, {
            val: 5,
            ack: true,
            ts: 50,
            lc: 1,
            q: 0,
            from: 'system.adapter.test.0',
        });
        await settle();
        assert.deepEqual(sent, []);
    });

    it('without onchange every update is sent', async () => {
        const { publisher, sent } = setup({ onchange: false });
        await publisher.start();
        publisher.onStateChange(`${NS}.s`, state(1, false, 1));
        publisher.onStateChange(`${NS}.s`, state(1, false, 2));
        await settle();
        assert.equal(sent.length, 2);
    });

    it('never publishes messagebox, own info.* states or ids outside the masks', async () => {
        const { publisher, sent } = setup({ sendAckToo: true });
        await publisher.start();
        publisher.onStateChange(`${NS}.messagebox`, state('x'));
        publisher.onStateChange(`${NS}.info.connection`, state(true, true));
        publisher.onStateChange('hm-rpc.0.x', state(1));
        await settle();
        assert.equal(sent.length, 0);
    });

    it('does not echo a value it just wrote from MQTT, but does after the window', async () => {
        let now = 10000;
        const { publisher, sent } = setup({}, () => now);
        await publisher.start();
        const id = `${NS}.cmd`;
        const ours = (val: string): ioBroker.State => ({ ...state(val), from: `system.adapter.${NS}` });
        publisher.noteFromMqtt(id, 'on');
        publisher.onStateChange(id, ours('on'));
        await settle();
        assert.equal(sent.length, 0, 'echo suppressed');
        publisher.noteFromMqtt(id, 'off');
        now += 2001;
        publisher.onStateChange(id, ours('off'));
        await settle();
        assert.equal(sent.length, 1, 'outside noEchoInterval it is a new change');
        publisher.noteFromMqtt(id, 'a');
        publisher.onStateChange(id, ours('b'));
        await settle();
        assert.equal(sent.length, 2, 'a different value is not an echo');
        // regression: a script's change with the same value, arriving while our write is pending, is a command
        publisher.noteFromMqtt(id, 'x');
        publisher.onStateChange(id, state('x'));
        await settle();
        assert.equal(sent.length, 3, "someone else's change is never an echo");
    });

    it('extraSet: commands go to <topic>/set, statuses to <topic>', async () => {
        const { publisher, sent } = setup({ extraSet: true, sendAckToo: true });
        await publisher.start();
        publisher.onStateChange(`${NS}.l`, state(true, false));
        publisher.onStateChange(`${NS}.l`, state(true, true));
        await settle();
        assert.deepEqual(
            sent.map(m => m.topic),
            ['l/set', 'l'],
        );
    });

    it('uses native.topic, prefix, removePrefix and sendStateObject', async () => {
        const a = setup({ prefix: 'iob/' });
        a.store.addObject(`${NS}.te_s_t4`, {
            type: 'state',
            common: { type: 'string' } as ioBroker.StateCommon,
            native: { topic: 'te s t4' },
        });
        await a.publisher.start();
        a.publisher.onStateChange(`${NS}.te_s_t4`, state('x'));
        a.publisher.onStateChange(`${NS}.plain`, state('y'));
        await settle();
        assert.deepEqual(
            a.sent.map(m => m.topic),
            ['te s t4', 'iob/plain'],
        );

        const b = setup({ removePrefix: 'javascript.0.', sendStateObject: true });
        await b.publisher.start();
        b.publisher.onStateChange('javascript.0.x.y', state(3, false, 77));
        await settle();
        assert.equal(b.sent[0]?.topic, 'x/y');
        assert.deepEqual(JSON.parse(String(b.sent[0]?.payload)), { val: 3, ack: false, ts: 77, q: 0, lc: 77 });
    });

    it('MQTT 5 properties: content type application/json and UTF-8 for JSON objects and arrays only', async () => {
        const JSON_PROPS = { contentType: 'application/json', payloadFormatIndicator: true };
        const a = setup();
        for (const [id, type] of [
            ['cfg', 'json'],
            ['list', 'array'],
            ['text', 'string'],
            ['broken', 'json'],
            ['num', 'json'],
        ] as const) {
            a.store.addObject(`${NS}.${id}`, { type: 'state', common: { type } as ioBroker.StateCommon, native: {} });
        }
        await a.publisher.start();
        a.publisher.onStateChange(`${NS}.cfg`, state('{"a":1}'));
        a.publisher.onStateChange(`${NS}.list`, state(' [1,2]'));
        a.publisher.onStateChange(`${NS}.text`, state('{"looks":"like JSON"}'));
        a.publisher.onStateChange(`${NS}.broken`, state('{"a":'));
        a.publisher.onStateChange(`${NS}.num`, state(5));
        a.publisher.onStateChange(`${NS}.cfg`, null);
        await settle();
        assert.deepEqual(
            a.sent.map(m => [m.topic, m.properties]),
            [
                ['cfg', JSON_PROPS],
                ['list', JSON_PROPS],
                ['text', undefined], // a string state's text is text, whatever it looks like
                ['broken', undefined], // not JSON although the type says so
                ['num', undefined],
                ['cfg', undefined], // deleted: empty payload
            ],
        );
        const b = setup({ sendStateObject: true });
        await b.publisher.start();
        b.publisher.onStateChange(`${NS}.x`, state(3));
        await settle();
        assert.deepEqual(b.sent[0]?.properties, JSON_PROPS, 'sendStateObject: the state as JSON');
    });

    it('a deleted state is published with an empty payload', async () => {
        const { publisher, sent } = setup();
        await publisher.start();
        publisher.onStateChange(`${NS}.gone`, null);
        await settle();
        assert.equal(sent[0]?.payload, '');
    });

    it('reads a foreign object once for its topic and keeps the order of changes meanwhile', async () => {
        const { publisher, sent, store } = setup({ onchange: false });
        store.slow = true;
        store.addObject('javascript.0.dev', {
            type: 'state',
            common: {} as ioBroker.StateCommon,
            native: { topic: 'custom/dev' },
        });
        await publisher.start();
        const reads = store.objectReads;
        for (let i = 0; i < 5; i++) {
            publisher.onStateChange('javascript.0.dev', state(i));
        }
        for (let i = 0; i < 10 && sent.length < 5; i++) {
            await settle();
        }
        assert.deepEqual(
            sent.map(m => m.payload),
            ['0', '1', '2', '3', '4'],
        );
        assert.ok(sent.every(m => m.topic === 'custom/dev'));
        assert.equal(store.objectReads - reads, 1);
    });

    it('publishes a binary state as the bytes of its file', async () => {
        const { publisher, sent, store } = setup();
        const bytes = Buffer.from([0, 1, 2, 255]);
        store.files.set(`${NS}/cam/x`, bytes);
        store.addObject(`${NS}.cam.x`, {
            type: 'state',
            common: {} as ioBroker.StateCommon,
            native: { topic: 'cam/x', binary: true },
        });
        await publisher.start();
        publisher.onStateChange(`${NS}.cam.x`, state(`/files/${NS}/cam/x`));
        await settle();
        assert.ok(Buffer.isBuffer(sent[0]?.payload) && sent[0].payload.equals(bytes));
    });

    it('offers (publishOnSubscribe) a status only with sendAckToo, a command only with retainCommands, never a value from MQTT', async () => {
        const ours = `system.adapter.${NS}`;
        const rows = [
            { sendAckToo: false, retainCommands: false, expected: [] },
            { sendAckToo: true, retainCommands: false, expected: ['status'] },
            { sendAckToo: false, retainCommands: true, expected: ['command'] },
            { sendAckToo: true, retainCommands: true, expected: ['command', 'status'] },
        ];
        for (const row of rows) {
            const { publisher, store } = setup(row);
            store.states.set(`${NS}.command`, state('c', false));
            store.states.set(`${NS}.status`, state('s', true));
            store.states.set(`${NS}.mqttStatus`, { ...state('m', true), from: ours });
            store.states.set(`${NS}.mqttCommand`, { ...state('m', false), from: ours });
            await publisher.start();
            const offered = await publisher.currentMessages(() => true);
            assert.deepEqual(offered.map(m => m.topic).sort(), row.expected, JSON.stringify(row));
            for (const topic of ['command', 'status', 'mqttStatus', 'mqttCommand']) {
                assert.equal(
                    (await publisher.currentMessagesForTopic(topic)).length,
                    row.expected.includes(topic) ? 1 : 0,
                    `${topic} ${JSON.stringify(row)}`,
                );
            }
        }
    });

    it('loads current values at start with one read per mask and subscribes the masks', async () => {
        const { publisher, store } = setup({ sendAckToo: true, retainCommands: true });
        store.states.set(`${NS}.a`, state(1));
        store.states.set('javascript.0.b', state(2, true));
        store.states.set('other.0.c', state(3));
        await publisher.start();
        assert.deepEqual(store.subscribedStates, [`${NS}.*`, 'javascript.0.*']);
        const messages = await publisher.currentMessages(() => true);
        assert.deepEqual(messages.map(m => [m.topic, m.payload]).sort(), [
            ['a', '1'],
            ['javascript/0/b', '2'],
        ]);
        const filtered = await publisher.currentMessages(topic => topic.startsWith('javascript/'));
        assert.equal(filtered.length, 1);
    });

    describe('publishOnSubscribe of an exact topic: a lookup finds what a pass over every state finds', () => {
        const configs: { name: string; options: Partial<PublisherOptions> }[] = [
            { name: 'defaults', options: {} },
            { name: 'extraSet', options: { extraSet: true } },
            { name: 'prefix', options: { prefix: 'iob/' } },
            { name: 'removePrefix', options: { removePrefix: 'javascript.0' } },
            { name: 'dotToUnderscore', options: { dotToUnderscore: true } },
        ];
        for (const config of configs) {
            it(config.name, async () => {
                const { publisher, store } = setup({ ...config.options, sendAckToo: true, retainCommands: true });
                store.states.set(`${NS}.a.b`, state(1));
                store.states.set(`${NS}.cmd`, state('ON', false));
                store.states.set(`${NS}.status`, state('OFF', true));
                store.states.set(`${NS}.te_s_t4`, state(4));
                store.addObject(`${NS}.te_s_t4`, {
                    type: 'state',
                    common: {} as ioBroker.StateCommon,
                    native: { topic: 'te s t4' },
                });
                store.states.set(`${NS}.custom`, state(5));
                store.addObject(`${NS}.custom`, {
                    type: 'state',
                    common: {} as ioBroker.StateCommon,
                    native: { topic: 'somewhere/else' },
                });
                store.states.set(`${NS}.lamp.brightness`, state(50, false));
                store.addObject(`${NS}.lamp.brightness`, {
                    type: 'state',
                    common: {} as ioBroker.StateCommon,
                    native: { jsonParent: 'lamp', jsonKeys: ['brightness'] },
                });
                store.states.set('javascript.0.x.y', state(6));
                await publisher.start();
                publisher.onStateChange('javascript.0.late', state(7));
                await settle();
                const all = await publisher.currentMessages(() => true);
                assert.ok(all.length >= 7, `${all.length} messages`);
                for (const message of all) {
                    const found = await publisher.currentMessagesForTopic(message.topic);
                    const scanned = all.filter(m => m.topic === message.topic);
                    assert.deepEqual(
                        found.map(m => m.id).sort(),
                        scanned.map(m => m.id).sort(),
                        `topic '${message.topic}'`,
                    );
                }
                assert.deepEqual(await publisher.currentMessagesForTopic('no/such/topic'), []);
                publisher.onStateChange(`${NS}.custom`, null);
                assert.deepEqual(await publisher.currentMessagesForTopic('somewhere/else'), [], 'a deleted state');
            });
        }
    });

    it('client mode: own states are published even outside the masks', async () => {
        const { publisher, sent, store } = setup({
            publish: [compileIdMask('javascript.0.*')],
            includeOwnStates: true,
        });
        await publisher.start();
        assert.ok(store.subscribedStates.includes(`${NS}.*`));
        publisher.onStateChange(`${NS}.x`, state(1));
        await settle();
        assert.equal(sent.length, 1);
    });

    describe('publishAllOnStart pacing (fake timers)', () => {
        let clock: sinon.SinonFakeTimers;
        beforeEach(() => {
            clock = sinon.useFakeTimers();
        });
        afterEach(() => clock.restore());

        it('waits sendOnStartInterval, then sends one message every sendInterval, skipping ack=true', async () => {
            const { publisher, sent, store } = setup({ retainCommands: true });
            for (let i = 0; i < 5; i++) {
                store.states.set(`${NS}.s${i}`, state(i, i === 2));
            }
            await publisher.start();
            publisher.publishAll();
            await clock.tickAsync(1999);
            assert.equal(sent.length, 0);
            await clock.tickAsync(1);
            assert.equal(sent.length, 1);
            await clock.tickAsync(10);
            assert.equal(sent.length, 2);
            await clock.tickAsync(100);
            assert.deepEqual(
                sent.map(m => m.payload),
                ['0', '1', '3', '4'],
            );
        });

        it('sends ack=true values too with sendAckToo, and a new run cancels the old one', async () => {
            for (const onchange of [true, false]) {
                const { publisher, sent, store } = setup({ sendAckToo: true, onchange });
                for (let i = 0; i < 3; i++) {
                    store.states.set(`${NS}.s${i}`, state(i, true));
                }
                await publisher.start();
                publisher.publishAll();
                await clock.tickAsync(2000);
                assert.equal(sent.length, 1);
                publisher.publishAll(); // reconnect
                await clock.tickAsync(5000);
                // with onchange, the value already sent and unchanged since is not sent again (SPEC §8)
                assert.equal(sent.length, onchange ? 1 + 2 : 1 + 3, `onchange ${onchange}`);
            }
        });

        it('sends commands only with retainCommands, and never values that came from MQTT', async () => {
            for (const retainCommands of [false, true]) {
                const { publisher, sent, store } = setup({ sendAckToo: true, retainCommands });
                store.states.set(`${NS}.cmd`, state('ON', false));
                store.states.set(`${NS}.status`, state('OFF', true));
                store.states.set(`${NS}.fromDevice`, { ...state('X', true), from: `system.adapter.${NS}` });
                await publisher.start();
                publisher.publishAll();
                await clock.tickAsync(3000);
                assert.deepEqual(sent.map(m => m.topic).sort(), retainCommands ? ['cmd', 'status'] : ['status']);
            }
        });

        it('with sendInterval 0 sends in batches without waiting', async () => {
            const { publisher, sent, store } = setup({
                sendIntervalMs: 0,
                sendOnStartIntervalMs: 0,
                retainCommands: true,
            });
            for (let i = 0; i < 250; i++) {
                store.states.set(`${NS}.s${i}`, state(i));
            }
            await publisher.start();
            publisher.publishAll();
            // each batch is its own timer callback, so other work runs in between
            await clock.nextAsync();
            assert.equal(sent.length, 100);
            await clock.nextAsync();
            assert.equal(sent.length, 200);
            await clock.nextAsync();
            assert.equal(sent.length, 250);
            assert.equal(clock.countTimers(), 0);
        });

        it('stop() cancels a pending run', async () => {
            const { publisher, sent, store } = setup({ retainCommands: true });
            store.states.set(`${NS}.s`, state(1));
            await publisher.start();
            publisher.publishAll();
            publisher.stop();
            await clock.tickAsync(10000);
            assert.equal(sent.length, 0);
        });
    });
});

describe('Publisher: what publishOnSubscribe offers and what a retained copy must be', () => {
    const ours = `system.adapter.${NS}`;

    /** Own states of every kind the decisions tell apart, loaded by start(). */
    async function loaded(overrides: Partial<PublisherOptions>): Promise<{ publisher: Publisher; store: FakeStore }> {
        const { publisher, store } = setup(overrides);
        store.states.set(`${NS}.status`, state('OFF', true));
        store.states.set(`${NS}.cmd`, state('ON', false));
        store.states.set(`${NS}.device`, { ...state('42', true), from: ours }); // the value came from MQTT
        store.states.set(`${NS}.cam`, state(`/files/${NS}/cam`));
        store.addObject(`${NS}.cam`, {
            type: 'state',
            common: {} as ioBroker.StateCommon,
            native: { binary: true },
        });
        store.states.set(`${NS}.lamp.on`, state(true, false));
        store.addObject(`${NS}.lamp.on`, {
            type: 'state',
            common: {} as ioBroker.StateCommon,
            native: { jsonParent: 'lamp', jsonKeys: ['on'] },
        });
        await publisher.start();
        return { publisher, store };
    }

    const message = (id: string, topic: string, payload: string, retain: boolean): OutgoingMessage => ({
        id: `${NS}.${id}`,
        topic,
        payload,
        qos: 1,
        retain,
    });

    const rows: {
        name: string;
        options: Partial<PublisherOptions>;
        topic: string;
        expected: ReturnType<Publisher['retainedWanted']>;
    }[] = [
        {
            name: 'a retained status with sendAckToo: the current value',
            options: { sendAckToo: true, retain: true },
            topic: 'status',
            expected: { owned: true, message: message('status', 'status', 'OFF', true) },
        },
        {
            name: 'a status without sendAckToo: owned, no copy',
            options: { sendAckToo: false, retain: true },
            topic: 'status',
            expected: { owned: true },
        },
        {
            name: 'a status with retain off: owned, no copy',
            options: { sendAckToo: true, retain: false },
            topic: 'status',
            expected: { owned: true },
        },
        {
            name: 'a command without retainCommands: owned, no copy',
            options: { sendAckToo: true },
            topic: 'cmd',
            expected: { owned: true },
        },
        {
            name: 'a command with retainCommands: the current value',
            options: { retainCommands: true },
            topic: 'cmd',
            expected: { owned: true, message: message('cmd', 'cmd', 'ON', true) },
        },
        {
            name: "extraSet: a status's command topic is owned, the copy belongs on the status topic",
            options: { sendAckToo: true, extraSet: true },
            topic: 'status/set',
            expected: { owned: true },
        },
        {
            name: 'a value that came from MQTT: the device owns the topic',
            options: { sendAckToo: true, retainCommands: true },
            topic: 'device',
            expected: { owned: false },
        },
        {
            name: 'a binary state: not judged',
            options: { sendAckToo: true, retainCommands: true },
            topic: 'cam',
            expected: { owned: false },
        },
        {
            name: "a JSON field's parent command topic: not judged",
            options: { sendAckToo: true, retainCommands: true },
            topic: 'lamp/set',
            expected: { owned: false },
        },
        {
            name: 'a topic no published state maps to',
            options: { sendAckToo: true, retainCommands: true },
            topic: 'somebody/else',
            expected: { owned: false },
        },
    ];
    for (const row of rows) {
        it(`retainedWanted: ${row.name}`, async () => {
            const { publisher } = await loaded(row.options);
            assert.deepEqual(publisher.retainedWanted(row.topic), row.expected);
        });
    }

    it('currentMessages: exactly the offered states as messages, following later changes and deletions', async () => {
        const { publisher } = await loaded({ sendAckToo: true, retainCommands: true });
        const topics: string[] = [];
        const all = await publisher.currentMessages(topic => (topics.push(topic), true));
        assert.deepEqual(
            all.sort((a, b) => a.topic.localeCompare(b.topic)),
            [
                message('cmd', 'cmd', 'ON', true),
                {
                    ...message('lamp.on', 'lamp/set', '{"on":true}', false),
                    // a JSON payload says so to MQTT 5 subscribers
                    properties: { contentType: 'application/json', payloadFormatIndicator: true },
                },
                message('status', 'status', 'OFF', true),
            ],
            'the binary state has no file: nothing; the value from MQTT is never offered',
        );
        assert.deepEqual(topics.sort(), ['cmd', 'lamp/set', 'status'], 'asked once per built message');

        publisher.onStateChange(`${NS}.status`, state('ON', true, 2000));
        publisher.onStateChange(`${NS}.cmd`, null);
        publisher.onStateChange(`${NS}.status2`, { ...state('x', true), from: ours }); // arrives from MQTT
        await settle();
        assert.deepEqual(await publisher.currentMessages(topic => topic.startsWith('s')), [
            message('status', 'status', 'ON', true),
        ]);
        assert.deepEqual(await publisher.currentMessagesForTopic('status'), [message('status', 'status', 'ON', true)]);
        assert.deepEqual(await publisher.currentMessagesForTopic('cmd'), [], 'a deleted state is not offered');
        assert.deepEqual(await publisher.currentMessagesForTopic('status2'), [], 'nor a value from MQTT');
    });

    it('currentMessages: a pass over many states lets other work run in between (every 1,000 states)', async () => {
        const { publisher, store } = setup({ retainCommands: true });
        for (let i = 0; i < 2500; i++) {
            store.states.set(`${NS}.s${i}`, state(i));
        }
        await publisher.start();
        let otherWorkRan = false;
        setImmediate(() => (otherWorkRan = true));
        const messages = await publisher.currentMessages(() => true);
        assert.equal(messages.length, 2500);
        assert.equal(otherWorkRan, true);
    });
});
