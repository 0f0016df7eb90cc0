import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
    ACCEPTED_UNUSED_OPTIONS,
    formatSettingsErrors,
    parseSettings,
    type ClientSettings,
    type ServerSettings,
    type Settings,
} from '../../src/settings';

const ioPackage = JSON.parse(readFileSync(path.join(__dirname, '../../io-package.json'), 'utf8')) as {
    native: Record<string, unknown>;
};
const NS = 'mqtt-gateway.0';

function parseOk(native: Record<string, unknown>): Settings {
    const result = parseSettings({ ...ioPackage.native, ...native }, NS);
    if (!result.ok) {
        assert.fail(formatSettingsErrors(result.errors));
    }
    return result.settings;
}

/** The settings of server mode (the default type). */
function server(s: Settings): ServerSettings {
    if (s.type !== 'server') {
        assert.fail(`expected server settings, got ${s.type}`);
    }
    return s;
}

/** The settings of client mode. */
function client(s: Settings): ClientSettings {
    if (s.type !== 'client') {
        assert.fail(`expected client settings, got ${s.type}`);
    }
    return s;
}

function errorsOf(native: Record<string, unknown>): string[] {
    const result = parseSettings({ ...ioPackage.native, ...native }, NS);
    assert.equal(result.ok, false, 'expected the settings to be refused');
    return result.ok ? [] : result.errors.map(e => e.option);
}

describe('parseSettings', () => {
    it('accepts the io-package defaults and gives typed values with units', () => {
        const s = server(parseOk({}));
        // the client part of the same defaults, as client mode gets it
        const c = client(parseOk({ type: 'client' }));
        assert.equal(s.type, 'server');
        assert.equal(s.bind, '0.0.0.0');
        assert.equal(s.port, 1883);
        assert.equal(s.persistence, 'disk');
        assert.equal(s.wsPort, 1884, 'wsPort 0 means port + 1');
        assert.equal(c.keepaliveSec, 60);
        assert.equal(c.reconnectPeriodSec, 10);
        assert.equal(s.sendOnStartIntervalMs, 2000);
        assert.equal(s.defaultQoS, 0);
        assert.equal(c.protocolVersion, 'auto');
        assert.equal(s.maxTopicLength, 100);
        assert.deepEqual(
            c.patterns.map(p => p.filter),
            ['#'],
        );
        assert.deepEqual(
            s.publish.map(m => m.mask),
            ['mqtt-gateway.0.*'],
            'empty publish = own namespace',
        );
        assert.equal(s.writableMask, s.publish, 'empty writableMask = publish');
    });

    it('knows every option that io-package.json declares', () => {
        // every native key must be read by parseSettings: a typo in either place shows up here. A key is a typed
        // setting of one mode or both, or one of the options that are accepted (checked) but mean nothing here
        const s = parseOk({}) as unknown as Record<string, unknown>;
        const c = parseOk({ type: 'client' }) as unknown as Record<string, unknown>;
        const renamed: Record<string, string> = {
            keepalive: 'keepaliveSec',
            reconnectPeriod: 'reconnectPeriodSec',
            connectTimeout: 'connectTimeoutSec',
            sendOnStartInterval: 'sendOnStartIntervalMs',
            sendInterval: 'sendIntervalMs',
            noEchoInterval: 'noEchoIntervalMs',
            storeClientsTime: 'storeClientsTimeMin',
            maxPayloadSize: 'maxPayloadSizeBytes',
            noRetain: 'retain',
        };
        const unused = new Set<string>(ACCEPTED_UNUSED_OPTIONS);
        for (const key of Object.keys(ioPackage.native)) {
            if (unused.has(key)) {
                continue;
            }
            const name = renamed[key] ?? key;
            assert.ok(name in s || name in c, `native option '${key}' has no typed setting '${name}'`);
        }
        for (const key of ACCEPTED_UNUSED_OPTIONS) {
            assert.ok(key in ioPackage.native, `'${key}' is accepted for imported configs: io-package declares it`);
            assert.ok(!(key in s) && !(key in c), `'${key}' is accepted but not carried`);
        }
    });

    it('gives "retain" one meaning: statuses are published retained (server: not noRetain; client: retain)', () => {
        assert.equal(parseOk({}).retain, true);
        assert.equal(parseOk({ noRetain: true }).retain, false);
        assert.equal(parseOk({ type: 'client' }).retain, false);
        assert.equal(parseOk({ type: 'client', retain: true }).retain, true);
        assert.equal(parseOk({ type: 'client', noRetain: true, retain: true }).retain, true);
    });

    it("keeps only the chosen mode's part", () => {
        const s = parseOk({}) as unknown as Record<string, unknown>;
        const c = parseOk({ type: 'client' }) as unknown as Record<string, unknown>;
        assert.ok('bind' in s && !('bind' in c));
        assert.ok('url' in c && !('url' in s));
    });

    const accepted: { name: string; native: Record<string, unknown>; check: (s: Settings) => void }[] = [
        { name: 'numbers given as text', native: { port: '1884' }, check: s => assert.equal(s.port, 1884) },
        { name: 'mqtt5 on by default', native: {}, check: s => assert.equal(server(s).mqtt5, true) },
        { name: 'mqtt5 off', native: { mqtt5: false }, check: s => assert.equal(server(s).mqtt5, false) },
        {
            name: 'booleans given as text',
            native: { ssl: 'false', onchange: 'true' },
            check: s => assert.equal(s.onchange, true),
        },
        {
            name: 'explicit wsPort',
            native: { webSocket: true, wsPort: 8080 },
            check: s => assert.equal(server(s).wsPort, 8080),
        },
        {
            name: 'protocolVersion 5 as text',
            native: { type: 'client', protocolVersion: '5' },
            check: s => assert.equal(client(s).protocolVersion, 5),
        },
        {
            name: 'comma lists are trimmed',
            native: { type: 'client', patterns: ' a/# , b/+/c ,, ', publish: 'javascript.0.*, 0_userdata.0.x' },
            check: s => {
                assert.deepEqual(
                    client(s).patterns.map(p => p.filter),
                    ['a/#', 'b/+/c'],
                );
                assert.deepEqual(
                    s.publish.map(m => m.mask),
                    ['javascript.0.*', '0_userdata.0.x'],
                );
            },
        },
        {
            name: 'ssl with both certificates',
            native: { ssl: true, certPublic: 'defaultPublic', certPrivate: 'defaultPrivate' },
            check: s => assert.equal(s.ssl, true),
        },
        { name: 'IPv6 bind', native: { bind: '::1' }, check: s => assert.equal(server(s).bind, '::1') },
        {
            name: 'host name bind',
            native: { bind: 'localhost' },
            check: s => assert.equal(server(s).bind, 'localhost'),
        },
        { name: 'null falls back to the default', native: { port: null }, check: s => assert.equal(s.port, 1883) },
        {
            name: 'client url with scheme',
            native: { type: 'client', url: 'wss://broker:8884/mqtt' },
            check: s => assert.equal(client(s).url, 'wss://broker:8884/mqtt'),
        },
        {
            name: 'a users table that a deep merge turned into an object',
            native: { users: { 1: { user: 'b', pass: 'y' }, 0: { user: 'a', pass: 'x' } } },
            check: s =>
                assert.deepEqual(
                    server(s).users.map(u => u.user),
                    ['a', 'b'],
                ),
        },
        {
            name: 'persistence redis with a URL naming a database',
            native: { persistence: 'redis', redisUrl: ' redis://:secret@127.0.0.1:6380/2 ' },
            check: s => {
                assert.equal(server(s).persistence, 'redis');
                assert.equal(server(s).redisUrl, 'redis://:secret@127.0.0.1:6380/2');
            },
        },
        {
            name: 'persistence memory (the redisUrl is not looked at)',
            native: { persistence: 'memory', redisUrl: 'nonsense' },
            check: s => assert.equal(server(s).persistence, 'memory'),
        },
        {
            name: 'storeClientsTime -1 = forever',
            native: { storeClientsTime: -1 },
            check: s => assert.equal(server(s).storeClientsTimeMin, -1),
        },
    ];
    for (const row of accepted) {
        it(`accepts ${row.name}`, () => row.check(parseOk(row.native)));
    }

    const refused: { name: string; native: Record<string, unknown>; options: string[] }[] = [
        { name: 'port out of range', native: { port: 70000 }, options: ['port'] },
        { name: 'port 0', native: { port: 0 }, options: ['port'] },
        { name: 'port not a number', native: { port: 'abc' }, options: ['port'] },
        { name: 'fractional port', native: { port: 1883.5 }, options: ['port'] },
        { name: 'unknown type', native: { type: 'bridge' }, options: ['type'] },
        { name: 'bad bind', native: { bind: '300.1.1.1' }, options: ['bind'] },
        { name: 'bind with spaces', native: { bind: 'my host' }, options: ['bind'] },
        { name: 'ssl without certificates', native: { ssl: true }, options: ['certPublic', 'certPrivate'] },
        { name: 'invalid pattern a/#/b', native: { patterns: 'a/#/b' }, options: ['patterns'] },
        { name: 'invalid pattern a+', native: { patterns: 'a+' }, options: ['patterns'] },
        { name: 'invalid ignoredTopics', native: { ignoredTopics: 'x/#y' }, options: ['ignoredTopics'] },
        { name: 'invalid publish mask', native: { publish: 'javascript.0.[x]' }, options: ['publish'] },
        { name: 'invalid writableMask', native: { writableMask: 'a b' }, options: ['writableMask'] },
        { name: 'QoS 3', native: { defaultQoS: 3 }, options: ['defaultQoS'] },
        { name: 'protocolVersion 3', native: { protocolVersion: 3 }, options: ['protocolVersion'] },
        { name: 'negative sendInterval', native: { sendInterval: -5 }, options: ['sendInterval'] },
        { name: 'wsPort equal to port', native: { webSocket: true, wsPort: 1883 }, options: ['wsPort'] },
        { name: 'wsPort overflow', native: { webSocket: true, port: 65535 }, options: ['wsPort'] },
        { name: 'wildcard in prefix', native: { prefix: 'a/#' }, options: ['prefix'] },
        { name: 'wildcard in lwtTopic', native: { type: 'client', lwtTopic: 'a/+' }, options: ['lwtTopic'] },
        { name: 'unsupported url scheme', native: { type: 'client', url: 'http://x' }, options: ['url'] },
        { name: 'empty url in client mode', native: { type: 'client', url: '' }, options: ['url'] },
        { name: 'empty patterns in client mode', native: { type: 'client', patterns: ' , ' }, options: ['patterns'] },
        { name: 'object where text belongs', native: { user: { a: 1 } }, options: ['user'] },
        { name: 'boolean nonsense', native: { onchange: 'yes' }, options: ['onchange'] },
        { name: 'forceCleanSession unknown', native: { forceCleanSession: 'maybe' }, options: ['forceCleanSession'] },
        { name: 'persistence unknown', native: { persistence: 'mongodb' }, options: ['persistence'] },
        {
            name: 'redisUrl not a URL',
            native: { persistence: 'redis', redisUrl: 'localhost:6379' },
            options: ['redisUrl'],
        },
        {
            name: 'redisUrl with http://',
            native: { persistence: 'redis', redisUrl: 'http://x:6379' },
            options: ['redisUrl'],
        },
        { name: 'redisUrl empty', native: { persistence: 'redis', redisUrl: '' }, options: ['redisUrl'] },
        {
            name: 'redisUrl naming a database by name',
            native: { persistence: 'redis', redisUrl: 'redis://h:6379/abc' },
            options: ['redisUrl'],
        },
        { name: 'users not a table', native: { users: 'bob' }, options: ['users'] },
        { name: 'a user without name', native: { users: [{ user: ' ', pass: 'x' }] }, options: ['users'] },
        { name: 'a user without password', native: { users: [{ user: 'a' }] }, options: ['users'] },
        {
            name: 'a user twice',
            native: {
                users: [
                    { user: 'a', pass: 'x' },
                    { user: 'a', pass: 'y' },
                ],
            },
            options: ['users'],
        },
        {
            name: 'an invalid user filter',
            native: { users: [{ user: 'a', pass: 'x', publish: 'd/%u/#/x' }] },
            options: ['users'],
        },
        {
            name: 'a table user equal to the single user',
            native: { user: 'a', users: [{ user: 'a', pass: 'x' }] },
            options: ['users'],
        },
    ];
    for (const row of refused) {
        it(`refuses ${row.name}, naming ${row.options.join(' and ')}`, () => {
            assert.deepEqual(errorsOf(row.native), row.options);
        });
    }

    it('formats every error on one line naming the options', () => {
        const result = parseSettings({ ...ioPackage.native, port: 0, defaultQoS: 7 }, NS);
        assert.equal(result.ok, false);
        if (!result.ok) {
            const line = formatSettingsErrors(result.errors);
            assert.match(line, /option 'port' must be between 1 and 65535, got 0/);
            assert.match(line, /option 'defaultQoS' must be one of '0', '1', '2', got '7'/);
            assert.ok(!line.includes('\n'));
        }
    });

    it('never puts the password into an error message', () => {
        const result = parseSettings({ ...ioPackage.native, pass: 's3cret-pass', port: -1 }, NS);
        assert.equal(result.ok, false);
        if (!result.ok) {
            assert.ok(!formatSettingsErrors(result.errors).includes('s3cret-pass'));
        }
    });
});
