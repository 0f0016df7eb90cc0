/**
 * The one write path of Ingest, plain and JSON messages side by side: the exact store calls of each case, the
 * results, the log lines. A plain message is a one-row batch, so both kinds go through the same steps.
 */
import assert from 'node:assert/strict';
import { compileIdMask, compileTopicFilter } from '../../src/mapping/filter';
import type { Store } from '../../src/iobroker/store';
import { ingestSetup, NS } from '../lib/pipelines';
import type { FakeStore } from '../lib/fakeStore';

const buf = (s: string): Buffer => Buffer.from(s);

/** Records every store call as `method id` (the calls that read or change objects and states). */
function traceCalls(store: FakeStore): string[] {
    const calls: string[] = [];
    const methods: (keyof Store)[] = [
        'getObject',
        'createObjectIfMissing',
        'setObject',
        'extendObject',
        'deleteObject',
        'setState',
        'writeFile',
        'getStates',
        'subscribeObjects',
    ];
    for (const method of methods) {
        const original = (store[method] as (...args: unknown[]) => Promise<unknown>).bind(store);
        (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
            calls.push(`${method} ${String(args[0])}`);
            return original(...args);
        };
    }
    return calls;
}

const JSON_TOPICS = { jsonTopics: [compileTopicFilter('z/+')] };

describe('Ingest: one write path (store calls per case)', () => {
    const cases: {
        name: string;
        options?: Parameters<typeof ingestSetup>[0];
        /** Objects that exist before. */
        given?: [string, Partial<ioBroker.Object> & { type: ioBroker.ObjectType }][];
        /** Messages handled before the traced one. */
        before?: [string, string][];
        message: [string, string];
        result: unknown;
        calls: string[];
    }[] = [
        {
            name: 'plain, new topic: folders, state, re-read, write',
            message: ['a/b', '1'],
            result: { status: 'written', id: `${NS}.a.b`, val: 1, ack: true },
            calls: [
                `getObject ${NS}.a.b`,
                `createObjectIfMissing ${NS}.a`,
                `getObject ${NS}.a.b`,
                `createObjectIfMissing ${NS}.a.b`,
                `getObject ${NS}.a.b`,
                `setState ${NS}.a.b`,
            ],
        },
        {
            name: 'plain, cached topic: only the write',
            before: [['a/b', '1']],
            message: ['a/b', '2'],
            result: { status: 'written', id: `${NS}.a.b`, val: 2, ack: true },
            calls: [`setState ${NS}.a.b`],
        },
        {
            name: 'plain, a number state gets text: mixed, then the write',
            before: [['a/b', '1']],
            message: ['a/b', 'off'],
            result: { status: 'written', id: `${NS}.a.b`, val: 'off', ack: true },
            calls: [`extendObject ${NS}.a.b`, `setState ${NS}.a.b`],
        },
        {
            name: 'plain, a folder it created becomes the state',
            before: [['a/b', '1']],
            message: ['a', '2'],
            result: { status: 'written', id: `${NS}.a`, val: 2, ack: true },
            calls: [
                `getObject ${NS}.a`,
                `getObject ${NS}.a`,
                `setObject ${NS}.a`,
                `getObject ${NS}.a`,
                `setState ${NS}.a`,
            ],
        },
        {
            name: 'plain, foreign state: read (and watched), written with ack=false',
            options: { writableMask: [compileIdMask('other.0.*')] },
            given: [['other.0.s', { type: 'state', common: { type: 'number' } as ioBroker.StateCommon }]],
            message: ['other/0/s', '3'],
            result: { status: 'written', id: 'other.0.s', val: 3, ack: false },
            calls: ['getObject other.0.s', 'subscribeObjects other.0.s', 'setState other.0.s'],
        },
        {
            name: 'plain, read-only own state: dropped after one read',
            given: [[`${NS}.ro`, { type: 'state', common: { type: 'number', write: false } as ioBroker.StateCommon }]],
            message: ['ro', '1'],
            result: { status: 'dropped', reason: 'read-only' },
            calls: [`getObject ${NS}.ro`],
        },
        {
            name: 'plain, into the own info channel: dropped after one read',
            message: ['info/x', '1'],
            result: { status: 'dropped', reason: 'read-only' },
            calls: [`getObject ${NS}.info.x`],
        },
        {
            name: 'JSON, new topic: parents, channel, field states, writes',
            options: JSON_TOPICS,
            message: ['z/lamp', '{"on":true,"c":{"x":1}}'],
            result: { status: 'written', id: `${NS}.z.lamp`, val: null, ack: true },
            calls: [
                `createObjectIfMissing ${NS}.z`,
                `getObject ${NS}.z.lamp`,
                `setObject ${NS}.z.lamp`,
                `getObject ${NS}.z.lamp.on`,
                `createObjectIfMissing ${NS}.z.lamp.on`,
                `setState ${NS}.z.lamp.on`,
                `getObject ${NS}.z.lamp.c.x`,
                `getObject ${NS}.z.lamp.c`,
                `setObject ${NS}.z.lamp.c`,
                `createObjectIfMissing ${NS}.z.lamp.c.x`,
                `setState ${NS}.z.lamp.c.x`,
            ],
        },
        {
            name: 'JSON, known fields: only the writes',
            options: JSON_TOPICS,
            before: [['z/lamp', '{"on":true,"c":{"x":1}}']],
            message: ['z/lamp', '{"on":false,"c":{"x":2}}'],
            result: { status: 'written', id: `${NS}.z.lamp`, val: null, ack: true },
            calls: [`setState ${NS}.z.lamp.on`, `setState ${NS}.z.lamp.c.x`],
        },
        {
            name: 'JSON, a number field gets text: mixed, then the write',
            options: JSON_TOPICS,
            before: [['z/lamp', '{"n":1}']],
            message: ['z/lamp', '{"n":"high"}'],
            result: { status: 'written', id: `${NS}.z.lamp`, val: null, ack: true },
            calls: [`extendObject ${NS}.z.lamp.n`, `setState ${NS}.z.lamp.n`],
        },
        {
            name: 'JSON, a read-only field is skipped (read each time), the others written',
            options: JSON_TOPICS,
            given: [
                [`${NS}.z`, { type: 'folder', native: { autoCreated: true } }],
                [`${NS}.z.lamp`, { type: 'channel', native: { autoCreated: true } }],
                [
                    `${NS}.z.lamp.ro`,
                    { type: 'state', common: { type: 'number', write: false } as ioBroker.StateCommon },
                ],
                [`${NS}.z.lamp.n`, { type: 'state', common: { type: 'number' } as ioBroker.StateCommon }],
            ],
            message: ['z/lamp', '{"ro":1,"n":2}'],
            result: { status: 'written', id: `${NS}.z.lamp`, val: null, ack: true },
            calls: [
                `createObjectIfMissing ${NS}.z`,
                `getObject ${NS}.z.lamp`,
                `getObject ${NS}.z.lamp.ro`,
                `getObject ${NS}.z.lamp.n`,
                `setState ${NS}.z.lamp.n`,
            ],
        },
        {
            name: 'JSON, the state of a mirrored topic becomes its channel',
            options: JSON_TOPICS,
            given: [
                [`${NS}.z`, { type: 'folder', native: { autoCreated: true } }],
                [
                    `${NS}.z.lamp`,
                    { type: 'state', common: { type: 'string' } as ioBroker.StateCommon, native: { topic: 'z/lamp' } },
                ],
            ],
            message: ['z/lamp', '{"n":2}'],
            result: { status: 'written', id: `${NS}.z.lamp`, val: null, ack: true },
            calls: [
                `createObjectIfMissing ${NS}.z`,
                `getObject ${NS}.z.lamp`,
                `deleteObject ${NS}.z.lamp`,
                `setObject ${NS}.z.lamp`,
                `getObject ${NS}.z.lamp.n`,
                `createObjectIfMissing ${NS}.z.lamp.n`,
                `setState ${NS}.z.lamp.n`,
            ],
        },
        {
            name: 'JSON, into the own info channel: dropped, no store call',
            options: { jsonTopics: [compileTopicFilter('info/+')] },
            message: ['info/x', '{"n":2}'],
            result: { status: 'dropped', reason: 'read-only' },
            calls: [],
        },
        {
            name: 'JSON topic, text that is not JSON: one plain state',
            options: JSON_TOPICS,
            message: ['z/lamp', 'online'],
            result: { status: 'written', id: `${NS}.z.lamp`, val: 'online', ack: true },
            calls: [
                `getObject ${NS}.z.lamp`,
                `createObjectIfMissing ${NS}.z`,
                `getObject ${NS}.z.lamp`,
                `createObjectIfMissing ${NS}.z.lamp`,
                `getObject ${NS}.z.lamp`,
                `setState ${NS}.z.lamp`,
            ],
        },
        {
            name: 'JSON, extraSet command: fields written with ack=false',
            options: { jsonTopics: [compileTopicFilter('z/+/set')], extraSet: true },
            before: [['z/lamp/set', '{"n":1}']],
            message: ['z/lamp/set', '{"n":2}'],
            result: { status: 'written', id: `${NS}.z.lamp`, val: null, ack: false },
            calls: [`setState ${NS}.z.lamp.n`],
        },
    ];

    for (const c of cases) {
        it(c.name, async () => {
            const { store, ingest } = ingestSetup(c.options);
            for (const [id, obj] of c.given ?? []) {
                store.addObject(id, obj);
            }
            for (const [topic, payload] of c.before ?? []) {
                await ingest.handle(topic, buf(payload));
            }
            const calls = traceCalls(store);
            assert.deepEqual(await ingest.handle(c.message[0], buf(c.message[1])), c.result);
            assert.deepEqual(calls, c.calls);
        });
    }
});

describe('Ingest: one write path (values, echoes, log lines)', () => {
    it('echoes every field with its ack; telemetry ts per batch', async () => {
        const { ingest, store, echoes } = ingestSetup(JSON_TOPICS);
        await ingest.handle('z/s', buf('[{"ts":1000,"values":{"t":1}},{"ts":2000,"values":{"t":2,"h":"x"}}]'));
        assert.deepEqual(echoes, [
            { id: `${NS}.z.s.t`, val: 1 },
            { id: `${NS}.z.s.t`, val: 2 },
            { id: `${NS}.z.s.h`, val: 'x' },
        ]);
        assert.deepEqual(
            store.writes.map(w => [w.id, w.state]),
            [
                [`${NS}.z.s.t`, { val: 1, ack: true, ts: 1000 }],
                [`${NS}.z.s.t`, { val: 2, ack: true, ts: 2000 }],
                [`${NS}.z.s.h`, { val: 'x', ack: true, ts: 2000 }],
            ],
        );
    });

    it('a plain state-object payload brings ack, ts and q', async () => {
        const { ingest, store } = ingestSetup();
        await ingest.handle('p', buf('{"val":5,"ack":false,"ts":1234,"q":64}'));
        assert.deepEqual(store.writes[0]?.state, { val: 5, ack: false, ts: 1234, q: 64 });
    });

    it('names what made the type mixed: the topic payload, or a JSON value', async () => {
        const { ingest, store, log } = ingestSetup(JSON_TOPICS);
        await ingest.handle('p', buf('1'));
        await ingest.handle('p', buf('off'));
        await ingest.handle('z/d', buf('{"n":1,"s":"a","arr":[1]}'));
        await ingest.handle('z/d', buf('{"n":"high","s":2,"arr":3}'));
        assert.deepEqual(
            log.lines.filter(l => l.level === 'info').map(l => l.message),
            [
                `State '${NS}.p' (type number) received 'p' payload it cannot hold: its type becomes mixed`,
                `State '${NS}.z.d.n' (type number) received a JSON value it cannot hold: its type becomes mixed`,
            ],
        );
        assert.equal(store.objects.get(`${NS}.z.d.s`)?.common.type, 'string');
        assert.equal(store.states.get(`${NS}.z.d.s`)?.val, '2');
        assert.equal(store.objects.get(`${NS}.z.d.arr`)?.common.type, 'json');
        assert.equal(store.states.get(`${NS}.z.d.arr`)?.val, '3');
    });

    it('a JSON value keeps its JSON type: "21.5" in quotes is a string field, a plain "21.5" a number', async () => {
        const { ingest, store } = ingestSetup(JSON_TOPICS);
        await ingest.handle('z/d', buf('{"q":"21.5","n":21.5,"b":"true"}'));
        await ingest.handle('plain', buf('21.5'));
        assert.deepEqual(
            [`${NS}.z.d.q`, `${NS}.z.d.n`, `${NS}.z.d.b`, `${NS}.plain`].map(id => [
                store.objects.get(id)?.common.type,
                store.states.get(id)?.val,
            ]),
            [
                ['string', '21.5'],
                ['number', 21.5],
                ['string', 'true'],
                ['number', 21.5],
            ],
        );
    });

    it('a field follows object changes: a changed type is used, a deleted object is created again', async () => {
        const { ingest, store } = ingestSetup(JSON_TOPICS);
        await ingest.handle('z/d', buf('{"n":1}'));
        const id = `${NS}.z.d.n`;
        store.objects.get(id)!.common.type = 'string';
        ingest.onObjectChange(id, store.objects.get(id));
        await ingest.handle('z/d', buf('{"n":7}'));
        assert.equal(store.states.get(id)?.val, '7');
        store.objects.delete(id);
        ingest.onObjectChange(id, null);
        await ingest.handle('z/d', buf('{"n":8}'));
        assert.equal(store.objects.get(id)?.common.type, 'number');
        assert.equal(store.states.get(id)?.val, 8);
    });

    it('the own info channel is off limits for both kinds, with the same warning', async () => {
        const { ingest, store, log } = ingestSetup({ jsonTopics: [compileTopicFilter('info/j')] });
        assert.equal((await ingest.handle('info/p', buf('1'))).status, 'dropped');
        assert.equal((await ingest.handle('info/j', buf('{"a":1}'))).status, 'dropped');
        assert.deepEqual(
            log.lines.filter(l => l.level === 'warn').map(l => l.message),
            [
                "Topic 'info/p' maps into the adapter's own info channel: not written",
                "Topic 'info/j' maps into the adapter's own info channel: not written",
            ],
        );
        assert.equal(ingest.dropped, 2);
        assert.equal(store.objects.size, 0);
    });
});
