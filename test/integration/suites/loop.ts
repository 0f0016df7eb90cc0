/**
 * No loops: two instances of this adapter exchange states and settle after one exchange per change —
 * server (mqtt-gateway.0) ← client (mqtt-gateway.1), and two clients with a mosquitto in between.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from '@iobroker/testing/build/tests/integration';
import type { TestHarness } from '@iobroker/testing/build/tests/integration/lib/harness';
import { Mosquitto } from '../../lib/mosquitto';
import { TestClient } from '../../lib/mqttClient';
import { hasCommand } from '../../lib/tools';
import { waitForEvent, waitForState } from '../../lib/wait';
import { ADAPTER_NAME, clearInstanceData, freePort } from '../realHost';

const TEST_ADAPTER_DIR = path.join(
    tmpdir(),
    `test-iobroker.${ADAPTER_NAME}`,
    'node_modules',
    `iobroker.${ADAPTER_NAME}`,
);

/** Creates mqtt-gateway.1 as a copy of instance 0 with other settings, and starts it as a second process. */
async function startSecondInstance(harness: TestHarness, native: Record<string, unknown>): Promise<ChildProcess> {
    const first = (await harness.objects.getObjectAsync(`system.adapter.${ADAPTER_NAME}.0`)) as ioBroker.InstanceObject;
    const second = structuredClone(first) as ioBroker.InstanceObject & { _id: string };
    second._id = `system.adapter.${ADAPTER_NAME}.1`;
    second.common.enabled = true;
    second.native = { ...first.native, ...native };
    await harness.objects.setObjectAsync(second._id, second);
    for (const id of [
        'info',
        'info.connection',
        'info.lastSession',
        'info.dropped',
        'info.messagesIn',
        'info.messagesOut',
    ]) {
        const obj = await harness.objects.getObjectAsync(`${ADAPTER_NAME}.0.${id}`);
        if (obj) {
            await harness.objects.setObjectAsync(`${ADAPTER_NAME}.1.${id}`, { ...obj, _id: `${ADAPTER_NAME}.1.${id}` });
        }
    }
    await harness.states.setStateAsync(`system.adapter.${ADAPTER_NAME}.1.alive`, { val: false, ack: true });
    const child = spawn(process.execPath, ['lib/main.js', '--instance', '1', '--console'], {
        cwd: TEST_ADAPTER_DIR,
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    // its log goes to the test output, prefixed, so a failure can be read
    const forward = (chunk: Buffer): void => {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
            console.log(`      [mqtt-gateway.1] ${line}`);
        }
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    return child;
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
    if (!child || child.exitCode !== null) {
        return;
    }
    const exited = waitForEvent(child, 'exit', 15000).catch(() => child.kill('SIGKILL'));
    child.kill('SIGTERM');
    await exited;
}

async function stateObject(harness: TestHarness, id: string): Promise<void> {
    await harness.objects.setObjectAsync(id, {
        type: 'state',
        common: { name: id, type: 'number', role: 'state', read: true, write: true },
        native: {},
    });
}

/** Counts state writes per id while a scenario runs. */
function countWrites(harness: TestHarness): { counts: Map<string, number>; stop: () => void } {
    const counts = new Map<string, number>();
    const onChange = (id: string): void => {
        counts.set(id, (counts.get(id) ?? 0) + 1);
    };
    harness.on('stateChange', onChange);
    return { counts, stop: () => harness.off('stateChange', onChange) };
}

export function loopSuites({ suite }: TestContext): void {
    suite('No loops: server instance ← client instance with overlapping masks', getHarness => {
        let port = 0;
        let second: ChildProcess | undefined;
        let watcher: TestClient;
        before(async function () {
            this.timeout(60000);
            const harness = getHarness();
            port = await freePort();
            clearInstanceData();
            await stateObject(harness, 'mqtt-gateway.0.loop.a');
            await stateObject(harness, 'mqtt-gateway.1.loop.b');
            await stateObject(harness, 'mqtt-gateway.0.loop.marker');
            // both publish ack=true changes too: the widest overlap
            await harness.changeAdapterConfig('mqtt-gateway', {
                native: { type: 'server', bind: '127.0.0.1', port, sendAckToo: true, publish: 'mqtt-gateway.*' },
            });
            await harness.startAdapterAndWait(true);
            watcher = await TestClient.connect(port, { clientId: 'watcher' });
            await watcher.subscribe('#');
            second = await startSecondInstance(harness, {
                type: 'client',
                url: '127.0.0.1',
                port,
                patterns: '#',
                sendAckToo: true,
                publish: 'mqtt-gateway.*',
                reconnectPeriod: 1,
                sendOnStartInterval: 50,
            });
            await waitForState(harness, 'mqtt-gateway.1.info.connection', s => s?.val === true, 20000);
        });
        after(async () => {
            await watcher?.end();
            await stopProcess(second);
        });

        it('a command on each side crosses once and settles', async function () {
            this.timeout(30000);
            const harness = getHarness();
            const writes = countWrites(harness);
            try {
                await harness.states.setStateAsync('mqtt-gateway.0.loop.a', { val: 1, ack: false });
                await harness.states.setStateAsync('mqtt-gateway.1.loop.b', { val: 2, ack: false });
                // the server's state reaches the client as its own topic, and back
                await waitForState(harness, 'mqtt-gateway.1.loop.a', s => s?.val === 1, 10000).catch((err: Error) => {
                    throw new Error(
                        `${err.message}; the broker carried: ${watcher.messages.map(m => `${m.topic}=${m.payload.toString()}`).join(' ')}`,
                    );
                });
                await waitForState(harness, 'mqtt-gateway.0.loop.b', s => s?.val === 2, 10000);
                // markers: anything still looping would keep counting between the first and the last marker
                const marker = async (i: number): Promise<void> => {
                    await harness.states.setStateAsync('mqtt-gateway.0.loop.marker', { val: i, ack: false });
                    await waitForState(harness, 'mqtt-gateway.1.loop.marker', s => s?.val === i, 10000);
                };
                const loopTraffic = (): string =>
                    JSON.stringify({
                        mqtt: watcher.messages.filter(m => /(^|\/)loop\/(a|b)$/.test(m.topic)).length,
                        writes: [...writes.counts].filter(([id]) => /\.loop\.(a|b)$/.test(id)),
                    });
                await marker(1);
                const settled = loopTraffic();
                await marker(2);
                await marker(3);
                assert.equal(loopTraffic(), settled, 'no more traffic once a change has crossed: it settled');
                // bounded: each side writes the other's value at most twice (once directly, once more when the
                // other instance mirrors its namespace back, because both masks cover 'mqtt-gateway.*')
                for (const id of ['mqtt-gateway.1.loop.a', 'mqtt-gateway.0.loop.b']) {
                    assert.ok((writes.counts.get(id) ?? 0) <= 2, `${id} written ${writes.counts.get(id)} times`);
                }
                // the client mirrors 'mqtt-gateway.0.*' back as foreign topics: the user's command (1), its copy
                // back as a status (2), and that status' ack=true copy once more (3) — then on-change stops it
                const original = writes.counts.get('mqtt-gateway.0.loop.a') ?? 0;
                assert.ok(original <= 3, `the original state was written ${original} times`);
            } finally {
                writes.stop();
            }
        });
    });

    suite('No loops: two client instances with a mosquitto in between', getHarness => {
        let mosquitto: Mosquitto | undefined;
        let second: ChildProcess | undefined;
        let watcher: TestClient;
        before(async function () {
            this.timeout(60000);
            if (!hasCommand('mosquitto')) {
                console.log('      SKIPPED: mosquitto is not installed (apt-get install mosquitto)');
                this.skip();
            }
            const harness = getHarness();
            mosquitto = new Mosquitto({ port: await freePort() });
            await mosquitto.start();
            watcher = await TestClient.connect(mosquitto.options.port, { clientId: 'watcher' });
            await watcher.subscribe('#');
            await stateObject(harness, 'mqtt-gateway.0.m.a');
            await stateObject(harness, 'mqtt-gateway.0.m.marker');
            const common = {
                type: 'client',
                url: '127.0.0.1',
                port: mosquitto.options.port,
                patterns: '#',
                sendAckToo: true,
                publish: 'mqtt-gateway.*',
                reconnectPeriod: 1,
                sendOnStartInterval: 50,
                retain: true,
            };
            clearInstanceData();
            await harness.changeAdapterConfig('mqtt-gateway', { native: { ...common, clientId: 'iob-0' } });
            await harness.startAdapterAndWait(true);
            second = await startSecondInstance(harness, { ...common, clientId: 'iob-1' });
            await waitForState(harness, 'mqtt-gateway.1.info.connection', s => s?.val === true, 20000);
        });
        after(async () => {
            await watcher?.end();
            await stopProcess(second);
            await mosquitto?.dispose();
        });

        it('a change crosses once and settles', async function () {
            this.timeout(30000);
            const harness = getHarness();
            const writes = countWrites(harness);
            try {
                await harness.states.setStateAsync('mqtt-gateway.0.m.a', { val: 5, ack: false });
                await waitForState(harness, 'mqtt-gateway.1.m.a', s => s?.val === 5, 10000);
                const marker = async (i: number): Promise<void> => {
                    await harness.states.setStateAsync('mqtt-gateway.0.m.marker', { val: i, ack: false });
                    await waitForState(harness, 'mqtt-gateway.1.m.marker', s => s?.val === i, 10000);
                };
                const traffic = (): string =>
                    JSON.stringify({
                        mqtt: watcher.messages.filter(m => /(^|\/)m\/a$/.test(m.topic)).length,
                        writes: [...writes.counts].filter(([id]) => id.endsWith('.m.a')),
                    });
                await marker(1);
                const settled = traffic();
                await marker(2);
                await marker(3);
                assert.equal(traffic(), settled, 'no more traffic once the change has crossed: it settled');
                const crossings = watcher.received('m/a').length;
                assert.ok(crossings <= 2, `m/a crossed ${crossings} times`);
                assert.ok((writes.counts.get('mqtt-gateway.1.m.a') ?? 0) <= 2, 'instance 1 wrote m.a at most twice');
                // as above: the other instance mirrors 'mqtt-gateway.0.*' back, bounded by on-change
                const original = writes.counts.get('mqtt-gateway.0.m.a') ?? 0;
                assert.ok(original <= 3, `the original state was written ${original} times`);
            } finally {
                writes.stop();
            }
        });
    });
}
