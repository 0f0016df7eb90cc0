import { spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';

/** Whether an executable is on PATH. */
export function hasCommand(command: string): boolean {
    return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Marks a test as skipped with a reason that is printed, never silently. */
export function skipWithReason(ctx: Mocha.Context, reason: string): never {
    console.log(`      SKIPPED: ${reason}`);
    ctx.skip();
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
    return new Promise(resolve => {
        const socket = createConnection({ port, host: '127.0.0.1' });
        socket.once('connect', () => {
            socket.destroy();
            resolve(true);
        });
        socket.once('error', () => resolve(false));
    });
}
