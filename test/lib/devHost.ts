/**
 * A real ioBroker host (js-controller + admin + this adapter) built and started by scripts/start.mjs — the same code
 * path as `npm start` — in its own folder and on its own loopback ports, for tests that need the admin.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface DevHostOptions {
    dir: string;
    objectsPort: number;
    statesPort: number;
    adminPort: number;
    mqttPort: number;
    /** How long the first start (which installs js-controller and admin) may take. */
    timeoutMs: number;
    /** More environment for start.mjs (MQTT_GATEWAY_NODE_PACKAGE, MQTT_GATEWAY_EXTRA_ADAPTERS, MQTT_GATEWAY_ADMIN). */
    env?: Record<string, string>;
    /** The Node binary for the host's command line (default: this process's). */
    cliNode?: string;
}

const root = path.join(__dirname, '../..');

export class DevHost {
    private process?: ChildProcess;
    private output = '';

    constructor(readonly options: DevHostOptions) {}

    get adminUrl(): string {
        return `http://127.0.0.1:${this.options.adminPort}`;
    }

    /** Starts the host; resolves when start.mjs reports it ready (admin and mqtt-gateway.0 answer). */
    async start(): Promise<void> {
        const o = this.options;
        const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.mjs')], {
            cwd: root,
            env: {
                ...process.env,
                MQTT_GATEWAY_HOST_DIR: o.dir,
                MQTT_GATEWAY_OBJECTS_PORT: String(o.objectsPort),
                MQTT_GATEWAY_STATES_PORT: String(o.statesPort),
                MQTT_GATEWAY_ADMIN_PORT: String(o.adminPort),
                MQTT_GATEWAY_PORT: String(o.mqttPort),
                ...o.env,
            },
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        this.process = child;
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
                () => reject(new Error(`the host was not ready within ${o.timeoutMs / 1000} s:\n${this.output}`)),
                o.timeoutMs,
            );
            const onData = (chunk: Buffer): void => {
                this.output += chunk.toString();
                if (this.output.includes('ioBroker host ready')) {
                    clearTimeout(timer);
                    resolve();
                }
            };
            child.stdout?.on('data', onData);
            child.stderr?.on('data', onData);
            child.once('exit', code => {
                clearTimeout(timer);
                reject(new Error(`start.mjs exited with code ${code} before the host was ready:\n${this.output}`));
            });
        });
    }

    /** Lines start.mjs printed so far (for failure messages). */
    get log(): string {
        return this.output;
    }

    /** One call of the host's ioBroker command line. */
    cli(...args: string[]): Promise<string> {
        const controllerDir = path.join(this.options.dir, 'node_modules', 'iobroker.js-controller');
        return new Promise((resolve, reject) => {
            execFile(
                this.options.cliNode ?? process.execPath,
                [path.join(controllerDir, 'iobroker.js'), ...args],
                { cwd: controllerDir, maxBuffer: 16 * 1024 * 1024 },
                (err, stdout, stderr) =>
                    err
                        ? reject(new Error(`iobroker ${args.join(' ')}: ${stderr || stdout || err.message}`))
                        : resolve(stdout),
            );
        });
    }

    /** An object from the host's objects database. */
    async getObject(id: string): Promise<ioBroker.Object> {
        const out = await this.cli('object', 'get', id);
        return JSON.parse(out.slice(out.indexOf('{'))) as ioBroker.Object;
    }

    /** Stops start.mjs, which stops the controller and every adapter it started. */
    async stop(): Promise<void> {
        const child = this.process;
        if (!child || child.exitCode !== null) {
            return;
        }
        const exited = new Promise(resolve => child.once('exit', resolve));
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 40000);
        await exited;
        clearTimeout(timer);
    }
}
