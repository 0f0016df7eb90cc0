import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import sinon from 'sinon';
import { BrokerPersistence, type AedesPersistence } from '../../src/broker/persistence';
import { RetainedIndex, type RetainedPacket } from '../../src/broker/retainedIndex';

const packet = (topic: string, payload: string): RetainedPacket => ({
    cmd: 'publish',
    topic,
    payload: Buffer.from(payload),
    qos: 0,
    retain: true,
});

async function drain(stream: Readable): Promise<string[]> {
    const out: string[] = [];
    for await (const p of stream as AsyncIterable<RetainedPacket>) {
        out.push(`${p.topic}=${p.payload.toString()}`);
    }
    return out.sort();
}

interface FakeStore {
    writes: string[];
    storeRetained(p: RetainedPacket): Promise<void>;
    createRetainedStream(): Readable;
    createRetainedStreamCombi(): Readable;
}

/**
 * The persistence aedes is given (persistence.ts) around a stand-in store with a stored retained set: `writes`
 * records what reaches the store's own storeRetained.
 */
function fakePersistence(stored: RetainedPacket[]): {
    store: FakeStore;
    writes: string[];
    attach(index: RetainedIndex): Promise<BrokerPersistence>;
} {
    const store: FakeStore = {
        writes: [],
        storeRetained(p: RetainedPacket) {
            this.writes.push(`${p.topic}=${p.payload.toString()}`);
            return Promise.resolve();
        },
        createRetainedStream: () => Readable.from(stored),
        createRetainedStreamCombi: () => {
            throw new Error('the index answers, not the store');
        },
    };
    return {
        store,
        get writes() {
            return store.writes;
        },
        async attach(index) {
            const persistence = new BrokerPersistence(
                { ...store, setup: () => Promise.resolve() } as unknown as AedesPersistence,
                { retainedIndex: index, keepsV5Fields: true, onError: () => undefined },
            );
            await persistence.setup(null);
            return persistence;
        },
    };
}

describe('RetainedIndex (retained lookups from memory)', () => {
    it('loads what the store has, then answers exact topics and wildcards from memory', async () => {
        const fake = fakePersistence([packet('a/b', '1'), packet('a/c', '2'), packet('$SYS/x', '3')]);
        const index = new RetainedIndex();
        const persistence = await fake.attach(index);
        assert.equal(index.size, 3);
        assert.deepEqual(await drain(persistence.createRetainedStreamCombi(['a/b'])), ['a/b=1']);
        assert.deepEqual(await drain(persistence.createRetainedStreamCombi(['a/+'])), ['a/b=1', 'a/c=2']);
        // '#' does not match $-topics [MQTT-4.7.2-1]; an explicit $ filter does
        assert.deepEqual(await drain(persistence.createRetainedStream('#')), ['a/b=1', 'a/c=2']);
        assert.deepEqual(await drain(persistence.createRetainedStreamCombi(['$SYS/#'])), ['$SYS/x=3']);
        // overlapping filters give each message once
        assert.deepEqual(await drain(persistence.createRetainedStreamCombi(['a/b', 'a/#', '+/b'])), ['a/b=1', 'a/c=2']);
        assert.deepEqual(await drain(persistence.createRetainedStreamCombi(['nothing/here', 'x/+'])), []);
    });

    it('keeps itself up to date on every store, and writes the store behind', async () => {
        const fake = fakePersistence([packet('a/b', '1')]);
        const index = new RetainedIndex();
        const persistence = await fake.attach(index);
        await persistence.storeRetained(packet('a/b', '9'));
        await persistence.storeRetained(packet('n/e/w', 'x'));
        assert.deepEqual(await drain(persistence.createRetainedStreamCombi(['#'])), ['a/b=9', 'n/e/w=x']);
        // an empty retained payload removes the topic's message
        await persistence.storeRetained(packet('a/b', ''));
        assert.deepEqual(await drain(persistence.createRetainedStreamCombi(['#'])), ['n/e/w=x']);
        // the store is written behind: nothing yet, then each topic once with its last message (a/b: the delete)
        assert.deepEqual(fake.writes, []);
        await index.flush();
        assert.deepEqual(fake.writes, ['a/b=', 'n/e/w=x']);
    });

    it('writes behind on its own after delayMs, coalescing the changes of a topic', async () => {
        const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        try {
            const fake = fakePersistence([]);
            const index = new RetainedIndex({ delayMs: 20 });
            const persistence = await fake.attach(index);
            for (let i = 0; i < 5; i++) {
                await persistence.storeRetained(packet('t/1', `v${i}`));
            }
            await persistence.storeRetained(packet('t/2', 'x'));
            await clock.tickAsync(19);
            assert.deepEqual(fake.writes, [], 'not before delayMs');
            await clock.tickAsync(1);
            assert.deepEqual(fake.writes, ['t/1=v4', 't/2=x']);
            await persistence.storeRetained(packet('t/1', 'v5'));
            await clock.tickAsync(20);
            assert.deepEqual(fake.writes, ['t/1=v4', 't/2=x', 't/1=v5']);
            assert.equal(clock.countTimers(), 0, 'no timer left when nothing is pending');
        } finally {
            clock.restore();
        }
    });

    it('reports a failed write and keeps going', async () => {
        const errors: unknown[] = [];
        const fake = fakePersistence([]);
        let fail = true;
        const write = fake.store.storeRetained.bind(fake.store);
        fake.store.storeRetained = (p: RetainedPacket) => (fail ? Promise.reject(new Error('disk full')) : write(p));
        const index = new RetainedIndex({ onError: err => errors.push(err) });
        const persistence = await fake.attach(index);
        await persistence.storeRetained(packet('a', '1'));
        await index.flush();
        assert.equal(errors.length, 1);
        fail = false;
        await index.flush(); // the failed message is written again
        assert.deepEqual(fake.writes, ['a=1']);
        await persistence.storeRetained(packet('b', '1'));
        fail = true;
        await index.flush();
        await persistence.storeRetained(packet('b', '2')); // newer than the failed one: the failed one is not retried
        fail = false;
        await index.flush();
        assert.deepEqual(fake.writes, ['a=1', 'b=2']);
        assert.equal(errors.length, 2);
    });

    it('an invalid filter matches nothing instead of throwing', async () => {
        const fake = fakePersistence([packet('a/b', '1')]);
        const persistence = await fake.attach(new RetainedIndex());
        assert.deepEqual(await drain(persistence.createRetainedStreamCombi(['a/#/b'])), []);
    });
});
