/** A server program the tests start themselves (mosquitto, redis-server): its folder, output, start and stop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { portOpen } from './tools';

export abstract class ServerProcess {
    private process: ChildProcess | undefined;
    output = '';

    protected constructor(
        /** A folder of its own, removed by dispose(). */
        readonly dir: string,
        private readonly name: string,
    ) {}

    /** Spawns `command` on 127.0.0.1:`port` and waits until `ready()` says so (or the program exits). */
    protected async spawnAndWait(
        command: string,
        args: string[],
        port: number,
        ready: () => boolean | Promise<boolean>,
        timeoutMs: number,
    ): Promise<void> {
        if (await portOpen(port)) {
            // something else answers there (a leftover server?): it would be mistaken for this one
            throw new Error(`127.0.0.1:${port} is already in use: cannot start ${this.name} there`);
        }
        const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        this.process = child;
        child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
        child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
        const deadline = Date.now() + timeoutMs;
        while (!(await ready())) {
            if (child.exitCode !== null || Date.now() > deadline) {
                throw new Error(`${this.name} did not start on 127.0.0.1:${port}: ${this.output}`);
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
