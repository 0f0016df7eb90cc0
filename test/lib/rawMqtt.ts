/** Raw MQTT over a socket, for what mqtt.js refuses to send (empty client id with clean session off, garbage). */
import { connect, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

/** The bytes of a clean MQTT 3.1.1 CONNECT (for tests that write them to a socket themselves). */
export function connectBytes(clientId: string): Buffer {
    return mqttPacket.generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId,
        clean: true,
        keepalive: 30,
    });
}

export class RawClient {
    readonly packets: Packet[] = [];
    closed = false;
    private waiters: { match: (p: Packet) => boolean; resolve: (p: Packet) => void }[] = [];
    private closeWaiters: (() => void)[] = [];

    private constructor(
        readonly socket: Socket,
        private readonly protocolVersion: 4 | 5,
    ) {
        const parser = mqttPacket.parser({ protocolVersion });
        parser.on('packet', (packet: Packet) => {
            this.packets.push(packet);
            this.waiters = this.waiters.filter(w => {
                if (w.match(packet)) {
                    w.resolve(packet);
                    return false;
                }
                return true;
            });
        });
        socket.on('data', chunk => parser.parse(chunk));
        socket.on('error', () => undefined);
        socket.on('close', () => {
            this.closed = true;
            for (const resolve of this.closeWaiters.splice(0)) {
                resolve();
            }
        });
    }

    /**
     * `protocolVersion` is how packets are written and read (MQTT 5 packets carry properties); `localAddress`: another
     * loopback address (Linux routes all of 127/8 to lo), to act as another host.
     */
    static open(port: number, protocolVersion: 4 | 5 = 4, localAddress?: string): Promise<RawClient> {
        return new Promise((resolve, reject) => {
            const socket = connect({ port, host: '127.0.0.1', localAddress }, () =>
                resolve(new RawClient(socket, protocolVersion)),
            );
            socket.once('error', reject);
        });
    }

    /** Sends a clean CONNECT of the client's protocol version (keep alive 30 s), `extra` fields on top. */
    sendConnect(clientId: string, extra: Record<string, unknown> = {}): void {
        this.send({
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion: this.protocolVersion,
            clientId,
            clean: true,
            keepalive: 30,
            ...extra,
        });
    }

    /** Sends a clean CONNECT (see sendConnect) and waits for the CONNACK: its return code (MQTT 5: reason code). */
    async connect(clientId: string, extra: Record<string, unknown> = {}): Promise<number> {
        this.sendConnect(clientId, extra);
        const connack = (await this.waitFor(p => p.cmd === 'connack')) as { returnCode?: number; reasonCode?: number };
        return connack.returnCode ?? connack.reasonCode ?? 0;
    }

    send(packet: Record<string, unknown>): void {
        this.socket.write(mqttPacket.generate(packet as unknown as Packet, { protocolVersion: this.protocolVersion }));
    }

    sendBytes(bytes: Buffer): void {
        this.socket.write(bytes);
    }

    waitFor(match: (p: Packet) => boolean, timeoutMs = 5000, what = 'a packet'): Promise<Packet> {
        const found = this.packets.find(match);
        if (found) {
            return Promise.resolve(found);
        }
        return new Promise((resolve, reject) => {
            let timer: NodeJS.Timeout | undefined = undefined;
            const waiter = {
                match,
                resolve: (p: Packet): void => {
                    clearTimeout(timer);
                    resolve(p);
                },
            };
            timer = setTimeout(() => {
                this.waiters = this.waiters.filter(w => w !== waiter);
                reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
            }, timeoutMs);
            this.waiters.push(waiter);
        });
    }

    waitClosed(timeoutMs = 5000): Promise<void> {
        if (this.closed) {
            return Promise.resolve();
        }
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
            this.closeWaiters.push(() => {
                clearTimeout(timer);
                resolve();
            });
        });
    }

    destroy(): void {
        this.socket.destroy();
    }
}
