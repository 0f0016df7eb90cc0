/** A throw-away CA and server certificate made with openssl, for TLS/WSS tests on 127.0.0.1. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCertificates {
    ca: string;
    key: string;
    cert: string;
    /** A client certificate signed by the same CA (mutual TLS). */
    clientKey: string;
    clientCert: string;
}

let cached: TestCertificates | undefined;

export function makeCertificates(): TestCertificates {
    if (cached) {
        return cached;
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'mqtt-gateway-certs-'));
    const run = (...args: string[]): void => {
        execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    };
    try {
        run(
            'req',
            '-x509',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-keyout',
            'ca.key',
            '-out',
            'ca.pem',
            '-days',
            '2',
            '-subj',
            '/CN=mqtt-gateway test CA',
        );
        run(
            'req',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-keyout',
            'server.key',
            '-out',
            'server.csr',
            '-subj',
            '/CN=localhost',
        );
        writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
        run(
            'x509',
            '-req',
            '-in',
            'server.csr',
            '-CA',
            'ca.pem',
            '-CAkey',
            'ca.key',
            '-CAcreateserial',
            '-out',
            'server.pem',
            '-days',
            '2',
            '-extfile',
            'san.ext',
        );
        run(
            'req',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-keyout',
            'client.key',
            '-out',
            'client.csr',
            '-subj',
            '/CN=mqtt-gateway-client',
        );
        run(
            'x509',
            '-req',
            '-in',
            'client.csr',
            '-CA',
            'ca.pem',
            '-CAkey',
            'ca.key',
            '-CAcreateserial',
            '-out',
            'client.pem',
            '-days',
            '2',
        );
        cached = {
            ca: readFileSync(path.join(dir, 'ca.pem'), 'utf8'),
            key: readFileSync(path.join(dir, 'server.key'), 'utf8'),
            cert: readFileSync(path.join(dir, 'server.pem'), 'utf8'),
            clientKey: readFileSync(path.join(dir, 'client.key'), 'utf8'),
            clientCert: readFileSync(path.join(dir, 'client.pem'), 'utf8'),
        };
        return cached;
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
