import assert from 'node:assert/strict';
import {
    isJsonContentType,
    parseBoolean,
    parseCharCodes,
    parseNumber,
    payloadToValue,
    valueToPayload,
    type PayloadOptions,
} from '../../src/mapping/payload';

const opts: PayloadOptions = { existingType: undefined, parseCharCodes: false };
const text = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('parseNumber', () => {
    const rows: [string, number | undefined][] = [
        ['233.57', 233.57],
        [' 7 ', 7],
        ['+58,890', 58.89],
        ['1e3', 1000],
        ['-1.5E-2', -0.015],
        ['.5', 0.5],
        [',5', 0.5],
        ['-0', 0],
        ['0', 0],
        ['12345678901234567890', 12345678901234567000],
        ['1e400', undefined], // not finite
        ['0x1A', undefined], // regression: iobroker.mqtt gave 0
        ['Infinity', undefined],
        ['NaN', undefined],
        ['1,000,000', undefined],
        ['1.000,5', undefined],
        ['', undefined], // regression: iobroker.mqtt gave NaN
        ['   ', undefined],
        ['1 2', undefined],
        ['5a', undefined],
        ['+', undefined],
        ['1.', undefined],
    ];
    for (const [input, expected] of rows) {
        it(`${JSON.stringify(input)} → ${String(expected)}`, () => {
            const result = parseNumber(input);
            assert.equal(result, expected);
            if (result === 0) {
                assert.ok(!Object.is(result, -0), 'no negative zero');
            }
        });
    }
});

describe('parseBoolean', () => {
    const rows: [string, boolean | undefined][] = [
        ['true', true],
        ['TRUE', true],
        ['On', true],
        ['1', true],
        ['false', false],
        ['OFF', false],
        ['0', false],
        [' off ', false],
        ['yes', undefined],
        ['2', undefined],
        ['', undefined],
    ];
    for (const [input, expected] of rows) {
        it(`${JSON.stringify(input)} → ${String(expected)}`, () => assert.equal(parseBoolean(input), expected));
    }
});

describe('parseCharCodes', () => {
    const rows: [string, string | undefined][] = [
        ['72,101,108', 'Hel'],
        ['72, 101, 108, 108, 111', 'Hello'],
        ['0,0,0', '\u0000\u0000\u0000'],
        ['255,255,255', 'ÿÿÿ'],
        ['256,1,1', undefined],
        ['72,101', undefined], // fewer than three
        ['72,-1,5', undefined],
        ['7.2,1,1', undefined],
        ['1000,1,1', undefined],
    ];
    for (const [input, expected] of rows) {
        it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () =>
            assert.equal(parseCharCodes(input), expected));
    }
});

describe('payloadToValue (SPEC §6)', () => {
    const rows: {
        name: string;
        payload: Buffer;
        options?: Partial<PayloadOptions>;
        val: unknown;
        type: string;
        mixed?: boolean;
        ack?: boolean;
        ts?: number;
        q?: number;
    }[] = [
        // no object yet: inference
        { name: 'empty → null', payload: text(''), val: null, type: 'mixed' },
        { name: 'number text', payload: text('233.57'), val: 233.57, type: 'number' },
        { name: 'decimal comma', payload: text('+58,890'), val: 58.89, type: 'number' },
        { name: 'hex stays text', payload: text('0x1A'), val: '0x1A', type: 'string' },
        { name: 'Infinity stays text', payload: text('Infinity'), val: 'Infinity', type: 'string' },
        { name: 'thousands stays text', payload: text('1,000,000'), val: '1,000,000', type: 'string' },
        { name: 'true exact → boolean', payload: text('true'), val: true, type: 'boolean' },
        { name: 'True is text when inferring', payload: text('True'), val: 'True', type: 'string' },
        { name: 'on is text when inferring', payload: text('on'), val: 'on', type: 'string' },
        { name: 'JSON object → json text', payload: text('{"a":1}'), val: '{"a":1}', type: 'json' },
        { name: 'JSON array → json text', payload: text('[1,2]'), val: '[1,2]', type: 'json' },
        { name: 'invalid JSON → text', payload: text('{"a":'), val: '{"a":', type: 'string' },
        { name: 'JSON null → text', payload: text('null'), val: 'null', type: 'string' },
        { name: 'JSON string → text', payload: text('"x"'), val: '"x"', type: 'string' },
        { name: 'plain text', payload: text('hello world'), val: 'hello world', type: 'string' },
        { name: 'leading zeros infer a number', payload: text('007'), val: 7, type: 'number' },
        // state objects
        {
            name: 'state object',
            payload: text('{"val":5,"ack":false,"ts":1700000000000,"q":0}'),
            val: 5,
            type: 'number',
            ack: false,
            ts: 1700000000000,
            q: 0,
        },
        {
            name: 'state object: from/user/lc/c ignored',
            payload: text('{"val":"on","from":"system.adapter.admin.0","user":"system.user.admin","lc":1,"c":"x"}'),
            val: 'on',
            type: 'string',
        },
        { name: 'state object with string number', payload: text('{"val":"7"}'), val: 7, type: 'number' },
        { name: 'state object with null', payload: text('{"val":null}'), val: null, type: 'mixed' },
        { name: 'state object with object val', payload: text('{"val":{"x":1}}'), val: '{"x":1}', type: 'json' },
        { name: 'state object with bad ts', payload: text('{"val":1,"ts":"yesterday"}'), val: 1, type: 'number' },
        {
            name: 'object with other keys is not a state',
            payload: text('{"val":1,"unit":"°C"}'),
            val: '{"val":1,"unit":"°C"}',
            type: 'json',
        },
        { name: 'object without val is not a state', payload: text('{"ack":true}'), val: '{"ack":true}', type: 'json' },
        // existing type decides
        { name: 'number ← " 7 "', payload: text(' 7 '), options: { existingType: 'number' }, val: 7, type: 'number' },
        {
            name: 'number ← "1e3"',
            payload: text('1e3'),
            options: { existingType: 'number' },
            val: 1000,
            type: 'number',
        },
        {
            name: 'number ← "abc" becomes mixed',
            payload: text('abc'),
            options: { existingType: 'number' },
            val: 'abc',
            type: 'mixed',
            mixed: true,
        },
        {
            name: 'number ← "true" becomes mixed with a boolean',
            payload: text('true'),
            options: { existingType: 'number' },
            val: true,
            type: 'mixed',
            mixed: true,
        },
        {
            name: 'number ← empty is null',
            payload: text(''),
            options: { existingType: 'number' },
            val: null,
            type: 'number',
        },
        { name: 'boolean ← ON', payload: text('ON'), options: { existingType: 'boolean' }, val: true, type: 'boolean' },
        { name: 'boolean ← 0', payload: text('0'), options: { existingType: 'boolean' }, val: false, type: 'boolean' },
        {
            name: 'boolean ← off',
            payload: text('off'),
            options: { existingType: 'boolean' },
            val: false,
            type: 'boolean',
        },
        {
            name: 'boolean ← "2" becomes mixed',
            payload: text('2'),
            options: { existingType: 'boolean' },
            val: 2,
            type: 'mixed',
            mixed: true,
        },
        {
            name: 'string ← "007" stays text',
            payload: text('007'),
            options: { existingType: 'string' },
            val: '007',
            type: 'string',
        },
        {
            name: 'string ← "true" stays text',
            payload: text('true'),
            options: { existingType: 'string' },
            val: 'true',
            type: 'string',
        },
        {
            name: 'string ← JSON stays text',
            payload: text('{"a":1}'),
            options: { existingType: 'string' },
            val: '{"a":1}',
            type: 'string',
        },
        {
            name: 'json ← JSON text',
            payload: text('{"a":2}'),
            options: { existingType: 'json' },
            val: '{"a":2}',
            type: 'json',
        },
        {
            name: 'json ← 42 (valid JSON)',
            payload: text('42'),
            options: { existingType: 'json' },
            val: '42',
            type: 'json',
        },
        {
            name: 'json ← not JSON becomes mixed',
            payload: text('hello'),
            options: { existingType: 'json' },
            val: 'hello',
            type: 'mixed',
            mixed: true,
        },
        {
            name: 'mixed ← inferred number',
            payload: text('5'),
            options: { existingType: 'mixed' },
            val: 5,
            type: 'mixed',
        },
        {
            name: 'mixed ← inferred text',
            payload: text('x'),
            options: { existingType: 'mixed' },
            val: 'x',
            type: 'mixed',
        },
        {
            name: 'state object into number',
            payload: text('{"val":"12,5","ack":true}'),
            options: { existingType: 'number' },
            val: 12.5,
            type: 'number',
            ack: true,
        },
        {
            name: 'state object bool into boolean',
            payload: text('{"val":1}'),
            options: { existingType: 'boolean' },
            val: true,
            type: 'boolean',
        },
        {
            name: 'state object number into string',
            payload: text('{"val":1}'),
            options: { existingType: 'string' },
            val: '1',
            type: 'string',
        },
        {
            name: 'state object object into string',
            payload: text('{"val":[1]}'),
            options: { existingType: 'string' },
            val: '[1]',
            type: 'string',
        },
        {
            name: 'state object NaN-free into number',
            payload: text('{"val":"x"}'),
            options: { existingType: 'number' },
            val: 'x',
            type: 'mixed',
            mixed: true,
        },
        // state-object values of every kind against every type
        {
            name: 'state object 1e400 (not finite) infers null',
            payload: text('{"val":1e400}'),
            val: null,
            type: 'number',
        },
        { name: 'state object -0 infers 0', payload: text('{"val":-0}'), val: 0, type: 'number' },
        { name: 'state object false infers boolean', payload: text('{"val":false}'), val: false, type: 'boolean' },
        {
            name: 'number ← state object 1e400 becomes mixed',
            payload: text('{"val":1e400}'),
            options: { existingType: 'number' },
            val: null,
            type: 'mixed',
            mixed: true,
        },
        {
            name: 'number ← state object true becomes mixed',
            payload: text('{"val":true}'),
            options: { existingType: 'number' },
            val: true,
            type: 'mixed',
            mixed: true,
        },
        {
            name: 'number ← state object 3',
            payload: text('{"val":3}'),
            options: { existingType: 'number' },
            val: 3,
            type: 'number',
        },
        {
            name: 'number ← state object null',
            payload: text('{"val":null}'),
            options: { existingType: 'number' },
            val: null,
            type: 'number',
        },
        {
            name: 'boolean ← state object true',
            payload: text('{"val":true}'),
            options: { existingType: 'boolean' },
            val: true,
            type: 'boolean',
        },
        {
            name: 'boolean ← state object 0',
            payload: text('{"val":0}'),
            options: { existingType: 'boolean' },
            val: false,
            type: 'boolean',
        },
        {
            name: 'boolean ← state object 5 becomes mixed',
            payload: text('{"val":5}'),
            options: { existingType: 'boolean' },
            val: 5,
            type: 'mixed',
            mixed: true,
        },
        {
            name: 'boolean ← state object object becomes mixed',
            payload: text('{"val":{"a":1}}'),
            options: { existingType: 'boolean' },
            val: '{"a":1}',
            type: 'mixed',
            mixed: true,
        },
        {
            name: 'string ← state object true',
            payload: text('{"val":true}'),
            options: { existingType: 'string' },
            val: 'true',
            type: 'string',
        },
        {
            name: 'json ← state object array',
            payload: text('{"val":[1]}'),
            options: { existingType: 'json' },
            val: '[1]',
            type: 'json',
        },
        {
            name: 'object ← JSON text',
            payload: text('{"x":1}'),
            options: { existingType: 'object' },
            val: '{"x":1}',
            type: 'object',
        },
        {
            name: 'array ← JSON text',
            payload: text('[1]'),
            options: { existingType: 'array' },
            val: '[1]',
            type: 'array',
        },
        {
            name: 'unknown type behaves like mixed',
            payload: text('5'),
            options: { existingType: 'file' },
            val: 5,
            type: 'file',
        },
        // char codes
        {
            name: 'char codes',
            payload: text('72,101,108,108,111'),
            options: { parseCharCodes: true },
            val: 'Hello',
            type: 'string',
        },
        { name: 'char codes off', payload: text('72,101,108'), val: '72,101,108', type: 'string' },
        {
            name: 'char codes out of range',
            payload: text('72,101,300'),
            options: { parseCharCodes: true },
            val: '72,101,300',
            type: 'string',
        },
    ];
    for (const row of rows) {
        it(row.name, () => {
            const result = payloadToValue(row.payload, { ...opts, ...row.options });
            assert.deepEqual(result.val, row.val);
            assert.equal(result.type, row.type);
            assert.equal(result.becomesMixed, row.mixed ?? false);
            assert.equal(result.ack, row.ack);
            assert.equal(result.ts, row.ts);
            assert.equal(result.q, row.q);
            assert.equal(result.invalidUtf8, false);
        });
    }

    it('flags invalid UTF-8 and still gives text', () => {
        const result = payloadToValue(Buffer.from([0xff, 0xfe, 0x41]), opts);
        assert.equal(result.invalidUtf8, true);
        assert.equal(typeof result.val, 'string');
        assert.ok(String(result.val).endsWith('A'));
    });

    it('keeps a huge JSON payload as json text', () => {
        const big = JSON.stringify({ data: 'x'.repeat(100000) });
        const result = payloadToValue(text(big), opts);
        assert.equal(result.type, 'json');
        assert.equal(result.val, big);
    });
});

describe('MQTT 5 content type JSON', () => {
    it('isJsonContentType: application/json and +json, any case, parameters ignored', () => {
        for (const yes of [
            'application/json',
            'Application/JSON; charset=utf-8',
            'application/ld+json',
            'vnd/x+json ',
        ]) {
            assert.equal(isJsonContentType(yes), true, yes);
        }
        for (const no of [undefined, '', 'text/plain', 'json', '+json', 'application/jsonx', 'text/json-seq']) {
            assert.equal(isJsonContentType(no), false, String(no));
        }
    });

    it('a JSON string loses its quotes, null is null; numbers, booleans, objects and state objects as without it', () => {
        const json = { ...opts, json: true };
        assert.deepEqual(payloadToValue(text('"ON"'), json), {
            val: 'ON',
            type: 'string',
            becomesMixed: false,
            invalidUtf8: false,
        });
        assert.deepEqual(payloadToValue(text('"21.5"'), json).val, '21.5', 'a string stays a string');
        assert.deepEqual(payloadToValue(text('null'), json).val, null);
        assert.deepEqual(payloadToValue(text('null'), opts).val, 'null', 'without it: the text null');
        for (const payload of ['21.5', 'true', '{"a":1}', '[1,2]', '{"val":5,"ack":true}']) {
            assert.deepEqual(payloadToValue(text(payload), json), payloadToValue(text(payload), opts), payload);
        }
        assert.equal(payloadToValue(text('"5"'), { ...json, existingType: 'number' }).val, 5, 'the state type decides');
    });

    it('a payload that is not valid JSON is flagged and converted as without the content type', () => {
        const json = { ...opts, json: true };
        for (const payload of ['ON', '{"a":', '21,5']) {
            const result = payloadToValue(text(payload), json);
            assert.equal(result.invalidJson, true, payload);
            assert.deepEqual(
                { ...result, invalidJson: undefined },
                { ...payloadToValue(text(payload), opts), invalidJson: undefined },
            );
        }
        assert.equal(payloadToValue(text('ON'), opts).invalidJson, undefined, 'only checked with the content type');
    });
});

describe('valueToPayload (SPEC §7)', () => {
    const state = (val: unknown): { val: unknown; ack: boolean; ts: number; q: number; lc: number } => ({
        val,
        ack: false,
        ts: 1000,
        q: 0,
        lc: 900,
    });
    const rows: [string, Parameters<typeof valueToPayload>[0], string][] = [
        ['null', state(null), 'null'],
        ['undefined val', state(undefined), 'null'],
        ['true', state(true), 'true'],
        ['false', state(false), 'false'],
        ['number', state(23.5), '23.5'],
        ['zero', state(0), '0'],
        ['string as is', state('007'), '007'],
        ['object', state({ a: 1 }), '{"a":1}'],
        ['array', state([1, 2]), '[1,2]'],
        ['deleted state', null, ''],
    ];
    for (const [name, input, expected] of rows) {
        it(`${name} → ${JSON.stringify(expected)}`, () => {
            assert.equal(valueToPayload(input, { sendStateObject: false }), expected);
        });
    }
    it('sendStateObject gives {val, ack, ts, q, lc}', () => {
        assert.deepEqual(JSON.parse(valueToPayload(state(5), { sendStateObject: true })), {
            val: 5,
            ack: false,
            ts: 1000,
            q: 0,
            lc: 900,
        });
        assert.deepEqual(JSON.parse(valueToPayload({ val: undefined, ack: true, ts: 5 }, { sendStateObject: true })), {
            val: null,
            ack: true,
            ts: 5,
            q: 0,
            lc: 5,
        });
        assert.equal(valueToPayload(null, { sendStateObject: true }), '');
    });
});
