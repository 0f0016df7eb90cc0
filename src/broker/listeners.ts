/**
 * The sockets in front of the broker: TCP or TLS on `port`, WebSocket or secure WebSocket on `wsPort`, all bound to
 * `bind` and all handing their streams to the same broker.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import type * as Ws from 'ws';

export interface TlsMaterial {
    key: string;
    cert: string;
    ca?: string;
}

export interface ListenerOptions {
    bind: string;
    port: number;
    /** TLS on `port` and WSS on `wsPort`. */
    tls: TlsMaterial | undefined;
    webSocket: boolean;
    wsPort: number;
}

export type StreamHandler = (stream: Duplex, request?: IncomingMessage) => void;

export interface ListenerLogger {
    info(message: string): void;
    warn(message: string): void;
    debug(message: string): void;
}

export interface ConnectionLimits {
    /**
     * Connections that get a place, counted from the moment they are accepted (not when their CONNECT is through):
     * later ones are refused at CONNECT; beyond twice this number they are closed at once, unanswered.
     */
    maxConnections: number;
    /** Each connection's write buffer before a write reports back-pressure (see slowConsumers.ts). */
    writeBufferBytes: number;
}

/** How long a connection may hold a place without a CONNECT before a newcomer can take it. */
const IDLE_GRACE_MS = 1000;

export class Listeners {
    private readonly servers: (NetServer | HttpServer)[] = [];
    private readonly sockets = new Set<Socket | Duplex>();
    /** Connections holding one of the `maxConnections` places. */
    private readonly placed = new WeakSet<Socket | Duplex>();
    private places = 0;
    /** Placed connections without a CONNECT yet, oldest first, with the time they were accepted. */
    private readonly waiting = new Map<Socket | Duplex, number>();
    /** Idle connections closed to make room. */
    evicted = 0;
    private wss: Ws.WebSocketServer | undefined;

    constructor(
        private readonly options: ListenerOptions,
        private readonly handle: StreamHandler,
        private readonly log: ListenerLogger,
        private readonly limits: ConnectionLimits = { maxConnections: Infinity, writeBufferBytes: 16384 },
    ) {}

    /** false when the connection came after `maxConnections` others still open. */
    hasPlace(stream: unknown): boolean {
        return this.placed.has(stream as Socket);
    }

    /** Open connections, whether or not their CONNECT is through. */
    get openConnections(): number {
        return this.sockets.size;
    }

    /**
     * Marks a connection whose CONNECT went through: it keeps its place. One that has not got that far may lose it to a
     * newcomer (see `track`).
     */
    markConnected(stream: unknown): void {
        this.waiting.delete(stream as Socket);
    }

    /**
     * Takes the connection in, or closes it (false) when twice `maxConnections` are open. When every place is taken,
     * the oldest connection that has held one for `IDLE_GRACE_MS` without a CONNECT gives it up (it is closed): a
     * flood of idle connections cannot keep devices out, while a burst of real connects still fills the places in
     * the order they arrived.
     */
    private track(stream: Socket | Duplex): boolean {
        if (this.sockets.size >= 2 * this.limits.maxConnections) {
            stream.destroy();
            return false;
        }
        this.sockets.add(stream);
        if (this.places >= this.limits.maxConnections) {
            this.evictIdle();
        }
        if (this.places < this.limits.maxConnections) {
            this.places++;
            this.placed.add(stream);
            this.waiting.set(stream, Date.now());
        }
        stream.once('close', () => {
            this.sockets.delete(stream);
            this.waiting.delete(stream);
            if (this.placed.delete(stream)) {
                this.places--;
            }
        });
        return true;
    }

    /** Frees the place of the oldest connection still without CONNECT after IDLE_GRACE_MS (if there is one). */
    private evictIdle(): void {
        const [oldest, since] = this.waiting.entries().next().value ?? [];
        if (!oldest || since === undefined || Date.now() - since < IDLE_GRACE_MS) {
            return;
        }
        this.waiting.delete(oldest);
        this.placed.delete(oldest);
        this.places--;
        this.evicted++;
        oldest.destroy();
    }

    /** Opens every listener; rejects (after closing what was opened) if one cannot be bound. */
    async start(): Promise<void> {
        const { bind, port, tls } = this.options;
        try {
            const highWaterMark = this.limits.writeBufferBytes;
            const main = tls
                ? createTlsServer({ key: tls.key, cert: tls.cert, ca: tls.ca, highWaterMark }, socket =>
                      this.accept(socket),
                  )
                : createNetServer({ highWaterMark }, socket => this.accept(socket));
            if (tls) {
                main.on('tlsClientError', (err: Error) => this.log.debug(`TLS handshake failed: ${err.message}`));
            }
            await this.listen(main, port, bind);
            this.log.info(`MQTT broker listening on ${bind}:${port} (${tls ? 'TLS' : 'TCP'})`);

            if (this.options.webSocket) {
                // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when WebSocket is on
                const { WebSocketServer, createWebSocketStream } = require('ws') as typeof Ws;
                const http = tls
                    ? createHttpsServer({ key: tls.key, cert: tls.cert, ca: tls.ca })
                    : createHttpServer((_req, res) => {
                          res.writeHead(426, { 'Content-Type': 'text/plain' });
                          res.end('MQTT over WebSocket only');
                      });
                if (tls) {
                    http.on('request', (_req, res) => {
                        res.writeHead(426, { 'Content-Type': 'text/plain' });
                        res.end('MQTT over WebSocket only');
                    });
                }
                const wss = new WebSocketServer({
                    server: http,
                    handleProtocols: protocols => pickProtocol(protocols),
                });
                this.wss = wss;
                wss.on('connection', (ws, request) => {
                    const stream = createWebSocketStream(ws, { writableHighWaterMark: highWaterMark });
                    stream.on('error', err => this.log.debug(`WebSocket stream error: ${err.message}`));
                    if (this.track(stream)) {
                        this.handle(stream, request);
                    }
                });
                wss.on('error', err => this.log.warn(`WebSocket listener error: ${err.message}`));
                await this.listen(http, this.options.wsPort, bind);
                this.log.info(`MQTT broker listening on ${bind}:${this.options.wsPort} (${tls ? 'WSS' : 'WebSocket'})`);
            }
        } catch (err) {
            await this.stop();
            throw err;
        }
    }

    private accept(socket: Socket): void {
        if (!this.track(socket)) {
            return;
        }
        socket.setNoDelay(true);
        this.handle(socket);
    }

    private async listen(server: NetServer | HttpServer, port: number, bind: string): Promise<void> {
        this.servers.push(server);
        await new Promise<void>((resolve, reject) => {
            const onError = (err: NodeJS.ErrnoException): void =>
                reject(Object.assign(new Error(`${bind}:${port}: ${err.message}`), { code: err.code }));
            server.once('error', onError);
            server.listen(port, bind, () => {
                server.off('error', onError);
                resolve();
            });
        });
        server.on('error', err => this.log.warn(`Listener ${bind}:${port} error: ${err.message}`));
    }

    /** The port of the first (TCP/TLS) listener; useful when 0 was asked for. */
    get boundPort(): number | undefined {
        const address = this.servers[0]?.address();
        return address && typeof address === 'object' ? address.port : undefined;
    }

    /** Closes every listener and connection. Never throws. */
    async stop(): Promise<void> {
        for (const stream of this.sockets) {
            stream.destroy();
        }
        this.sockets.clear();
        this.wss?.close();
        this.wss = undefined;
        const servers = this.servers.splice(0);
        await Promise.all(
            servers.map(
                server => new Promise<void>(resolve => (server.listening ? server.close(() => resolve()) : resolve())),
            ),
        );
    }
}

/** MQTT over WebSocket uses the subprotocol 'mqtt' (3.1.1) or 'mqttv3.1' (3.1). */
function pickProtocol(protocols: Set<string>): string | false {
    for (const name of ['mqtt', 'mqttv3.1']) {
        if (protocols.has(name)) {
            return name;
        }
    }
    return protocols.size === 0 ? false : (protocols.values().next().value ?? false);
}
