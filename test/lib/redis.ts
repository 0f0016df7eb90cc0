/**
 * A real redis-server for the tests: its own folder and a loopback port, append-only file on (so a restart keeps
 * what was written, like a production Redis), started, stopped and restarted by the test.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ServerProcess } from './serverProcess';

export class RedisServer extends ServerProcess {
    constructor(readonly port: number) {
        super(mkdtempSync(path.join(tmpdir(), 'redis-')), 'redis-server');
    }

    get url(): string {
        return `redis://127.0.0.1:${this.port}`;
    }

    /** One command on a short-lived connection (FLUSHALL, HKEYS …, CLIENT KILL …). */
    async command(name: string, ...args: string[]): Promise<unknown> {
        const { default: Redis } = await import('ioredis');
        const connection = new Redis(this.url);
        try {
            return await connection.call(name, ...args);
        } finally {
            connection.disconnect();
        }
    }

    async start(timeoutMs = 10000): Promise<void> {
        const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', ''];
        args.push('--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no');
        const mark = this.output.length; // a restart waits for its own "ready" line
        await this.spawnAndWait(
            'redis-server',
            args,
            this.port,
            () => this.output.slice(mark).includes('Ready to accept connections'),
            timeoutMs,
        );
    }
}
