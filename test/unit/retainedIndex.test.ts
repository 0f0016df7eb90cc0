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
            this.writes.push(p.topic);
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

    it('keeps itself up to date on every store, and still writes through to the store', async () => {
        const persistence = fakePersistence([packet('a/b', '1')]);
        const index = new RetainedIndex();
        await index.attach(persistence);
        await persistence.storeRetained(packet('a/b', '9'));
        await persistence.storeRetained(packet('n/e/w', 'x'));
        assert.deepEqual(await drain(persistence.createRetainedStreamCombi(['#'])), ['a/b=9', 'n/e/w=x']);
        // an empty retained payload removes the topic's message
        await persistence.storeRetained(packet('a/b', ''));
        assert.deepEqual(await drain(persistence.createRetainedStreamCombi(['#'])), ['n/e/w=x']);
        assert.deepEqual(persistence.writes, ['a/b', 'n/e/w', 'a/b']);
    });

    it('an invalid filter matches nothing instead of throwing', async () => {
        const persistence = fakePersistence([packet('a/b', '1')]);
        await new RetainedIndex().attach(persistence);
        assert.deepEqual(await drain(persistence.createRetainedStreamCombi(['a/#/b'])), []);
    });
});
