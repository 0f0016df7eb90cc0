#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (from BENCH_PROFILE=1 npm run bench): self time by function and by package, so a hot
 * path can be named with figures. Usage: node bench/profileSummary.mjs <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
    console.error('usage: node bench/profileSummary.mjs <file.cpuprofile> [top]');
    process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map(n => [n.id, n]));
const selfMs = new Map();
const deltas = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfMs.set(id, (selfMs.get(id) ?? 0) + (deltas[i] ?? 0) / 1000);
}
const total = [...selfMs.values()].reduce((a, b) => a + b, 0);

function where(url) {
    if (!url) {
        return '(native/V8)';
    }
    const nm = url.lastIndexOf('node_modules/');
    if (nm >= 0) {
        const rest = url.slice(nm + 'node_modules/'.length).split('/');
        return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    }
    if (url.startsWith('node:')) {
        return 'node core';
    }
    return url.includes('/lib/') ? 'this adapter' : url;
}

const fn = new Map();
const pkg = new Map();
for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    const cf = node.callFrame;
    const name = cf.functionName || '(anonymous)';
    const idle = name === '(idle)' || name === '(program)' || name === '(garbage collector)';
    const key = `${name} ${idle ? '' : `${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`}`;
    fn.set(key, (fn.get(key) ?? 0) + ms);
    const p = idle ? name : where(cf.url);
    pkg.set(p, (pkg.get(p) ?? 0) + ms);
}
const pct = ms => `${((ms / total) * 100).toFixed(1).padStart(5)} %`;
console.log(`${file}\n  ${total.toFixed(0)} ms sampled\n\nself time by package:`);
for (const [k, ms] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`  ${pct(ms)}  ${ms.toFixed(0).padStart(6)} ms  ${k}`);
}
console.log(`\nself time by function (top ${top}):`);
for (const [k, ms] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${pct(ms)}  ${ms.toFixed(0).padStart(6)} ms  ${k}`);
}
