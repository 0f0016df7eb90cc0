#!/usr/bin/env node
/**
 * `npm test`: everything, in order — lint, type check, lib/ freshness, unit (with coverage of src/mapping), package
 * files (`@iobroker/testing`'s checks of package.json, io-package.json and jsonConfig), integration on a real
 * js-controller, end-to-end. Each step's output is streamed; at the end one summary line counts the tests of all steps. Steps that cannot run here say why; they are never silently left out.
 * Runs on Node >= 22: on an older Node it first fetches Node 22 and runs itself on it (scripts/hostNode.mjs), so the
 * js-controller test hosts and the adapter run on Node 22 too.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureHostNode } from './hostNode.mjs';

await ensureHostNode();

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = name => path.join(root, 'node_modules', '.bin', name);

const steps = [
    { name: 'lint', cmd: bin('eslint'), args: ['--max-warnings', '0'] },
    { name: 'typecheck', cmd: bin('tsc'), args: ['-p', 'tsconfig.json'] },
    { name: 'lib freshness', cmd: process.execPath, args: ['scripts/check-lib.mjs'] },
    {
        name: 'unit',
        cmd: bin('c8'),
        args: [
            '--reporter=text-summary',
            '--reporter=text',
            '--include=src/mapping/**',
            bin('mocha'),
            '--config',
            'test/.mocharc.unit.json',
        ],
        mocha: true,
    },
    {
        name: 'package files',
        cmd: bin('mocha'),
        args: ['--require', 'tsx/cjs', '--extension', 'ts', '--exit', 'test/package/**/*.test.ts'],
        mocha: true,
        // its schemas come from the copies beside the project; without them it would download them: not here
        needs: [
            path.join(root, '..', 'shared', 'tools', 'repochecker', 'io-package.schema.json'),
            path.join(root, '..', 'shared', 'schemas', 'jsonConfig.schema.json'),
        ],
    },
    { name: 'integration', cmd: bin('mocha'), args: ['--config', 'test/.mocharc.integration.json'], mocha: true },
];
const e2eDir = path.join(root, 'test', 'e2e');
if (existsSync(e2eDir) && readdirSync(e2eDir).some(f => f.endsWith('.test.ts'))) {
    steps.push({ name: 'e2e', cmd: bin('mocha'), args: ['--config', 'test/.mocharc.e2e.json'], mocha: true });
}

function runStep(step) {
    return new Promise(resolve => {
        console.log(`\n=== ${step.name} ===`);
        const child = spawn(step.cmd, step.args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        const forward = (stream, target) =>
            stream.on('data', chunk => {
                output += chunk.toString();
                target.write(chunk);
            });
        forward(child.stdout, process.stdout);
        forward(child.stderr, process.stderr);
        child.on('close', code => resolve({ code: code ?? 1, output }));
    });
}

function count(output, word) {
    // mocha's closing lines: "  12 passing (3s)", "  1 failing", "  2 pending"
    const match = new RegExp(`^\\s*(\\d+) ${word}\\b`, 'm').exec(output);
    return match ? Number(match[1]) : 0;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const failedSteps = [];
for (const step of steps) {
    const missing = (step.needs ?? []).filter(file => !existsSync(file));
    if (missing.length > 0) {
        console.log(
            `\n=== ${step.name} ===\nSKIPPED: ${missing.join(', ')} not there (npm run test:package downloads it)`,
        );
        totals.skipped += 1;
        continue;
    }
    const { code, output } = await runStep(step);
    if (step.mocha) {
        totals.passed += count(output, 'passing');
        totals.failed += count(output, 'failing');
        totals.skipped += count(output, 'pending');
    }
    if (code !== 0) {
        failedSteps.push(`${step.name} (exit ${code})`);
        if (step.mocha && count(output, 'failing') === 0) {
            totals.failed += 1; // a runner that died without reporting counts as one failure
        }
    }
}

console.log('');
console.log(`node: ${process.versions.node} (${process.execPath})`);
if (failedSteps.length > 0) {
    console.log(`Failed steps: ${failedSteps.join(', ')}`);
}
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedSteps.length > 0 ? 1 : 0);
