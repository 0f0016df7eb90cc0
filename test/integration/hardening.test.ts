/**
 * A broker a hostile client cannot take down: each test is one attack found by probing the broker (issue #16), on
 * real sockets with real clients. Each failed before its fix.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { hashPassword, type Account } from '../../src/broker/accessControl';
import type { BrokerEvents, BrokerServiceOptions } from '../../src/broker/brokerService';
import { TestClient } from '../lib/mqttClient';
import { RawClient } from '../lib/rawMqtt';
import { startBroker, type Started } from '../lib/testBroker';
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
    async function raw(port: number, localAddress?: string): Promise<RawClient> {
        const c = await RawClient.open(port, localAddress);
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
        pub.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'r', clean: true, keepalive: 30 });
        await pub.waitFor(p => p.cmd === 'connack');
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
        const connectBytes = (clientId: string): Buffer =>
            mqttPacket.generate({
                cmd: 'connect',
                protocolId: 'MQTT',
                protocolVersion: 4,
                clientId,
                clean: true,
                keepalive: 30,
            });
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
});
