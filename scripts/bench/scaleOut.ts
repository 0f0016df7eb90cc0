/**
 * `npm run bench:scale`: messages/s through one broker instance vs two instances sharing one Redis
 * (`persistence: redis`), with the clients spread over the instances as a TCP load balancer would.
 * Everything on 127.0.0.1: a redis-server (Debian's), one or two broker processes (scripts/bench/brokerInstance.ts),
 * and the load: PUBLISHERS clients each publishing MESSAGES messages to its own topic, SUBSCRIBERS clients
 * subscribed to all of them. A run ends when every subscriber has every message; 3 rounds per setup, medians.
 * Env: BENCH_ROUNDS (3), BENCH_MESSAGES (5000 per publisher).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestClient } from '../../test/lib/mqttClient';
import { RedisServer } from '../../test/lib/redis';
import { hasCommand } from '../../test/lib/tools';
import { until } from '../../test/lib/wait';

const REDIS_PORT = 23380;
const BROKER_PORTS = [23881, 23882];
const PUBLISHERS = 4;
const SUBSCRIBERS = 4;
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Setup {
    name: string;
    instances: number;
    persistence: 'memory' | 'redis';
}
const setups: Setup[] = [
    { name: 'one instance, memory (no Redis)', instances: 1, persistence: 'memory' },
    { name: 'one instance, redis', instances: 1, persistence: 'redis' },
    { name: 'two instances, one shared redis', instances: 2, persistence: 'redis' },
];

class Instance {
    private constructor(
        readonly child: ChildProcess,
        readonly port: number,
    ) {}

    static async start(port: number, persistence: string, redisUrl: string, dir: string): Promise<Instance> {
        const child = fork(path.join(__dirname, 'brokerInstance.ts'), [String(port), persistence, redisUrl, dir], {
            execArgv: ['--import', 'tsx'],
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        await new Promise<void>((resolve, reject) => {
            child.once('message', () => resolve());
            child.once('exit', code => reject(new Error(`broker instance exited with ${code}`)));
        });
        return new Instance(child, port);
    }

    count(): Promise<{ count: number; cpuMs: number }> {
        return new Promise(resolve => {
            this.child.once('message', (m: { count: number; cpuMs: number }) => resolve(m));
            this.child.send({ cmd: 'count' });
        });
    }

    async stop(): Promise<void> {
        const exited = new Promise(resolve => this.child.once('exit', resolve));
        this.child.send({ cmd: 'stop' });
        await exited;
    }
}

interface RoundResult {
    rate: number;
    mirrored: number;
    /** CPU ms of the busiest broker instance during the run. */
    busiestCpuMs: number;
}

async function round(setup: Setup, qos: 0 | 1, redis: RedisServer): Promise<RoundResult> {
    const dir = mkdtempSync(path.join(tmpdir(), 'scale-'));
    const instances: Instance[] = [];
    for (let i = 0; i < setup.instances; i++) {
        instances.push(await Instance.start(BROKER_PORTS[i]!, setup.persistence, redis.url, path.join(dir, `i${i}`)));
    }
    const port = (n: number): number => instances[n % instances.length]!.port;
    const subs = await Promise.all(Array.from({ length: SUBSCRIBERS }, (_, i) => TestClient.connect(port(i))));
    await Promise.all(subs.map(s => s.subscribe('scale/#', qos)));
    const pubs = await Promise.all(Array.from({ length: PUBLISHERS }, (_, i) => TestClient.connect(port(i + 1))));
    await new Promise(resolve => setTimeout(resolve, 300)); // subscriptions known everywhere
    const total = PUBLISHERS * MESSAGES;
    const before = await Promise.all(instances.map(i => i.count()));
    const started = process.hrtime.bigint();
    await Promise.all(
        pubs.map(async (pub, p) => {
            for (let i = 0; i < MESSAGES; i++) {
                const sent = pub.client.publishAsync(`scale/${p}`, String(i), { qos });
                if (i % 100 === 99) {
                    await sent; // a window of 100, so the publisher does not just fill its own buffers
                }
            }
        }),
    );
    await until(() => subs.every(s => s.messages.length >= total), 120000, 'every subscriber has every message');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const after = await Promise.all(instances.map(i => i.count()));
    const mirrored = after.reduce((n, a, i) => n + a.count - before[i]!.count, 0);
    const busiestCpuMs = Math.max(...after.map((a, i) => a.cpuMs - before[i]!.cpuMs));
    for (const c of [...subs, ...pubs]) {
        c.client.end(true);
    }
    for (const instance of instances) {
        await instance.stop();
    }
    rmSync(dir, { recursive: true, force: true });
    const duplicates = subs.reduce((n, s) => n + s.messages.length - total, 0);
    if (duplicates !== 0) {
        throw new Error(`${duplicates} duplicate deliveries in ${setup.name}`);
    }
    return { rate: total / seconds, mirrored, busiestCpuMs };
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
    if (!hasCommand('redis-server')) {
        console.log('SKIPPED: redis-server is not installed (apt-get install redis-server)');
        return;
    }
    const redis = new RedisServer(REDIS_PORT);
    await redis.start();
    const rows: string[] = [];
    try {
        for (const qos of [0, 1] as const) {
            const baseline: number[] = [];
            for (const setup of setups) {
                const rates: number[] = [];
                const cpu: number[] = [];
                for (let r = 0; r < ROUNDS; r++) {
                    const { rate, mirrored, busiestCpuMs } = await round(setup, qos, redis);
                    cpu.push(busiestCpuMs);
                    if (mirrored !== PUBLISHERS * MESSAGES) {
                        throw new Error(
                            `${setup.name}: ${mirrored} messages mirrored, expected ${PUBLISHERS * MESSAGES}`,
                        );
                    }
                    rates.push(rate);
                    console.log(
                        `  QoS ${qos} ${setup.name} round ${r + 1}: ${Math.round(rate)} msg/s, busiest instance ${Math.round(busiestCpuMs)} ms CPU`,
                    );
                }
                const m = median(rates);
                if (setup === setups[1]) {
                    baseline.push(m);
                }
                const vsOne = setup.instances === 2 && baseline[0] ? `${(m / baseline[0]).toFixed(2)}×` : '';
                rows.push(
                    `| ${qos} | ${setup.name} | ${Math.round(m).toLocaleString('en-US')} (${rates.map(v => Math.round(v).toLocaleString('en-US')).join(', ')}) | ${Math.round(m * SUBSCRIBERS).toLocaleString('en-US')} | ${Math.round(median(cpu)).toLocaleString('en-US')} | ${vsOne} |`,
                );
            }
        }
    } finally {
        await redis.dispose();
    }
    console.log('');
    console.log(
        `${PUBLISHERS} publishers × ${MESSAGES} messages, ${SUBSCRIBERS} subscribers to scale/#, clients spread over the instances; every message mirrored exactly once, no duplicates`,
    );
    console.log(
        '| QoS | setup | published msg/s, median (rounds) | delivered msg/s | CPU of the busiest instance (ms) | two vs one (redis) |',
    );
    console.log('|---|---|---|---|---|---|');
    for (const row of rows) {
        console.log(row);
    }
}

main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
