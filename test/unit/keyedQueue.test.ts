import assert from 'node:assert/strict';
import { KeyedQueue } from '../../src/keyedQueue';

/** A task the test finishes by hand. */
function gate<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
    let resolve!: (v: T) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
    });
    return { promise, resolve, reject };
}

async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
        await new Promise(resolve => setImmediate(resolve));
    }
}

describe('KeyedQueue (tasks one after another per key)', () => {
    it('runs the tasks of one key in order, one at a time, and those of other keys side by side', async () => {
        const queue = new KeyedQueue();
        const started: string[] = [];
        const gates = { a1: gate(), a2: gate(), b1: gate() };
        const a1 = queue.run('a', () => (started.push('a1'), gates.a1.promise));
        const a2 = queue.run('a', () => (started.push('a2'), gates.a2.promise));
        const b1 = queue.run('b', () => (started.push('b1'), gates.b1.promise));
        await settle();
        assert.deepEqual(started, ['a1', 'b1']);
        assert.equal(queue.size, 2);
        gates.a1.resolve();
        await a1;
        await settle();
        assert.deepEqual(started, ['a1', 'b1', 'a2']);
        gates.a2.resolve();
        gates.b1.resolve();
        await Promise.all([a2, b1]);
        await settle();
        assert.equal(queue.size, 0, 'keys are forgotten when their last task settled');
    });

    it('passes each task its own result and failure; a failure does not stop the tasks after it', async () => {
        const queue = new KeyedQueue<number>();
        const order: number[] = [];
        const first = queue.run(1, () => {
            order.push(1);
            throw new Error('first failed');
        });
        const second = queue.run(1, () => (order.push(2), 'two'));
        const third = queue.run(1, async () => (order.push(3), Promise.reject(new Error('third failed'))));
        const fourth = queue.run(1, () => (order.push(4), 4));
        await assert.rejects(first, /first failed/);
        assert.equal(await second, 'two');
        await assert.rejects(third, /third failed/);
        assert.equal(await fourth, 4);
        assert.deepEqual(order, [1, 2, 3, 4]);
    });

    it('busy() and idle(): a key is busy while a task is queued or running; idle() waits for all of them', async () => {
        const queue = new KeyedQueue();
        assert.equal(queue.busy('k'), false);
        await queue.idle('k'); // nothing queued: settles at once
        const g = gate();
        let done = 0;
        void queue.run('k', () => g.promise.then(() => done++));
        void queue.run('k', () => done++).catch(() => undefined);
        assert.equal(queue.busy('k'), true);
        assert.equal(queue.busy('other'), false);
        const idle = queue.idle('k');
        g.reject(new Error('x')); // the first task fails: the second still runs, idle() still resolves
        await idle;
        assert.equal(done, 1);
        await settle();
        assert.equal(queue.busy('k'), false);
    });

    it('starts a task on a key that is not busy in a later microtask, never synchronously', async () => {
        const queue = new KeyedQueue();
        let ran = false;
        const run = queue.run('k', () => {
            ran = true;
        });
        assert.equal(ran, false);
        await run;
        assert.equal(ran, true);
    });
});
