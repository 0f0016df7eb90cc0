/**
 * A broker a hostile client cannot take down: each test is one attack found by probing the broker (issue #16), on
 * real sockets with real clients. Each failed before its fix.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'node:net';
import { hashPassword, type Account } from '../../src/broker/accessControl';
import type { BrokerEvents, BrokerServiceOptions } from '../../src/broker/brokerService';
import { TestClient } from '../lib/mqttClient';
import { connectBytes, RawClient } from '../lib/rawMqtt';
import { startBroker, webSocketPort, type Started } from '../lib/testBroker';
import { until } from '../lib/wait';

describe('Hardening: attacks on the broker (real sockets)', function () {
    this.timeout(30000);
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
        for (const cleanup of cleanups.splice(0).reverse()) {
            await cleanup();
        }
    });
    async function broker(
        options: Partial<BrokerServiceOptions> = {},
        events: BrokerEvents = {},
        warnings: string[] = [],
    ): Promise<Started> {
        const started = await startBroker(options, events, {
            info: () => undefined,
            warn: message => warnings.push(message),
            debug: () => undefined,
        });
        cleanups.push(() => started.broker.stop());
        return started;
    }
    async function client(port: number, options: Parameters<typeof TestClient.connect>[1] = {}): Promise<TestClient> {
        const c = await TestClient.connect(port, options);
        cleanups.push(() => void c.client.end(true));
        return c;
    }
    /** A marker published after an attack is the only message that reached the adapter (clientPublish). */
    async function onlyMarkerWritten(port: number, published: Started['published']): Promise<void> {
        const pub = await client(port);
        await pub.publish('ok', 'm');
        await until(() => published.length > 0, 5000, 'the marker');
        assert.deepEqual(
            published.map(p => p.topic),
            ['ok'],
        );
    }
    async function raw(port: number, localAddress?: string): Promise<RawClient> {
        const c = await RawClient.open(port, 4, localAddress);
        cleanups.push(() => c.destroy());
        return c;
    }
    /** One login from `localAddress` on a raw socket: the CONNACK's return code. */
    async function connackCode(
        port: number,
        localAddress: string,
        username: string,
        password: string,
    ): Promise<number> {
        const c = await raw(port, localAddress);
        c.send({
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion: 4,
            clean: true,
            keepalive: 30,
            clientId: '',
            username,
            password: Buffer.from(password),
        });
        const connack = (await c.waitFor(p => p.cmd === 'connack')) as { returnCode?: number };
        c.destroy();
        return connack.returnCode ?? 0;
    }

    for (const account of ['anonymous', 'the full-rights user'] as const) {
        it(`refuses a client's publish to $SYS/…/new/clients: the named client stays connected, no will (${account})`, async () => {
            const credentials = account === 'anonymous' ? {} : { username: 'iob', password: 's3cret' };
            const { port, dropped } = await broker(account === 'anonymous' ? {} : { user: 'iob', pass: 's3cret' });
            const watcher = await client(port, credentials);
            await watcher.subscribe('will/#');
            await watcher.subscribe('$SYS/#');
            const victim = await client(port, {
                ...credentials,
                clientId: 'victim',
                will: { topic: 'will/victim', payload: Buffer.from('gone'), qos: 1, retain: false },
            });
            await victim.subscribe('v/#', 1);
            const attacker = await client(port, { ...credentials, clientId: 'attacker' });
            const attacks = ['$SYS/anything/new/clients', '$SYS/x/y/new/clients', '$foo/bar'];
            for (const topic of attacks) {
                await attacker.publish(topic, 'victim', { qos: 1 }); // resolves on PUBACK
            }
            // a marker after the attack: the victim still receives, so it was never closed
            await attacker.publish('v/marker', 'after', { qos: 1 });
            assert.equal((await victim.waitForTopic('v/marker')).payload.toString(), 'after');
            assert.equal(victim.client.connected, true);
            await attacker.publish('will/marker', 'm', { qos: 1 });
            await watcher.waitForTopic('will/marker');
            assert.equal(watcher.received('will/victim').length, 0, 'the victim\u2019s will was not fired');
            assert.equal(
                watcher.messages.filter(m => attacks.includes(m.topic)).length,
                0,
                'nothing published by a client reached $ subscribers',
            );
            assert.equal(dropped.filter(r => /reserved topic/.test(r)).length, 3, 'each refused publish is counted');
        });
    }

    it('the refused $ publish goes nowhere, not even to the adapter (clientPublish)', async () => {
        const { port, published } = await broker();
        const pub = await raw(port);
        await pub.connect('r');
        pub.send({ cmd: 'publish', topic: '$SYS/x/new/clients', payload: 'r', qos: 1, messageId: 7 });
        pub.send({ cmd: 'publish', topic: 'ok/after', payload: 'x', qos: 1, messageId: 8 });
        await pub.waitFor(p => p.cmd === 'puback' && p.messageId === 8);
        await until(() => published.length > 0, 5000, 'the clientPublish event');
        assert.deepEqual(
            published.map(p => p.topic),
            ['ok/after'],
        );
        assert.ok(
            pub.packets.some(p => p.cmd === 'puback' && p.messageId === 7),
            'acknowledged as 3.1.1 requires',
        );
    });

    it('closes a connection at the fixed header of a packet that declares more than the limit, buffering nothing', async () => {
        const { port, dropped } = await broker({ maxPayloadSizeBytes: 1000 });
        const good = await client(port);
        await good.subscribe('g/#');
        // after CONNECT: a PUBLISH declaring 268,435,455 bytes (the most MQTT can declare), and not one byte of it
        const attacker = await raw(port);
        await attacker.connect('big');
        attacker.sendBytes(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]));
        await attacker.waitClosed(2000);
        // as the first packet: a CONNECT declaring 2 MB
        const first = await raw(port);
        first.sendBytes(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x01]));
        await first.waitClosed(2000);
        assert.equal(dropped.filter(r => /connection closed/.test(r)).length, 2);
        const pub = await client(port);
        await pub.publish('g/x', 'fine');
        await good.waitForTopic('g/x');
    });

    it('maxClients counts connections from the moment they are accepted: 250 concurrent connects, 100 get in', async () => {
        // on disk, as the adapter runs by default: the session store makes the time between CONNECT and 'ready' async
        const dir = mkdtempSync(path.join(tmpdir(), 'mqtt-gateway-maxclients-'));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        const { port } = await broker({ maxClients: 100, persistence: 'disk', persistenceDir: dir });
        const clients = await Promise.all(Array.from({ length: 250 }, () => raw(port)));
        clients.forEach((c, i) => c.sendConnect(`c${i}`));
        const codes = await Promise.all(
            clients.map(async c => {
                const connack = (await c.waitFor(p => p.cmd === 'connack', 10000)) as { returnCode?: number };
                return connack.returnCode ?? -1;
            }),
        );
        assert.equal(codes.filter(code => code === 0).length, 100);
        assert.equal(codes.filter(code => code === 3).length, 150, 'the others get CONNACK 3 (server unavailable)');
    });

    for (const qos of [0, 1] as const) {
        it(`a subscriber that stops reading (QoS ${qos}) costs only itself: the others get every message`, async () => {
            const { port, dropped } = await broker();
            const stuck = await raw(port);
            await stuck.connect('stuck', { keepalive: 0 });
            stuck.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '#', qos }] });
            await stuck.waitFor(p => p.cmd === 'suback');
            stuck.socket.pause(); // reads nothing from now on
            const good = await client(port, { clientId: 'good' });
            await good.subscribe('load/#', qos);
            const pub = await client(port, { clientId: 'pub' });
            // 64 MB in all: more than the loopback socket buffers of the stuck client hold (receive autotuning up to
            // 32 MB here); QoS 0 is sent in batches that the reading subscriber has received before the next one,
            // since QoS 0 to a subscriber that reads slower than the publisher sends is dropped too (by design)
            const payload = Buffer.alloc(64 * 1024, 7);
            const count = 1000;
            for (let i = 0; i < count; i++) {
                if (qos === 0) {
                    void pub.client.publish('load/x', payload, { qos: 0 });
                    if (i % 8 === 7) {
                        await pub.publish(`load/batch`, String(i), { qos: 1 });
                        await good.waitFor(m => m.topic === 'load/batch' && m.payload.toString() === String(i));
                    }
                } else {
                    await pub.publish('load/x', payload, { qos: 1 });
                }
            }
            await pub.publish('load/end', 'end', { qos: 1 });
            await good.waitForTopic('load/end', 20000);
            assert.equal(good.received('load/x').length, count, 'the reading subscriber got every message');
            if (qos === 0) {
                assert.ok(
                    dropped.some(r => /slow client/.test(r)),
                    'QoS 0 messages to the stuck client were dropped',
                );
            } else {
                assert.ok(dropped.some(r => /slow client 'stuck' closed/.test(r)));
                // reading again, the stuck client finds the end of what the broker had sent before it closed
                stuck.socket.resume();
                await stuck.waitClosed(15000);
            }
        });
    }

    it('maxSubscriptions: a client holds at most so many subscriptions, further ones get SUBACK 0x80', async () => {
        const { port } = await broker({ maxSubscriptions: 100 });
        const heavy = await raw(port);
        await heavy.connect('heavy');
        const filters = (from: number, to: number): { topic: string; qos: 0 }[] =>
            Array.from({ length: to - from }, (_, i) => ({ topic: `f/${from + i}/#`, qos: 0 }));
        heavy.send({ cmd: 'subscribe', messageId: 1, subscriptions: filters(0, 150) });
        const first = (await heavy.waitFor(p => p.cmd === 'suback' && p.messageId === 1)) as { granted: number[] };
        assert.equal(first.granted.filter(g => g === 0).length, 100);
        assert.deepEqual(first.granted.slice(100), Array(50).fill(0x80));
        // the same filter again is not a new subscription; freeing places lets new ones in
        heavy.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'f/0/#', qos: 1 }] });
        const again = (await heavy.waitFor(p => p.cmd === 'suback' && p.messageId === 2)) as { granted: number[] };
        assert.deepEqual(again.granted, [1]);
        heavy.send({ cmd: 'unsubscribe', messageId: 3, unsubscriptions: ['f/1/#', 'f/2/#'] });
        await heavy.waitFor(p => p.cmd === 'unsuback' && p.messageId === 3);
        heavy.send({ cmd: 'subscribe', messageId: 4, subscriptions: filters(200, 203) });
        const after = (await heavy.waitFor(p => p.cmd === 'suback' && p.messageId === 4)) as { granted: number[] };
        assert.deepEqual(after.granted, [0, 0, 0x80]);
        // the subscriptions it holds still work
        const pub = await client(port);
        await pub.publish('f/3/x', 'delivered', { qos: 1 });
        await heavy.waitFor(p => p.cmd === 'publish' && p.topic === 'f/3/x');
    });

    describe('conformance: what MQTT 3.1.1 forbids closes the connection (mosquitto does the same)', () => {
        const str = (text: string | Buffer): Buffer => {
            const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
            return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
        };
        const packet = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type, body.length]), body]);
        const connectBytes = (name: string, level: number, flags: number, payload: Buffer[]): Buffer =>
            packet(0x10, Buffer.concat([str(name), Buffer.from([level, flags, 0, 60]), ...payload]));
        const connects: { name: string; bytes: Buffer }[] = [
            { name: "'MQIsdp' with protocol level 4", bytes: connectBytes('MQIsdp', 4, 0x02, [str('c1')]) },
            {
                name: 'password flag without user name flag',
                bytes: connectBytes('MQTT', 4, 0x42, [str('c2'), str('pw')]),
            },
            {
                name: 'a will with QoS 3',
                bytes: connectBytes('MQTT', 4, 0x1e, [str('c3'), str('will/x'), str('boom')]),
            },
            { name: 'a client id with a NUL', bytes: connectBytes('MQTT', 4, 0x02, [str('c\u0000')]) },
        ];
        for (const row of connects) {
            it(`CONNECT: ${row.name}`, async () => {
                const { port } = await broker();
                const watcher = await client(port);
                await watcher.subscribe('will/#');
                const bad = await raw(port);
                bad.sendBytes(row.bytes);
                await bad.waitClosed(3000);
                assert.equal(
                    bad.packets.filter(p => p.cmd === 'connack' && (p as { returnCode?: number }).returnCode === 0)
                        .length,
                    0,
                    'never accepted',
                );
                const pub = await client(port);
                await pub.publish('will/marker', 'm');
                await watcher.waitForTopic('will/marker');
                assert.equal(watcher.received('will/x').length, 0, 'no will fired');
            });
        }
        const publishes: { name: string; body: Buffer }[] = [
            { name: 'a topic with a NUL', body: Buffer.concat([str('a\u0000b'), Buffer.from('x')]) },
            {
                name: 'a topic that is not UTF-8',
                body: Buffer.concat([str(Buffer.from([0x61, 0xff, 0x62])), Buffer.from('x')]),
            },
            {
                name: 'a topic with a lone surrogate (ED A0 80)',
                body: Buffer.concat([str(Buffer.from([0x61, 0xed, 0xa0, 0x80])), Buffer.from('x')]),
            },
        ];
        for (const row of publishes) {
            it(`PUBLISH: ${row.name}`, async () => {
                const { port, published } = await broker();
                const bad = await raw(port);
                await bad.connect('p');
                bad.sendBytes(packet(0x30, row.body));
                await bad.waitClosed(3000);
                await onlyMarkerWritten(port, published);
            });
        }
        it('PUBLISH: QoS 1 with packet identifier 0', async () => {
            const { port, published } = await broker();
            const bad = await raw(port);
            await bad.connect('q');
            bad.sendBytes(packet(0x32, Buffer.concat([str('t/q'), Buffer.from([0, 0]), Buffer.from('x')])));
            await bad.waitClosed(3000);
            assert.equal(bad.packets.filter(p => p.cmd === 'puback').length, 0);
            await onlyMarkerWritten(port, published);
        });
        it("SUBSCRIBE: filter 'a+' gets SUBACK 0x80", async () => {
            const { port } = await broker();
            const sub = await raw(port);
            await sub.connect('s');
            sub.send({
                cmd: 'subscribe',
                messageId: 5,
                subscriptions: [
                    { topic: 'a+', qos: 0 },
                    { topic: 'a/+', qos: 1 },
                ],
            });
            const suback = (await sub.waitFor(p => p.cmd === 'suback')) as { granted: number[] };
            assert.deepEqual(suback.granted, [0x80, 1]);
        });
    });

    it('limits guesses per account, not only per address: 30 loopback addresses × 4 guesses (issue #16)', async () => {
        const account: Account = {
            user: 'dev',
            pass: undefined,
            passHash: hashPassword('pw-dev'),
            publish: ['#'],
            subscribe: ['#'],
            readOnly: false,
            enabled: true,
            full: false,
        };
        const { port, broker: service } = await broker({ accounts: [account] });
        // the real device has logged in from its address before the attack
        assert.equal(await connackCode(port, '127.0.0.1', 'dev', 'pw-dev'), 0);
        // 4 guesses from each of 30 addresses: below the per-address limit of 5 everywhere
        const attackers = Array.from({ length: 30 }, (_, i) => `127.0.0.${i + 2}`);
        const codes = await Promise.all(
            attackers.map(async address => {
                const mine: number[] = [];
                for (let guess = 0; guess < 4; guess++) {
                    mine.push(await connackCode(port, address, 'dev', `guess-${address}-${guess}`));
                }
                return mine;
            }),
        );
        assert.deepEqual(new Set(codes.flat()), new Set([4]), 'every guess refused with CONNACK 4');
        // from a new address even the right password waits until the lock ends: a guess now would tell nothing
        assert.equal(await connackCode(port, '127.0.0.200', 'dev', 'pw-dev'), 4);
        assert.ok(service.lockedAccountLogins > 0, 'guesses were refused unchecked once the account was locked');
        assert.equal(service.blockedLogins, 0, 'no address reached its own limit');
        // the device at its known address is not locked out by the attack
        assert.equal(await connackCode(port, '127.0.0.1', 'dev', 'pw-dev'), 0);
    });

    it('reports only connections that completed the handshake: 100 clients dropping right after CONNECT leave no ghost (issue #16)', async () => {
        // what server mode builds info.clientCount and info.clients.* from
        const present = new Map<string, number>();
        const disconnected: string[] = [];
        const neverConnected: string[] = [];
        const { port, broker: service } = await broker(
            {},
            {
                clientConnected: c => present.set(c.id, (present.get(c.id) ?? 0) + 1),
                clientDisconnected: id => {
                    disconnected.push(id);
                    if (!present.delete(id)) {
                        neverConnected.push(id);
                    }
                },
            },
        );
        // unique ids and repeated ones (a takeover while the other copy is still in its handshake)
        const ids = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? `drop-${i}` : `same-${i % 5}`));
        await Promise.all(
            ids.map(
                clientId =>
                    new Promise<void>((resolve, reject) => {
                        const socket = connect({ port, host: '127.0.0.1' }, () => {
                            socket.end(connectBytes(clientId));
                            socket.destroy();
                        });
                        socket.on('error', reject);
                        socket.on('close', () => resolve());
                    }),
            ),
        );
        // a marker after them: once its own disconnect is reported, the broker has handled the drops before it
        const marker = await client(port, { clientId: 'marker' });
        await marker.end();
        await until(() => disconnected.includes('marker'), 5000, "the marker's disconnect");
        assert.deepEqual([...present.keys()], [], 'no client is present with no connection open');
        assert.deepEqual(neverConnected, [], 'no disconnect of a client that was never reported connected');
        assert.equal(service.connectedClients, 0);
    });

    for (const row of [
        { persistence: 'memory', via: 'tcp' },
        { persistence: 'disk', via: 'tcp' },
        { persistence: 'memory', via: 'ws' },
    ] as const) {
        it(`300 clients whose sockets close at once: every will fires, every place is freed, the others keep receiving (${row.persistence}, ${row.via})`, async () => {
            const present = new Set<string>();
            const dir = row.persistence === 'disk' ? mkdtempSync(path.join(tmpdir(), 'mqtt-gateway-closes-')) : '';
            if (dir) {
                cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
            }
            const { port, broker: service } = await broker(
                {
                    persistence: row.persistence,
                    persistenceDir: dir,
                    listeners: { bind: '127.0.0.1', port: 0, tls: undefined, webSocket: row.via === 'ws', wsPort: 0 },
                },
                {
                    clientConnected: c => present.add(c.id),
                    clientDisconnected: id => present.delete(id),
                },
            );
            const wsPort = row.via === 'ws' ? webSocketPort(service) : 0;
            const watcher = await client(port, { clientId: 'watcher' });
            await watcher.subscribe('will/#', 1);
            await watcher.subscribe('live', 1);
            const publisher = await client(port, { clientId: 'live-publisher' });
            const devices: TestClient[] = [];
            for (let i = 0; i < 300; i += 50) {
                devices.push(
                    ...(await Promise.all(
                        Array.from({ length: 50 }, (_, j) => {
                            const options = {
                                clientId: `device-${i + j}`,
                                will: {
                                    topic: `will/device-${i + j}`,
                                    payload: Buffer.from('gone'),
                                    qos: 1 as const,
                                    retain: false,
                                },
                            };
                            return row.via === 'ws'
                                ? TestClient.connectUrl(`ws://127.0.0.1:${wsPort}/mqtt`, options).then(c => {
                                      cleanups.push(() => void c.client.end(true));
                                      return c;
                                  })
                                : client(port, options);
                        }),
                    )),
                );
            }
            await until(() => present.size === 302, 10000, 'every device reported connected');
            // the peer closes, as when a power strip with 300 devices goes off or an attacker's process exits
            for (const device of devices) {
                device.client.stream.destroy();
            }
            // meanwhile the clients still connected keep exchanging messages
            for (let i = 0; i < 10; i++) {
                await publisher.publish('live', String(i));
            }
            const wills = (): string[] => watcher.messages.filter(m => m.topic.startsWith('will/')).map(m => m.topic);
            await until(
                () => watcher.messages.filter(m => m.topic === 'live').length === 10,
                10000,
                'the live messages',
            );
            await until(() => wills().length === 300, 15000, '300 wills');
            await until(() => service.connectedClients === 2, 10000, 'the 300 places freed');
            assert.deepEqual([...present].sort(), ['live-publisher', 'watcher']);
            assert.equal(new Set(wills()).size, 300, 'each will once');
        });
    }

    it('a takeover (the same client id again) leaves the id present once, gone when its last connection closes', async () => {
        const present = new Set<string>();
        const events: string[] = [];
        const { port, broker: service } = await broker(
            {},
            {
                clientConnected: c => {
                    present.add(c.id);
                    events.push(`+${c.id}`);
                },
                clientDisconnected: id => {
                    present.delete(id);
                    events.push(`-${id}`);
                },
            },
        );
        const first = await client(port, { clientId: 'dup' });
        const firstClosed = new Promise<void>(resolve => first.client.once('close', () => resolve()));
        // [MQTT-3.1.4-2] the broker closes the first connection for the second one
        const second = await client(port, { clientId: 'dup' });
        await firstClosed;
        await until(() => events.length >= 2 && present.has('dup'), 5000, 'the second connection reported');
        assert.equal(service.connectedClients, 1);
        await second.end();
        await until(() => !present.has('dup'), 5000, 'the last connection gone');
        assert.equal(service.connectedClients, 0);
        assert.deepEqual(events.slice(-1), ['-dup']);
    });

    it('idle connections (no CONNECT) cannot keep devices out: the oldest idle one gives its place to a newcomer', async () => {
        const { port } = await broker({ maxClients: 5 });
        const idle = await Promise.all(Array.from({ length: 5 }, () => raw(port)));
        // a burst does not push anybody out: places go in the order connections arrived
        const early = await raw(port);
        assert.equal(await early.connect('early'), 3, 'no place while the idle ones are new');
        await new Promise(resolve => setTimeout(resolve, 1200));
        const device = await raw(port);
        assert.equal(await device.connect('device'), 0, 'after a second the oldest idle connection gives way');
        await idle[0]!.waitClosed(2000);
        assert.equal(idle.filter(c => c.closed).length, 1, 'exactly one idle connection was closed');
    });
});
