"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ReadTurns = exports.FixedHeaderReader = void 0;
exports.isSupportedProtocol = isSupportedProtocol;
exports.guardPackets = guardPackets;
const fixedHeader_1 = require("./fixedHeader");
const readTurns_1 = require("./readTurns");
var fixedHeader_2 = require("./fixedHeader");
Object.defineProperty(exports, "FixedHeaderReader", { enumerable: true, get: function () { return fixedHeader_2.FixedHeaderReader; } });
var readTurns_2 = require("./readTurns");
Object.defineProperty(exports, "ReadTurns", { enumerable: true, get: function () { return readTurns_2.ReadTurns; } });
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
/** Puts the guard on a connection before it is handed to the broker. */
function guardPackets(stream, options) {
    const reader = new fixedHeader_1.FixedHeaderReader(options.maxPacketBytes);
    const turns = options.turns ?? readTurns_1.readTurns;
    const read = stream.read.bind(stream);
    let refused = false;
    let levelChecked = false;
    /** The turn in which this connection last handed the broker a slice. */
    let servedTurn = Number.NEGATIVE_INFINITY;
    /**
     * Whether the slice with its CONNECT was handed over: until then the connection is new (`ReadTurns.admitNew`).
     * What it sends after that is read like any other connection's: its CONNACK came out of the budget of new
     * connections, so what a storm of clients sends once connected is paced by it too.
     */
    let connectServed = false;
    /**
     * The peer's end of the stream has arrived (FIN): the read that consumes it makes the stream emit 'end', and with
     * it comes all the work of a closing connection (aedes' close, the socket's teardown). A few such reads per turn
     * (`ReadTurns.admitEnd`): a thousand connections closing at once do not hold everyone else for one long turn.
     */
    let endPending = false;
    let endAdmitted = false;
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
    const push = stream.push.bind(stream);
    stream.push = (chunk, encoding) => {
        if (chunk === null) {
            endPending = true;
        }
        return push(chunk, encoding);
    };
    stream.read = (size) => {
        if (refused) {
            return null;
        }
        if (endPending && !endAdmitted && stream.readableLength === 0) {
            // this read would take the end (read(0) too)
            if (!turns.admitEnd()) {
                turns.wait(stream, wake);
                return null;
            }
            endAdmitted = true;
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
                (buffered === 0 || connectServed || turns.admitNew());
            if (buffered > 0 && !mayRead) {
                turns.wait(stream, wake);
                return null;
            }
            // read() of all there is also takes the end when it has come; read(n) never does: the bytes are handed
            // over now, the end when its turn admits it (above)
            const takesEnd = endPending && !endAdmitted && buffered <= turns.sliceBytes;
            if (takesEnd && turns.admitEnd()) {
                endAdmitted = true;
            }
            data = read(buffered > turns.sliceBytes || (takesEnd && !endAdmitted)
                ? Math.min(buffered, turns.sliceBytes)
                : undefined);
            if (Buffer.isBuffer(data)) {
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
        if (reader.packetsEnded > 0) {
            connectServed = true;
        }
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
            if (reader.packetsEnded === packetsBefore && (stream.readableLength > 0 || (endPending && !endAdmitted))) {
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
