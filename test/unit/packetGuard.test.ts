import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import { FixedHeaderReader, guardPackets, ReadTurns } from '../../src/broker/packetGuard';

const connect = (protocolVersion: 3 | 4 | 5): Buffer =>
    mqttPacket.generate({
        cmd: 'connect',
        protocolId: protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
        protocolVersion,
        clientId: 'c',
        clean: true,
        keepalive: 30,
    });
const publish = (payloadBytes: number): Buffer =>
    mqttPacket.generate({
        cmd: 'publish',
        topic: 't',
        payload: Buffer.alloc(payloadBytes),
        qos: 0,
        dup: false,
        retain: false,
    });

/** Feeds `bytes` in chunks of `size`; returns the first oversize answer. */
function feed(reader: FixedHeaderReader, bytes: Buffer, size: number): number | undefined {
    for (let i = 0; i < bytes.length; i += size) {
        const result = reader.read(bytes.subarray(i, i + size));
        if (result !== undefined) {
            return result;
        }
    }
    return undefined;
}

describe('FixedHeaderReader (packet guard)', () => {
    const rows: { name: string; bytes: Buffer; max: number; expected: number | undefined; version?: number }[] = [
        {
            name: 'packets within the limit',
            bytes: Buffer.concat([connect(4), publish(100), publish(0)]),
            max: 200,
            expected: undefined,
            version: 4,
        },
        {
            name: 'an oversized publish after valid ones',
            bytes: Buffer.concat([connect(4), publish(10), publish(300)]),
            max: 200,
            expected: 303,
            version: 4,
        },
        {
            name: 'the largest declarable length',
            bytes: Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]),
            max: 1_000_000,
            expected: 268_435_455,
        },
        {
            name: 'MQTT 5 CONNECT then too large',
            bytes: Buffer.concat([connect(5), Buffer.from([0x30, 0x80, 0x08])]),
            max: 200,
            expected: 1024,
            version: 5,
        },
        {
            name: 'MQTT 3.1 (MQIsdp)',
            bytes: Buffer.concat([connect(3), publish(1)]),
            max: 200,
            expected: undefined,
            version: 3,
        },
    ];
    for (const row of rows) {
        for (const size of [1, 2, 7, 4096]) {
            it(`${row.name}, in chunks of ${size}`, () => {
                const reader = new FixedHeaderReader(row.max);
                assert.equal(feed(reader, row.bytes, size), row.expected);
                assert.equal(reader.protocolVersion, row.version);
            });
        }
    }
});

describe('FixedHeaderReader: client id and protocol level of the CONNECT (for log lines)', () => {
    const v5WithProperties = mqttPacket.generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 5,
        clientId: 'ha-1',
        clean: true,
        keepalive: 30,
        properties: { sessionExpiryInterval: 300, receiveMaximum: 10, userProperties: { a: 'b' } },
    });
    // a CONNECT of an unknown level 6, laid out like MQTT 5 (the layout a future version would most likely keep)
    const level6 = Buffer.from(v5WithProperties);
    level6[8] = 6;
    const rows: { name: string; bytes: Buffer; version: number; clientId: string }[] = [
        { name: 'MQTT 3.1.1', bytes: connect(4), version: 4, clientId: 'c' },
        { name: 'MQTT 5 with properties', bytes: v5WithProperties, version: 5, clientId: 'ha-1' },
        { name: 'unknown level 6', bytes: level6, version: 6, clientId: 'ha-1' },
    ];
    for (const row of rows) {
        for (const size of [1, 5, 4096]) {
            it(`${row.name}, in chunks of ${size}`, () => {
                const reader = new FixedHeaderReader(1000);
                assert.equal(feed(reader, row.bytes, size), undefined);
                assert.equal(reader.protocolVersion, row.version);
                assert.equal(reader.clientId, row.clientId);
            });
        }
    }
});

describe('guardPackets: what a connection sent reaches the broker in slices, one per connection and turn', () => {
    /** A guarded stream read the way aedes reads (read(null) at every 'readable', greedily), recording each slice. */
    interface Entry {
        name: string;
        turn: number;
        bytes: number;
    }
    function guarded(
        turns: ReadTurns,
        name: string,
        log: Entry[],
    ): { stream: PassThrough; got: Buffer[]; ended: Promise<void> } {
        const stream = new PassThrough();
        guardPackets(stream, { maxPacketBytes: 1_000_000, onOversize: () => assert.fail('not oversized'), turns });
        const got: Buffer[] = [];
        const ended = new Promise<void>(resolve => stream.once('end', resolve));
        stream.on('readable', () => {
            for (let data = stream.read() as Buffer | null; data !== null; data = stream.read() as Buffer | null) {
                got.push(data);
                log.push({ name, turn: turns.current(), bytes: data.length });
            }
        });
        return { stream, got, ended };
    }
    const flood = Buffer.concat([connect(4), ...Array.from({ length: 200 }, () => publish(100))]);

    it('hands over at most sliceBytes per turn, every byte in order, and ends after the last', async () => {
        const turns = new ReadTurns(1000);
        const log: Entry[] = [];
        const a = guarded(turns, 'a', log);
        a.stream.end(flood);
        await a.ended;
        assert.deepEqual(Buffer.concat(a.got), flood);
        assert.ok(log.every(entry => entry.bytes <= 1000));
        assert.equal(new Set(log.map(entry => entry.turn)).size, log.length, 'one slice per turn');
        assert.equal(log.length, Math.ceil(flood.length / 1000));
    });

    it('a flooding connection does not hold up another one', async () => {
        const turns = new ReadTurns(1000);
        const log: Entry[] = [];
        const a = guarded(turns, 'flood', log);
        const b = guarded(turns, 'other', log);
        a.stream.end(flood);
        setImmediate(() => b.stream.end(Buffer.concat([connect(4), publish(10)])));
        await Promise.all([a.ended, b.ended]);
        const other = log.find(entry => entry.name === 'other')!;
        const floodTurns = log.filter(entry => entry.name === 'flood' && entry.turn <= other.turn).length;
        assert.ok(floodTurns <= 3, `the other connection was read after ${floodTurns} slices of the flood`);
        assert.ok(other.turn < log.at(-1)!.turn, 'read before the flood was through');
        assert.deepEqual(Buffer.concat(b.got), Buffer.concat([connect(4), publish(10)]));
        assert.deepEqual(Buffer.concat(a.got), flood);
    });

    it('a packet larger than a slice gets through to a reader that waits for readable (as aedes does)', async () => {
        const turns = new ReadTurns(1000);
        const stream = new PassThrough();
        guardPackets(stream, { maxPacketBytes: 1_000_000, onOversize: () => assert.fail('not oversized'), turns });
        // aedes reads once per 'readable', and again only when the packets it parsed are handled
        const parser = mqttPacket.parser();
        const packets: string[] = [];
        let handling = 0;
        const readOnce = (): void => {
            const data = stream.read() as Buffer | null;
            if (data) {
                parser.parse(data);
            }
        };
        parser.on('packet', (packet: mqttPacket.Packet) => {
            packets.push(packet.cmd);
            handling++;
            setImmediate(() => --handling === 0 && readOnce());
        });
        stream.on('readable', () => handling === 0 && readOnce());
        stream.write(Buffer.concat([connect(4), publish(10_000), publish(5000)]));
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`stalled after ${packets.join(', ')}`)), 2000);
            parser.on('packet', () => packets.length === 3 && (clearTimeout(timer), resolve()));
        });
        assert.deepEqual(packets, ['connect', 'publish', 'publish']);
    });

    it('a storm of new connections is read a few per turn', async () => {
        const turns = new ReadTurns(1000, 2);
        const log: Entry[] = [];
        const conns = Array.from({ length: 5 }, (_, i) => guarded(turns, `c${i}`, log));
        conns.forEach(c => c.stream.end(connect(4)));
        await Promise.all(conns.map(c => c.ended));
        const perTurn = new Map<number, number>();
        for (const entry of log) {
            perTurn.set(entry.turn, (perTurn.get(entry.turn) ?? 0) + 1);
        }
        assert.equal(log.length, 5);
        assert.ok(Math.max(...perTurn.values()) <= 2, `first reads per turn: ${[...perTurn.values()].join(', ')}`);
    });

    it('a connection whose CONNECT was read is not held back by a storm of new ones', async () => {
        const turns = new ReadTurns(1000, 2);
        const log: Entry[] = [];
        const known = guarded(turns, 'known', log);
        known.stream.write(connect(4));
        for (let i = 0; i < 3; i++) {
            turns.current(); // a few turns later (other connections keep the turns going), as a connected client sends
            await new Promise(resolve => setImmediate(resolve));
        }
        assert.equal(log.length, 1, 'the CONNECT was read');
        const storm = Array.from({ length: 10 }, (_, i) => guarded(turns, `new${i}`, log));
        storm.forEach(c => c.stream.end(Buffer.concat([connect(4), publish(100)])));
        known.stream.end(publish(10));
        await Promise.all([known.ended, ...storm.map(c => c.ended)]);
        const order = log.map(entry => entry.name);
        const stormFirstReads = order.slice(0, order.lastIndexOf('known')).filter(name => name !== 'known').length;
        // its PUBLISH is read in the first turn with bytes for it, beside at most the two new slices of that turn
        assert.ok(
            stormFirstReads <= 2,
            `read after ${stormFirstReads} slices of new connections: ${log.map(e => `${e.name}@${e.turn}`).join(' ')}`,
        );
        assert.deepEqual(Buffer.concat(known.got), Buffer.concat([connect(4), publish(10)]));
    });

    it('connections whose peer closed end a few per turn, each after every byte it sent', async () => {
        const turns = new ReadTurns(1000, 100, 2);
        const log: Entry[] = [];
        const conns = Array.from({ length: 7 }, (_, i) => guarded(turns, `c${i}`, log));
        conns.forEach(c => c.stream.write(connect(4)));
        for (let i = 0; i < 3; i++) {
            turns.current();
            await new Promise(resolve => setImmediate(resolve));
        }
        const endedIn: number[] = [];
        conns.forEach(c => c.stream.once('end', () => endedIn.push(turns.current())));
        conns.forEach(c => c.stream.end(publish(10)));
        await Promise.all(conns.map(c => c.ended));
        const perTurn = new Map<number, number>();
        for (const turn of endedIn) {
            perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1);
        }
        assert.equal(endedIn.length, 7);
        assert.ok(Math.max(...perTurn.values()) <= 2, `ends per turn: ${[...perTurn.values()].join(', ')}`);
        for (const c of conns) {
            assert.deepEqual(Buffer.concat(c.got), Buffer.concat([connect(4), publish(10)]));
        }
    });

    it('a connection that closes in the middle of a packet still ends when ends are deferred (read as aedes reads)', async () => {
        const turns = new ReadTurns(1000, 100, 1);
        // aedes reads once per 'readable', and again only after the packets it parsed are handled
        const conns = Array.from({ length: 3 }, () => {
            const stream = new PassThrough();
            guardPackets(stream, { maxPacketBytes: 1_000_000, onOversize: () => assert.fail('not oversized'), turns });
            const parser = mqttPacket.parser();
            let handling = 0;
            const readOnce = (): void => {
                const data = stream.read() as Buffer | null;
                if (data) {
                    parser.parse(data);
                }
            };
            parser.on('packet', () => {
                handling++;
                setImmediate(() => --handling === 0 && readOnce());
            });
            stream.on('readable', () => handling === 0 && readOnce());
            return stream;
        });
        conns.forEach(c => c.write(connect(4)));
        for (let i = 0; i < 4; i++) {
            turns.current();
            await new Promise(resolve => setImmediate(resolve));
        }
        // the first 1,500 bytes of a 5 kB PUBLISH, then the end: the last bytes complete no packet
        const ended = conns.map(c => new Promise<void>(resolve => c.once('end', resolve)));
        conns.forEach(c => c.end(publish(5000).subarray(0, 1500)));
        const stalled = await Promise.race([
            Promise.all(ended).then(() => false),
            new Promise<boolean>(resolve => setTimeout(() => resolve(true), 1000)),
        ]);
        assert.equal(stalled, false, `${conns.filter(c => !c.readableEnded).length} of 3 never ended`);
    });

    it('read(size) is passed through unchanged', () => {
        const turns = new ReadTurns(10);
        const stream = new PassThrough();
        guardPackets(stream, { maxPacketBytes: 1000, onOversize: () => assert.fail('not oversized'), turns });
        stream.write(Buffer.concat([connect(4), publish(100)]));
        assert.equal((stream.read(50) as Buffer).length, 50);
        assert.equal((stream.read(50) as Buffer).length, 50);
    });
});
