import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { BrokerPersistence, type AedesPersistence } from '../../src/broker/persistence';

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
});
