/**
 * Client ids with nothing stored answered without the store (storedClients.ts, persistence.ts, aedesInternals.ts
 * item 9), against the real aedes-persistence-level: the answers must be exactly the store's.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Level } from 'level';
import { levelClientState, levelQueues } from '../../src/broker/aedesInternals';
import { BrokerPersistence, type AedesPersistence } from '../../src/broker/persistence';
import { StoredClients, type ClientStateScan } from '../../src/broker/storedClients';
import { mulberry32 } from '../lib/fuzzPackets';

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

interface Opened {
    db: Level<string, unknown>;
    persistence: BrokerPersistence;
    /** Store calls by method name. */
    calls: Map<string, number>;
}

/** A Level store (aedes-persistence-level) behind BrokerPersistence; every store call counted. */
async function open(dir: string, fastPath = true): Promise<Opened> {
    const db = new Level<string, unknown>(dir);
    await db.open();
    const { default: persistenceLevel } = await import('aedes-persistence-level');
    const real = persistenceLevel(db) as AedesPersistence;
    const calls = new Map<string, number>();
    const store = new Proxy(real, {
        get(target, prop, receiver): unknown {
            const value = Reflect.get(target, prop, receiver) as unknown;
            if (typeof value !== 'function') {
                return value;
            }
            return (...args: unknown[]): unknown => {
                calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
                return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
        },
    });
    const persistence = new BrokerPersistence(store, {
        keepsV5Fields: false,
        onError: () => undefined,
        queues: levelQueues(db, () => Promise.resolve()),
        clientState: fastPath ? levelClientState(db, () => Promise.resolve()) : undefined,
        clientStateCheckMs: 5,
    });
    await persistence.setup({ id: 'broker-1' });
    return { db, persistence, calls };
}

async function drain(stream: AsyncIterable<unknown> | NodeJS.ReadableStream): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for await (const p of stream as AsyncIterable<Record<string, unknown>>) {
        out.push(p);
    }
    return out;
}

/** What aedes 2.0.0-beta.1 asks the store at a clean-session CONNECT (connect.js), with the answers. */
async function cleanConnect(p: BrokerPersistence, id: string): Promise<{ will: unknown; queued: string[] }> {
    await p.cleanSubscriptions({ id });
    const will = await p.delWill({ id });
    const packets = await drain(p.outgoingStream({ id }));
    // emptyQueue: each queued message gets a packet id and, for a clean session, is cleared
    let messageId = 0;
    for (const packet of packets) {
        messageId++;
        await p.outgoingUpdate({ id }, { ...packet, topic: String(packet.topic), messageId });
        await p.outgoingClearMessageId({ id }, { topic: String(packet.topic), messageId });
    }
    return { will, queued: packets.map(m => String(m.topic)) };
}

function publishPacket(topic: string, counter: number): Record<string, unknown> & { topic: string } {
    return {
        cmd: 'publish',
        topic,
        payload: Buffer.from('x'),
        qos: 1,
        retain: false,
        dup: false,
        brokerId: 'broker-1',
        brokerCounter: counter,
    };
}

describe('client ids with nothing stored (storedClients.ts)', () => {
    let dir: string;
    let opened: Opened[] = [];

    beforeEach(() => {
        dir = mkdtempSync(path.join(tmpdir(), 'stored-clients-'));
        opened = [];
    });
    afterEach(async () => {
        for (const o of opened) {
            await o.persistence.destroy().catch(() => undefined);
        }
        rmSync(dir, { recursive: true, force: true });
    });

    async function start(sub = 'db', fastPath = true): Promise<Opened> {
        const o = await open(path.join(dir, sub), fastPath);
        opened.push(o);
        return o;
    }

    it('a clean CONNECT of an unknown client id does not touch the store', async () => {
        const { persistence, calls } = await start();
        calls.clear();
        assert.deepEqual(await cleanConnect(persistence, 'fresh'), { will: undefined, queued: [] });
        assert.deepEqual(await persistence.subscriptionsByClient({ id: 'fresh' }), []);
        assert.equal(await persistence.getWill({ id: 'fresh' }), undefined);
        assert.equal(
            await persistence.outgoingClearMessageId({ id: 'fresh' }, { topic: 't', messageId: 1 }),
            undefined,
        );
        await persistence.removeSubscriptions({ id: 'fresh' }, ['a']);
        await persistence.endIncoming('fresh');
        await persistence.endSession('fresh');
        assert.deepEqual([...calls.keys()], [], 'no store call');
    });

    it('a persistent session stored, then a clean CONNECT of the same id: the store answers', async () => {
        const { persistence, calls } = await start();
        const id = 'dev:1 ä';
        await persistence.addSubscriptions({ id }, [{ topic: 'a/#', qos: 1 }]);
        await persistence.outgoingEnqueueCombi([{ clientId: id }], publishPacket('a/1', 1));
        await persistence.putWill({ id }, { topic: 'will', payload: Buffer.from('w'), qos: 0, retain: false });
        calls.clear();
        const answer = await cleanConnect(persistence, id);
        assert.equal((answer.will as { topic: string }).topic, 'will');
        assert.deepEqual(answer.queued, ['a/1']);
        assert.ok(calls.get('cleanSubscriptions') && calls.get('delWill') && calls.get('outgoingStream'));
        assert.deepEqual(await persistence.subscriptionsByClient({ id }), [], 'cleaned in the store');
        // a client id that only starts like it is still unknown
        calls.clear();
        assert.deepEqual(await cleanConnect(persistence, 'dev'), { will: undefined, queued: [] });
        assert.deepEqual([...calls.keys()], []);
    });

    it('each kind of stored state counts: subscription, queued message, message in flight, QoS 2, will', async () => {
        const { persistence, db } = await start();
        await persistence.addSubscriptions({ id: 's' }, [{ topic: 't', qos: 0 }]);
        await persistence.outgoingEnqueue({ clientId: 'q' }, publishPacket('t', 1));
        await persistence.outgoingEnqueue({ clientId: 'f' }, publishPacket('t', 2));
        await persistence.outgoingUpdate({ id: 'f' }, { ...publishPacket('t', 2), messageId: 9 });
        await persistence.incomingStorePacket({ id: 'i' }, { ...publishPacket('t', 3), qos: 2, messageId: 4 });
        await persistence.putWill({ id: 'w' }, { topic: 'will', payload: Buffer.from('w'), qos: 0, retain: false });
        await persistence.storeRetained({ topic: 'r', payload: Buffer.from('r'), qos: 0, retain: true });
        const scan = levelClientState(db, () => Promise.resolve());
        const ids = new Set<string>();
        for await (const id of scan.ids()) {
            ids.add(id);
        }
        assert.deepEqual([...ids].sort(), ['f', 'i', 'q', 's', 'w']);
        for (const id of ids) {
            assert.equal(await scan.has(id), true, id);
        }
        assert.equal(await scan.has('r'), false);
        assert.equal(await scan.has('x'), false);
    });

    it('one kind of state alone keeps the id known after its session ended', async () => {
        const { persistence } = await start();
        await persistence.putWill({ id: 'w' }, { topic: 'will', payload: Buffer.from('w'), qos: 0, retain: false });
        await persistence.addSubscriptions({ id: 's' }, [{ topic: 't', qos: 1 }]);
        await persistence.outgoingEnqueue({ clientId: 'q' }, publishPacket('t', 1));
        await persistence.incomingStorePacket({ id: 'i' }, { ...publishPacket('t', 3), qos: 2, messageId: 4 });
        for (const id of ['w', 's', 'q']) {
            await persistence.endIncoming(id);
        }
        await sleep(50);
        assert.equal(((await persistence.getWill({ id: 'w' })) as { topic: string }).topic, 'will');
        assert.deepEqual(await persistence.subscriptionsByClient({ id: 's' }), [{ topic: 't', qos: 1 }]);
        assert.deepEqual((await cleanConnect(persistence, 'q')).queued, ['t']);
        assert.equal((await persistence.incomingGetPacket({ id: 'i' }, { topic: 't', messageId: 4 })).messageId, 4);
    });

    it('a CONNECT during the end of its session reads the session once it has ended', async () => {
        const { persistence } = await start();
        await persistence.addSubscriptions({ id: 'p' }, [{ topic: 'a', qos: 1 }]);
        await persistence.outgoingEnqueueCombi([{ clientId: 'p' }], publishPacket('a', 1));
        const ended = persistence.endSession('p'); // storeClientsTime: the session ends …
        const subs = persistence.subscriptionsByClient({ id: 'p' }); // … while the client connects again
        const queue = drain(persistence.outgoingStream({ id: 'p' }));
        assert.deepEqual(await subs, []);
        assert.deepEqual(await queue, []);
        await ended;
    });

    it('after a restart the ids with state are read from the store', async () => {
        const first = await start('db');
        await first.persistence.addSubscriptions({ id: 'p' }, [{ topic: 'a', qos: 1 }]);
        await first.persistence.outgoingEnqueueCombi([{ clientId: 'p' }], publishPacket('a', 1));
        await first.persistence.destroy();
        opened = [];
        const { persistence, calls } = await start('db');
        calls.clear();
        assert.deepEqual(await persistence.subscriptionsByClient({ id: 'p' }), [{ topic: 'a', qos: 1 }]);
        assert.deepEqual((await cleanConnect(persistence, 'p')).queued, ['a']);
        assert.ok(calls.get('cleanSubscriptions'), 'the store was asked');
    });

    it('a client id leaves the set once its session ended and the store holds nothing for it', async () => {
        const { persistence, calls } = await start();
        await persistence.putWill({ id: 'c' }, { topic: 'will', payload: Buffer.from('w'), qos: 0, retain: false });
        await persistence.delWill({ id: 'c' });
        await persistence.endIncoming('c'); // the clean session ended
        await sleep(50);
        calls.clear();
        assert.deepEqual(await cleanConnect(persistence, 'c'), { will: undefined, queued: [] });
        assert.deepEqual([...calls.keys()], [], 'answered without the store');
        // still something stored: it stays
        await persistence.addSubscriptions({ id: 'k' }, [{ topic: 'a', qos: 1 }]);
        await persistence.endIncoming('k');
        await sleep(50);
        calls.clear();
        await persistence.subscriptionsByClient({ id: 'k' });
        assert.equal(calls.get('subscriptionsByClient'), 1);
    });

    it('an operation that starts during the check keeps the id', async () => {
        let release: () => void = () => undefined;
        let stored = false;
        const scan: ClientStateScan = {
            ids: async function* () {
                await Promise.resolve();
                yield 'c';
            },
            has: async () => {
                await new Promise<void>(resolve => (release = resolve));
                return stored;
            },
        };
        const clients = new StoredClients(scan, 1);
        await clients.load();
        assert.equal(clients.isEmpty('c'), false);
        clients.check('c');
        await sleep(20); // the check reads now
        let finish: () => void = () => undefined;
        const write = clients.track(['c'], true, () => new Promise<void>(resolve => (finish = resolve)));
        release(); // the check read nothing (before the write)
        await sleep(5);
        finish();
        await write;
        assert.equal(clients.isEmpty('c'), false, 'written meanwhile: it stays');
        stored = false;
        clients.check('c');
        await sleep(20);
        release();
        await sleep(5);
        assert.equal(clients.isEmpty('c'), true, 'nothing stored, nothing started meanwhile');
        clients.close();
    });

    it('random operations: every answer is the store’s own (against a store without the fast path)', async function () {
        this.timeout(30000);
        const fast = await start('fast', true);
        const plain = await start('plain', false);
        const ids = ['a', 'b', 'a:b', 'ä c', 'e', 'f'];
        const next = mulberry32(7);
        const random = (n: number): number => Math.floor(next() * n);
        let counter = 0;
        for (let step = 0; step < 1200; step++) {
            const id = ids[random(ids.length)]!;
            const op = random(13);
            const topicNo = random(3); // drawn once: both stores get the same operation
            const both = async <T>(f: (p: BrokerPersistence) => Promise<T>): Promise<[T, T]> =>
                Promise.all([f(fast.persistence), f(plain.persistence)]);
            let answers: [unknown, unknown];
            switch (op) {
                case 0:
                    answers = await both(p => p.addSubscriptions({ id }, [{ topic: `t/${topicNo}`, qos: 1 }]));
                    break;
                case 1:
                    counter++;
                    answers = await both(p => p.outgoingEnqueueCombi([{ clientId: id }], publishPacket('t', counter)));
                    break;
                case 2:
                    answers = await both(p =>
                        p.putWill({ id }, { topic: 'will', payload: Buffer.from(id), qos: 0, retain: false }),
                    );
                    break;
                case 3:
                    answers = await both(p => p.delWill({ id }));
                    break;
                case 4:
                    answers = await both(p => cleanConnect(p, id));
                    break;
                case 5:
                    answers = await both(p => p.endSession(id));
                    break;
                case 6:
                    answers = await both(p => p.endIncoming(id));
                    break;
                case 7:
                    answers = await both(p =>
                        p.incomingStorePacket({ id }, { ...publishPacket('t', 0), messageId: 5 }),
                    );
                    break;
                case 8:
                    answers = await both(p => p.incomingDelPacket({ id }, { topic: 't', messageId: 5 }));
                    break;
                case 9:
                case 12:
                    await sleep(8); // let the checks run
                    answers = [undefined, undefined];
                    break;
                case 10:
                    answers = await both(p => p.removeSubscriptions({ id }, ['t/0', 't/1']));
                    break;
                default:
                    answers = await both(p => p.getWill({ id }));
            }
            assert.deepEqual(answers[0], answers[1], `step ${step}: op ${op} on ${id}`);
            const [subsFast, subsPlain] = await both(p => p.subscriptionsByClient({ id }));
            assert.deepEqual(subsFast, subsPlain, `step ${step}: subscriptions of ${id}`);
            const [queueFast, queuePlain] = await both(async p => drain(p.outgoingStream({ id })));
            assert.deepEqual(queueFast, queuePlain, `step ${step}: queue of ${id}`);
            const [willFast, willPlain] = await both(p => p.getWill({ id }));
            assert.deepEqual(willFast, willPlain, `step ${step}: will of ${id}`);
        }
        const asked = (o: Opened): number => o.calls.get('cleanSubscriptions') ?? 0;
        assert.ok(asked(fast) < asked(plain), `the fast path was taken (${asked(fast)} of ${asked(plain)})`);
        assert.ok(asked(fast) > 0, 'and the store was asked where it held something');
    });
});
