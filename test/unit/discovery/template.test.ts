import assert from 'node:assert/strict';
import { compileTemplate, payloadVariables, type TemplateVars, toPythonString } from '../../../src/discovery/template';
import { roundPython } from '../../../src/discovery/templateFilters';

function render(source: string, vars: TemplateVars): string | undefined {
    const compiled = compileTemplate(source);
    assert.ok(compiled.ok, `${source} should compile: ${compiled.ok ? '' : compiled.error}`);
    return compiled.template.render(vars);
}

const JSON_PAYLOAD = '{"a":{"b":5,"list":[10,20,30]},"t":"21.46","s":"On","n":null,"flag":true,"contact":false}';

describe('discovery template evaluator', () => {
    describe('renders the subset exactly', () => {
        const cases: [string, string, string | undefined][] = [
            ['{{ value }}', 'abc', 'abc'],
            ['{{value}}', ' 7 ', ' 7 '],
            ['{{ value_json.a.b }}', JSON_PAYLOAD, '5'],
            ["{{ value_json['a']['b'] }}", JSON_PAYLOAD, '5'],
            ['{{ value_json["a"].list[0] }}', JSON_PAYLOAD, '10'],
            ['{{ value_json.a.list[-1] }}', JSON_PAYLOAD, '30'],
            ['{{ value_json.a.list.1 }}', JSON_PAYLOAD, '20'],
            ['{{ value_json.missing }}', JSON_PAYLOAD, ''],
            ['{{ value_json.missing.deeper }}', JSON_PAYLOAD, ''],
            ['{{ value_json.n }}', JSON_PAYLOAD, 'None'],
            ['{{ value_json.flag }}', JSON_PAYLOAD, 'True'],
            ['{{ value_json.contact }}', JSON_PAYLOAD, 'False'],
            ['{{ value_json.t | float }}', JSON_PAYLOAD, '21.46'],
            ['{{ value_json.t | float | round(1) }}', JSON_PAYLOAD, '21.5'],
            ['{{ value_json.t | int }}', JSON_PAYLOAD, '21'],
            ['{{ value | int(0) }}', 'abc', '0'],
            ['{{ value | float(default=-1) }}', 'abc', '-1'],
            ['{{ value | float }}', 'abc', undefined],
            ['{{ value | int }}', ' 42 ', '42'],
            ['{{ value | float * 10 }}', '2.5', '25'],
            ['{{ (value | float - 32) * 5 / 9 }}', '212', '100'],
            ['{{ value | float / 1000 }}', '1500', '1.5'],
            ['{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 2 ** 8 }}', '', '3|-4|1|2|256'],
            ['{{ 1 + 2 * 3 }}|{{ (1 + 2) * 3 }}|{{ -2 + 5 }}', '', '7|9|3'],
            ['{{ 1 / 0 }}', '', undefined],
            ['{{ value_json.s | lower }}|{{ value_json.s | upper }}', JSON_PAYLOAD, 'on|ON'],
            ['{{ value_json.missing | default("x") }}', JSON_PAYLOAD, 'x'],
            ['{{ value_json.a.b | default("x") }}', JSON_PAYLOAD, '5'],
            ["{{ '' | default('empty', true) }}", '', 'empty'],
            ['{{ value_json.a.b | string ~ "%" }}', JSON_PAYLOAD, '5%'],
            [
                '{{ 2.5 | round }}|{{ 3.5 | round }}|{{ 2.675 | round(2) }}|{{ 1.25 | round(1, "floor") }}',
                '',
                '2|4|2.67|1.2',
            ],
            [
                '{{ value_json.a.b > 3 }}|{{ value_json.a.b == 5 }}|{{ 1 < value_json.a.b <= 5 }}',
                JSON_PAYLOAD,
                'True|True|True',
            ],
            ["{{ value == 'ON' }}|{{ value != 'ON' }}", 'ON', 'True|False'],
            [
                '{{ value_json.a is defined }}|{{ value_json.x is defined }}|{{ value_json.x is not defined }}',
                JSON_PAYLOAD,
                'True|False|True',
            ],
            [
                '{{ value_json.n is none }}|{{ value_json.a.b is number }}|{{ value_json.s is string }}',
                JSON_PAYLOAD,
                'True|True|True',
            ],
            [
                "{{ iif(value_json.flag, 'yes', 'no') }}|{{ iif(value_json.contact, 'yes', 'no') }}",
                JSON_PAYLOAD,
                'yes|no',
            ],
            ["{{ (value == '1') | iif('ON', 'OFF') }}", '1', 'ON'],
            ["{{ value_json.n | iif('y', 'n', 'none') }}", JSON_PAYLOAD, 'none'],
            ["{{ 'open' if value_json.contact == false else 'closed' }}", JSON_PAYLOAD, 'open'],
            ["{{ 'on' if value_json.flag }}|{{ 'on' if value_json.contact }}", JSON_PAYLOAD, 'on|'],
            [
                '{{ not value_json.flag }}|{{ value_json.flag and value_json.contact }}|{{ value_json.contact or 3 }}',
                JSON_PAYLOAD,
                'False|False|3',
            ],
            [
                "{{ 'b' in 'abc' }}|{{ 20 in value_json.a.list }}|{{ 'x' not in value_json }}",
                JSON_PAYLOAD,
                'True|True|True',
            ],
            ['{"state": "{{ value }}"}', 'ON', '{"state": "ON"}'],
            ['{"brightness": {{ brightness | int }}, "on": {{ "true" if state == "on" else "false" }}}', '', undefined],
            ['{{ value_json.a }}', JSON_PAYLOAD, "{'b': 5, 'list': [10, 20, 30]}"],
            ['{{ value_json.a | tojson }}', JSON_PAYLOAD, '{"b":5,"list":[10,20,30]}'],
            ['{{ (value | from_json).k }}', '{"k":"v"}', 'v'],
            ["{{ value | replace('a', 'o') | trim | length }}", ' banana ', '6'],
            ['{{ value | bool }}|{{ "off" | bool }}', 'on', 'True|False'],
            ['{{ min(3, 1, 2) }}|{{ max([3, 1, 2]) }}|{{ float("1e3") }}|{{ int("x", 9) }}', '', '1|3|1000|9'],
            [
                '{% if value_json.a.b > 3 %}big{% elif value_json.a.b > 1 %}mid{% else %}small{% endif %}',
                JSON_PAYLOAD,
                'big',
            ],
            ['{% if value | int > 3 %}big{% elif value | int > 1 %}mid{% else %}small{% endif %}', '2', 'mid'],
            ['a {{- value -}} b {#- comment -#} c', 'X', 'aXbc'],
            ["{{ 'it''s' }}|{{ \"q\\\"t\" }}", '', 'its|q"t'],
        ];
        for (const [source, payload, expected] of cases) {
            it(`${source} with ${JSON.stringify(payload)} → ${JSON.stringify(expected)}`, () => {
                assert.equal(render(source, payloadVariables(payload)), expected);
            });
        }
    });

    it('renders command templates with their own variables', () => {
        const source = '{"brightness": {{ brightness | int }}, "on": {{ "true" if state == "on" else "false" }}}';
        assert.equal(render(source, { brightness: 127.6, state: 'on' }), '{"brightness": 127, "on": true}');
        assert.equal(render('{{ red }},{{ green }},{{ blue }}', { red: 255, green: 0, blue: 12 }), '255,0,12');
    });

    it('evaluate keeps the native value of a single expression', () => {
        const compiled = compileTemplate(' {{ value_json.a.b }} ');
        assert.ok(compiled.ok);
        assert.deepEqual(compiled.template.evaluate(payloadVariables(JSON_PAYLOAD)), { ok: true, value: 5 });
        assert.deepEqual(compiled.template.evaluate(payloadVariables('{}')), { ok: true, value: undefined });
        assert.deepEqual(compiled.template.evaluate(payloadVariables('not json')), { ok: true, value: undefined });
        const failing = compileTemplate('{{ value | float }}');
        assert.ok(failing.ok);
        assert.deepEqual(failing.template.evaluate(payloadVariables('x')), { ok: false });
        const mixed = compileTemplate('{{ value }} W');
        assert.ok(mixed.ok);
        assert.deepEqual(mixed.template.evaluate(payloadVariables('5')), { ok: true, value: '5 W' });
    });

    describe('refuses what is outside the subset at compile time, naming it', () => {
        const cases: [string, string][] = [
            ['{{ value.split(",")[0] }}', "method call '.split()' is not supported"],
            ['{{ value | regex_replace("a", "b") }}', "filter 'regex_replace' is not supported"],
            ['{{ now() }}', "function 'now()' is not supported"],
            ['{{ value is divisibleby 3 }}', "test 'is divisibleby' is not supported"],
            ['{% for x in value_json %}{{ x }}{% endfor %}', "statement '{% for %}' is not supported"],
            ['{% set x = 1 %}{{ x }}', "statement '{% set %}' is not supported"],
            ["{{ {'a': 1} }}", "unsupported character '{'"],
            ['{{ value_json[1:2] }}', "unsupported character ':'"],
            ['{{ value ', "missing '}}'"],
            ['{% if value %}x', "missing '{% endif %}'"],
            ['{{ "abc }}', 'unterminated string literal'],
            ['{{ value value }}', "unsupported syntax at 'value'"],
            ['{{ (1, 2) }}', 'tuples are not supported'],
        ];
        for (const [source, error] of cases) {
            it(source, () => {
                assert.deepEqual(compileTemplate(source), { ok: false, error });
            });
        }
    });

    it('never throws while rendering', () => {
        const sources = [
            '{{ value_json.a + 1 }}',
            '{{ value | int + "x" }}',
            "{{ 'a' in 5 }}",
            '{{ value_json < 3 }}',
            '{{ -value }}',
        ];
        for (const source of sources) {
            const compiled = compileTemplate(source);
            assert.ok(compiled.ok, source);
            assert.equal(compiled.template.render(payloadVariables('{"a":"text"}')), undefined, source);
        }
    });

    it('prints values like Python', () => {
        assert.deepEqual(
            [true, false, null, undefined, 1.5, 'x', [1, 'a'], { k: null }, Infinity].map(toPythonString),
            ['True', 'False', 'None', '', '1.5', 'x', "[1, 'a']", "{'k': None}", 'inf'],
        );
    });

    it('rounds like Python (ties to even on exact ties)', () => {
        assert.deepEqual(
            [
                roundPython(0.5, 0),
                roundPython(1.5, 0),
                roundPython(-2.5, 0),
                roundPython(0.125, 2),
                roundPython(21.456, 1),
            ],
            [0, 2, -2, 0.12, 21.5],
        );
    });
});
