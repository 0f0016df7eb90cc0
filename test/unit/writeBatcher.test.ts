import assert from 'node:assert/strict';
import { batchWrites, type BatchableDb, type BatchOperation, type ChainedBatch } from '../../src/broker/writeBatcher';

/** A stand-in Level database that records the batches it is given, and can be told to fail the next one. */
function fakeDb(): BatchableDb & { batches: BatchOperation[][]; puts: number; failNext?: Error } {
    const db = {
        batches: [] as BatchOperation[][],
        puts: 0,
        failNext: undefined as Error | undefined,
        put(): Promise<void> {
            db.puts++;
            return Promise.resolve();
        },
        del(): Promise<void> {
            db.puts++;
            return Promise.resolve();
        },
        batch(ops?: BatchOperation[]): Promise<void> {
            db.batches.push(ops ?? []);
            const err = db.failNext;
            db.failNext = undefined;
            return new Promise((resolve, reject) => setImmediate(() => (err ? reject(err) : resolve())));
        },
    };
    return db;
}

describe('writeBatcher (same-turn batching of the broker database writes)', () => {
    it('turns the writes of one event-loop turn into one batch, in order, with their encodings', async () => {
        const db = fakeDb();
        batchWrites(db);
        await Promise.all([
            db.put('retained:a', Buffer.from('1'), { valueEncoding: 'buffer' }),
            db.del('retained:b'),
            db.batch([{ type: 'put', key: 'subscriptions:c', value: Buffer.from('2') }], { valueEncoding: 'buffer' }),
            db.put('retained:a', Buffer.from('3'), { valueEncoding: 'buffer' }),
            (db.batch() as ChainedBatch).del('outgoing:x').put('outgoing:y', 'z').write(),
        ]);
        assert.equal(db.puts, 0, 'no single writes reach the database');
        assert.deepEqual(db.batches, [
            [
                { type: 'put', key: 'retained:a', value: Buffer.from('1'), valueEncoding: 'buffer' },
                { type: 'del', key: 'retained:b' },
                { type: 'put', key: 'subscriptions:c', value: Buffer.from('2'), valueEncoding: 'buffer' },
                { type: 'put', key: 'retained:a', value: Buffer.from('3'), valueEncoding: 'buffer' },
                { type: 'del', key: 'outgoing:x' },
                { type: 'put', key: 'outgoing:y', value: 'z' },
            ],
        ]);
    });

    it('a write only resolves once its batch is written; later turns get later batches', async () => {
        const db = fakeDb();
        batchWrites(db);
        let written = false;
        const first = db.put('k1', 'v').then(() => (written = true));
        assert.equal(written, false);
        await first;
        assert.equal(written, true);
        await db.put('k2', 'v');
        assert.equal(db.batches.length, 2);
    });

    it('flush() writes what is pending at once and resolves when it is written', async () => {
        const db = fakeDb();
        const writes = batchWrites(db);
        let written = false;
        void db.put('k', 'v').then(() => (written = true));
        await writes.flush();
        assert.equal(db.batches.length, 1);
        await new Promise(resolve => setImmediate(resolve));
        assert.equal(written, true);
        await writes.flush(); // nothing pending: no empty batch
        assert.equal(db.batches.length, 1);
    });

    it('a failed batch rejects every write in it, and the next batch works again', async () => {
        const db = fakeDb();
        batchWrites(db);
        db.failNext = new Error('disk full');
        const results = await Promise.allSettled([db.put('a', 1), db.del('b')]);
        assert.deepEqual(
            results.map(r => (r.status === 'rejected' ? (r.reason as Error).message : 'ok')),
            ['disk full', 'disk full'],
        );
        await db.put('c', 1);
        assert.equal(db.batches.length, 2);
    });
});
