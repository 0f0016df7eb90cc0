"use strict";
/**
 * Same-turn write batching for the broker's Level database. aedes-persistence-level writes every retained message,
 * queued message and subscription with its own put/del; under load that is one native call and one log append per
 * message (the bench profile of W2 shows it as the adapter's largest own cost). Writes issued in one turn of the
 * event loop are handed to Level as one batch instead, in the order they were issued. Each caller's promise settles
 * when its batch is written (or failed), so a caller that awaits its write sees it exactly as with put/del.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.batchWrites = batchWrites;
/**
 * Patches `db` in place so that put, del and batch calls of one event-loop turn become one batch. `flush()` writes
 * what is pending now and resolves when every write issued so far is on disk (call it before closing the database).
 */
function batchWrites(db) {
    const original = db.batch.bind(db); // taken before the patch below replaces it
    const batch = (ops) => original(ops);
    let operations = [];
    let waiters = [];
    let scheduled = false;
    let lastWrite = Promise.resolve();
    const write = () => {
        scheduled = false;
        if (!operations.length) {
            return;
        }
        const ops = operations;
        const settle = waiters;
        operations = [];
        waiters = [];
        const written = batch(ops);
        lastWrite = written.catch(() => undefined);
        written.then(() => settle.forEach(w => w.resolve()), (err) => settle.forEach(w => w.reject(err)));
    };
    const enqueue = (ops) => new Promise((resolve, reject) => {
        operations.push(...ops);
        waiters.push({ resolve, reject });
        if (!scheduled) {
            scheduled = true;
            setImmediate(write);
        }
    });
    const encoding = (options) => {
        const valueEncoding = options?.valueEncoding;
        return valueEncoding ? { valueEncoding } : {};
    };
    db.put = (key, value, options) => enqueue([{ type: 'put', key, value, ...encoding(options) }]);
    db.del = key => enqueue([{ type: 'del', key }]);
    db.batch = (ops, options) => {
        if (ops === undefined) {
            const collected = [];
            const chained = {
                put: (key, value, putOptions) => {
                    collected.push({ type: 'put', key, value, ...encoding(putOptions) });
                    return chained;
                },
                del: key => {
                    collected.push({ type: 'del', key });
                    return chained;
                },
                write: () => enqueue(collected),
                close: () => Promise.resolve(),
            };
            return chained;
        }
        return enqueue(ops.map(op => (op.type === 'put' && !op.valueEncoding ? { ...op, ...encoding(options) } : op)));
    };
    return {
        flush: async () => {
            write();
            await lastWrite;
        },
    };
}
