import { spawnSync } from 'node:child_process';

/** Whether an executable is on PATH. */
export function hasCommand(command: string): boolean {
    return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Marks a test as skipped with a reason that is printed, never silently. */
export function skipWithReason(ctx: Mocha.Context, reason: string): never {
    console.log(`      SKIPPED: ${reason}`);
    ctx.skip();
}
