import assert from 'node:assert/strict';
import sinon from 'sinon';
import { delay, timers, useNodeTimers } from '../../src/timers';
import { useAdapterTimers } from '../../src/iobroker/adapterTimers';

describe('timers (the adapter’s while it runs, so compact mode clears them at unload)', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
        clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    });
    afterEach(() => {
        useNodeTimers();
        clock.restore();
    });

    /** Waits `ms` on the fake clock through `delay`: resolves only if a timer was really started for it. */
    async function waited(ms: number): Promise<void> {
        const done = delay(ms);
        await clock.tickAsync(ms);
        await done;
    }

    it('go through the adapter, and through Node when the adapter starts none (it is stopping)', async () => {
        const calls: string[] = [];
        let stopping = false;
        const adapter = {
            setTimeout: (cb: () => void, ms: number) => {
                calls.push(`setTimeout ${ms}`);
                return stopping ? undefined : setTimeout(cb, ms);
            },
            clearTimeout: (t: unknown) => {
                calls.push('clearTimeout');
                clearTimeout(t as NodeJS.Timeout);
            },
            setInterval: (cb: () => void, ms: number) => {
                calls.push(`setInterval ${ms}`);
                return setInterval(cb, ms);
            },
            clearInterval: (t: unknown) => {
                calls.push('clearInterval');
                clearInterval(t as NodeJS.Timeout);
            },
        };
        useAdapterTimers(adapter as unknown as ioBroker.Adapter);
        await waited(5);
        const interval = timers.setInterval(() => undefined, 1000);
        timers.clearInterval(interval);
        timers.clearTimeout(timers.setTimeout(() => undefined, 1000));
        stopping = true;
        await waited(5); // resolves although the adapter started no timer
        assert.deepEqual(calls, [
            'setTimeout 5',
            'setInterval 1000',
            'clearInterval',
            'setTimeout 1000',
            'clearTimeout',
            'setTimeout 5',
        ]);
        useNodeTimers();
        await waited(1);
        assert.equal(calls.length, 6, 'Node’s own again');
    });
});
