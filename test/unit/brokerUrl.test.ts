import assert from 'node:assert/strict';
import { resolveBrokerUrl } from '../../src/client/brokerUrl';

describe('resolveBrokerUrl', () => {
    const rows: { url: string; port?: number; ssl?: boolean; href: string; secure?: boolean }[] = [
        { url: '127.0.0.1', href: 'mqtt://127.0.0.1:1883' },
        { url: 'broker.local', port: 1884, href: 'mqtt://broker.local:1884' },
        { url: 'broker.local', port: 8883, ssl: true, href: 'mqtts://broker.local:8883', secure: true },
        { url: '::1', href: 'mqtt://[::1]:1883' },
        { url: 'mqtt://h:1999', href: 'mqtt://h:1999' },
        { url: 'mqtt://h', port: 2000, href: 'mqtt://h:2000' },
        { url: 'mqtts://h', port: 8883, href: 'mqtts://h:8883', secure: true },
        { url: 'tcp://h:1', href: 'mqtt://h:1' },
        { url: 'tls://h:2', href: 'mqtts://h:2', secure: true },
        { url: 'ws://h:8080/mqtt', href: 'ws://h:8080/mqtt' },
        { url: 'wss://h/mqtt', port: 443, href: 'wss://h:443/mqtt', secure: true },
        { url: 'WS://H:9001/', href: 'ws://h:9001/' },
        { url: 'ws://[::1]:9001/mqtt', href: 'ws://[::1]:9001/mqtt' },
        // an explicit scheme wins over ssl
        { url: 'mqtt://h:1883', ssl: true, href: 'mqtt://h:1883' },
    ];
    for (const row of rows) {
        it(`${row.url}${row.port ? ` port ${row.port}` : ''}${row.ssl ? ' ssl' : ''} → ${row.href}`, () => {
            const result = resolveBrokerUrl({ url: row.url, port: row.port ?? 1883, ssl: row.ssl ?? false });
            assert.equal(result.href, row.href);
            assert.equal(result.secure, row.secure ?? false);
        });
    }
    it('refuses other schemes and empty hosts', () => {
        assert.throws(() => resolveBrokerUrl({ url: 'http://h', port: 1, ssl: false }), /unsupported scheme/);
        assert.throws(() => resolveBrokerUrl({ url: '', port: 1, ssl: false }), /no host/);
    });
});
