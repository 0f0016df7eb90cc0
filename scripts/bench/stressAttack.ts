/**
 * One attack of scripts/bench/stress.ts, in a process of its own (so the attacker's CPU does not distort the probe's
 * latency figures in the parent). argv: attack port seconds. Raw MQTT 3.1.1 on 127.0.0.1:port, nothing else.
 * IPC to the parent: {event: 'started'}, then {event: 'done', notes} once the attack's work is over (or its time
 * bound is reached); it then holds its connections for HOLD_MS, closes everything and exits.
 */
import { connect, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

const [attack, portText, secondsText] = process.argv.slice(2);
const port = Number(portText);
const boundMs = Number(secondsText ?? 15) * 1000;
const HOLD_MS = 3000;
const t0 = performance.now();
const elapsed = (): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const timeLeft = (): number => boundMs - (performance.now() - t0);
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));
const sockets: Socket[] = [];

/** A raw connection that parses what the broker sends. */
class Conn {
    readonly packets: Packet[] = [];
    closedAt: string | undefined;
    private listeners: ((p: Packet) => void)[] = [];

    private constructor(readonly socket: Socket) {
        const parser = mqttPacket.parser({ protocolVersion: 4 });
        parser.on('packet', (p: Packet) => {
            this.packets.push(p);
            for (const l of this.listeners) {
                l(p);
            }
        });
        parser.on('error', () => undefined);
        socket.on('data', chunk => parser.parse(chunk));
        socket.on('error', () => undefined);
        socket.on('close', () => (this.closedAt ??= elapsed()));
    }

    static open(): Promise<Conn> {
        return new Promise((resolve, reject) => {
            const socket = connect({ port, host: '127.0.0.1' });
            sockets.push(socket);
            socket.once('connect', () => resolve(new Conn(socket)));
            socket.once('error', reject);
        });
    }

    get closed(): boolean {
        return this.closedAt !== undefined;
    }

    send(packet: Record<string, unknown>): boolean {
        return this.socket.write(mqttPacket.generate(packet as unknown as Packet));
    }

    /** The first packet matching, or undefined after timeoutMs (or when the socket closes). */
    waitFor(match: (p: Packet) => boolean, timeoutMs: number): Promise<Packet | undefined> {
        const found = this.packets.find(match);
        if (found || this.closed) {
            return Promise.resolve(found);
        }
        return new Promise(resolve => {
            let timer: NodeJS.Timeout | undefined = undefined;
            const on = { packet: (_p: Packet): void => undefined, close: (): void => undefined };
            const done = (p: Packet | undefined): void => {
                clearTimeout(timer);
                this.listeners = this.listeners.filter(l => l !== on.packet);
                this.socket.off('close', on.close);
                resolve(p);
            };
            on.packet = p => {
                if (match(p)) {
                    done(p);
                }
            };
            on.close = () => done(undefined);
            timer = setTimeout(() => done(undefined), Math.max(0, timeoutMs));
            this.listeners.push(on.packet);
            this.socket.once('close', on.close);
        });
    }

    /** CONNECT and wait for CONNACK: its return code, or undefined if none came. */
    async mqttConnect(clientId: string, timeoutMs = 10000): Promise<number | undefined> {
        this.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean: true, keepalive: 60 });
        const ack = await this.waitFor(p => p.cmd === 'connack', timeoutMs);
        return ack?.cmd === 'connack' ? (ack.returnCode ?? ack.reasonCode) : undefined;
    }

    /** Resolves when the socket can take more, is gone, or the attack's time is up (a target may stop reading). */
    drained(): Promise<void> {
        return this.socket.writableNeedDrain && !this.closed
            ? new Promise(resolve => {
                  let timer: NodeJS.Timeout | undefined = undefined;
                  const done = (): void => {
                      clearTimeout(timer);
                      this.socket.off('drain', done);
                      this.socket.off('close', done);
                      resolve();
                  };
                  timer = setTimeout(done, Math.max(0, timeLeft()));
                  this.socket.once('drain', done);
                  this.socket.once('close', done);
              })
            : Promise.resolve();
    }
}

/** Opens `count` connections, `batch` at a time (a burst of thousands of SYNs overflows the listen backlog). */
async function openMany(
    count: number,
    batch: number,
    each: (c: Conn, i: number) => Promise<void>,
): Promise<{ conns: Conn[]; failed: number }> {
    const conns: Conn[] = [];
    let failed = 0;
    for (let i = 0; i < count && timeLeft() > 0; i += batch) {
        await Promise.all(
            Array.from({ length: Math.min(batch, count - i) }, async (_, j) => {
                try {
                    const c = await Conn.open();
                    conns.push(c);
                    await each(c, i + j);
                } catch {
                    failed++;
                }
            }),
        );
    }
    return { conns, failed };
}

function codes(results: (number | undefined)[]): string {
    const counts = new Map<string, number>();
    for (const r of results) {
        const key = r === undefined ? 'no CONNACK' : r === 0 ? 'accepted' : `refused (rc ${r})`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].map(([k, v]) => `${v} ${k}`).join(', ');
}

const attacks: Record<string, () => Promise<string>> = {
    /** Nothing: the probe's figures on an idle broker. */
    async none() {
        await sleep(Math.min(5000, boundMs));
        return 'no attack (baseline)';
    },

    /** 4 connections each declare a PUBLISH of 268,435,455 bytes; 2 stream it fast, 2 at 64 KiB/s. */
    async big() {
        const DECLARED = 268_435_455;
        const conns = await Promise.all([0, 1, 2, 3].map(() => Conn.open()));
        const rcs = await Promise.all(conns.map((c, i) => c.mqttConnect(`big-${i}`)));
        const sent = [0, 0, 0, 0];
        const chunk = Buffer.alloc(65536, 0x61);
        await Promise.all(
            conns.map(async (c, i) => {
                // fixed header: PUBLISH QoS 0, remaining length 268,435,455; then topic 'a' and the payload
                c.socket.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, 0x61]));
                const fast = i < 2;
                let bytes = 3;
                while (!c.closed && timeLeft() > 0 && bytes < DECLARED) {
                    const n = Math.min(chunk.length, DECLARED - bytes);
                    c.socket.write(n === chunk.length ? chunk : chunk.subarray(0, n));
                    bytes += n;
                    sent[i] = bytes;
                    if (fast) {
                        await c.drained();
                    } else {
                        await sleep(1000);
                    }
                }
            }),
        );
        const mb = (n: number): string => (n / 1048576).toFixed(n < 10485760 ? 1 : 0);
        const fate = (c: Conn): string => (c.closed ? `closed by the target at ${c.closedAt}` : 'still open');
        return (
            `CONNACK: ${codes(rcs)}; fast: ${mb(sent[0]!)} + ${mb(sent[1]!)} MB sent, ${fate(conns[0]!)} / ${fate(conns[1]!)}; ` +
            `slow: ${mb(sent[2]!)} + ${mb(sent[3]!)} MB sent, ${fate(conns[2]!)} / ${fate(conns[3]!)}`
        );
    },

    /** One client subscribes to 65,535 filters in SUBSCRIBE packets of 1,000 filters each. */
    async subs() {
        const TOTAL = 65_535;
        const PER_PACKET = 1000;
        const c = await Conn.open();
        const rc = await c.mqttConnect('subs-attacker');
        let packets = 0;
        for (let first = 0; first < TOTAL; first += PER_PACKET) {
            const subscriptions = [];
            for (let n = first; n < Math.min(TOTAL, first + PER_PACKET); n++) {
                subscriptions.push({ topic: `s/${n}/+/x`, qos: 1 });
            }
            packets++;
            c.send({ cmd: 'subscribe', messageId: packets, subscriptions });
            await c.drained();
        }
        let granted = 0;
        let refused = 0;
        let acks = 0;
        const last = await c.waitFor(p => p.cmd === 'suback' && p.messageId === packets, timeLeft());
        for (const p of c.packets) {
            if (p.cmd === 'suback') {
                acks++;
                for (const g of p.granted) {
                    if (g === 128) {
                        refused++;
                    } else {
                        granted++;
                    }
                }
            }
        }
        return (
            `CONNACK: ${codes([rc])}; ${acks}/${packets} SUBACKs (${granted} granted, ${refused} refused) ` +
            `${last ? `by ${elapsed()}` : `when stopped at ${elapsed()}`}; ${c.closed ? `closed by the target at ${c.closedAt}` : 'attacker still connected'}`
        );
    },

    /** A subscriber to '#' stops reading (socket paused) while a publisher floods 1 KiB QoS 0 messages. */
    async slow() {
        const LIMIT = 1 << 30; // at most 1 GiB published
        const consumer = await Conn.open();
        const rcC = await consumer.mqttConnect('slow-consumer');
        consumer.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '#', qos: 0 }] });
        await consumer.waitFor(p => p.cmd === 'suback', 5000);
        consumer.socket.pause();
        const publisher = await Conn.open();
        const rcP = await publisher.mqttConnect('slow-publisher');
        const payload = Buffer.alloc(1024, 0x62);
        let bytes = 0;
        let messages = 0;
        let longestWaitMs = 0;
        while (!publisher.closed && timeLeft() > 0 && bytes < LIMIT) {
            for (let i = 0; i < 100; i++) {
                publisher.send({ cmd: 'publish', topic: `flood/${messages % 100}`, payload, qos: 0, retain: false });
                messages++;
                bytes += payload.length;
            }
            const waitStart = performance.now();
            await publisher.drained();
            longestWaitMs = Math.max(longestWaitMs, performance.now() - waitStart);
        }
        const stoppedBy =
            bytes >= LIMIT ? 'the 1 GiB cap' : publisher.closed ? 'the target closing it' : 'the time bound';
        return (
            `CONNACK: ${codes([rcC, rcP])}; ${messages} × 1 KiB published in ${elapsed()} (stopped by ${stoppedBy}), ` +
            `longest wait for the target to read the publisher ${(longestWaitMs / 1000).toFixed(1)} s; ` +
            `consumer ${consumer.closed ? `closed by the target at ${consumer.closedAt}` : 'still connected'}`
        );
    },

    /** 2,000 TCP connections that never send CONNECT, then 2,000 that CONNECT and stay idle. */
    async idle() {
        const silent = await openMany(2000, 200, () => Promise.resolve());
        const rcs: (number | undefined)[] = [];
        const connecting = await openMany(2000, 100, async (c, i) => {
            rcs.push(await c.mqttConnect(`idle-${i}`));
        });
        await sleep(Math.min(2000, Math.max(0, timeLeft())));
        const open = (cs: Conn[]): number => cs.filter(c => !c.closed).length;
        return (
            `no CONNECT: ${silent.conns.length} opened (${silent.failed} failed), ${open(silent.conns)} still open at ${elapsed()}; ` +
            `CONNECT: ${codes(rcs)}${connecting.failed ? `, ${connecting.failed} TCP failed` : ''}, ${open(connecting.conns)} still open`
        );
    },

    /** 2,000 clients connect and each publishes 10 QoS 1 messages, waiting for the PUBACKs. */
    async qos1() {
        const rcs: (number | undefined)[] = [];
        let pubacks = 0;
        let expected = 0;
        const payload = Buffer.alloc(100, 0x63);
        await openMany(2000, 200, async (c, i) => {
            const rc = await c.mqttConnect(`qos1-${i}`);
            rcs.push(rc);
            if (rc !== 0) {
                return;
            }
            expected += 10;
            for (let m = 1; m <= 10; m++) {
                c.send({ cmd: 'publish', topic: `load/${i}`, payload, qos: 1, messageId: m, retain: false });
            }
            await c.waitFor(p => p.cmd === 'puback' && p.messageId === 10, Math.min(10000, timeLeft()));
            pubacks += c.packets.filter(p => p.cmd === 'puback').length;
        });
        return `CONNACK: ${codes(rcs)}; ${pubacks}/${expected} PUBACKs by ${elapsed()}`;
    },

    /** One client writes 50,000 QoS 0 publishes (100 bytes) as fast as the socket takes them, then PINGREQ. */
    async qos0() {
        const c = await Conn.open();
        const rc = await c.mqttConnect('qos0-flood');
        const payload = Buffer.alloc(100, 0x64);
        for (let i = 0; i < 50_000 && !c.closed; i++) {
            c.send({ cmd: 'publish', topic: `flood/${i % 100}`, payload, qos: 0, retain: false });
            if (i % 500 === 499) {
                await c.drained();
            }
        }
        const written = elapsed();
        c.send({ cmd: 'pingreq' });
        const pong = await c.waitFor(p => p.cmd === 'pingresp', Math.max(timeLeft(), 1000));
        return (
            `CONNACK: ${codes([rc])}; 50,000 written by ${written}, ` +
            `${pong ? `PINGRESP (all read) at ${elapsed()}` : `no PINGRESP by ${elapsed()}`}` +
            `${c.closed ? `; closed by the target at ${c.closedAt}` : ''}`
        );
    },
};

async function main(): Promise<void> {
    const run = attacks[attack ?? ''];
    if (!run) {
        throw new Error(`unknown attack '${attack}'`);
    }
    process.send!({ event: 'started' });
    let notes: string;
    try {
        notes = await run();
    } catch (err) {
        notes = `attack failed: ${(err as Error).message}`;
    }
    process.send!({ event: 'done', notes });
    await sleep(HOLD_MS);
    for (const s of sockets) {
        s.destroy();
    }
    process.exit(0);
}

void main();
