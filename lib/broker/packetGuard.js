"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.FixedHeaderReader = exports.readTurns = exports.ReadTurns = exports.NEW_FOR_MS = exports.NEW_PER_TURN = exports.SLICE_BYTES = void 0;
exports.isSupportedProtocol = isSupportedProtocol;
exports.isReservedName = isReservedName;
exports.guardPackets = guardPackets;
/**
 * Bytes a connection's packets may hand the broker per turn of the event loop. 16 KiB is about 150 PUBLISHes of
 * 100 bytes or one SUBSCRIBE of 1,000 filters; a packet of 1 MiB arrives in 64 turns.
 */
exports.SLICE_BYTES = 16384;
/**
 * Slices of new connections read per turn (see `ReadTurns`): a CONNECT costs aedes about half a millisecond, and so do
 * the first QoS 1 PUBLISHes that follow it.
 */
exports.NEW_PER_TURN = 32;
/** How long a connection counts as new, from its first slice. */
exports.NEW_FOR_MS = 1000;
/**
 * Turns of the event loop (one per loop iteration in which a connection was read), and the connections waiting for
 * the next one. A connection hands the broker at most one slice (`sliceBytes`) of what it sent in two consecutive
 * turns — aedes finishes the packets of a slice in the turn after it (a SUBSCRIBE's thousand filters, the deliveries
 * of a hundred PUBLISHes), which so is not also the turn that starts the next slice — and only when it is woken: by its
 * own 'readable' event (new bytes came in) or by its turn here. When aedes asks for more at any other time (it does as
 * soon as the packets of a slice are handled) it gets nothing (`read()` returns null), and the connection is woken at
 * a later turn (a 'readable' event, as the stream itself would emit), in the order the connections asked. A flooding
 * client so gets no more of the loop than its slices, and what the others send is handled in between.
 */
class ReadTurns {
    sliceBytes;
    newPerTurn;
    turn = 0;
    scheduled = false;
    /** Connections to wake at the start of the next turn, with what wakes them. */
    waiting = new Map();
    /** New connections read in this turn. */
    newInTurn = 0;
    /**
     * @param sliceBytes what a connection hands over per slice
     * @param newPerTurn slices of new connections (their CONNECT and what they send in their first `NEW_FOR_MS`) read
     *   per turn: a storm of connecting clients is taken in this many at a time, while the packets of the clients
     *   connected before go on being read in every turn
     */
    constructor(sliceBytes = exports.SLICE_BYTES, newPerTurn = exports.NEW_PER_TURN) {
        this.sliceBytes = sliceBytes;
        this.newPerTurn = newPerTurn;
    }
    /** Whether one more slice of a new connection may be read in this turn (counts it if so). */
    admitNew() {
        if (this.newInTurn >= this.newPerTurn) {
            return false;
        }
        this.newInTurn++;
        return true;
    }
    /** The current turn; starts the next one (in setImmediate, after the I/O of this one) if nothing has. */
    current() {
        if (!this.scheduled) {
            this.scheduled = true;
            setImmediate(() => this.next());
        }
        return this.turn;
    }
    /** `stream` is woken (`wake` is called) at the start of the next turn. */
    wait(stream, wake) {
        this.waiting.set(stream, wake);
        this.current();
    }
    /** `stream` was read meanwhile (its own 'readable' came first): it is not woken again. */
    cancel(stream) {
        this.waiting.delete(stream);
    }
    next() {
        this.turn++;
        this.newInTurn = 0;
        this.scheduled = false;
        const waiting = [...this.waiting];
        this.waiting.clear();
        for (const [stream, wake] of waiting) {
            if (!stream.destroyed) {
                wake();
            }
        }
    }
}
exports.ReadTurns = ReadTurns;
/** The turns of this process: one event loop, shared fairly by every connection of every broker in it. */
exports.readTurns = new ReadTurns();
/** MQTT 5 DISCONNECT with reason code 0x8F "Topic Filter invalid" [MQTT-3.14.2.1]. */
const DISCONNECT_FILTER_INVALID = Buffer.from([0xe0, 0x01, 0x8f]);
/** MQTT 5 DISCONNECT with reason code 0x95 "Packet too large" [MQTT-3.14.2.1]. */
const DISCONNECT_TOO_LARGE = Buffer.from([0xe0, 0x01, 0x95]);
/**
 * CONNACK with return code 0x01 "unacceptable protocol level", in the 3.1.1 layout (a client of an unknown version can
 * read no other) [MQTT-3.1.2-2]. aedes' parser would close such a connection without a word.
 */
const CONNACK_UNACCEPTABLE_PROTOCOL = Buffer.from([0x20, 0x02, 0x00, 0x01]);
/** Protocol levels aedes speaks: 3 (3.1), 4 (3.1.1), 5, and 3/4/5 with the bridge bit (0x80) set. */
function isSupportedProtocol(level) {
    return [3, 4, 5].includes(level & 0x7f);
}
const SUBSCRIBE = 8;
const UNSUBSCRIBE = 10;
/** The members of Object.prototype (it has no prototype of its own): a lookup in a Set is cheaper than `in`. */
const RESERVED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));
/** The longest of them ('propertyIsEnumerable'): a longer filter is not decoded to be looked up. */
const RESERVED_MAX_LENGTH = Math.max(...[...RESERVED_NAMES].map(name => name.length));
/**
 * GHSA-52qw-whmv-87c5: aedes 2.0.0-beta.1 keeps a client's subscriptions (and, for a SUBSCRIBE with several filters,
 * the filters while it removes duplicates) in plain objects. A filter named like a member of Object.prototype finds
 * that member: '__proto__' among two or more filters throws inside aedes' packet handler (the process would end), and
 * 'constructor' or 'toString' in an UNSUBSCRIBE removes every client's subscription of that name. Such a packet never
 * reaches aedes: the connection is closed.
 */
function isReservedName(name) {
    return RESERVED_NAMES.has(name);
}
/** The first reserved filter of a SUBSCRIBE (type 8) or UNSUBSCRIBE (type 10) body, if any [MQTT-3.8.3, 3.10.3]. */
function reservedFilterOf(body, type, v5) {
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
    /** The client id of the CONNECT, once its bytes have passed (undefined when unreadable). */
    clientId;
    /** A SUBSCRIBE or UNSUBSCRIBE named a filter that is a member of Object.prototype (see `isReservedName`). */
    reservedFilter;
    /** The packet type of the current packet (high nibble of its first byte). */
    type = 0;
    /** The body of the current SUBSCRIBE / UNSUBSCRIBE, read for its filters. */
    filterBody;
    /** Packets whose last byte has passed. */
    packetsEnded = 0;
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
                this.filterBody?.push(chunk.subarray(i, i + take));
                this.remaining -= take;
                i += take;
                if (this.remaining === 0) {
                    this.packetsEnded++;
                    this.first = undefined;
                    if (this.filterBody) {
                        this.reservedFilter ??= reservedFilterOf(Buffer.concat(this.filterBody), this.type, this.protocolVersion === 5);
                        this.filterBody = undefined;
                    }
                }
                continue;
            }
            const byte = chunk[i++];
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
    collectFirst(chunk, start, count) {
        const first = this.first;
        for (let j = 0; j < count && first.length < FIRST_PACKET_BYTES; j++) {
            first.push(chunk[start + j]);
        }
        const nameLength = first.length >= 2 ? first[0] * 256 + first[1] : undefined;
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
exports.FixedHeaderReader = FixedHeaderReader;
/**
 * The client id of a CONNECT body (best effort, for log lines): after the name, level, flags and keep alive come the
 * properties when the level is 5 or above (a variable byte integer length), then the id as a UTF-8 string.
 */
function connectClientId(body, nameLength) {
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
    const idLength = body[i] * 256 + body[i + 1];
    if (body.length < i + 2 + idLength) {
        return undefined;
    }
    return Buffer.from(body.slice(i + 2, i + 2 + idLength)).toString('utf8');
}
/** Puts the guard on a connection before it is handed to the broker. */
function guardPackets(stream, options) {
    const reader = new FixedHeaderReader(options.maxPacketBytes);
    const turns = options.turns ?? exports.readTurns;
    const read = stream.read.bind(stream);
    let refused = false;
    let levelChecked = false;
    /** The turn in which this connection last handed the broker a slice. */
    let servedTurn = Number.NEGATIVE_INFINITY;
    /** When it handed over its first slice (a connection is new for `NEW_FOR_MS` from then). */
    let firstServedAt = Number.POSITIVE_INFINITY;
    /** Set while the connection is woken by its turn (`ReadTurns`). */
    let turnWake = false;
    /** Set while the connection's own 'readable' event (new bytes) is being emitted. */
    let ownReadable = false;
    const wake = () => {
        if (turns.current() - servedTurn < 2) {
            turns.wait(stream, wake); // it had its slice in the last turn: the finishing of it gets this one
            return;
        }
        turnWake = true;
        try {
            stream.emit('readable');
        }
        finally {
            turnWake = false;
        }
    };
    // registered before aedes' listener (the guard is put on first), so aedes' read in its listener sees the flag
    stream.on('readable', () => {
        if (!turnWake) {
            ownReadable = true;
            process.nextTick(() => (ownReadable = false));
        }
    });
    stream.read = (size) => {
        if (refused) {
            return null;
        }
        let data;
        if (size === undefined || size === null) {
            // aedes reads all there is (read(null)): it gets one slice per turn, the rest stays in the stream's buffer
            // (so 'end' still comes after the last byte was read)
            const buffered = stream.readableLength;
            const turn = turns.current();
            // woken by its turn, or by its own bytes (a connection that sends now and then is read at once), and no
            // slice in this turn or the last: aedes finishes a slice's packets in the turn after it (a SUBSCRIBE's
            // filters, the deliveries of PUBLISHes), which is not also the start of the next slice
            const mayRead = (turnWake || ownReadable) &&
                turn - servedTurn >= 2 &&
                (buffered === 0 || performance.now() - firstServedAt >= exports.NEW_FOR_MS || turns.admitNew());
            if (buffered > 0 && !mayRead) {
                turns.wait(stream, wake);
                return null;
            }
            data = read(buffered > turns.sliceBytes ? turns.sliceBytes : undefined);
            if (Buffer.isBuffer(data)) {
                if (servedTurn === Number.NEGATIVE_INFINITY) {
                    firstServedAt = performance.now();
                }
                servedTurn = turn;
                // a wake-up after aedes has a batch under way would be counted by it as the end of one
                turns.cancel(stream);
            }
        }
        else {
            data = read(size);
        }
        if (!Buffer.isBuffer(data)) {
            return data;
        }
        const packetsBefore = reader.packetsEnded;
        const oversize = reader.read(data);
        const level = reader.protocolVersion;
        if (!levelChecked && level !== undefined) {
            levelChecked = true;
            if (!isSupportedProtocol(level)) {
                refused = true;
                options.onUnsupportedProtocol?.(level, reader.clientId);
                stream.end(CONNACK_UNACCEPTABLE_PROTOCOL);
                setImmediate(() => stream.destroy());
                return null;
            }
        }
        if (reader.reservedFilter !== undefined && oversize === undefined) {
            refused = true;
            options.onReservedFilter?.(reader.reservedFilter);
            if (reader.protocolVersion === 5) {
                stream.end(DISCONNECT_FILTER_INVALID);
                setImmediate(() => stream.destroy());
            }
            else {
                stream.destroy();
            }
            return null;
        }
        if (oversize === undefined) {
            if (reader.packetsEnded === packetsBefore && stream.readableLength > 0) {
                // no packet ends in this slice: aedes handles nothing, so it will not ask again, and the stream emits
                // no 'readable' for bytes it already holds: the connection is woken at its next turn
                turns.wait(stream, wake);
            }
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
