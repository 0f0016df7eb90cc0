import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SessionExpiry } from '../../src/broker/sessions';

describe('SessionExpiry (storeClientsTime)', () => {
    let now = 1_000_000;
    const online = new Set<string>();
    let expired: string[] = [];
    const make = (keepMin: number, file?: string): SessionExpiry =>
        new SessionExpiry({
            file,
            keepMin,
            expire: id => {
                expired.push(id);
                return Promise.resolve();
            },
            isOnline: id => online.has(id),
            now: () => now,
        });
    beforeEach(() => {
        now = 1_000_000;
        online.clear();
        expired = [];
    });

    it('keeps an offline session for keepMin minutes, then expires it', async () => {
        const sessions = make(10);
        sessions.connected('dev', false);
        await sessions.disconnected('dev');
        now += 10 * 60_000 - 1;
        assert.deepEqual(await sessions.sweep(), []);
        now += 1;
        assert.deepEqual(await sessions.sweep(), ['dev']);
        assert.deepEqual(expired, ['dev']);
        assert.deepEqual(await sessions.sweep(), [], 'only once');
    });

    it('never expires a connected client, nor one that reconnected (takeover)', async () => {
        const sessions = make(1);
        sessions.connected('dev', false);
        online.add('dev');
        now += 5 * 60_000;
        assert.deepEqual(await sessions.sweep(), []);
        // the old connection's disconnect arrives after the new connection took over
        await sessions.disconnected('dev');
        now += 5 * 60_000;
        assert.deepEqual(await sessions.sweep(), []);
    });

    it('asks an asynchronous isOnline (shared broker: connected on another instance) before expiring', async () => {
        const elsewhere = new Set(['moved']);
        const asked: string[] = [];
        const sessions = new SessionExpiry({
            file: undefined,
            keepMin: 0,
            expire: id => {
                expired.push(id);
                return Promise.resolve();
            },
            isOnline: async id => {
                asked.push(id);
                await new Promise(resolve => setImmediate(resolve));
                return elsewhere.has(id);
            },
            now: () => now,
        });
        sessions.connected('moved', false);
        sessions.connected('gone', false);
        await sessions.disconnected('moved');
        await sessions.disconnected('gone');
        assert.deepEqual(asked, ['moved', 'gone']);
        assert.deepEqual(expired, ['gone'], 'the client now on another instance keeps its session');
    });

    it('0 drops the session at disconnect, unless the id is connected again', async () => {
        const sessions = make(0);
        sessions.connected('a', false);
        await sessions.disconnected('a');
        assert.deepEqual(expired, ['a']);
        sessions.connected('b', false);
        online.add('b');
        await sessions.disconnected('b');
        assert.deepEqual(expired, ['a']);
    });

    it('-1 keeps sessions forever; clean sessions are not tracked', async () => {
        const sessions = make(-1);
        sessions.connected('a', false);
        await sessions.disconnected('a');
        sessions.connected('c', true);
        await sessions.disconnected('c');
        now += 1e12;
        assert.deepEqual(await sessions.sweep(), []);
        assert.deepEqual(expired, []);
    });

    it('remembers last-seen times across restarts; clients connected at the stop count as offline from the start', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'sessions-'));
        try {
            const file = path.join(dir, 'sessions.json');
            const first = make(10, file);
            first.connected('gone', false);
            await first.disconnected('gone');
            first.connected('wasOnline', false);
            first.flush(); // written at most once a second; flush() (called at stop) writes at once
            assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { gone: now, wasOnline: 0 });
            now += 5 * 60_000;
            const second = make(10, file);
            now += 5 * 60_000;
            assert.deepEqual(await second.sweep(), ['gone']);
            now += 5 * 60_000;
            assert.deepEqual(await second.sweep(), ['wasOnline']);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
