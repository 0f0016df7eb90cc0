/**
 * The publish pipeline with a mask covering 100,000 states, against an in-memory store (so only the pipeline's
 * own cost is measured): start time, heap used, object reads at start and on the hot path, changes per second.
 */
import { compileIdMask } from '../../src/mapping/filter';
import { Publisher } from '../../src/publisher';
import { FakeStore } from '../../test/lib/fakeStore';
import { publisherOptions } from '../../test/lib/pipelines';

const COUNT = 100_000;
const quiet = {
    debug: (): void => undefined,
    info: (): void => undefined,
    warn: (): void => undefined,
    error: (): void => undefined,
};

async function main(): Promise<void> {
    const store = new FakeStore();
    for (let i = 0; i < COUNT; i++) {
        const id = `javascript.0.dev${i % 1000}.s${i}`;
        store.states.set(id, { val: i, ack: true, ts: 1, lc: 1, q: 0, from: 'bench' });
    }
    let sent = 0;
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const publisher = new Publisher(
        publisherOptions({
            publish: [compileIdMask('javascript.0.*')],
            defaultQoS: 0,
            sendOnStartIntervalMs: 0,
            sendIntervalMs: 0,
        }),
        store,
        () => sent++,
        quiet,
    );
    const t0 = process.hrtime.bigint();
    await publisher.start();
    const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
    global.gc?.();
    const heapAfter = process.memoryUsage().heapUsed;
    console.log(`states in the mask:            ${COUNT.toLocaleString('en-US')}`);
    console.log(`start (subscribe + load):      ${startMs.toFixed(1)} ms, object reads: ${store.objectReads}`);
    console.log(
        `heap held by the value cache:  ${((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)} MiB (${global.gc ? 'after gc' : 'run with --expose-gc for exact figures'})`,
    );

    // first change of every id reads its object once (native.topic); later changes read nothing
    const ids = [...store.states.keys()].slice(0, 10_000);
    for (const id of ids) {
        publisher.onStateChange(id, { val: -1, ack: false, ts: 2, lc: 2, q: 0, from: 'bench' });
    }
    while (sent < ids.length) {
        await new Promise(resolve => setImmediate(resolve));
    }
    const readsAfterWarm = store.objectReads;
    const rounds = 200_000;
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) {
        publisher.onStateChange(ids[i % ids.length]!, {
            val: i,
            ack: false,
            ts: 3 + i,
            lc: 3 + i,
            q: 0,
            from: 'bench',
        });
    }
    const seconds = Number(process.hrtime.bigint() - t1) / 1e9;
    console.log(
        `hot path:                      ${Math.round(rounds / seconds).toLocaleString('en-US')} changes/s, object reads on the hot path: ${store.objectReads - readsAfterWarm}`,
    );
    publisher.stop();
}

void main();
