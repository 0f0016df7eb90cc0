import assert from 'node:assert/strict';
import {
    expandJsonPayload,
    fieldRows,
    rowValue,
    rowValueName,
    type JsonParent,
    type Row,
    type Target,
} from '../../src/ingest/rows';
import { RateLimitedLog } from '../../src/rateLog';
import { memoryLogger } from '../lib/fakeStore';
import { NS } from '../lib/pipelines';

const parent: JsonParent = { id: `${NS}.z.d`, nativeTopic: 'z/d', isCommand: false };

describe('expandJsonPayload + fieldRows: a jsonTopics payload as rows', () => {
    const cases: { payload: string; expected: unknown }[] = [
        { payload: 'online', expected: undefined },
        { payload: '42', expected: undefined },
        {
            payload: '{"a":',
            expected: {
                status: 'refused',
                cause: 'json',
                reason: 'malformed JSON',
                message: "Payload on 'z/d' (jsonTopics) is not valid JSON: not written",
            },
        },
        {
            payload: ' [1,',
            expected: {
                status: 'refused',
                cause: 'json',
                reason: 'malformed JSON',
                message: "Payload on 'z/d' (jsonTopics) is not valid JSON: not written",
            },
        },
        {
            payload: JSON.stringify(Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i]))),
            expected: {
                status: 'refused',
                cause: 'jsonsize',
                reason: 'too many JSON fields',
                message: "Payload on 'z/d' (jsonTopics) has 1001 fields, more than 1000: not written",
            },
        },
        {
            payload: '{"a":1,"b":{"c":"x"}}',
            expected: [
                ['a', 1, undefined],
                ['b.c', 'x', undefined],
            ],
        },
        {
            payload: '[{"ts":1000,"values":{"t":1}},{"ts":2000,"values":{"t":2,"h":3}}]',
            expected: [
                ['t', 1, 1000],
                ['t', 2, 2000],
                ['h', 3, 2000],
            ],
        },
    ];
    for (const c of cases) {
        it(`${c.payload.slice(0, 40)} → ${JSON.stringify(c.expected)?.slice(0, 80)}`, () => {
            const json = expandJsonPayload('z/d', Buffer.from(c.payload));
            if (json === undefined || 'status' in json) {
                assert.deepEqual(json, c.expected);
                return;
            }
            const rows = fieldRows(json.batches, parent);
            assert.ok(rows.every(r => r.kind === 'field' && r.parent === parent));
            assert.deepEqual(
                rows.map(r => (r.kind === 'field' ? [r.field.path.join('.'), r.field.value, r.ts] : r)),
                c.expected,
            );
        });
    }
});

describe('rowValue: the value of a row for its target', () => {
    const target = (type: string | undefined, binary = false): Target => ({
        id: `${NS}.x`,
        foreign: false,
        type,
        binary,
        isCommand: false,
        nativeTopic: 'x',
    });
    const payload = (text: string, contentType?: string): Row => ({
        kind: 'payload',
        topic: 'x',
        payload: Buffer.from(text),
        contentType,
    });
    const field = (value: string | number | boolean | null, isJsonText = false, ts?: number): Row => ({
        kind: 'field',
        parent,
        field: { path: ['f'], keys: ['f'], value, isJsonText },
        ts,
    });
    const cases: { name: string; row: Row; target: Target; expected: Record<string, unknown> }[] = [
        {
            name: 'payload text, new state: inferred from the text',
            row: payload('21.5'),
            target: target(undefined),
            expected: { val: 21.5, type: 'number', becomesMixed: false },
        },
        {
            name: 'payload, number state, text: mixed',
            row: payload('off'),
            target: target('number'),
            expected: { val: 'off', type: 'mixed', becomesMixed: true },
        },
        {
            name: 'payload, state object: ack, ts, q',
            row: payload('{"val":1,"ack":false,"ts":5,"q":64}'),
            target: target('number'),
            expected: { val: 1, type: 'number', becomesMixed: false, ack: false, ts: 5, q: 64 },
        },
        {
            name: 'payload, content type JSON: a JSON string without its quotes',
            row: payload('"ON"', 'application/json'),
            target: target(undefined),
            expected: { val: 'ON', type: 'string', becomesMixed: false },
        },
        {
            name: 'payload, binary target: the file URL',
            row: payload('\u00ff'),
            target: target('string', true),
            expected: { val: `/files/${NS}/x`, type: 'string', becomesMixed: false },
        },
        {
            name: 'field, new state: its JSON type ("21.5" in quotes stays a string)',
            row: field('21.5'),
            target: target(undefined),
            expected: { val: '21.5', type: 'string', becomesMixed: false },
        },
        {
            name: 'field, number state, a numeric string: a number',
            row: field('80'),
            target: target('number'),
            expected: { val: 80, type: 'number', becomesMixed: false },
        },
        {
            name: 'field, number state, text: mixed',
            row: field('high'),
            target: target('number'),
            expected: { val: 'high', type: 'mixed', becomesMixed: true },
        },
        {
            name: 'field, JSON text: type json (new) with the batch ts',
            row: field('[1,2]', true, 1000),
            target: target(undefined),
            expected: { val: '[1,2]', type: 'json', becomesMixed: false, ts: 1000 },
        },
        {
            name: 'field, JSON text into an existing type: kept as it is',
            row: field('[1,2]', true),
            target: target('string'),
            expected: { val: '[1,2]', type: 'string', becomesMixed: false },
        },
    ];
    for (const c of cases) {
        it(c.name, () => {
            const log = memoryLogger();
            const value = rowValue(c.row, c.target, {
                namespace: NS,
                parseCharCodes: false,
                warnings: new RateLimitedLog(log),
            });
            const { val, type, becomesMixed, ack, ts, q } = value;
            const picked = { val, type, becomesMixed, ack, ts, q };
            assert.deepEqual(Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined)), c.expected);
            assert.deepEqual(log.lines, []);
        });
    }

    it('names the value in the "becomes mixed" line per kind', () => {
        assert.equal(rowValueName(payload('1')), "'x' payload");
        assert.equal(rowValueName(field(1)), 'a JSON value');
    });
});
