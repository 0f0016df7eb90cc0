"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.BrokerService = void 0;
/**
 * The embedded broker: aedes behind a TCP listener on `bind:port`.
 * aedes owns the protocol; this module owns the listeners and their lifecycle.
 */
const node_net_1 = require("node:net");
const aedes_1 = require("aedes");
class BrokerService {
    options;
    log;
    broker;
    server;
    sockets = new Set();
    publishHandlers = [];
    constructor(options, log) {
        this.options = options;
        this.log = log;
    }
    /** Registers a handler for messages clients publish (wills included). */
    onClientPublish(handler) {
        this.publishHandlers.push(handler);
    }
    /** Publishes into the broker: only matching subscribers receive it, like any client's message. */
    publish(message) {
        const broker = this.broker;
        if (!broker || broker.closed) {
            return;
        }
        broker.publish({
            cmd: 'publish',
            topic: message.topic,
            payload: typeof message.payload === 'string' ? Buffer.from(message.payload) : message.payload,
            qos: message.qos,
            retain: message.retain,
            dup: false,
        }, err => {
            if (err) {
                this.log.warn(`Cannot publish '${message.topic}': ${err.message}`);
            }
        });
    }
    /** Starts aedes and the listener; resolves once the port is listening, rejects if it cannot be bound. */
    async start() {
        const broker = await aedes_1.Aedes.createBroker();
        this.broker = broker;
        broker.on('publish', (packet, client) => {
            // client is null for messages the broker itself publishes ($SYS, the adapter's own)
            if (client) {
                const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
                for (const handler of this.publishHandlers) {
                    handler(packet.topic, payload, client.id);
                }
            }
        });
        broker.on('clientError', (client, err) => {
            this.log.debug(`Client '${client.id}' error: ${err.message}`);
        });
        const server = (0, node_net_1.createServer)(socket => {
            this.sockets.add(socket);
            socket.once('close', () => this.sockets.delete(socket));
            broker.handle(socket);
        });
        this.server = server;
        await new Promise((resolve, reject) => {
            const onError = (err) => reject(err);
            server.once('error', onError);
            server.listen(this.options.port, this.options.bind, () => {
                server.off('error', onError);
                resolve();
            });
        });
        server.on('error', err => this.log.warn(`Listener error: ${err.message}`));
        this.log.info(`MQTT broker listening on ${this.options.bind}:${this.options.port} (TCP)`);
    }
    /** The port actually bound (useful when 0 was asked for). */
    get boundPort() {
        const address = this.server?.address();
        return address && typeof address === 'object' ? address.port : undefined;
    }
    /** Stops listening, closes every connection and the broker. Never throws. */
    async stop() {
        const server = this.server;
        const broker = this.broker;
        this.server = undefined;
        this.broker = undefined;
        for (const socket of this.sockets) {
            socket.destroy();
        }
        this.sockets.clear();
        if (server) {
            await new Promise(resolve => server.close(() => resolve()));
        }
        if (broker) {
            await new Promise(resolve => broker.close(() => resolve()));
        }
    }
}
exports.BrokerService = BrokerService;
