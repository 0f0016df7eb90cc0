/**
 * Reads the fixed header of every MQTT packet on a connection as its bytes pass (packetGuard.ts feeds it): the length
 * each packet declares, and from the few packets that matter before the broker parses them, the CONNECT's protocol
 * level and client id and a reserved name among the filters of a SUBSCRIBE or UNSUBSCRIBE.
 */
import { isReservedName, RESERVED_MAX_LENGTH } from './reservedNames';

const SUBSCRIBE = 8;
const UNSUBSCRIBE = 10;

/** The first reserved filter of a SUBSCRIBE (type 8) or UNSUBSCRIBE (type 10) body, if any [MQTT-3.8.3, 3.10.3]. */
function reservedFilterOf(body: Buffer, type: number, v5: boolean): string | undefined {
    let i = 2; // packet identifier
    if (v5) {
        let length = 0;
        let multiplier = 1;
        for (let n = 0; n < 4; n++) {
            const byte = body[i++];
            if (byte === undefined) {
                return undefined;
            }
            length += (byte & 0x7f) * multiplier;
            multiplier *= 128;
            if (!(byte & 0x80)) {
                break;
            }
        }
        i += length;
    }
    while (i + 2 <= body.length) {
        const length = body.readUInt16BE(i);
        if (length <= RESERVED_MAX_LENGTH) {
            const filter = body.toString('utf8', i + 2, Math.min(body.length, i + 2 + length));
            if (isReservedName(filter)) {
                return filter;
            }
        }
        i += 2 + length + (type === SUBSCRIBE ? 1 : 0); // SUBSCRIBE: an options byte follows each filter
    }
    return undefined;
}

/** Bytes of the first packet (CONNECT) kept to read its protocol level and client id. */
const FIRST_PACKET_BYTES = 512;

/** Incremental reader of fixed headers: which byte of which packet the stream is at. */
export class FixedHeaderReader {
    /** Bytes of the current packet's body still to pass. */
    private remaining = 0;
    /** Remaining-length bytes read so far of the current header, -1 before its first byte. */
    private lengthBytes = -1;
    private length = 0;
    private multiplier = 1;
    /** The first packet's body bytes kept until its protocol level is known (CONNECT). */
    private first: number[] | undefined = [];
    private firstLength = 0;
    protocolVersion: number | undefined;
    /** The client id of the CONNECT, once its bytes have passed (undefined when unreadable). */
    clientId: string | undefined;
    /** A SUBSCRIBE or UNSUBSCRIBE named a filter that is a member of Object.prototype (see `isReservedName`). */
    reservedFilter: string | undefined;
    /** The packet type of the current packet (high nibble of its first byte). */
    private type = 0;
    /** The body of the current SUBSCRIBE / UNSUBSCRIBE, read for its filters. */
    private filterBody: Buffer[] | undefined;
    /** Packets whose last byte has passed. */
    packetsEnded = 0;

    constructor(private readonly maxPacketBytes: number) {}

    /** Reads `chunk`; returns the declared length of the first oversized packet, or undefined when all is well. */
    read(chunk: Buffer): number | undefined {
        let i = 0;
        while (i < chunk.length) {
            if (this.remaining > 0) {
                const take = Math.min(this.remaining, chunk.length - i);
                if (this.first) {
                    this.collectFirst(chunk, i, take);
                }
                this.filterBody?.push(chunk.subarray(i, i + take));
                this.remaining -= take;
                i += take;
                if (this.remaining === 0) {
                    this.packetsEnded++;
                    this.first = undefined;
                    if (this.filterBody) {
                        this.reservedFilter ??= reservedFilterOf(
                            Buffer.concat(this.filterBody),
                            this.type,
                            this.protocolVersion === 5,
                        );
                        this.filterBody = undefined;
                    }
                }
                continue;
            }
            const byte = chunk[i++]!;
            if (this.lengthBytes < 0) {
                // the packet type byte; the remaining length follows
                this.type = byte >> 4;
                this.lengthBytes = 0;
                this.length = 0;
                this.multiplier = 1;
                continue;
            }
            this.length += (byte & 0x7f) * this.multiplier;
            this.multiplier *= 128;
            this.lengthBytes++;
            if (byte & 0x80) {
                if (this.lengthBytes >= 4) {
                    // a fifth length byte is malformed [MQTT-2.2.3]; the parser refuses it, nothing to buffer
                    return undefined;
                }
                continue;
            }
            this.lengthBytes = -1;
            if (this.length > this.maxPacketBytes) {
                return this.length;
            }
            this.remaining = this.length;
            if (this.length === 0) {
                this.packetsEnded++;
            }
            if ((this.type === SUBSCRIBE || this.type === UNSUBSCRIBE) && this.length > 0) {
                this.filterBody = [];
            }
            if (this.first) {
                this.firstLength = this.length;
                if (this.length === 0) {
                    this.first = undefined;
                }
            }
        }
        return undefined;
    }

    /** CONNECT: 2-byte protocol name length, the name, then the protocol level [MQTT-3.1.2-2]. */
    private collectFirst(chunk: Buffer, start: number, count: number): void {
        const first = this.first!;
        for (let j = 0; j < count && first.length < FIRST_PACKET_BYTES; j++) {
            first.push(chunk[start + j]!);
        }
        const nameLength = first.length >= 2 ? first[0]! * 256 + first[1]! : undefined;
        if (nameLength === undefined || nameLength > 6) {
            if (first.length >= 2) {
                this.first = undefined; // not a CONNECT: aedes refuses it
            }
            return;
        }
        if (first.length > 2 + nameLength) {
            this.protocolVersion = first[2 + nameLength];
        }
        this.clientId = connectClientId(first, nameLength);
        if (this.clientId !== undefined || first.length >= FIRST_PACKET_BYTES || first.length >= this.firstLength) {
            this.first = undefined;
        }
    }
}

/**
 * The client id of a CONNECT body (best effort, for log lines): after the name, level, flags and keep alive come the
 * properties when the level is 5 or above (a variable byte integer length), then the id as a UTF-8 string.
 */
function connectClientId(body: number[], nameLength: number): string | undefined {
    let i = 2 + nameLength + 4;
    const level = body[2 + nameLength];
    if (level === undefined) {
        return undefined;
    }
    if ((level & 0x7f) >= 5) {
        let length = 0;
        let multiplier = 1;
        for (;;) {
            const byte = body[i++];
            if (byte === undefined || multiplier > 128 ** 3) {
                return undefined;
            }
            length += (byte & 0x7f) * multiplier;
            multiplier *= 128;
            if (!(byte & 0x80)) {
                break;
            }
        }
        i += length;
    }
    if (body.length < i + 2) {
        return undefined;
    }
    const idLength = body[i]! * 256 + body[i + 1]!;
    if (body.length < i + 2 + idLength) {
        return undefined;
    }
    return Buffer.from(body.slice(i + 2, i + 2 + idLength)).toString('utf8');
}
