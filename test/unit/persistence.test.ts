import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { BrokerPersistence, type AedesPersistence, type QueuedEntry } from '../../src/broker/persistence';

describe('BrokerPersistence (aedes persistence interface around the store)', () => {
    it('a failing delete after PUBREL is reported, never a rejection (aedes awaits it with .finally())', async () => {
        const errors: unknown[] = [];
        const store = {
            incomingStorePacket: () => Promise.resolve(),
            incomingDelPacket: () => Promise.reject(new Error('store away')),
        } as unknown as AedesPersistence;
        const persistence = new BrokerPersistence(store, { keepsV5Fields: true, onError: err => errors.push(err) });
        await persistence.incomingStorePacket({ id: 'c' }, { topic: 't', messageId: 7 });
        assert.equal(persistence.wouldExceedUnreleased('c', 8, 1), true, 'one unreleased message of at most 1');
        assert.equal(persistence.wouldExceedUnreleased('c', 7, 1), false, 'its retransmission is not one more');
        await persistence.incomingDelPacket({ id: 'c' }, { topic: 't', messageId: 7 });
        assert.deepEqual(
            errors.map(e => (e as Error).message),
            ['store away'],
        );
        assert.equal(persistence.wouldExceedUnreleased('c', 8, 1), false, 'released');
    });

    it('keeps the MQTT 5 fields of a queued message through a store that rebuilds it without them', async () => {
        const queued: Record<string, unknown>[] = [];
        // like aedes-persistence-level 9.2: the copy keeps only some fields (nl among them), and undefined becomes null
        const rebuild = (p: Record<string, unknown>): Record<string, unknown> =>
            JSON.parse(JSON.stringify({ topic: p.topic, qos: p.qos, nl: p.nl ?? null })) as Record<string, unknown>;
        const store = {
            outgoingEnqueueCombi: (_subs: unknown, p: Record<string, unknown>) => {
                queued.push(rebuild(p));
                return Promise.resolve();
            },
            outgoingStream: () => Readable.from(queued),
        } as unknown as AedesPersistence;
        const persistence = new BrokerPersistence(store, { keepsV5Fields: false, onError: () => undefined });
        await persistence.outgoingEnqueueCombi([{ clientId: 'c' }], {
            topic: 'a',
            qos: 1,
            properties: { contentType: 'text/plain' },
            messageExpiry: 1234,
        });
        await persistence.outgoingEnqueueCombi([{ clientId: 'c' }], { topic: 'b', qos: 1 });
        await persistence.outgoingEnqueueCombi([{ clientId: 'c' }], {
            topic: 'c',
            qos: 1,
            properties: { contentType: 'x' },
        });
        const out: Record<string, unknown>[] = [];
        for await (const p of persistence.outgoingStream({ id: 'c' }) as AsyncIterable<Record<string, unknown>>) {
            out.push(p);
        }
        assert.deepEqual(out[0], {
            topic: 'a',
            qos: 1,
            properties: { contentType: 'text/plain' },
            messageExpiry: 1234,
        });
        // a 3.1.1 message is stored as it is: no expiry appears (a null one would count as expired)
        assert.deepEqual(out[1], { topic: 'b', qos: 1, nl: null });
        // properties without an expiry: none appears (the store's null would make aedes drop it as expired)
        assert.deepEqual(out[2], { topic: 'c', qos: 1, properties: { contentType: 'x' } });
    });

    /** Queues kept in memory, in the store's order: by broker id, then age (as aedes-persistence-level keeps them). */
    function fakeQueues(): {
        entries: Map<string, QueuedEntry[]>;
        queues: ConstructorParameters<typeof BrokerPersistence>[1]['queues'];
    } {
        const entries = new Map<string, QueuedEntry[]>();
        const sorted = (id: string): QueuedEntry[] =>
            (entries.get(id) ?? []).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        return {
            entries,
            queues: {
                count: id => Promise.resolve(sorted(id).length),
                clear: id => Promise.resolve(void entries.delete(id)),
                list: id => Promise.resolve([...sorted(id)]),
                remove: keys => {
                    for (const [id, list] of entries) {
                        entries.set(
                            id,
                            list.filter(e => !keys.includes(e.key)),
                        );
                    }
                    return Promise.resolve();
                },
            },
        };
    }

    it('maxQueued: an offline queue loses its oldest messages, earlier runs first; online clients are not trimmed', async () => {
        const { entries, queues } = fakeQueues();
        let counter = 0;
        const store = {
            setup: () => Promise.resolve(),
            outgoingEnqueueCombi: (subs: { clientId: string }[], p: { brokerId: string }) => {
                for (const sub of subs) {
                    const list = entries.get(sub.clientId) ?? [];
                    const key = `${p.brokerId}:${String(++counter).padStart(4, '0')}`;
                    list.push({ key, brokerId: p.brokerId });
                    entries.set(sub.clientId, list);
                }
                return Promise.resolve();
            },
            cleanSubscriptions: () => Promise.resolve(),
        } as unknown as AedesPersistence;
        const dropped: string[] = [];
        const persistence = new BrokerPersistence(store, {
            keepsV5Fields: true,
            queues,
            maxQueued: 3,
            onQueueDropped: (id, max) => dropped.push(`${id}/${max}`),
            onError: err => assert.fail(String(err)),
        });
        // 'b-now' is this run's broker; 'a-old' queued in an earlier run (its key sorts first, 'z-old' after)
        await persistence.setup({ id: 'b-now', clients: { online: {} } });
        entries.set('off', [
            { key: 'a-old:0001', brokerId: 'a-old' },
            { key: 'z-old:0001', brokerId: 'z-old' },
        ]);
        for (let i = 0; i < 3; i++) {
            await persistence.outgoingEnqueueCombi([{ clientId: 'off' }, { clientId: 'online' }], {
                topic: 't',
                brokerId: 'b-now',
            });
        }
        assert.deepEqual(
            entries.get('off')?.map(e => e.key),
            ['b-now:0001', 'b-now:0003', 'b-now:0005'],
            'the earlier runs go first, then the oldest of this run',
        );
        assert.equal(entries.get('online')?.length, 3, 'an online client drains its queue itself');
        assert.deepEqual(dropped, ['off/3', 'off/3']);
        assert.equal(await persistence.queued('off'), 3);

        // concurrent enqueues never drop the same message twice
        await Promise.all(
            [0, 1, 2, 3].map(() =>
                persistence.outgoingEnqueueCombi([{ clientId: 'off' }], { topic: 't', brokerId: 'b-now' }),
            ),
        );
        assert.equal(entries.get('off')?.length, 3);
        assert.equal(dropped.length, 6);

        // the session ends: queue and subscriptions go, the queue counts as unknown again
        await persistence.endSession('off');
        assert.equal(await persistence.queued('off'), 0);
    });

    it('endSession removes subscriptions and the queue; without queues only the subscriptions', async () => {
        const calls: string[] = [];
        const store = {
            cleanSubscriptions: (client: { id: string }) => Promise.resolve(void calls.push(`subs ${client.id}`)),
        } as unknown as AedesPersistence;
        const withQueues = new BrokerPersistence(store, {
            keepsV5Fields: true,
            queues: {
                count: () => Promise.resolve(7),
                clear: id => Promise.resolve(void calls.push(`queue ${id}`)),
            },
            onError: () => undefined,
        });
        await withQueues.endSession('c');
        assert.deepEqual(calls, ['subs c', 'queue c']);
        assert.equal(await withQueues.queued('c'), 7);
        const memory = new BrokerPersistence(store, { keepsV5Fields: true, onError: () => undefined });
        await memory.endSession('d');
        assert.deepEqual(calls, ['subs c', 'queue c', 'subs d']);
        assert.equal(await memory.queued('d'), 0);
    });
});
