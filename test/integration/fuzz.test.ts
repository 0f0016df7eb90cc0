/**
 * Fuzzing the embedded broker (issue #16, item 11): a seeded mutation fuzzer (test/lib/fuzzPackets.ts) sends
 * thousands of valid and mutated MQTT packets over hundreds of raw TCP connections while well-behaved clients keep
 * exchanging QoS 1 messages. Observable: the process does not crash, nothing throws uncaught, the well-behaved
 * clients stay connected and get every message, and a fresh client works afterwards.
 *
 * The seed is printed; `FUZZ_SEED=<n>` reproduces a run (the byte streams; their interleaving depends on timing).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqttPacket from 'mqtt-packet';
import type { BrokerServiceOptions } from '../../src/broker/brokerService';
import { MqttFuzzer, type FuzzedConnection, type ProtocolVersion } from '../lib/fuzzPackets';
import { TestClient } from '../lib/mqttClient';
import { startBroker, type Started } from '../lib/testBroker';
import { skipWithReason } from '../lib/tools';
import { until } from '../lib/wait';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const CONCURRENCY = 25;

interface FuzzStats {
    connections: number;
    packets: number;
    mutated: number;
    bytes: number;
    /** Connections the broker closed (FIN or reset) before the fuzzer closed them. */
    closedByBroker: number;
}

/** Sends one planned connection; resolves when its socket is gone (never rejects). */
function runConnection(port: number, plan: FuzzedConnection): Promise<{ closedByBroker: boolean }> {
    return new Promise(resolve => {
        let finished = false;
        let closedByBroker = false;
        let ended = false;
        const socket = connect({ port, host: '127.0.0.1' });
        const finish = (): void => {
            if (!finished) {
                finished = true;
                socket.destroy();
                resolve({ closedByBroker });
            }
        };
        socket.on('error', () => undefined);
        socket.on('data', () => undefined); // read and discard what the broker answers
        socket.on('end', () => (closedByBroker ||= !ended)); // the broker sent FIN first
        socket.on('close', () => {
            closedByBroker ||= !finished && !ended;
            finish();
        });
        socket.once('connect', () => {
            void (async () => {
                for (const chunk of plan.chunks) {
                    if (socket.destroyed) {
                        break;
                    }
                    socket.write(chunk);
                    // let the broker's parser see the stream in the pieces it was cut into
                    await new Promise(r => setImmediate(r));
                }
                if (plan.ending === 'destroy') {
                    finish();
                    return;
                }
                if (plan.ending === 'end') {
                    ended = true;
                    socket.end();
                }
                // give the broker a moment to answer or close; a declared but never-sent body keeps it waiting
                setTimeout(finish, plan.ending === 'end' ? 500 : 200);
            })();
        });
    });
}

async function fuzz(port: number, fuzzer: MqttFuzzer, connections: number): Promise<FuzzStats> {
    const plans = Array.from({ length: connections }, () => fuzzer.connection());
    const stats: FuzzStats = { connections, packets: 0, mutated: 0, bytes: 0, closedByBroker: 0 };
    for (const plan of plans) {
        stats.packets += plan.packets;
        stats.mutated += plan.mutated;
        stats.bytes += plan.chunks.reduce((n, c) => n + c.length, 0);
    }
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < plans.length) {
            const plan = plans[next++]!;
            if ((await runConnection(port, plan)).closedByBroker) {
                stats.closedByBroker++;
            }
        }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return stats;
}

/** What the broker answers to a CONNECT of `version`: the CONNACK's code, or undefined if it sent none. */
function connackCode(port: number, version: ProtocolVersion): Promise<{ code: number | undefined; raw: string }> {
    return new Promise((resolve, reject) => {
        const socket = connect({ port, host: '127.0.0.1' });
        let received = Buffer.alloc(0);
        let timer: NodeJS.Timeout | undefined = undefined;
        const done = (): void => {
            clearTimeout(timer);
            socket.destroy();
            // CONNACK: 0x20, remaining length, flags, then the return code (3.1.1) or reason code (5)
            const code = received[0] === 0x20 && received.length >= 4 ? received[3] : undefined;
            resolve({ code, raw: received.toString('hex') });
        };
        socket.on('error', reject);
        socket.on('data', chunk => {
            received = Buffer.concat([received, chunk]);
            if (received.length >= 4) {
                done();
            }
        });
        socket.on('close', done);
        timer = setTimeout(done, 5000);
        socket.once('connect', () =>
            socket.write(
                mqttPacket.generate(
                    {
                        cmd: 'connect',
                        protocolId: 'MQTT',
                        protocolVersion: version,
                        clientId: `probe-v${version}`,
                        clean: true,
                        keepalive: 30,
                    },
                    { protocolVersion: version },
                ),
            ),
        );
    });
}

describe('Fuzzing: mutated MQTT packets on real sockets', function () {
    this.timeout(120000);
    const cleanups: (() => Promise<void> | void)[] = [];
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => {
        uncaught.push(err);
    };

    before(() => console.log(`      fuzz seed ${SEED} (reproduce with FUZZ_SEED=${SEED})`));
    beforeEach(() => {
        uncaught.length = 0;
        process.on('uncaughtException', onUncaught);
        process.on('unhandledRejection', onUncaught);
    });
    afterEach(async () => {
        process.off('uncaughtException', onUncaught);
        process.off('unhandledRejection', onUncaught);
        for (const cleanup of cleanups.splice(0).reverse()) {
            await cleanup();
        }
    });

    async function broker(options: Partial<BrokerServiceOptions>): Promise<Started> {
        const started = await startBroker(options);
        cleanups.push(() => started.broker.stop());
        return started;
    }
    async function client(port: number, options: Parameters<typeof TestClient.connect>[1] = {}): Promise<TestClient> {
        const c = await TestClient.connect(port, { protocolVersion: 4, ...options });
        cleanups.push(() => void c.client.end(true));
        return c;
    }

    /** The whole scenario: watchers connected before, fuzzing with QoS 1 traffic beside it, a fresh client after. */
    async function fuzzWhileServing(
        port: number,
        version: ProtocolVersion,
        seed: number,
        connections: number,
    ): Promise<void> {
        const sub = await client(port, { clientId: 'watch-subscriber', clean: true, protocolVersion: version });
        const pub = await client(port, { clientId: 'watch-publisher', clean: true, protocolVersion: version });
        const closes: string[] = [];
        sub.client.on('close', () => closes.push('subscriber'));
        pub.client.on('close', () => closes.push('publisher'));
        await sub.subscribe('watch/#', 1);

        const sent: string[] = [];
        let fuzzing = true;
        let sentDuringFuzzing = 0;
        const publishing = (async () => {
            for (let seq = 0; fuzzing; seq++) {
                await pub.publish(`watch/${seq}`, `m${seq}`, { qos: 1 }); // resolves on PUBACK
                sent.push(`m${seq}`);
                if (fuzzing) {
                    sentDuringFuzzing++;
                }
                await new Promise(r => setTimeout(r, 50)); // pacing: about 20 messages a second
            }
        })();

        const fuzzer = new MqttFuzzer(seed, version);
        const t0 = Date.now();
        const stats = await fuzz(port, fuzzer, connections);
        const seconds = (Date.now() - t0) / 1000;
        fuzzing = false;
        await Promise.race([
            publishing,
            new Promise((_, reject) =>
                setTimeout(() => reject(new Error('the QoS 1 publisher got no PUBACK for 15 s')), 15000),
            ),
        ]);
        console.log(
            `      MQTT ${version === 4 ? '3.1.1' : '5'}: ${stats.connections} connections, ${stats.packets} packets ` +
                `(${stats.mutated} mutated: ${Object.entries(fuzzer.mutations)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(', ')}), ${(stats.bytes / 1024).toFixed(0)} KiB in ${seconds.toFixed(1)} s; ` +
                `${stats.closedByBroker} connections closed by the broker; ` +
                `${sentDuringFuzzing} QoS 1 messages of the watcher during the fuzzing`,
        );

        // after the fuzzing: the same clients still exchange messages
        for (let i = 0; i < 5; i++) {
            await pub.publish('watch/after', `after${i}`, { qos: 1 });
            sent.push(`after${i}`);
        }
        await until(
            () => sent.every(p => sub.messages.some(m => m.payload.toString() === p)),
            10000,
            'every QoS 1 message of the watcher (during and after the fuzzing)',
        );
        assert.deepEqual(closes, [], 'the well-behaved clients were never disconnected');
        assert.equal(sub.client.connected && pub.client.connected, true);

        // a fresh client connects, subscribes, publishes and receives
        const fresh = await client(port, { clientId: 'fresh-after-fuzz' });
        await fresh.subscribe('fresh/#', 1);
        await fresh.publish('fresh/x', 'hello', { qos: 1 });
        assert.equal((await fresh.waitForTopic('fresh/x')).payload.toString(), 'hello');

        assert.deepEqual(uncaught, [], 'no uncaught exception or unhandled rejection');
    }

    it('MQTT 3.1.1, persistence memory: keeps serving through 2,000 fuzzing connections', async () => {
        const { port } = await broker({ persistence: 'memory' });
        await fuzzWhileServing(port, 4, SEED, 2000);
    });

    it('MQTT 3.1.1, persistence disk: keeps serving through 500 fuzzing connections', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'fuzz-disk-'));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        const { port } = await broker({ persistence: 'disk', persistenceDir: dir });
        await fuzzWhileServing(port, 4, SEED + 1, 500);
    });

    it('MQTT 5, persistence memory: keeps serving through 2,000 fuzzing connections', async function () {
        const { port } = await broker({ persistence: 'memory' });
        const answer = await connackCode(port, 5);
        if (answer.code !== 0) {
            const code =
                answer.code === undefined
                    ? `no CONNACK, the connection was closed (received ${answer.raw || 'nothing'})`
                    : `CONNACK 0x${answer.code.toString(16).padStart(2, '0')}`;
            skipWithReason(this, `MQTT 5 fuzzing not run: the broker refuses MQTT 5 (${code})`);
        }
        await fuzzWhileServing(port, 5, SEED + 2, 2000);
    });
});
