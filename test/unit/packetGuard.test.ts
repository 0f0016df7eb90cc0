import assert from 'node:assert/strict';
import mqttPacket from 'mqtt-packet';
import { FixedHeaderReader } from '../../src/broker/packetGuard';

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
