/** Debian's mosquitto_pub / mosquitto_sub as real MQTT 5 (or 3.1.1) clients of the embedded broker. */
import { spawn } from 'node:child_process';

export interface CliResult {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Runs a mosquitto client tool to its end (killed after `timeoutMs`, which then shows as code null). */
export function runMosquittoTool(
    command: 'mosquitto_pub' | 'mosquitto_sub',
    args: string[],
    timeoutMs = 10000,
): Promise<CliResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.on('error', err => {
            clearTimeout(timer);
            reject(err);
        });
        child.on('close', code => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        });
    });
}
