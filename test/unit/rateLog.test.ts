import assert from 'node:assert/strict';
import { clip, RateLimitedLog } from '../../src/rateLog';

function recorder(): { warn: string[]; debug: string[]; log: { warn(m: string): void; debug(m: string): void } } {
    const warn: string[] = [];
    const debug: string[] = [];
    return { warn, debug, log: { warn: m => warn.push(m), debug: m => debug.push(m) } };
}

describe('RateLimitedLog', () => {
    it('warns once per cause and key, repeats go to debug with a count', () => {
        const r = recorder();
        const log = new RateLimitedLog(r.log, { now: () => 0 });
        log.warn('auth', '10.0.0.1', 'refused A');
        log.warn('auth', '10.0.0.1', 'refused A');
        log.warn('sub', '10.0.0.1', 'refused B');
        assert.deepEqual(r.warn, ['refused A', 'refused B']);
        assert.deepEqual(r.debug, ['refused A (2 times)']);
    });

    it('allows a few warning lines per cause and minute, then counts and reports the rest with the next line', () => {
        const r = recorder();
        let now = 0;
        const log = new RateLimitedLog(r.log, { now: () => now, linesPerMinute: 3 });
        for (let i = 0; i < 10; i++) {
            log.warn('topic', `t${i}`, `bad t${i}`);
        }
        assert.deepEqual(r.warn, ['bad t0', 'bad t1', 'bad t2']);
        now = 59_999;
        log.warn('topic', 'late', 'bad late');
        assert.equal(r.warn.length, 3, 'still in the same minute');
        now = 60_000;
        log.warn('topic', 'next', 'bad next');
        assert.deepEqual(r.warn.slice(3), ['bad next (and 8 more like this in the last minute, not logged)']);
    });

    it('bounds the keys it remembers (least recently seen forgotten first) and their length', () => {
        const r = recorder();
        const log = new RateLimitedLog(r.log, { now: () => 0, maxKeys: 100, linesPerMinute: 1_000_000 });
        const long = 'x'.repeat(50_000);
        for (let i = 0; i < 6000; i++) {
            log.warn('topic', `${i}/${long}`, 'm');
        }
        assert.equal(log.size, 100);
        assert.equal(r.warn.length, 6000);
        // keys are cut to 200 characters: topics that differ only after that share one key
        for (let i = 0; i < 10; i++) {
            log.warn('same', `${long}${i}`, 'm');
        }
        assert.equal(r.warn.length, 6001);
        log.warn('a', 'k1', 'first');
        for (let i = 0; i < 100; i++) {
            log.warn('b', `k${i}`, 'other');
        }
        log.warn('a', 'k1', 'first again');
        assert.equal(r.warn.at(-1), 'first again', 'a forgotten key warns again');
    });

    it('clips long messages and debug lines per minute', () => {
        const r = recorder();
        const log = new RateLimitedLog(r.log, { now: () => 0, maxMessageLength: 10, debugLinesPerMinute: 2 });
        log.warn('c', 'k', 'y'.repeat(50));
        for (let i = 0; i < 5; i++) {
            log.warn('c', 'k', 'again');
        }
        assert.deepEqual(r.warn, [`${'y'.repeat(10)}…(50 chars)`]);
        assert.equal(r.debug.length, 2);
        assert.equal(clip('abc', 5), 'abc');
    });
});
