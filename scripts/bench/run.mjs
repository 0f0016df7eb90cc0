#!/usr/bin/env node
/**
 * `npm run bench`: runs every benchmark in scripts/bench/ and prints its figures. Benchmarks never pass or fail.
 * Node with tsx runs the TypeScript sources directly (no build needed).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const benches = readdirSync(dir)
    .filter(f => f.endsWith('.bench.ts'))
    .filter(f => !only || f.includes(only))
    .sort();
for (const file of benches) {
    console.log(`\n=== ${file} ===`);
    const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(dir, file)], {
        stdio: 'inherit',
    });
    if (result.status !== 0) {
        console.log(`${file} exited with code ${result.status}`);
    }
}
