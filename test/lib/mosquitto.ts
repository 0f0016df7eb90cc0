/**
 * A real mosquitto broker for client-mode tests: its own config on a loopback port, started and stopped by the test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestCertificates } from './certs';
import { portOpen } from './tools';

export interface MosquittoOptions {
    port: number;
    /** user → password; none = anonymous */
    users?: Record<string, string>;
    tls?: TestCertificates;
    requireClientCertificate?: boolean;
    /** Keep sessions and retained messages across restarts of this broker. */
    persistence?: boolean;
    /** More lines for mosquitto.conf (e.g. limits for a benchmark). */
    extraConfig?: string[];
}

export class Mosquitto {
    private process: ChildProcess | undefined;
    readonly dir: string;
    private readonly config: string;
    output = '';

    constructor(readonly options: MosquittoOptions) {
        this.dir = mkdtempSync(path.join(tmpdir(), 'mosquitto-'));
        // mosquitto started as root drops to the 'mosquitto' user: it must read the config and write persistence here
        chmodSync(this.dir, 0o777);
        const lines = [`listener ${options.port} 127.0.0.1`, 'log_dest stdout', 'log_type error', 'log_type warning'];
        if (options.users) {
            const file = path.join(this.dir, 'passwd');
            writeFileSync(file, '');
            for (const [user, pass] of Object.entries(options.users)) {
                const result = spawnSync('mosquitto_passwd', ['-b', file, user, pass]);
                if (result.status !== 0) {
                    throw new Error(`mosquitto_passwd failed: ${result.stderr.toString()}`);
                }
            }
            lines.push('allow_anonymous false', `password_file ${file}`);
        } else {
            lines.push('allow_anonymous true');
        }
        if (options.tls) {
            const tls = options.tls;
            writeFileSync(path.join(this.dir, 'ca.pem'), tls.ca);
            writeFileSync(path.join(this.dir, 'server.pem'), tls.cert);
            writeFileSync(path.join(this.dir, 'server.key'), tls.key);
            lines.push(
                `cafile ${path.join(this.dir, 'ca.pem')}`,
                `certfile ${path.join(this.dir, 'server.pem')}`,
                `keyfile ${path.join(this.dir, 'server.key')}`,
            );
            if (options.requireClientCertificate) {
                lines.push('require_certificate true');
            }
        }
        if (options.persistence) {
            lines.push('persistence true', `persistence_location ${this.dir}/`, 'autosave_interval 1');
        }
        lines.push(...(options.extraConfig ?? []));
        this.config = path.join(this.dir, 'mosquitto.conf');
        writeFileSync(this.config, `${lines.join('\n')}\n`);
        for (const file of readdirSync(this.dir)) {
            chmodSync(path.join(this.dir, file), 0o644);
        }
    }

    async start(timeoutMs = 10000): Promise<void> {
        if (await portOpen(this.options.port)) {
            // something else answers there (a leftover broker?): it would be mistaken for this one
            throw new Error(`127.0.0.1:${this.options.port} is already in use: cannot start mosquitto there`);
        }
        const child = spawn('mosquitto', ['-c', this.config], { stdio: ['ignore', 'pipe', 'pipe'] });
        this.process = child;
        child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
        child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
        const deadline = Date.now() + timeoutMs;
        while (!(await portOpen(this.options.port))) {
            if (child.exitCode !== null || Date.now() > deadline) {
                throw new Error(`mosquitto did not start on 127.0.0.1:${this.options.port}: ${this.output}`);
            }
            await new Promise(resolve => setTimeout(resolve, 50));
        }
    }

    async stop(): Promise<void> {
        const child = this.process;
        this.process = undefined;
        if (!child || child.exitCode !== null) {
            return;
        }
        const exited = new Promise(resolve => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
    }

    async dispose(): Promise<void> {
        await this.stop();
        rmSync(this.dir, { recursive: true, force: true });
    }
}
