/**
 * A seeded mutation fuzzer for MQTT: valid packets generated with mqtt-packet (3.1.1 or 5), then mutated byte-wise
 * (bit flips, truncation, duplication, inserted bytes, a rewritten remaining length, two packets spliced). Every
 * choice comes from one seeded PRNG, so a seed reproduces the same byte streams.
 */
import mqttPacket, { type Packet } from 'mqtt-packet';

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

export type ProtocolVersion = 4 | 5;

export class Rng {
    constructor(readonly next: () => number) {}

    int(min: number, max: number): number {
        return min + Math.floor(this.next() * (max - min + 1));
    }
    chance(p: number): boolean {
        return this.next() < p;
    }
    pick<T>(items: readonly T[]): T {
        return items[Math.floor(this.next() * items.length)]!;
    }
    bytes(n: number): Buffer {
        const b = Buffer.alloc(n);
        for (let i = 0; i < n; i++) {
            b[i] = this.int(0, 255);
        }
        return b;
    }
}

const LEVELS = ['a', 'b', 'sensor', 'x', '', '$SYS', '$foo', 'ü', '+', '#', 'dev/1', 'ä/ö', ' ', 'very-long-level'];

export interface FuzzedConnection {
    /** The byte stream to send, already cut into the chunks to write. */
    chunks: Buffer[];
    /** Packets that went into it (valid or mutated), CONNECT included. */
    packets: number;
    mutated: number;
    /** How the connection ends once everything is written. */
    ending: 'end' | 'destroy' | 'linger';
}

export class MqttFuzzer {
    readonly rng: Rng;
    /** Counts of applied mutations by name, for the report. */
    readonly mutations: Record<string, number> = {};

    constructor(
        seed: number,
        readonly protocolVersion: ProtocolVersion,
        /** Prefix of every client id the fuzzer uses, so it can never take over a test's own clients. */
        readonly clientIdPrefix = 'fz-',
    ) {
        this.rng = new Rng(mulberry32(seed));
    }

    private topic(wildcards: boolean): string {
        const r = this.rng;
        const levels: string[] = [];
        const n = r.int(1, 5);
        for (let i = 0; i < n; i++) {
            let level = r.pick(LEVELS);
            if (!wildcards && (level === '+' || level === '#')) {
                level = 'w';
            }
            levels.push(level);
        }
        if (r.chance(0.05)) {
            levels.push('z'.repeat(r.int(100, 2000)));
        }
        return levels.join('/');
    }

    private properties(kind: 'connect' | 'publish' | 'subscribe' | 'other'): Record<string, unknown> | undefined {
        const r = this.rng;
        if (this.protocolVersion !== 5 || r.chance(0.5)) {
            return undefined;
        }
        const props: Record<string, unknown> = {};
        if (r.chance(0.4)) {
            props.userProperties = { k: r.pick(['v', 'w', 'ü']), [`p${r.int(0, 9)}`]: 'x' };
        }
        if (kind === 'connect') {
            props.sessionExpiryInterval = r.pick([0, 1, 60, 4294967295]);
            props.receiveMaximum = r.int(1, 65535);
            props.maximumPacketSize = r.int(1, 1 << 20);
            props.topicAliasMaximum = r.int(0, 20);
            props.requestProblemInformation = r.chance(0.5);
        } else if (kind === 'publish') {
            props.messageExpiryInterval = r.int(0, 100);
            if (r.chance(0.3)) {
                props.topicAlias = r.int(1, 20);
            }
            props.contentType = 'text/plain';
            props.payloadFormatIndicator = r.chance(0.5);
        } else if (kind === 'subscribe' && r.chance(0.3)) {
            props.subscriptionIdentifier = r.int(1, 268435455);
        }
        return props;
    }

    /** One valid packet (in either direction: a server's packet from a client is valid bytes, wrong place). */
    packet(): Record<string, unknown> {
        const r = this.rng;
        const messageId = r.int(1, 65535);
        const qos = r.pick([0, 1, 2] as const);
        const kind = r.pick([
            'connect',
            'publish',
            'publish',
            'publish',
            'publish',
            'subscribe',
            'subscribe',
            'unsubscribe',
            'pingreq',
            'pingreq',
            'puback',
            'pubrec',
            'pubrel',
            'pubrel',
            'pubcomp',
            'disconnect',
            'connack',
            'suback',
            'pingresp',
        ] as const);
        switch (kind) {
            case 'connect':
                return this.connect();
            case 'publish':
                return {
                    cmd: 'publish',
                    topic: this.topic(false),
                    payload: r.chance(0.1) ? Buffer.alloc(0) : r.bytes(r.int(1, r.chance(0.05) ? 5000 : 64)),
                    qos,
                    retain: r.chance(0.2),
                    dup: r.chance(0.1),
                    ...(qos > 0 ? { messageId } : {}),
                    properties: this.properties('publish'),
                };
            case 'subscribe':
                return {
                    cmd: 'subscribe',
                    messageId,
                    subscriptions: Array.from({ length: r.int(1, 8) }, () => ({
                        topic: this.topic(true),
                        qos: r.pick([0, 1, 2]),
                        ...(this.protocolVersion === 5
                            ? { nl: r.chance(0.3), rap: r.chance(0.3), rh: r.int(0, 2) }
                            : {}),
                    })),
                    properties: this.properties('subscribe'),
                };
            case 'unsubscribe':
                return {
                    cmd: 'unsubscribe',
                    messageId,
                    unsubscriptions: Array.from({ length: r.int(1, 4) }, () => this.topic(true)),
                    properties: this.properties('other'),
                };
            case 'puback':
            case 'pubrec':
            case 'pubrel':
            case 'pubcomp':
                return { cmd: kind, messageId };
            case 'connack':
                return { cmd: 'connack', returnCode: 0, reasonCode: 0, sessionPresent: false };
            case 'suback':
                return { cmd: 'suback', messageId, granted: [0, 1, 128] };
            default:
                return { cmd: kind };
        }
    }

    connect(): Record<string, unknown> {
        const r = this.rng;
        const packet: Record<string, unknown> = {
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion: this.protocolVersion,
            clientId: r.chance(0.1) ? '' : `${this.clientIdPrefix}${r.int(0, 99999)}`,
            clean: r.chance(0.8),
            keepalive: r.pick([0, 1, 10, 60, 65535]),
            properties: this.properties('connect'),
        };
        if (r.chance(0.2)) {
            packet.username = r.pick(['u', 'iob', '', 'ü'.repeat(r.int(1, 50))]);
            packet.password = r.bytes(r.int(0, 20));
        }
        if (r.chance(0.2)) {
            packet.will = {
                topic: this.topic(false),
                payload: r.bytes(r.int(0, 20)),
                qos: r.pick([0, 1, 2]),
                retain: r.chance(0.3),
                properties: this.protocolVersion === 5 ? { willDelayInterval: r.int(0, 5) } : undefined,
            };
        }
        return packet;
    }

    encode(packet: Record<string, unknown>): Buffer {
        try {
            return mqttPacket.generate(packet as unknown as Packet, { protocolVersion: this.protocolVersion });
        } catch {
            // a combination mqtt-packet refuses to encode: a PINGREQ instead
            return Buffer.from([0xc0, 0x00]);
        }
    }

    private count(name: string): void {
        this.mutations[name] = (this.mutations[name] ?? 0) + 1;
    }

    /** One of the mutations, applied to an encoded packet (`other` is a second packet, for splicing). */
    mutate(bytes: Buffer, other: Buffer): Buffer {
        const r = this.rng;
        const kind = r.pick(['flip', 'flip', 'truncate', 'duplicate', 'insert', 'length', 'length', 'splice'] as const);
        this.count(kind);
        switch (kind) {
            case 'flip': {
                const out = Buffer.from(bytes);
                for (let n = r.int(1, 4); n > 0; n--) {
                    const i = r.int(0, out.length - 1);
                    out[i] = out[i]! ^ (1 << r.int(0, 7));
                }
                return out;
            }
            case 'truncate':
                return bytes.subarray(0, r.int(0, Math.max(0, bytes.length - 1)));
            case 'duplicate': {
                const from = r.int(0, bytes.length - 1);
                const to = r.int(from, bytes.length);
                return Buffer.concat([bytes.subarray(0, to), bytes.subarray(from, to), bytes.subarray(to)]);
            }
            case 'insert': {
                const at = r.int(0, bytes.length);
                return Buffer.concat([bytes.subarray(0, at), r.bytes(r.int(1, 16)), bytes.subarray(at)]);
            }
            case 'length': {
                // the fixed header's remaining length, rewritten: off by one, small, huge, the maximum, or malformed
                let end = 1;
                while (end < bytes.length && end < 5 && (bytes[end]! & 0x80) !== 0) {
                    end++;
                }
                const body = bytes.subarray(Math.min(end + 1, bytes.length));
                const declared = r.pick([
                    0,
                    1,
                    Math.max(0, body.length - 1),
                    body.length + 1,
                    r.int(0, 16383),
                    r.int(16384, 2097151),
                    268435455,
                ]);
                const varint = r.chance(0.1) ? Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]) : encodeLength(declared);
                return Buffer.concat([bytes.subarray(0, 1), varint, body]);
            }
            case 'splice':
                return Buffer.concat([
                    bytes.subarray(0, r.int(0, bytes.length)),
                    other.subarray(r.int(0, other.length)),
                ]);
        }
    }

    /** The plan of one fuzzing connection: mostly a valid CONNECT first, then valid and mutated packets. */
    connection(): FuzzedConnection {
        const r = this.rng;
        const parts: Buffer[] = [];
        let mutated = 0;
        const start = r.next();
        if (start < 0.75) {
            parts.push(this.encode(this.connect()));
        } else if (start < 0.9) {
            parts.push(this.mutate(this.encode(this.connect()), this.encode(this.packet())));
            mutated++;
        }
        // some connections stay mostly valid, so the fuzzing also reaches the states after many good packets
        const mutationRate = r.pick([0.05, 0.2, 0.6, 0.6]);
        for (let n = r.int(5, 25); n > 0; n--) {
            const bytes = this.encode(this.packet());
            if (r.chance(mutationRate)) {
                parts.push(this.mutate(bytes, this.encode(this.packet())));
                mutated++;
            } else {
                parts.push(bytes);
            }
        }
        const stream = Buffer.concat(parts);
        const chunks: Buffer[] = [];
        for (let at = 0; at < stream.length;) {
            const size = r.chance(0.3) ? r.int(1, 8) : r.int(1, stream.length);
            chunks.push(stream.subarray(at, at + size));
            at += size;
        }
        return { chunks, packets: parts.length, mutated, ending: r.pick(['end', 'end', 'destroy', 'linger'] as const) };
    }
}

function encodeLength(length: number): Buffer {
    const out: number[] = [];
    do {
        let digit = length % 128;
        length = Math.floor(length / 128);
        if (length > 0) {
            digit |= 0x80;
        }
        out.push(digit);
    } while (length > 0);
    return Buffer.from(out);
}
