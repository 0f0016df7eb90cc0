import assert from 'node:assert/strict';
import sinon from 'sinon';
import { Backpressure, type BacklogLimits } from '../../src/ingest/backpressure';

/**
 * Each step, then what it leaves: messages in flight and which `admit()` calls have let their message in so far
 * (`a`, `b`, … in the order they were asked; at once or after being held).
 */
type Step = 'take' | 'settle' | 'fail' | 'admit' | 'close' | `tick ${number}`;

const cases: { name: string; limits: BacklogLimits; steps: [Step, { pending: number; admitted: string }][] }[] = [
    {
        name: 'below the high mark a message is let in at once',
        limits: { high: 2, low: 1, maxWaitMs: 100 },
        steps: [
            ['take', { pending: 1, admitted: '' }],
            ['admit', { pending: 1, admitted: 'a' }],
            ['settle', { pending: 0, admitted: 'a' }],
        ],
    },
    {
        name: 'at the high mark messages are held, and let in together, in order, at the low mark',
        limits: { high: 2, low: 1, maxWaitMs: 100 },
        steps: [
            ['take', { pending: 1, admitted: '' }],
            ['take', { pending: 2, admitted: '' }],
            ['admit', { pending: 2, admitted: '' }],
            ['admit', { pending: 2, admitted: '' }],
            ['settle', { pending: 1, admitted: 'ab' }],
        ],
    },
    {
        name: 'below the high mark a message still queues behind held ones',
        limits: { high: 2, low: 0, maxWaitMs: 100 },
        steps: [
            ['take', { pending: 1, admitted: '' }],
            ['take', { pending: 2, admitted: '' }],
            ['admit', { pending: 2, admitted: '' }],
            ['settle', { pending: 1, admitted: '' }],
            ['admit', { pending: 1, admitted: '' }],
            ['settle', { pending: 0, admitted: 'ab' }],
            ['admit', { pending: 0, admitted: 'abc' }],
        ],
    },
    {
        name: 'a failed write counts as done',
        limits: { high: 1, low: 0, maxWaitMs: 100 },
        steps: [
            ['take', { pending: 1, admitted: '' }],
            ['admit', { pending: 1, admitted: '' }],
            ['fail', { pending: 0, admitted: 'a' }],
        ],
    },
    {
        name: 'held messages go in after maxWaitMs, then the next one is held for maxWaitMs again',
        limits: { high: 1, low: 0, maxWaitMs: 100 },
        steps: [
            ['take', { pending: 1, admitted: '' }],
            ['admit', { pending: 1, admitted: '' }],
            ['tick 99', { pending: 1, admitted: '' }],
            ['tick 1', { pending: 1, admitted: 'a' }],
            ['admit', { pending: 1, admitted: 'a' }],
            ['tick 99', { pending: 1, admitted: 'a' }],
            ['tick 1', { pending: 1, admitted: 'ab' }],
        ],
    },
    {
        name: 'close() lets held messages in and holds none afterwards',
        limits: { high: 1, low: 0, maxWaitMs: 100 },
        steps: [
            ['take', { pending: 1, admitted: '' }],
            ['admit', { pending: 1, admitted: '' }],
            ['close', { pending: 1, admitted: 'a' }],
            ['take', { pending: 2, admitted: 'a' }],
            ['admit', { pending: 2, admitted: 'ab' }],
            ['settle', { pending: 1, admitted: 'ab' }],
        ],
    },
];

describe('Backpressure (admit, track, close)', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
        clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    });
    afterEach(() => clock.restore());

    for (const c of cases) {
        it(c.name, async () => {
            const backpressure = new Backpressure(c.limits);
            /** The messages in flight, oldest first. */
            const writes: { resolve: () => void; reject: (err: Error) => void }[] = [];
            let asked = 0;
            let admitted = '';
            for (const [index, [step, expected]] of c.steps.entries()) {
                if (step === 'take') {
                    void backpressure
                        .track(new Promise<void>((resolve, reject) => writes.push({ resolve, reject })))
                        .catch(() => undefined);
                } else if (step === 'settle') {
                    writes.shift()!.resolve();
                } else if (step === 'fail') {
                    writes.shift()!.reject(new Error('db down'));
                } else if (step === 'admit') {
                    const label = String.fromCharCode(97 + asked++);
                    const held = backpressure.admit();
                    if (held) {
                        void held.then(() => (admitted += label));
                    } else {
                        admitted += label;
                    }
                } else if (step === 'close') {
                    backpressure.close();
                }
                await clock.tickAsync(step.startsWith('tick ') ? Number(step.slice(5)) : 0);
                assert.deepEqual(
                    { pending: backpressure.pending, admitted },
                    expected,
                    `after step ${index + 1} (${step})`,
                );
            }
        });
    }
});
