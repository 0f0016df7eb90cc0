"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Listeners = void 0;
/**
 * The sockets in front of the broker: TCP or TLS on `port`, WebSocket or secure WebSocket on `wsPort`, all bound to
 * `bind` and all handing their streams to the same broker.
 */
const node_http_1 = require("node:http");
const node_https_1 = require("node:https");
const node_net_1 = require("node:net");
const node_tls_1 = require("node:tls");
/** How long a connection may hold a place without a CONNECT before a newcomer can take it. */
const IDLE_GRACE_MS = 1000;
class Listeners {
    options;
    handle;
    log;
    limits;
    servers = [];
    sockets = new Set();
    /** Connections holding one of the `maxConnections` places. */
    placed = new WeakSet();
    places = 0;
    /** Placed connections without a CONNECT yet, oldest first, with the time they were accepted. */
    waiting = new Map();
    /** Idle connections closed to make room. */
    evicted = 0;
    wss;
    constructor(options, handle, log, limits = { maxConnections: Infinity, writeBufferBytes: 16384 }) {
        this.options = options;
        this.handle = handle;
        this.log = log;
        this.limits = limits;
    }
    /** false when the connection came after `maxConnections` others still open. */
    hasPlace(stream) {
        return this.placed.has(stream);
    }
    /** Open connections, whether or not their CONNECT is through. */
    get openConnections() {
        return this.sockets.size;
    }
    /**
     * Marks a connection whose CONNECT went through: it keeps its place. One that has not got that far may lose it to a
     * newcomer (see `track`).
     */
    markConnected(stream) {
        this.waiting.delete(stream);
    }
    /**
     * Takes the connection in, or closes it (false) when twice `maxConnections` are open. When every place is taken,
     * the oldest connection that has held one for `IDLE_GRACE_MS` without a CONNECT gives it up (it is closed): a
     * flood of idle connections cannot keep devices out, while a burst of real connects still fills the places in
     * the order they arrived.
     */
    track(stream) {
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
    evictIdle() {
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
    async start() {
        const { bind, port, tls } = this.options;
        try {
            const highWaterMark = this.limits.writeBufferBytes;
            const main = tls
                ? (0, node_tls_1.createServer)({ key: tls.key, cert: tls.cert, ca: tls.ca, highWaterMark }, socket => this.accept(socket))
                : (0, node_net_1.createServer)({ highWaterMark }, socket => this.accept(socket));
            if (tls) {
                main.on('tlsClientError', (err) => this.log.debug(`TLS handshake failed: ${err.message}`));
            }
            await this.listen(main, port, bind);
            this.log.info(`MQTT broker listening on ${bind}:${port} (${tls ? 'TLS' : 'TCP'})`);
            if (this.options.webSocket) {
                // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when WebSocket is on
                const { WebSocketServer, createWebSocketStream } = require('ws');
                const http = tls
                    ? (0, node_https_1.createServer)({ key: tls.key, cert: tls.cert, ca: tls.ca })
                    : (0, node_http_1.createServer)((_req, res) => {
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
        }
        catch (err) {
            await this.stop();
            throw err;
        }
    }
    accept(socket) {
        if (!this.track(socket)) {
            return;
        }
        socket.setNoDelay(true);
        this.handle(socket);
    }
    async listen(server, port, bind) {
        this.servers.push(server);
        await new Promise((resolve, reject) => {
            const onError = (err) => reject(Object.assign(new Error(`${bind}:${port}: ${err.message}`), { code: err.code }));
            server.once('error', onError);
            server.listen(port, bind, () => {
                server.off('error', onError);
                resolve();
            });
        });
        server.on('error', err => this.log.warn(`Listener ${bind}:${port} error: ${err.message}`));
    }
    /** The port of the first (TCP/TLS) listener; useful when 0 was asked for. */
    get boundPort() {
        const address = this.servers[0]?.address();
        return address && typeof address === 'object' ? address.port : undefined;
    }
    /** Closes every listener and connection. Never throws. */
    async stop() {
        for (const stream of this.sockets) {
            stream.destroy();
        }
        this.sockets.clear();
        this.wss?.close();
        this.wss = undefined;
        const servers = this.servers.splice(0);
        await Promise.all(servers.map(server => new Promise(resolve => (server.listening ? server.close(() => resolve()) : resolve()))));
    }
}
exports.Listeners = Listeners;
/** MQTT over WebSocket uses the subprotocol 'mqtt' (3.1.1) or 'mqttv3.1' (3.1). */
function pickProtocol(protocols) {
    for (const name of ['mqtt', 'mqttv3.1']) {
        if (protocols.has(name)) {
            return name;
        }
    }
    return protocols.size === 0 ? false : (protocols.values().next().value ?? false);
}
