/**
 * A real mosquitto broker for client-mode tests: its own config on a loopback port, started and stopped by the test.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestCertificates } from './certs';
import { ServerProcess } from './serverProcess';
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

export class Mosquitto extends ServerProcess {
    private readonly config: string;

    constructor(readonly options: MosquittoOptions) {
        super(mkdtempSync(path.join(tmpdir(), 'mosquitto-')), 'mosquitto');
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
        const port = this.options.port;
        await this.spawnAndWait('mosquitto', ['-c', this.config], port, () => portOpen(port), timeoutMs);
    }
}
