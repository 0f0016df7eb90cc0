/**
 * admin/blockly.js, loaded the way the javascript adapter's editor loads it (a plain script with a global Blockly),
 * into a recording stand-in of Blockly: the block's fields, its words in all 11 languages, and the code it generates,
 * which is then run against a sendTo spy.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

const source = readFileSync(path.join(__dirname, '../../admin/blockly.js'), 'utf8');
const LANGUAGES = ['en', 'de', 'ru', 'pt', 'nl', 'fr', 'it', 'es', 'pl', 'uk', 'zh-cn'];

class FieldDropdown {
    constructor(public options: [string, string][]) {}
}
class FieldCheckbox {
    constructor(public value: string) {}
}

interface Recorded {
    inputs: { kind: string; name: string; fields: { field: unknown; name?: string }[] }[];
    tooltip?: string;
    previous?: boolean;
    next?: boolean;
}

function load(systemLang: string, instances: string[]): Record<string, any> {
    const Blockly: Record<string, any> = {
        Words: {},
        Blocks: {},
        JavaScript: {
            ORDER_ATOMIC: 0,
            valueToCode: (block: { values: Record<string, string> }, name: string) => block.values[name],
        },
        Sendto: { blocks: {}, HUE: 190 },
        FieldDropdown,
        FieldCheckbox,
    };
    vm.runInNewContext(source, { Blockly, main: { instances }, systemLang });
    return Blockly;
}

function build(Blockly: Record<string, any>, type = 'mqtt_gateway_message'): Recorded {
    const rec: Recorded = { inputs: [] };
    const input = (kind: string, name: string): any => {
        const entry = { kind, name, fields: [] as { field: unknown; name?: string }[] };
        rec.inputs.push(entry);
        const api = {
            appendField(field: unknown, fieldName?: string) {
                entry.fields.push({ field, name: fieldName });
                return api;
            },
        };
        return api;
    };
    const self = {
        appendDummyInput: (name: string) => input('dummy', name),
        appendValueInput: (name: string) => input('value', name),
        setInputsInline: () => undefined,
        setPreviousStatement: (v: boolean) => (rec.previous = v),
        setNextStatement: (v: boolean) => (rec.next = v),
        setColour: () => undefined,
        setTooltip: (t: string) => (rec.tooltip = t),
        setHelpUrl: () => undefined,
    };
    Blockly.Blocks[type].init.call(self);
    return rec;
}

/** The field at `field` of input `input` of a built block. */
function fieldOf(rec: Recorded, input: number, field: number): unknown {
    const entry = rec.inputs[input]?.fields[field];
    assert.ok(entry, `input ${input} has a field ${field}`);
    return entry.field;
}

function generate(
    Blockly: Record<string, any>,
    fields: Record<string, unknown>,
    values: Record<string, string>,
): string {
    return Blockly.JavaScript.mqtt_gateway_message({ getFieldValue: (n: string) => fields[n], values });
}

function runSendTo(code: string): unknown[][] {
    const calls: unknown[][] = [];
    vm.runInNewContext(code, { sendTo: (...args: unknown[]) => calls.push(args) });
    // objects made in the other context have its prototypes: compare plain copies
    return JSON.parse(JSON.stringify(calls)) as unknown[][];
}

describe('admin/blockly.js', () => {
    it('registers the block in the Sendto toolbox with topic and message inputs', () => {
        const Blockly = load('en', []);
        const xml = Blockly.Sendto.blocks.mqtt_gateway_message as string;
        assert.match(xml, /<block type="mqtt_gateway_message">/);
        assert.match(xml, /<value name="TOPIC">/);
        assert.match(xml, /<value name="MESSAGE">/);
        const rec = build(Blockly);
        assert.deepEqual(
            rec.inputs.map(i => `${i.kind}:${i.name}`),
            ['dummy:INSTANCE', 'value:TOPIC', 'value:MESSAGE', 'dummy:RETAIN', 'dummy:QOS'],
        );
        assert.equal(rec.previous, true);
        assert.equal(rec.next, true);
    });

    it('offers the instances of this adapter only, plus "all instances"', () => {
        const Blockly = load('en', [
            'system.adapter.mqtt-gateway.0',
            'system.adapter.mqtt.0',
            'system.adapter.mqtt-gateway.3',
            'system.adapter.mqtt-gateway-x.1',
        ]);
        const rec = build(Blockly);
        const dropdown = fieldOf(rec, 0, 1) as FieldDropdown;
        assert.deepEqual(JSON.parse(JSON.stringify(dropdown.options)), [
            ['mqtt-gateway.0', '.0'],
            ['mqtt-gateway.3', '.3'],
            ['all instances', ''],
        ]);
    });

    it('speaks the editor language, for all 11 languages', () => {
        for (const lang of LANGUAGES) {
            const Blockly = load(lang, []);
            for (const [key, word] of Object.entries(Blockly.Words as Record<string, Record<string, string>>)) {
                assert.deepEqual(Object.keys(word).sort(), [...LANGUAGES].sort(), `${key} has every language`);
            }
        }
        const de = build(load('de', []));
        assert.equal(fieldOf(de, 0, 0), 'MQTT-Nachricht');
        assert.equal(fieldOf(de, 2, 0), 'Nachricht');
        const zh = build(load('zh-cn', []));
        assert.equal(fieldOf(zh, 0, 0), 'MQTT 消息');
        // an unknown language falls back to English
        assert.equal(fieldOf(build(load('xx', [])), 0, 0), 'MQTT message');
    });

    it('generates sendTo(mqtt-gateway.N, sendMessage2Client, {topic, message, retain[, qos]})', () => {
        const Blockly = load('en', ['system.adapter.mqtt-gateway.1']);
        const code = generate(
            Blockly,
            { INSTANCE: '.1', RETAIN: 'TRUE', QOS: '2' },
            { TOPIC: "'home/lamp'", MESSAGE: "'on'" },
        );
        assert.deepEqual(runSendTo(code), [
            ['mqtt-gateway.1', 'sendMessage2Client', { topic: 'home/lamp', message: 'on', retain: true, qos: 2 }],
        ]);
        // default QoS (none given → the instance's setting), not retained, all instances, a computed message
        const code2 = generate(
            Blockly,
            { INSTANCE: '', RETAIN: 'FALSE', QOS: '' },
            { TOPIC: "'a/b'", MESSAGE: '(20 + 1.5)' },
        );
        assert.deepEqual(runSendTo(code2), [
            ['mqtt-gateway', 'sendMessage2Client', { topic: 'a/b', message: 21.5, retain: false }],
        ]);
        // empty inputs still give valid code (the adapter refuses the empty topic with a clear error)
        const code3 = generate(Blockly, { INSTANCE: '.0', RETAIN: 'FALSE', QOS: '' }, { TOPIC: '', MESSAGE: '' });
        assert.deepEqual(runSendTo(code3), [
            ['mqtt-gateway.0', 'sendMessage2Client', { topic: '', message: '', retain: false }],
        ]);
    });

    it('"MQTT command state" generates sendTo(mqtt-gateway.N, createCommand, {topic, type}) for one instance', () => {
        const Blockly = load('de', ['system.adapter.mqtt-gateway.2']);
        assert.match(Blockly.Sendto.blocks.mqtt_gateway_command as string, /<block type="mqtt_gateway_command">/);
        const rec = build(Blockly, 'mqtt_gateway_command');
        assert.deepEqual(
            rec.inputs.map(i => `${i.kind}:${i.name}`),
            ['dummy:INSTANCE', 'value:TOPIC', 'dummy:TYPE'],
        );
        assert.equal(fieldOf(rec, 0, 0), 'MQTT-Befehlszustand');
        // a command state belongs to one instance: no "all instances"
        assert.deepEqual(JSON.parse(JSON.stringify((fieldOf(rec, 0, 1) as FieldDropdown).options)), [
            ['mqtt-gateway.2', '.2'],
        ]);
        const code = Blockly.JavaScript.mqtt_gateway_command({
            getFieldValue: (n: string) => ({ INSTANCE: '.2', TYPE: 'boolean' })[n],
            values: { TOPIC: "'cmnd/plug1/POWER'" },
        }) as string;
        assert.deepEqual(runSendTo(code), [
            ['mqtt-gateway.2', 'createCommand', { topic: 'cmnd/plug1/POWER', type: 'boolean' }],
        ]);
    });
});
