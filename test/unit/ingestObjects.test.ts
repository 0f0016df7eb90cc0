import assert from 'node:assert/strict';
import { compileIdMask, compileTopicFilter } from '../../src/mapping/filter';
import { IngestObjects } from '../../src/ingest/objects';
import type { JsonParent, Row } from '../../src/ingest/rows';
import { FakeStore, memoryLogger } from '../lib/fakeStore';
import { ingestOptions, NS } from '../lib/pipelines';

type Given = [string, Partial<ioBroker.Object> & { type: ioBroker.ObjectType }][];

const state = (type: string, extra: Partial<ioBroker.StateCommon> = {}, native = {}): Given[number][1] => ({
    type: 'state',
    common: { type, ...extra } as ioBroker.StateCommon,
    native,
});

function setup(
    given: Given = [],
    overrides: Parameters<typeof ingestOptions>[0] = {},
): { objects: IngestObjects; store: FakeStore } {
    const store = new FakeStore();
    for (const [id, obj] of given) {
        store.addObject(id, obj);
    }
    return { objects: new IngestObjects(ingestOptions(overrides), store, memoryLogger()), store };
}

const payload = (topic: string): Row => ({ kind: 'payload', topic, payload: Buffer.from('1'), contentType: undefined });
const target = (id: string, type: string | undefined, more: Record<string, unknown> = {}): Record<string, unknown> => ({
    id,
    foreign: false,
    type,
    binary: false,
    isCommand: false,
    nativeTopic: id.slice(NS.length + 1).replace(/\./g, '/'),
    ...more,
});

describe('IngestObjects.resolve: where a plain topic goes', () => {
    const mask = { writableMask: [compileIdMask(`${NS}.*`), compileIdMask('other.0.*'), compileIdMask('*')] };
    const cases: { topic: string; given?: Given; options?: Parameters<typeof ingestOptions>[0]; expected: unknown }[] =
        [
            { topic: 'a/b', expected: target(`${NS}.a.b`, undefined) },
            { topic: 'a/b', given: [[`${NS}.a.b`, state('number')]], expected: target(`${NS}.a.b`, 'number') },
            {
                topic: 'a/b',
                given: [[`${NS}.a.b`, state('string', {}, { binary: true })]],
                expected: target(`${NS}.a.b`, 'string', { binary: true }),
            },
            {
                topic: 'cam/jpg',
                options: { binaryTopics: [compileTopicFilter('cam/+')] },
                expected: target(`${NS}.cam.jpg`, undefined, { binary: true }),
            },
            {
                topic: 'a',
                given: [[`${NS}.a`, { type: 'folder', native: { autoCreated: true } }]],
                expected: target(`${NS}.a`, undefined),
            },
            {
                topic: 'a',
                given: [[`${NS}.a`, { type: 'folder', native: {} }]],
                expected: {
                    status: 'refused',
                    cause: 'kind',
                    reason: 'not a state',
                    message: `Topic 'a' maps to '${NS}.a', which is a folder, not a state: not written`,
                },
            },
            {
                topic: 'ro',
                given: [[`${NS}.ro`, state('number', { write: false })]],
                expected: {
                    status: 'refused',
                    cause: 'readonly',
                    reason: 'read-only',
                    message: `Topic 'ro' maps to the read-only state '${NS}.ro': not written`,
                },
            },
            {
                topic: 'info/new',
                expected: {
                    status: 'refused',
                    cause: 'readonly',
                    reason: 'read-only',
                    message: "Topic 'info/new' maps into the adapter's own info channel: not written",
                },
            },
            {
                topic: 'new',
                options: { ignoreNewObjects: true },
                expected: { status: 'ignored', reason: 'ignoreNewObjects' },
            },
            {
                topic: 'other/0/s',
                given: [['other.0.s', state('boolean')]],
                options: mask,
                expected: target('other.0.s', 'boolean', { foreign: true, nativeTopic: 'other/0/s' }),
            },
            {
                topic: 'other/0/s',
                given: [['other.0.s', state('boolean')]],
                expected: {
                    status: 'refused',
                    cause: 'refused',
                    reason: 'not writable',
                    message:
                        "Topic 'other/0/s' would write the foreign state 'other.0.s', which writableMask does not allow: not written",
                },
            },
            {
                topic: 'other/0/s',
                given: [['other.0.s', state('boolean', { write: false })]],
                options: mask,
                expected: {
                    status: 'refused',
                    cause: 'refused',
                    reason: 'read-only',
                    message: "Topic 'other/0/s' names the read-only state 'other.0.s': not written",
                },
            },
            {
                topic: 'other/0/dev',
                given: [['other.0.dev', { type: 'channel' }]],
                options: mask,
                expected: {
                    status: 'refused',
                    cause: 'refused',
                    reason: 'not a state',
                    message: "Topic 'other/0/dev' names 'other.0.dev', which is not a state: not written",
                },
            },
            {
                topic: 'system/adapter/x/alive',
                given: [['system.adapter.x.alive', state('boolean')]],
                options: mask,
                expected: {
                    status: 'refused',
                    cause: 'refused',
                    reason: 'not writable',
                    message:
                        "Topic 'system/adapter/x/alive' would write the foreign state 'system.adapter.x.alive', which writableMask does not allow: not written",
                },
            },
            { topic: 'other/0/none', options: mask, expected: target(`${NS}.other.0.none`, undefined) },
        ];
    for (const c of cases) {
        it(`${c.topic}${c.given ? ` (${c.given.map(([id, o]) => `${id}: ${o.type}`).join(', ')})` : ''} → ${JSON.stringify(c.expected).slice(0, 90)}`, async () => {
            const { objects } = setup(c.given, c.options);
            assert.deepEqual(await objects.resolve(payload(c.topic)), c.expected);
        });
    }

    it('knows an existing state once resolved (no reads), and forgets it when the object goes', async () => {
        const { objects, store } = setup([[`${NS}.k`, state('number')]]);
        assert.equal(objects.known(payload('k')), undefined);
        await objects.resolve(payload('k'));
        const reads = store.objectReads;
        assert.deepEqual(objects.known(payload('k')), target(`${NS}.k`, 'number'));
        objects.onObjectChange(`${NS}.k`, { ...store.objects.get(`${NS}.k`)!, common: { type: 'string' } } as never);
        assert.equal(objects.known(payload('k'))?.type, 'string');
        objects.onObjectChange(`${NS}.k`, null);
        assert.equal(objects.known(payload('k')), undefined);
        assert.equal(store.objectReads, reads);
    });
});

describe('IngestObjects.resolve: where a JSON field goes', () => {
    const parent: JsonParent = { id: `${NS}.z.lamp`, nativeTopic: 'z/lamp', isCommand: false };
    const field = (path: string[]): Row => ({
        kind: 'field',
        parent,
        field: { path, keys: path, value: 1, isJsonText: false },
        ts: undefined,
    });
    const fieldTarget = (id: string, type: string | undefined): Record<string, unknown> => ({
        id,
        foreign: false,
        type,
        binary: false,
        isCommand: false,
        nativeTopic: 'z/lamp',
    });
    const cases: { path: string[]; given?: Given; expected: unknown; knownAfter: boolean }[] = [
        { path: ['n'], expected: fieldTarget(`${parent.id}.n`, undefined), knownAfter: false },
        {
            path: ['c', 'x'],
            given: [[`${parent.id}.c.x`, state('number')]],
            expected: fieldTarget(`${parent.id}.c.x`, 'number'),
            knownAfter: true,
        },
        {
            path: ['ro'],
            given: [[`${parent.id}.ro`, state('number', { write: false })]],
            expected: undefined,
            knownAfter: false,
        },
        {
            path: ['ch'],
            given: [[`${parent.id}.ch`, { type: 'channel' }]],
            expected: fieldTarget(`${parent.id}.ch`, undefined),
            knownAfter: false,
        },
    ];
    for (const c of cases) {
        it(`${c.path.join('.')}${c.given ? ` (${c.given[0]![1].type})` : ''} → ${JSON.stringify(c.expected)}`, async () => {
            const { objects } = setup(c.given);
            assert.equal(objects.known(field(c.path)), undefined);
            assert.deepEqual(await objects.resolve(field(c.path)), c.expected);
            assert.deepEqual(objects.known(field(c.path)), c.knownAfter ? c.expected : undefined);
        });
    }
});

describe('IngestObjects.clearedState: the state a cleared retained message marks', () => {
    const cases: { topic: string; given?: Given; expected: string | undefined }[] = [
        { topic: 'a', expected: undefined },
        { topic: 'a', given: [[`${NS}.a`, state('number')]], expected: `${NS}.a` },
        { topic: 'a', given: [[`${NS}.a`, state('number', { write: false })]], expected: undefined },
        { topic: 'a', given: [[`${NS}.a`, { type: 'channel' }]], expected: undefined },
        { topic: 'other/0/s', given: [['other.0.s', state('number')]], expected: undefined },
        { topic: 'javascript/0/s', given: [['javascript.0.s', state('number')]], expected: 'javascript.0.s' },
    ];
    for (const c of cases) {
        it(`${c.topic}${c.given ? ` (${c.given[0]![1].type})` : ''} → ${String(c.expected)}`, async () => {
            const { objects } = setup(c.given, {
                writableMask: [compileIdMask(`${NS}.*`), compileIdMask('javascript.0.*')],
            });
            assert.equal(await objects.clearedState(c.topic), c.expected);
        });
    }
});

describe('IngestObjects.commandState (sendTo createCommand)', () => {
    const cases: { topic: string; type: string; given?: Given; expected: { id: string } | string }[] = [
        { topic: 'cmnd/plug/POWER', type: 'string', expected: { id: `${NS}.cmnd.plug.POWER` } },
        { topic: 'c', type: 'number', given: [[`${NS}.c`, state('string')]], expected: { id: `${NS}.c` } },
        {
            topic: 'c',
            type: 'number',
            given: [[`${NS}.c`, { type: 'channel' }]],
            expected: `'${NS}.c' exists and is a channel, not a state`,
        },
        {
            topic: 'javascript/0/x',
            type: 'number',
            given: [['javascript.0.x', state('number')]],
            expected: { id: 'javascript.0.x' },
        },
        {
            topic: 'javascript/0/dev',
            type: 'number',
            given: [['javascript.0.dev', { type: 'device' }]],
            expected: "'javascript.0.dev' exists and is a device, not a state",
        },
        { topic: 'c', type: 'file', expected: "type 'file' is not one of string, number, boolean, json, mixed" },
        { topic: 'a/+', type: 'string', expected: "topic 'a/+' wildcard in topic" },
    ];
    for (const c of cases) {
        it(`${c.topic} (${c.type}) → ${JSON.stringify(c.expected)}`, async () => {
            const { objects, store } = setup(c.given);
            if (typeof c.expected === 'string') {
                await assert.rejects(objects.commandState(c.topic, c.type, undefined), { message: c.expected });
                return;
            }
            assert.deepEqual(await objects.commandState(c.topic, c.type, 'switch'), c.expected);
            if (!c.given) {
                assert.deepEqual(store.objects.get(c.expected.id)?.native, { topic: c.topic, command: true });
                assert.equal(store.objects.get(c.expected.id)?.common.role, 'switch');
            }
        });
    }
});
