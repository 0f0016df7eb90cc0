#!/usr/bin/env node
/** Fails when lib/ is not exactly what src/ compiles to (lib/ is committed, as ioBroker adapters do). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(path.join(tmpdir(), 'mqtt-gateway-lib-'));

function files(dir, base = dir) {
    return readdirSync(dir).flatMap(name => {
        const full = path.join(dir, name);
        return statSync(full).isDirectory() ? files(full, base) : [path.relative(base, full)];
    });
}

try {
    const tsc = spawnSync(
        process.execPath,
        [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out],
        { cwd: root, stdio: 'inherit' },
    );
    if (tsc.status !== 0) {
        console.error('check:lib: the build failed');
        process.exit(1);
    }
    const expected = files(out).sort();
    const actual = files(path.join(root, 'lib')).sort();
    const problems = [];
    for (const file of new Set([...expected, ...actual])) {
        if (!expected.includes(file)) {
            problems.push(`lib/${file} has no source in src/`);
        } else if (!actual.includes(file)) {
            problems.push(`lib/${file} is missing`);
        } else if (!readFileSync(path.join(out, file)).equals(readFileSync(path.join(root, 'lib', file)))) {
            problems.push(`lib/${file} differs from what src/ compiles to`);
        }
    }
    if (problems.length > 0) {
        console.error(`check:lib: lib/ is stale — run 'npm run build' and commit lib/:\n  ${problems.join('\n  ')}`);
        process.exit(1);
    }
    console.log(`check:lib: lib/ matches src/ (${expected.length} files)`);
} finally {
    rmSync(out, { recursive: true, force: true });
}
