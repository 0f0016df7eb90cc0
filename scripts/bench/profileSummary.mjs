#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (from BENCH_PROFILE=1 npm run bench): self time by function and by package, so a hot
 * path can be named with figures. Usage: node scripts/bench/profileSummary.mjs <file.cpuprofile> [top=25] [from-to]
 * from-to (seconds since the profile started, e.g. 12.5-14) counts only the samples of that window; without it a
 * timeline of busy time per half second is printed first, to find the window of a workload.
 */
import { readFileSync } from 'node:fs';

const [file, topArg, windowArg] = process.argv.slice(2);
if (!file) {
    console.error('usage: node scripts/bench/profileSummary.mjs <file.cpuprofile> [top]');
    process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map(n => [n.id, n]));
const selfMs = new Map();
const deltas = profile.timeDeltas;
const [from, to] = windowArg ? windowArg.split('-').map(Number) : [0, Infinity];
const idleIds = new Set(
    profile.nodes.filter(n => ['(idle)', '(program)'].includes(n.callFrame.functionName)).map(n => n.id),
);
const busyPerBucket = [];
let t = 0;
for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    const ms = (deltas[i] ?? 0) / 1000;
    t += ms;
    if (!idleIds.has(id)) {
        const bucket = Math.floor(t / 500);
        busyPerBucket[bucket] = (busyPerBucket[bucket] ?? 0) + ms;
    }
    if (t / 1000 >= from && t / 1000 < to) {
        selfMs.set(id, (selfMs.get(id) ?? 0) + ms);
    }
}
if (!windowArg) {
    console.log('busy ms per 0.5 s (start s: ms), buckets over 50 ms:');
    busyPerBucket.forEach((ms, b) => ms > 50 && console.log(`  ${(b / 2).toFixed(1).padStart(6)}: ${ms.toFixed(0)}`));
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

// the longest stretches without an idle sample (event-loop blocks: what delays a message), with what ran in them
const stretches = [];
let current;
let clock = 0;
for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    clock += ms;
    const inWindow = clock / 1000 >= from && clock / 1000 < to;
    if (!inWindow || idleIds.has(profile.samples[i])) {
        if (current) {
            stretches.push(current);
            current = undefined;
        }
        continue;
    }
    current ??= { start: clock, ms: 0, fns: new Map() };
    current.ms += ms;
    const cf = byId.get(profile.samples[i]).callFrame;
    const key = `${cf.functionName || '(anonymous)'} ${cf.url.split('/').slice(-2).join('/')}`;
    current.fns.set(key, (current.fns.get(key) ?? 0) + ms);
}
console.log('\nlongest busy stretches (start s, ms, top functions):');
for (const s of stretches.sort((a, b) => b.ms - a.ms).slice(0, 10)) {
    const topFns = [...s.fns]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([k, ms]) => `${k} ${ms.toFixed(1)}`)
        .join('; ');
    console.log(`  ${(s.start / 1000).toFixed(2).padStart(7)}  ${s.ms.toFixed(1).padStart(6)}  ${topFns}`);
}
