import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { RetainedIndex, type RetainedPacket, type RetainedPersistence } from '../../src/broker/retainedIndex';

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

/** A stand-in persistence with a stored retained set; records what reaches its own storeRetained. */
function fakePersistence(stored: RetainedPacket[]): RetainedPersistence & { writes: string[] } {
    return {
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
}

describe('RetainedIndex (retained lookups from memory)', () => {
    it('loads what the store has, then answers exact topics and wildcards from memory', async () => {
        const persistence = fakePersistence([packet('a/b', '1'), packet('a/c', '2'), packet('$SYS/x', '3')]);
        const index = new RetainedIndex();
        await index.attach(persistence);
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
        const persistence = fakePersistence([packet('a/b', '1')]);
        const index = new RetainedIndex();
        await index.attach(persistence);
        await persistence.storeRetained(packet('a/b', '9'));
        await persistence.storeRetained(packet('n/e/w', 'x'));
        assert.deepEqual(await drain(persistence.createRetainedStreamCombi(['#'])), ['a/b=9', 'n/e/w=x']);
        // an empty retained payload removes the topic's message
        await persistence.storeRetained(packet('a/b', ''));
        assert.deepEqual(await drain(persistence.createRetainedStreamCombi(['#'])), ['n/e/w=x']);
        // the store is written behind: nothing yet, then each topic once with its last message (a/b: the delete)
        assert.deepEqual(persistence.writes, []);
        await index.flush();
        assert.deepEqual(persistence.writes, ['a/b=', 'n/e/w=x']);
    });

    it('writes behind on its own after delayMs, coalescing the changes of a topic', async () => {
        const persistence = fakePersistence([]);
        const index = new RetainedIndex({ delayMs: 20 });
        await index.attach(persistence);
        for (let i = 0; i < 5; i++) {
            await persistence.storeRetained(packet('t/1', `v${i}`));
        }
        await persistence.storeRetained(packet('t/2', 'x'));
        await new Promise(resolve => setTimeout(resolve, 60));
        assert.deepEqual(persistence.writes, ['t/1=v4', 't/2=x']);
        await persistence.storeRetained(packet('t/1', 'v5'));
        await new Promise(resolve => setTimeout(resolve, 60));
        assert.deepEqual(persistence.writes, ['t/1=v4', 't/2=x', 't/1=v5']);
    });

    it('reports a failed write and keeps going', async () => {
        const errors: unknown[] = [];
        const persistence = fakePersistence([]);
        let fail = true;
        const write = persistence.storeRetained.bind(persistence);
        persistence.storeRetained = (p: RetainedPacket) => (fail ? Promise.reject(new Error('disk full')) : write(p));
        const index = new RetainedIndex({ onError: err => errors.push(err) });
        await index.attach(persistence);
        await persistence.storeRetained(packet('a', '1'));
        await index.flush();
        assert.equal(errors.length, 1);
        fail = false;
        await index.flush(); // the failed message is written again
        assert.deepEqual(persistence.writes, ['a=1']);
        await persistence.storeRetained(packet('b', '1'));
        fail = true;
        await index.flush();
        await persistence.storeRetained(packet('b', '2')); // newer than the failed one: the failed one is not retried
        fail = false;
        await index.flush();
        assert.deepEqual(persistence.writes, ['a=1', 'b=2']);
        assert.equal(errors.length, 2);
    });

    it('an invalid filter matches nothing instead of throwing', async () => {
        const persistence = fakePersistence([packet('a/b', '1')]);
        await new RetainedIndex().attach(persistence);
        assert.deepEqual(await drain(persistence.createRetainedStreamCombi(['a/#/b'])), []);
    });
});
