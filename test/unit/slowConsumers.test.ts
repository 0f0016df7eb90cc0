import assert from 'node:assert/strict';
import { SlowConsumers, type SlowVerdict } from '../../src/broker/slowConsumers';

describe('SlowConsumers', () => {
    const limitBytes = 4000; // a quarter: 1000
    const rows: { name: string; buffered: number; bytes: number; qos: number; expected: SlowVerdict }[] = [
        {
            name: 'nothing waiting: even a message over the limit is sent',
            buffered: 0,
            bytes: 9000,
            qos: 0,
            expected: 'send',
        },
        { name: 'under a quarter of the limit', buffered: 500, bytes: 500, qos: 0, expected: 'send' },
        { name: 'QoS 0 over a quarter is dropped', buffered: 900, bytes: 200, qos: 0, expected: 'drop' },
        {
            name: 'QoS 1 over a quarter is still sent up to the limit',
            buffered: 3000,
            bytes: 1000,
            qos: 1,
            expected: 'send',
        },
        { name: 'QoS 1 past the limit closes', buffered: 3000, bytes: 1001, qos: 1, expected: 'close' },
        { name: 'QoS 2 past the limit closes', buffered: 4000, bytes: 1, qos: 2, expected: 'close' },
    ];
    for (const row of rows) {
        it(row.name, () => {
            const slow = new SlowConsumers({ limitBytes, maxSlowMs: 10_000, now: () => 0 });
            const conn = { writableLength: row.buffered, destroy: (): void => undefined };
            assert.equal(slow.verdict(conn, row.bytes, row.qos), row.expected);
        });
    }

    it('closes a connection that stays over a quarter of the limit longer than maxSlowMs; reading resets it', () => {
        let now = 0;
        const slow = new SlowConsumers({ limitBytes, maxSlowMs: 10_000, now: () => now });
        const conn = { writableLength: 2000, destroy: (): void => undefined };
        assert.equal(slow.verdict(conn, 10, 0), 'drop');
        now = 10_000;
        assert.equal(slow.verdict(conn, 10, 0), 'drop');
        now = 10_001;
        assert.equal(slow.verdict(conn, 10, 0), 'close');
        conn.writableLength = 0;
        assert.equal(slow.verdict(conn, 10, 0), 'send');
        conn.writableLength = 2000;
        now = 30_000;
        assert.equal(slow.verdict(conn, 10, 0), 'drop', 'the clock starts again');
    });
});
