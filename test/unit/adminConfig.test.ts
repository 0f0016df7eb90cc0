/**
 * admin/jsonConfig.json: valid against the official jsonConfig schema (provided in ../shared/schemas, not shipped
 * by any package), and in step with io-package.json's `native` (every option has a field, every field an option).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';

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
