"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.readTurns = exports.ReadTurns = exports.ENDS_PER_TURN = exports.NEW_PER_TURN = exports.SLICE_BYTES = void 0;
/**
 * Bytes a connection's packets may hand the broker per turn of the event loop. 16 KiB is about 150 PUBLISHes of
 * 100 bytes or one SUBSCRIBE of 1,000 filters; a packet of 1 MiB arrives in 64 turns.
 */
exports.SLICE_BYTES = 16384;
/**
 * Slices of new connections read per turn (see `ReadTurns`): a CONNECT costs aedes about half a millisecond, and so do
 * the QoS 1 PUBLISHes sent with it.
 */
exports.NEW_PER_TURN = 8;
/** Connections whose peer closed that are let close per turn (see `ReadTurns.admitEnd`). */
exports.ENDS_PER_TURN = 64;
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
    endsPerTurn;
    turn = 0;
    scheduled = false;
    /** Connections to wake at the start of the next turn, with what wakes them. */
    waiting = new Map();
    /** New connections read in this turn. */
    newInTurn = 0;
    /** Connections let close in this turn. */
    endsInTurn = 0;
    /**
     * @param sliceBytes what a connection hands over per slice
     * @param newPerTurn slices of new connections (the slice that holds their CONNECT and what came with it) read per
     *   turn: a storm of connecting clients is taken in this many at a time, while the packets of the clients
     *   connected before go on being read in every turn
     */
    constructor(sliceBytes = exports.SLICE_BYTES, newPerTurn = exports.NEW_PER_TURN, endsPerTurn = exports.ENDS_PER_TURN) {
        this.sliceBytes = sliceBytes;
        this.newPerTurn = newPerTurn;
        this.endsPerTurn = endsPerTurn;
    }
    /**
     * Whether one more connection whose peer closed may close in this turn (counts it if so): the read that takes the
     * end of its stream starts aedes' close and the socket's teardown, about 0.1 ms each.
     */
    admitEnd() {
        this.current();
        if (this.endsInTurn >= this.endsPerTurn) {
            return false;
        }
        this.endsInTurn++;
        return true;
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
        this.endsInTurn = 0;
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
