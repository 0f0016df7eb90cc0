/**
 * `npm run stress`: what each abuse of issue #16 does to everyone else. For every attack and every target a fresh
 * broker is started in a child process (so its RSS is its own): this adapter's BrokerService with the adapter's
 * default limits (scripts/bench/brokerInstance.ts: persistence disk, maxClients 1000, maxPayloadSize 1 MiB; compiled from
 * the working tree's src/ with tsc first, so it runs as plain JavaScript like the adapter, without tsx), raw aedes
 * (scripts/bench/rawAedes.mjs, defaults) and Debian's mosquitto (defaults, listener on 127.0.0.1). The attack runs in
 * another child (scripts/bench/stressAttack.ts); this process only runs the probe — one QoS 1 publisher and one QoS 1
 * subscriber exchanging 20 messages/s, plus a fresh client connecting every 2 s — and samples the target's RSS.
 * Prints one markdown table (also written to bench-output/); asserts nothing.
 *
 *   npm run stress                           every attack, every target
 *   npm run stress -- big idle               only these attacks
 *   STRESS_TARGETS=ours,raw npm run stress   only these targets (ours, raw, mosquitto)
 *   STRESS_SECONDS=20                        the time bound of each attack (default 15)
 *   STRESS_TRACE=1                           prints every probe message slower than 50 ms, with when it was sent
 *   STRESS_PROFILE=1                         our target and raw aedes write V8 CPU profiles into bench-output/profiles/
 *                                            (read them with scripts/bench/profileSummary.mjs)
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { hasCommand, portOpen } from '../../test/lib/tools';

const root = path.join(__dirname, '..', '..');
const SECONDS = Number(process.env.STRESS_SECONDS ?? 15);
const P99_LIMIT_MS = 100;
const RSS_LIMIT_MB = 250;
/** STRESS_TRACE=1: each probe message slower than this is printed with when it was sent. */
const TRACE = process.env.STRESS_TRACE === '1';
const TRACE_MS = 50;
/** How long the probe goes on after the attacker exited (its sockets all close then). */
const AFTER_MS = 2000;
/** Sockets the busiest attack holds (idle: 4,000) plus the probe's, with room for the target's own. */
const FILES_NEEDED = 4500;
// below 32768: outside Linux's ephemeral port range, so no client socket of the attack can be holding it
const BASE_PORT = 27801;

interface AttackInfo {
    name: string;
    title: string;
    /** Open files the attack needs in the attacker and in the target. */
    files: number;
}
const ATTACKS: AttackInfo[] = [
    { name: 'none', title: 'none (baseline)', files: 100 },
    { name: 'big', title: 'big declared packet (4 × 268 MB PUBLISH)', files: 100 },
    { name: 'subs', title: '65,535 subscriptions (one client)', files: 100 },
    { name: 'slow', title: 'slow consumer (# paused, 1 KiB QoS 0 flood)', files: 100 },
    { name: 'idle', title: '2,000 idle TCP + 2,000 idle MQTT connections', files: FILES_NEEDED },
    { name: 'qos1', title: '2,000 clients × 10 QoS 1', files: FILES_NEEDED },
    { name: 'qos0', title: '50,000 QoS 0 from one client', files: 100 },
];
type TargetName = 'ours' | 'raw' | 'mosquitto';
const TARGET_LABEL: Record<TargetName, string> = {
    ours: 'mqtt-gateway BrokerService',
    // the aedes the project depends on, by its installed version
    raw: `raw aedes ${(JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'node_modules', 'aedes', 'package.json'), 'utf8')) as { version: string }).version}`,
    mosquitto: 'mosquitto 2.0',
};

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));
const now = (): number => performance.now();
function log(message: string): void {
    console.log(`[stress ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

// ---------------------------------------------------------------------------------------------------------------
// open files: the attack needs thousands of sockets in the attacker and in the target

function fileLimits(): { soft: number; hard: number } {
    const read = (flag: string): number => {
        const out = spawnSync('sh', ['-c', `ulimit ${flag} -n`])
            .stdout.toString()
            .trim();
        return out === 'unlimited' ? Infinity : Number(out);
    };
    return { soft: read('-S'), hard: read('-H') };
}

/**
 * Node raises its soft limit to the hard one at start-up (children inherit it); should a runtime not, re-run this
 * script through a shell that does.
 */
function ensureFileLimit(): void {
    const { soft, hard } = fileLimits();
    if (soft >= FILES_NEEDED || hard < FILES_NEEDED || process.env.STRESS_ULIMIT_RAISED) {
        return;
    }
    log(`ulimit -n is ${soft}: re-running with ${Math.min(hard, 65536)} (the hard limit allows ${hard})`);
    const args = [...process.execArgv, ...process.argv.slice(1)].map(a => `'${a.replace(/'/g, `'\\''`)}'`);
    const result = spawnSync(
        'sh',
        ['-c', `ulimit -n ${Math.min(hard, 65536)} && exec '${process.execPath}' ${args.join(' ')}`],
        { stdio: 'inherit', env: { ...process.env, STRESS_ULIMIT_RAISED: '1' } },
    );
    process.exit(result.status ?? 1);
}

// ---------------------------------------------------------------------------------------------------------------
// targets

function rssMb(pid: number): number {
    try {
        const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        return match ? Number(match[1]) / 1024 : NaN;
    } catch {
        return NaN;
    }
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
    for (const child of children) {
        child.kill('SIGKILL');
    }
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => process.exit(130));
}
function track(child: ChildProcess): ChildProcess {
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
}

const BUILD_DIR = path.join(root, 'bench-output', 'stress-build');

/** Compiles src/ and scripts/bench/brokerInstance.ts to plain JavaScript (tsx in the target would add ~40 MB of RSS). */
function buildOurs(): void {
    const config = path.join(root, 'bench-output', 'tsconfig.stress.json');
    mkdirSync(path.dirname(config), { recursive: true });
    writeFileSync(
        config,
        JSON.stringify({
            extends: '../tsconfig.build.json',
            compilerOptions: {
                rootDir: '..',
                outDir: 'stress-build',
                incremental: true,
                tsBuildInfoFile: 'stress-build/.tsbuildinfo',
            },
            include: ['../src/**/*.ts', '../scripts/bench/brokerInstance.ts'],
        }),
    );
    const t0 = now();
    const result = spawnSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', config], { stdio: 'inherit' });
    if (result.status !== 0) {
        throw new Error('tsc failed: cannot build the broker target from src/');
    }
    log(`compiled src/ for the broker target in ${((now() - t0) / 1000).toFixed(1)} s`);
}

class Target {
    /** Lines the target wrote to stdout/stderr (our broker's warnings, mosquitto's log). */
    lines = 0;
    lastLines: string[] = [];
    exit: string | undefined;

    private constructor(
        readonly name: TargetName,
        readonly child: ChildProcess,
        readonly port: number,
        private readonly dir: string,
    ) {
        const collect = (chunk: Buffer): void => {
            for (const line of chunk.toString().split('\n').filter(Boolean)) {
                this.lines++;
                this.lastLines = [...this.lastLines.slice(-4), line];
            }
        };
        child.stdout?.on('data', collect);
        child.stderr?.on('data', collect);
        child.once('exit', (code, signal) => (this.exit = signal ?? `exit code ${code}`));
    }

    get pid(): number {
        return this.child.pid!;
    }

    static async start(name: TargetName, port: number): Promise<Target> {
        if (await portOpen(port)) {
            throw new Error(`127.0.0.1:${port} is in use`);
        }
        const dir = mkdtempSync(path.join(tmpdir(), `stress-${name}-`));
        const stdio: ['ignore', 'pipe', 'pipe', 'ipc'] = ['ignore', 'pipe', 'pipe', 'ipc'];
        let child: ChildProcess;
        if (name === 'ours') {
            // the adapter's defaults: persistence disk, maxClients 1000, maxPayloadSize 1 MiB
            const script = path.join(BUILD_DIR, 'scripts', 'bench', 'brokerInstance.js');
            child = fork(script, [String(port), 'disk', '', dir, '1000'], { execArgv: profileArgs(name), stdio });
        } else if (name === 'raw') {
            child = fork(path.join(__dirname, 'rawAedes.mjs'), [String(port)], { execArgv: profileArgs(name), stdio });
        } else {
            const config = path.join(dir, 'mosquitto.conf');
            writeFileSync(
                config,
                [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'log_dest stderr', 'log_type error'].join('\n'),
            );
            child = spawn('mosquitto', ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
        }
        const target = new Target(name, track(child), port, dir);
        const deadline = Date.now() + 20000;
        while (!(await portOpen(port))) {
            if (target.exit || Date.now() > deadline) {
                throw new Error(
                    `${name} did not start on ${port}: ${target.exit ?? 'timeout'} ${target.lastLines.join(' | ')}`,
                );
            }
            await sleep(50);
        }
        return target;
    }

    async stop(): Promise<void> {
        if (!this.exit) {
            const exited = new Promise(resolve => this.child.once('exit', resolve));
            if (this.child.connected) {
                this.child.send({ cmd: 'stop' });
            } else {
                this.child.kill('SIGTERM');
            }
            const timer = setTimeout(() => this.child.kill('SIGKILL'), 10000);
            await exited;
            clearTimeout(timer);
        }
        rmSync(this.dir, { recursive: true, force: true });
    }
}

/** STRESS_PROFILE=1: each Node target writes a V8 CPU profile into bench-output/profiles/ when it stops. */
function profileArgs(name: TargetName): string[] {
    if (process.env.STRESS_PROFILE !== '1') {
        return [];
    }
    const dir = path.join(root, 'bench-output', 'profiles');
    mkdirSync(dir, { recursive: true });
    return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=stress-${name}-${Date.now()}.cpuprofile`];
}

// ---------------------------------------------------------------------------------------------------------------
// the probe: other clients' view of the broker during the attack

interface ProbeResult {
    latencies: number[];
    sent: number;
    lost: number;
    connectsOk: number;
    connectsTried: number;
    connectMaxMs: number;
    notes: string[];
}

function connectClient(port: number, clientId: string): Promise<MqttClient> {
    return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        clientId,
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        clean: true,
    });
}

class Probe {
    private readonly sentAt = new Map<number, number>();
    private readonly latencies: number[] = [];
    private seq = 0;
    private startedAt = 0;
    private timer: NodeJS.Timeout | undefined;
    private connectTimer: NodeJS.Timeout | undefined;
    private readonly notes: string[] = [];
    private connects = { ok: 0, tried: 0, maxMs: 0 };
    private pendingConnects: Promise<void>[] = [];

    private constructor(
        private readonly port: number,
        private readonly sub: MqttClient,
        private readonly pub: MqttClient,
    ) {
        sub.on('message', (_topic, payload) => {
            const at = this.sentAt.get(Number(payload.toString()));
            if (at !== undefined) {
                this.latencies.push(now() - at);
                if (TRACE && now() - at >= TRACE_MS) {
                    log(
                        `  probe message sent at +${((at - this.startedAt) / 1000).toFixed(2)} s: ${(now() - at).toFixed(1)} ms`,
                    );
                }
                this.sentAt.delete(Number(payload.toString()));
            }
        });
        for (const [name, client] of [
            ['subscriber', sub],
            ['publisher', pub],
        ] as const) {
            client.on('close', () => {
                if (this.timer) {
                    this.note(`probe ${name} disconnected`);
                }
            });
        }
    }

    private note(text: string): void {
        if (!this.notes.includes(text)) {
            this.notes.push(text);
        }
    }

    static async open(port: number): Promise<Probe> {
        const sub = await connectClient(port, 'stress-probe-sub');
        await sub.subscribeAsync('probe/#', { qos: 1 });
        const pub = await connectClient(port, 'stress-probe-pub');
        return new Probe(port, sub, pub);
    }

    start(): void {
        this.startedAt = now();
        this.timer = setInterval(() => {
            const seq = this.seq++;
            this.sentAt.set(seq, now());
            this.pub.publish(`probe/${seq % 10}`, String(seq), { qos: 1 }, () => undefined);
        }, 50);
        this.connectTimer = setInterval(() => {
            this.connects.tried++;
            const t0 = now();
            this.pendingConnects.push(
                connectClient(this.port, `stress-probe-new-${this.connects.tried}`).then(
                    async client => {
                        this.connects.ok++;
                        this.connects.maxMs = Math.max(this.connects.maxMs, now() - t0);
                        await client.endAsync(true).catch(() => undefined);
                    },
                    () => undefined,
                ),
            );
        }, 2000);
    }

    /** Stops sending, waits up to 3 s for what is still under way, and counts. */
    async stop(): Promise<ProbeResult> {
        clearInterval(this.timer);
        clearInterval(this.connectTimer);
        this.timer = undefined;
        const deadline = now() + 3000;
        while (this.sentAt.size > 0 && now() < deadline) {
            await sleep(50);
        }
        await Promise.race([Promise.all(this.pendingConnects), sleep(6000)]);
        const lost = this.sentAt.size;
        this.sub.end(true);
        this.pub.end(true);
        return {
            latencies: [...this.latencies].sort((a, b) => a - b),
            sent: this.seq,
            lost,
            connectsOk: this.connects.ok,
            connectsTried: this.connects.tried,
            connectMaxMs: this.connects.maxMs,
            notes: this.notes,
        };
    }
}

// ---------------------------------------------------------------------------------------------------------------
// one attack on one target

interface Row {
    attack: AttackInfo;
    target: TargetName;
    probe?: ProbeResult;
    rssBaseMb: number;
    rssPeakMb: number;
    rssAfterMb: number;
    notes: string[];
}

function percentile(sorted: number[], p: number): number {
    return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

async function runAttack(attack: AttackInfo, name: TargetName, port: number): Promise<Row> {
    const row: Row = { attack, target: name, rssBaseMb: NaN, rssPeakMb: NaN, rssAfterMb: NaN, notes: [] };
    const target = await Target.start(name, port);
    try {
        const probe = await Probe.open(port);
        await sleep(500);
        row.rssBaseMb = rssMb(target.pid);
        let peak = row.rssBaseMb;
        const sampler = setInterval(() => {
            const rss = rssMb(target.pid);
            if (rss > peak) {
                peak = rss;
            }
        }, 100);
        probe.start();
        const t0 = now();
        const attacker = track(
            fork(path.join(__dirname, 'stressAttack.ts'), [attack.name, String(port), String(SECONDS)], {
                execArgv: ['--import', 'tsx'],
                stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            }),
        );
        const attackerExit = new Promise(resolve => attacker.once('exit', resolve));
        const notes = await new Promise<string>(resolve => {
            const timer = setTimeout(
                () => resolve(`attacker did not finish within ${SECONDS + 30} s`),
                (SECONDS + 30) * 1000,
            );
            attacker.on('message', (m: { event: string; notes?: string }) => {
                if (m.event === 'done') {
                    clearTimeout(timer);
                    resolve(m.notes ?? '');
                }
            });
            attacker.once('exit', () => resolve('attacker exited without a report'));
        });
        row.notes.push(notes);
        await Promise.race([attackerExit, sleep(10000)]);
        attacker.kill('SIGKILL');
        if (TRACE) {
            log(`  attacker gone at +${((now() - t0) / 1000).toFixed(2)} s`);
        }
        // the attacker's sockets close when it exits: the probe goes on through what that costs the target
        await sleep(AFTER_MS);
        const attackSeconds = (now() - t0) / 1000;
        row.probe = await probe.stop();
        row.notes.push(...row.probe.notes);
        // VmHWM: the peak resident size over the target's life (catches spikes between samples)
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${target.pid}/status`, 'utf8').toString());
        clearInterval(sampler);
        row.rssPeakMb = Math.max(peak, hwm ? Number(hwm[1]) / 1024 : 0);
        await sleep(3000);
        row.rssAfterMb = rssMb(target.pid);
        row.notes.push(`window ${attackSeconds.toFixed(0)} s`);
    } catch (err) {
        row.notes.push(`run failed: ${(err as Error).message}`);
    } finally {
        if (target.exit) {
            row.notes.push(`TARGET DIED (${target.exit}): ${target.lastLines.join(' | ')}`);
        } else if (target.lines > 0) {
            row.notes.push(`${target.lines} log lines`);
        }
        await target.stop();
    }
    return row;
}

// ---------------------------------------------------------------------------------------------------------------
// the table

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '–');

function table(rows: Row[]): string {
    const lines = [
        '| attack | target | other clients p50 / p99 / max (ms) | lost / sent | new connects ok / tried (max ms) | RSS base / peak / after (MB) | over limit | notes |',
        '|---|---|---|---|---|---|---|---|',
    ];
    for (const r of rows) {
        const p = r.probe;
        const p99 = p ? percentile(p.latencies, 99) : NaN;
        const flags = [];
        if (!p || !(p99 < P99_LIMIT_MS)) {
            flags.push(`p99 ≥ ${P99_LIMIT_MS} ms`);
        }
        if (p && p.lost > 0) {
            flags.push('messages lost');
        }
        if (!(r.rssPeakMb < RSS_LIMIT_MB)) {
            flags.push(`RSS ≥ ${RSS_LIMIT_MB} MB`);
        }
        const probe = p
            ? `${fmt(percentile(p.latencies, 50), 1)} / ${fmt(p99, 1)} / ${fmt(p.latencies.at(-1) ?? NaN, 0)} | ` +
              `${p.lost} / ${p.sent} | ${p.connectsOk} / ${p.connectsTried} (${fmt(p.connectMaxMs)})`
            : '– | – | –';
        const rss = `${fmt(r.rssBaseMb)} / ${fmt(r.rssPeakMb)} / ${fmt(r.rssAfterMb)}`;
        const over = flags.length ? `**${flags.join(', ')}**` : 'ok';
        const notes = r.notes.join('; ').replace(/\|/g, '/');
        lines.push(`| ${r.attack.title} | ${TARGET_LABEL[r.target]} | ${probe} | ${rss} | ${over} | ${notes} |`);
    }
    return lines.join('\n');
}

async function main(): Promise<void> {
    ensureFileLimit();
    const selected = process.argv.slice(2).map(a => a.toLowerCase());
    const attacks = ATTACKS.filter(a => selected.length === 0 || selected.includes(a.name));
    const targets = (process.env.STRESS_TARGETS ?? 'ours,raw,mosquitto').split(',') as TargetName[];
    const limits = fileLimits();
    const rows: Row[] = [];
    let port = BASE_PORT;
    if (targets.includes('ours')) {
        buildOurs();
    }
    log(
        `ulimit -n ${limits.soft} (hard ${limits.hard}); attacks bounded to ${SECONDS} s; targets ${targets.join(', ')}`,
    );
    for (const attack of attacks) {
        for (const name of targets) {
            const info: Row = { attack, target: name, rssBaseMb: NaN, rssPeakMb: NaN, rssAfterMb: NaN, notes: [] };
            if (name === 'mosquitto' && !hasCommand('mosquitto')) {
                rows.push({ ...info, notes: ['not run: no mosquitto binary (apt-get install mosquitto)'] });
                continue;
            }
            if (limits.soft < attack.files) {
                rows.push({
                    ...info,
                    notes: [`not run: ulimit -n is ${limits.soft}, the attack needs ${attack.files}`],
                });
                continue;
            }
            log(`${attack.title} → ${TARGET_LABEL[name]} (127.0.0.1:${port})`);
            const row = await runAttack(attack, name, port++);
            const p = row.probe;
            log(
                `  p99 ${p ? fmt(percentile(p.latencies, 99), 1) : '–'} ms, lost ${p?.lost ?? '–'}/${p?.sent ?? '–'}, ` +
                    `RSS peak ${fmt(row.rssPeakMb)} MB after ${fmt(row.rssAfterMb)} MB; ${row.notes.join('; ')}`,
            );
            rows.push(row);
        }
    }
    const text =
        `Stress (issue #16): other clients' latency (a QoS 1 probe pair at 20 msg/s; a fresh client every 2 s) ` +
        `and the target's RSS under each attack and for ${AFTER_MS / 1000} s after the attacker exited (its sockets close). Limits: p99 < ${P99_LIMIT_MS} ms with nothing lost, ` +
        `RSS < ${RSS_LIMIT_MB} MB. Node ${process.version}, ${new Date().toISOString()}\n\n${table(rows)}\n`;
    console.log(`\n${text}`);
    const outDir = path.join(root, 'bench-output');
    mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `stress-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
    writeFileSync(file, text);
    log(`written to ${path.relative(root, file)}`);
}

void main().then(
    () => process.exit(0),
    (err: unknown) => {
        console.error(err);
        process.exit(1);
    },
);
