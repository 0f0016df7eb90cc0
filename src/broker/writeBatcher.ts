/**
 * Same-turn write batching for the broker's Level database. aedes-persistence-level writes every retained message,
 * queued message and subscription with its own put/del; under load that is one native call and one log append per
 * message (the bench profile of W2 shows it as the adapter's largest own cost). Writes issued in one turn of the
 * event loop are handed to Level as one batch instead, in the order they were issued. Each caller's promise settles
 * when its batch is written (or failed), so a caller that awaits its write sees it exactly as with put/del.
 */

export interface BatchableDb {
    put(key: string, value: unknown, options?: object): Promise<void>;
    del(key: string, options?: object): Promise<void>;
    /** With operations: writes them. Without: Level's chained form, `db.batch().put(…).del(…).write()`. */
    batch(operations?: BatchOperation[], options?: object): Promise<void> | ChainedBatch;
}

export interface ChainedBatch {
    put(key: string, value: unknown, options?: object): ChainedBatch;
    del(key: string): ChainedBatch;
    write(): Promise<void>;
    close(): Promise<void>;
}

export type BatchOperation =
    { type: 'put'; key: string; value: unknown; valueEncoding?: string } | { type: 'del'; key: string };

interface Waiter {
    resolve: () => void;
    reject: (err: unknown) => void;
}

/**
 * Patches `db` in place so that put, del and batch calls of one event-loop turn become one batch. `flush()` writes
 * what is pending now and resolves when every write issued so far is on disk (call it before closing the database).
 */
export function batchWrites(db: BatchableDb): { flush(): Promise<void> } {
    const original = db.batch.bind(db); // taken before the patch below replaces it
    const batch = (ops: BatchOperation[]): Promise<void> => original(ops) as Promise<void>;
    let operations: BatchOperation[] = [];
    let waiters: Waiter[] = [];
    let scheduled = false;
    let lastWrite: Promise<void> = Promise.resolve();

    const write = (): void => {
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
        written.then(
            () => settle.forEach(w => w.resolve()),
            (err: unknown) => settle.forEach(w => w.reject(err)),
        );
    };

    const enqueue = (ops: BatchOperation[]): Promise<void> =>
        new Promise<void>((resolve, reject) => {
            operations.push(...ops);
            waiters.push({ resolve, reject });
            if (!scheduled) {
                scheduled = true;
                setImmediate(write);
            }
        });

    const encoding = (options?: object): { valueEncoding?: string } => {
        const valueEncoding = (options as { valueEncoding?: string } | undefined)?.valueEncoding;
        return valueEncoding ? { valueEncoding } : {};
    };

    db.put = (key, value, options) => enqueue([{ type: 'put', key, value, ...encoding(options) }]);
    db.del = key => enqueue([{ type: 'del', key }]);
    db.batch = (ops?: BatchOperation[], options?: object): Promise<void> | ChainedBatch => {
        if (ops === undefined) {
            const collected: BatchOperation[] = [];
            const chained: ChainedBatch = {
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
