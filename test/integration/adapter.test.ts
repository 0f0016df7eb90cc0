import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { tests } from '@iobroker/testing';
import mqtt from 'mqtt';
import { hasCommand, skipWithReason } from '../lib/tools';
import { waitForEvent, waitForState } from '../lib/wait';
import { ADAPTER_DIR, CONTROLLER_VERSION, freePort, prepareRealHost } from './realHost';
import { engineSuites } from './suites/engine';
import { serverSuites } from './suites/server';
import { clientSuites } from './suites/client';
import { loopSuites } from './suites/loop';
import { jsonSuites } from './suites/json';
import { commandSuites } from './suites/commands';
import { discoverySuites } from './suites/discovery';

prepareRealHost();

tests.integration(ADAPTER_DIR, {
    controllerVersion: CONTROLLER_VERSION,
    // 11 = ADAPTER_REQUESTED_TERMINATION, used for configuration errors
    allowedExitCodes: [11],
    defineAdditionalTests(context) {
        const { suite } = context;
        engineSuites(context);
        serverSuites(context);
        clientSuites(context);
        loopSuites(context);
        jsonSuites(context);
        commandSuites(context);
        discoverySuites(context);

        suite('Server mode on a real socket', getHarness => {
            let port = 0;

            before(async function () {
                this.timeout(60000);
                port = await freePort();
                const harness = getHarness();
                await harness.changeAdapterConfig('mqtt-gateway', {
                    native: { type: 'server', bind: '127.0.0.1', port },
                });
                await harness.startAdapterAndWait(true);
            });

            it('sets info.connection to true once the broker listens', async () => {
                const state = await waitForState(getHarness(), 'mqtt-gateway.0.info.connection', s => s?.val === true);
                assert.equal(state?.ack, true);
            });

            it('accepts a real mqtt.js client (CONNACK 0)', async () => {
                const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000 });
                try {
                    const connack = await waitForEvent<{ returnCode?: number }>(client, 'connect');
                    assert.equal(connack.returnCode ?? 0, 0);
                } finally {
                    await client.endAsync();
                }
            });

            it('accepts mosquitto_pub', async function () {
                if (!hasCommand('mosquitto_pub')) {
                    skipWithReason(this, 'mosquitto_pub is not installed (apt-get install mosquitto-clients)');
                }
                const child = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', 'x', '-m', '1'], {
                    stdio: ['ignore', 'pipe', 'pipe'],
                });
                let stderr = '';
                child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
                const code = await waitForEvent<number>(child, 'exit');
                assert.equal(code, 0, `mosquitto_pub failed: ${stderr}`);
            });

            it('sets info.connection to false when the instance stops', async () => {
                const harness = getHarness();
                await harness.stopAdapter();
                const state = await harness.states.getStateAsync('mqtt-gateway.0.info.connection');
                assert.equal(state?.val, false);
            });
        });

        suite('A configuration error stops the instance with one message', getHarness => {
            it('names the option, exits with code 11 and never listens', async function () {
                this.timeout(30000);
                const harness = getHarness();
                await harness.changeAdapterConfig('mqtt-gateway', {
                    native: { type: 'server', bind: '127.0.0.1', port: 70000 },
                });
                const exited = waitForEvent<number | string>(harness, 'failed', 20000);
                await harness.startAdapter();
                assert.equal(await exited, 11);
                const errors = harness.getLogs('error').filter(l => l.message.includes('Invalid configuration'));
                assert.equal(errors.length, 1, 'exactly one error message about the configuration');
                assert.match(errors[0]!.message, /option 'port' must be between 1 and 65535, got 70000/);
                const state = await harness.states.getStateAsync('mqtt-gateway.0.info.connection');
                assert.notEqual(state?.val, true);
            });
        });

        suite('A port that is taken stops the instance with one message', getHarness => {
            it('names bind/port and exits with code 11', async function () {
                this.timeout(30000);
                const { createServer } = await import('node:net');
                const blocker = createServer();
                await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', () => resolve()));
                const address = blocker.address();
                const port = typeof address === 'object' && address ? address.port : 0;
                try {
                    const harness = getHarness();
                    await harness.changeAdapterConfig('mqtt-gateway', {
                        native: { type: 'server', bind: '127.0.0.1', port },
                    });
                    const exited = waitForEvent<number | string>(harness, 'failed', 20000);
                    await harness.startAdapter();
                    assert.equal(await exited, 11);
                    assert.ok(
                        harness.hasLog(
                            new RegExp(
                                `Cannot listen on 127\\.0\\.0\\.1 \\(options 'bind'/'port'/'wsPort'\\): 127\\.0\\.0\\.1:${port}: listen EADDRINUSE`,
                            ),
                            'error',
                        ),
                    );
                } finally {
                    await new Promise<void>(resolve => blocker.close(() => resolve()));
                }
            });
        });
    },
});
