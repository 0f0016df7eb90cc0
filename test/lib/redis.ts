/**
 * A real redis-server for the tests: its own folder and a loopback port, append-only file on (so a restart keeps
 * what was written, like a production Redis), started, stopped and restarted by the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { portOpen } from './tools';

export class RedisServer {
    private process: ChildProcess | undefined;
    readonly dir = mkdtempSync(path.join(tmpdir(), 'redis-'));
    output = '';

    constructor(readonly port: number) {}

    get url(): string {
        return `redis://127.0.0.1:${this.port}`;
    }

    async start(timeoutMs = 10000): Promise<void> {
        if (await portOpen(this.port)) {
            throw new Error(`127.0.0.1:${this.port} is already in use: cannot start redis-server there`);
        }
        const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', ''];
        args.push('--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no');
        const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
        this.process = child;
        child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
        child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
        const deadline = Date.now() + timeoutMs;
        while (!this.output.includes('Ready to accept connections')) {
            if (child.exitCode !== null || Date.now() > deadline) {
                throw new Error(`redis-server did not start on 127.0.0.1:${this.port}: ${this.output}`);
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
