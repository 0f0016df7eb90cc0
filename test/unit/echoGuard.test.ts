import assert from 'node:assert/strict';
import { EchoGuard, MessageEchoGuard, stateEchoGuard } from '../../src/echoGuard';
import type { Value } from '../../src/mapping/payload';

/** One step of a case: at time `at`, remember a value or see one (and expect whether it is an echo). */
type Step<V> = { at: number; remember: [key: string, value: V] } | { at: number; seen: [key: string, value: V] };

interface Case<V> {
    name: string;
    windowMs: number;
    maxEntries?: number;
    steps: Step<V>[];
    /** Echo verdicts of the `seen` steps, in order. */
    echoes: boolean[];
    /** Keys remembered at the end. */
    size: number;
}

/** Runs a case against a guard built for the given clock, returns the verdicts and the size at the end. */
function run<V>(
    c: Case<V>,
    build: (
        windowMs: number,
        now: () => number,
        maxEntries?: number,
    ) => {
        remember(k: string, v: V): void;
        isEcho(k: string, v: V): boolean;
        size: number;
    },
): { echoes: boolean[]; size: number } {
    let now = 0;
    const guard = build(c.windowMs, () => now, c.maxEntries);
    const echoes: boolean[] = [];
    for (const step of c.steps) {
        now = step.at;
        if ('remember' in step) {
            guard.remember(...step.remember);
        } else {
            echoes.push(guard.isEcho(...step.seen));
        }
    }
    return { echoes, size: guard.size };
}

describe('EchoGuard (one echo rule for both directions, injected clock)', () => {
    const cases: Case<Value>[] = [
        {
            name: 'the same value within the window is an echo, once',
            windowMs: 2000,
            steps: [
                { at: 0, remember: ['a', 1] },
                { at: 10, seen: ['a', 1] },
                { at: 20, seen: ['a', 1] },
            ],
            echoes: [true, false],
            size: 0,
        },
        {
            name: 'the window is inclusive: at exactly windowMs still an echo, 1 ms later not',
            windowMs: 2000,
            steps: [
                { at: 0, remember: ['a', 1] },
                { at: 2000, seen: ['a', 1] },
                { at: 3000, remember: ['a', 1] },
                { at: 5001, seen: ['a', 1] },
            ],
            echoes: [true, false],
            size: 0,
        },
        {
            name: 'a different value is no echo and uses up the entry',
            windowMs: 2000,
            steps: [
                { at: 0, remember: ['a', 1] },
                { at: 1, seen: ['a', 2] },
                { at: 2, seen: ['a', 1] },
            ],
            echoes: [false, false],
            size: 0,
        },
        {
            name: 'values are compared strictly: 1 is not "1", false is not 0, null is null',
            windowMs: 2000,
            steps: [
                { at: 0, remember: ['n', 1] },
                { at: 0, remember: ['b', false] },
                { at: 0, remember: ['z', null] },
                { at: 1, seen: ['n', '1'] },
                { at: 1, seen: ['b', 0] },
                { at: 1, seen: ['z', null] },
            ],
            echoes: [false, false, true],
            size: 0,
        },
        {
            name: 'keys are independent; an unknown key is no echo',
            windowMs: 2000,
            steps: [
                { at: 0, remember: ['a', 1] },
                { at: 0, remember: ['b', 1] },
                { at: 5, seen: ['c', 1] },
                { at: 5, seen: ['b', 1] },
            ],
            echoes: [false, true],
            size: 1,
        },
        {
            name: 'remembering again replaces the value and restarts the window',
            windowMs: 100,
            steps: [
                { at: 0, remember: ['a', 1] },
                { at: 90, remember: ['a', 2] },
                { at: 180, seen: ['a', 2] },
            ],
            echoes: [true],
            size: 0,
        },
        {
            name: 'window 0: only a copy in the same millisecond is an echo',
            windowMs: 0,
            steps: [
                { at: 7, remember: ['a', 'x'] },
                { at: 7, seen: ['a', 'x'] },
                { at: 7, remember: ['a', 'x'] },
                { at: 8, seen: ['a', 'x'] },
            ],
            echoes: [true, false],
            size: 0,
        },
        {
            name: 'entries older than the window are dropped as new ones come in',
            windowMs: 100,
            steps: [
                { at: 0, remember: ['a', 1] },
                { at: 50, remember: ['b', 1] },
                { at: 120, remember: ['c', 1] }, // a is 120 ms old: dropped; b (70 ms) kept
                { at: 121, seen: ['b', 1] },
            ],
            echoes: [true],
            size: 1,
        },
        {
            name: 'at most maxEntries: the oldest is evicted, not everything',
            windowMs: 60_000,
            maxEntries: 3,
            steps: [
                { at: 0, remember: ['a', 1] },
                { at: 1, remember: ['b', 1] },
                { at: 2, remember: ['c', 1] },
                { at: 3, remember: ['a', 1] }, // a moves to the end: b is now the oldest
                { at: 4, remember: ['d', 1] }, // evicts b
                { at: 5, seen: ['b', 1] },
                { at: 5, seen: ['a', 1] },
                { at: 5, seen: ['c', 1] },
            ],
            echoes: [false, true, true],
            size: 1,
        },
    ];
    for (const c of cases) {
        it(c.name, () => {
            const result = run(c, (windowMs, now, maxEntries) =>
                maxEntries === undefined
                    ? stateEchoGuard(windowMs, now)
                    : new EchoGuard<Value>({ windowMs, now, maxEntries, same: (a, b) => a === b }),
            );
            assert.deepEqual(result, { echoes: c.echoes, size: c.size });
        });
    }

    it('stays bounded under many distinct keys inside the window (exact size)', () => {
        const guard = new EchoGuard<number>({ windowMs: 60_000, maxEntries: 1000, now: () => 0, same: Object.is });
        for (let i = 0; i < 25_000; i++) {
            guard.remember(`k${i}`, i);
        }
        assert.equal(guard.size, 1000);
        assert.equal(guard.isEcho('k23999', 23999), false, 'evicted');
        assert.equal(guard.isEcho('k24000', 24000), true, 'the newest 1000 are kept');
        assert.equal(guard.size, 999);
    });

    it('uses Date.now without a clock', () => {
        const guard = stateEchoGuard(60_000);
        guard.remember('a', true);
        assert.equal(guard.isEcho('a', true), true);
    });
});

describe('MessageEchoGuard (client mode: the broker sends the instance its own messages back)', () => {
    const cases: Case<string | Buffer>[] = [
        {
            name: 'the copy of a published text comes back as bytes: an echo, once',
            windowMs: 2000,
            steps: [
                { at: 0, remember: ['dev/a', 'ON'] },
                { at: 30, seen: ['dev/a', Buffer.from('ON')] },
                { at: 40, seen: ['dev/a', Buffer.from('ON')] },
            ],
            echoes: [true, false],
            size: 0,
        },
        {
            name: 'bytes are compared exactly (binary payloads, UTF-8 text)',
            windowMs: 2000,
            steps: [
                { at: 0, remember: ['bin', Buffer.from([0, 1, 255])] },
                { at: 0, remember: ['txt', 'Grüße'] },
                { at: 0, remember: ['other', 'on'] },
                { at: 1, seen: ['bin', Buffer.from([0, 1, 255])] },
                { at: 1, seen: ['txt', Buffer.from('Grüße', 'utf8')] },
                { at: 1, seen: ['other', Buffer.from('ON')] },
            ],
            echoes: [true, true, false],
            size: 0,
        },
        {
            name: 'another value on the topic (another instance, the device) is written; its own copy later too',
            windowMs: 2000,
            steps: [
                { at: 0, remember: ['dev/a', '1'] },
                { at: 5, seen: ['dev/a', Buffer.from('2')] },
                { at: 6, seen: ['dev/a', Buffer.from('1')] },
            ],
            echoes: [false, false],
            size: 0,
        },
        {
            name: 'a copy after noEchoInterval is written',
            windowMs: 500,
            steps: [
                { at: 0, remember: ['dev/a', 'x'] },
                { at: 501, seen: ['dev/a', Buffer.from('x')] },
            ],
            echoes: [false],
            size: 0,
        },
        {
            name: 'an empty payload (a cleared retained message) is an echo of an empty publish',
            windowMs: 2000,
            steps: [
                { at: 0, remember: ['dev/a', ''] },
                { at: 1, seen: ['dev/a', Buffer.alloc(0)] },
            ],
            echoes: [true],
            size: 0,
        },
        {
            name: 'topics chosen from outside are bounded: oldest evicted',
            windowMs: 60_000,
            maxEntries: 2,
            steps: [
                { at: 0, remember: ['t1', 'a'] },
                { at: 1, remember: ['t2', 'a'] },
                { at: 2, remember: ['t3', 'a'] },
                { at: 3, seen: ['t1', Buffer.from('a')] },
                { at: 3, seen: ['t2', Buffer.from('a')] },
            ],
            echoes: [false, true],
            size: 1,
        },
    ];
    for (const c of cases) {
        it(c.name, () => {
            const result = run(c, (windowMs, now, maxEntries) => {
                const guard = new MessageEchoGuard(windowMs, now, maxEntries);
                return {
                    remember: (k, v) => guard.remember(k, v),
                    isEcho: (k, v) => guard.isEcho(k, Buffer.isBuffer(v) ? v : Buffer.from(v)),
                    get size() {
                        return guard.size;
                    },
                };
            });
            assert.deepEqual(result, { echoes: c.echoes, size: c.size });
        });
    }
});
