"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FixedHeaderReader = void 0;
exports.guardPackets = guardPackets;
/** MQTT 5 DISCONNECT with reason code 0x95 "Packet too large" [MQTT-3.14.2.1]. */
const DISCONNECT_TOO_LARGE = Buffer.from([0xe0, 0x01, 0x95]);
/** Incremental reader of fixed headers: which byte of which packet the stream is at. */
class FixedHeaderReader {
    maxPacketBytes;
    /** Bytes of the current packet's body still to pass. */
    remaining = 0;
    /** Remaining-length bytes read so far of the current header, -1 before its first byte. */
    lengthBytes = -1;
    length = 0;
    multiplier = 1;
    /** The first packet's body bytes kept until its protocol level is known (CONNECT). */
    first = [];
    firstLength = 0;
    protocolVersion;
    constructor(maxPacketBytes) {
        this.maxPacketBytes = maxPacketBytes;
    }
    /** Reads `chunk`; returns the declared length of the first oversized packet, or undefined when all is well. */
    read(chunk) {
        let i = 0;
        while (i < chunk.length) {
            if (this.remaining > 0) {
                const take = Math.min(this.remaining, chunk.length - i);
                if (this.first) {
                    this.collectFirst(chunk, i, take);
                }
                this.remaining -= take;
                i += take;
                if (this.remaining === 0) {
                    this.first = undefined;
                }
                continue;
            }
            const byte = chunk[i++];
            if (this.lengthBytes < 0) {
                // the packet type byte; the remaining length follows
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
    collectFirst(chunk, start, count) {
        const first = this.first;
        for (let j = 0; j < count && first.length < 16; j++) {
            first.push(chunk[start + j]);
        }
        const nameLength = first.length >= 2 ? first[0] * 256 + first[1] : undefined;
        if (nameLength !== undefined && first.length > 2 + nameLength && nameLength <= 6) {
            this.protocolVersion = first[2 + nameLength];
            this.first = undefined;
        }
        else if (first.length >= 16 || first.length >= this.firstLength) {
            this.first = undefined;
        }
    }
}
exports.FixedHeaderReader = FixedHeaderReader;
/** Puts the guard on a connection before it is handed to the broker. */
function guardPackets(stream, options) {
    const reader = new FixedHeaderReader(options.maxPacketBytes);
    const read = stream.read.bind(stream);
    let refused = false;
    stream.read = (size) => {
        const data = read(size);
        if (refused || !Buffer.isBuffer(data)) {
            return refused ? null : data;
        }
        const oversize = reader.read(data);
        if (oversize === undefined) {
            return data;
        }
        refused = true;
        options.onOversize(oversize, reader.protocolVersion);
        if (reader.protocolVersion === 5) {
            stream.end(DISCONNECT_TOO_LARGE);
            // the client may go on sending: nothing more is read, the connection goes once the reason is out
            setImmediate(() => stream.destroy());
        }
        else {
            stream.destroy();
        }
        return null;
    };
}
