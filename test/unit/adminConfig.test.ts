/**
 * admin/jsonConfig.json: valid against the official jsonConfig schema (provided in ../shared/schemas, not shipped
 * by any package), and in step with io-package.json's `native` (every option has a field, every field an option).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';

const LANGUAGES = ['en', 'de', 'ru', 'pt', 'nl', 'fr', 'it', 'es', 'pl', 'uk', 'zh-cn'];
/** Attributes whose text admin translates when the config says `i18n: true`. */
const TRANSLATED = ['label', 'help', 'text', 'placeholder', 'tooltip', 'validatorErrorText', 'title', 'confirm'];

const root = path.join(__dirname, '../..');
const schemaPath = path.join(root, '..', 'shared', 'schemas', 'jsonConfig.schema.json');
const config = JSON.parse(readFileSync(path.join(root, 'admin', 'jsonConfig.json'), 'utf8')) as Record<string, unknown>;
const io = JSON.parse(readFileSync(path.join(root, 'io-package.json'), 'utf8')) as { native: Record<string, unknown> };

/** Field names (native attributes) of a jsonConfig tree: the keys of `items` of every panel/tab. */
function fieldsOf(node: unknown, out = new Set<string>()): Set<string> {
    if (!node || typeof node !== 'object') {
        return out;
    }
    const n = node as { type?: string; items?: unknown };
    if (n.items && typeof n.items === 'object' && !Array.isArray(n.items)) {
        for (const [key, child] of Object.entries(n.items as Record<string, unknown>)) {
            const type = (child as { type?: string }).type;
            if (type === 'panel' || type === 'tabs') {
                fieldsOf(child, out);
            } else if (!key.startsWith('_')) {
                out.add(key);
            }
        }
    }
    return out;
}

/** Every text of a jsonConfig tree that admin passes through its translator. */
function textsOf(node: unknown, out = new Set<string>()): Set<string> {
    if (Array.isArray(node)) {
        node.forEach(n => textsOf(n, out));
    } else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
            if (TRANSLATED.includes(key) && typeof value === 'string') {
                out.add(value);
            } else {
                textsOf(value, out);
            }
        }
    }
    return out;
}

function readLanguage(lang: string): Record<string, unknown> {
    return JSON.parse(readFileSync(path.join(root, 'admin', 'i18n', `${lang}.json`), 'utf8')) as Record<
        string,
        unknown
    >;
}

describe('admin/i18n', () => {
    const en = readLanguage('en');

    it('is switched on, and every text of the form has an English entry', () => {
        assert.equal(config.i18n, true);
        const texts = [...textsOf(config)];
        assert.ok(texts.length > 100, `${texts.length} texts found`);
        assert.deepEqual(
            texts.filter(t => typeof en[t] !== 'string' || en[t] === ''),
            [],
        );
        assert.deepEqual(
            Object.keys(en).filter(k => !texts.includes(k)),
            [],
            'entries no field uses',
        );
    });

    for (const lang of LANGUAGES.filter(l => l !== 'en')) {
        it(`${lang}: the same keys as English, none empty, really translated, placeholders kept`, () => {
            const tr = readLanguage(lang);
            assert.deepEqual(Object.keys(tr).sort(), Object.keys(en).sort());
            const empty = Object.entries(tr).filter(([, v]) => typeof v !== 'string' || v.trim() === '');
            assert.deepEqual(empty, []);
            // labels like "Port", "QoS" or "WebSocket" may rightly stay as they are, but not the bulk of the texts
            const same = Object.keys(en).filter(k => tr[k] === en[k]);
            assert.ok(
                same.length <= Object.keys(en).length * 0.2,
                `${same.length} of ${Object.keys(en).length} texts are English copies: ${same.join(' | ')}`,
            );
            for (const [key, value] of Object.entries(en)) {
                const tokens = String(value).match(/<[a-z ]+>|%[uc]|\{val, ack, ts, q, lc\}/g) ?? [];
                for (const token of tokens) {
                    assert.ok(String(tr[key]).includes(token), `${lang} '${key}' keeps ${token}`);
                }
            }
        });
    }
});

describe('admin/jsonConfig.json', () => {
    it('is valid against the official jsonConfig schema', function () {
        if (!existsSync(schemaPath)) {
            console.log(`      SKIPPED: ${schemaPath} is not there (it is provided beside the project, not shipped)`);
            this.skip();
        }
        const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as object;
        const ajv = new Ajv({ allErrors: true, strict: false });
        const validate = ajv.compile(schema);
        const valid = validate(config);
        assert.ok(valid, JSON.stringify(validate.errors?.slice(0, 10), null, 2));
        // the check has teeth: a field of a type admin does not know is refused
        const broken = structuredClone(config) as { items: { mqtt: { items: Record<string, unknown> } } };
        broken.items.mqtt.items.prefix = { type: 'no-such-control', label: 'x' };
        assert.equal(validate(broken), false);
    });

    it('has a field for every native option and an option for every field', () => {
        const fields = fieldsOf(config);
        const native = new Set(Object.keys(io.native));
        const missing = [...native].filter(k => !fields.has(k));
        const unknown = [...fields].filter(k => !native.has(k));
        assert.deepEqual(missing, [], 'native options without a field');
        assert.deepEqual(unknown, [], 'fields without a native option');
    });
});
