/**
 * The event loop shared out between connections: packetGuard.ts hands the broker what a connection sent in slices
 * (see `ReadTurns`). aedes parses and starts handling everything one `read()` returns in one go, and a connection's
 * read buffer holds up to its highWaterMark (over 2 MB here, see listeners.ts) — 20,000 small PUBLISHes, or dozens of
 * SUBSCRIBEs of a thousand filters, handled in one tick while every other client waited.
 */
import type { Duplex } from 'node:stream';

/**
 * Bytes a connection's packets may hand the broker per turn of the event loop. 16 KiB is about 150 PUBLISHes of
 * 100 bytes or one SUBSCRIBE of 1,000 filters; a packet of 1 MiB arrives in 64 turns.
 */
export const SLICE_BYTES = 16384;

/**
 * Slices of new connections read per turn (see `ReadTurns`): a CONNECT costs aedes about half a millisecond, and so do
 * the QoS 1 PUBLISHes sent with it.
 */
export const NEW_PER_TURN = 8;

/** Connections whose peer closed that are let close per turn (see `ReadTurns.admitEnd`). */
export const ENDS_PER_TURN = 64;

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
export class ReadTurns {
    private turn = 0;
    private scheduled = false;
    /** Connections to wake at the start of the next turn, with what wakes them. */
    private readonly waiting = new Map<Duplex, () => void>();
    /** New connections read in this turn. */
    private newInTurn = 0;
    /** Connections let close in this turn. */
    private endsInTurn = 0;

    /**
     * @param sliceBytes what a connection hands over per slice
     * @param newPerTurn slices of new connections (the slice that holds their CONNECT and what came with it) read per
     *   turn: a storm of connecting clients is taken in this many at a time, while the packets of the clients
     *   connected before go on being read in every turn
     */
    constructor(
        readonly sliceBytes = SLICE_BYTES,
        readonly newPerTurn = NEW_PER_TURN,
        readonly endsPerTurn = ENDS_PER_TURN,
    ) {}

    /**
     * Whether one more connection whose peer closed may close in this turn (counts it if so): the read that takes the
     * end of its stream starts aedes' close and the socket's teardown, about 0.1 ms each.
     */
    admitEnd(): boolean {
        this.current();
        if (this.endsInTurn >= this.endsPerTurn) {
            return false;
        }
        this.endsInTurn++;
        return true;
    }

    /** Whether one more slice of a new connection may be read in this turn (counts it if so). */
    admitNew(): boolean {
        if (this.newInTurn >= this.newPerTurn) {
            return false;
        }
        this.newInTurn++;
        return true;
    }

    /** The current turn; starts the next one (in setImmediate, after the I/O of this one) if nothing has. */
    current(): number {
        if (!this.scheduled) {
            this.scheduled = true;
            setImmediate(() => this.next());
        }
        return this.turn;
    }

    /** `stream` is woken (`wake` is called) at the start of the next turn. */
    wait(stream: Duplex, wake: () => void): void {
        this.waiting.set(stream, wake);
        this.current();
    }

    /** `stream` was read meanwhile (its own 'readable' came first): it is not woken again. */
    cancel(stream: Duplex): void {
        this.waiting.delete(stream);
    }

    private next(): void {
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

/** The turns of this process: one event loop, shared fairly by every connection of every broker in it. */
export const readTurns = new ReadTurns();
