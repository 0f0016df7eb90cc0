/**
 * The embedded broker: aedes behind a TCP listener on `bind:port`.
 * aedes owns the protocol; this module owns the listeners and their lifecycle.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';

export interface BrokerServiceOptions {
    bind: string;
    port: number;
}

/** A message the adapter publishes into the broker. */
export interface BrokerMessage {
    topic: string;
    payload: string | Buffer;
    qos: 0 | 1 | 2;
    retain: boolean;
}

/** Called for every message a client publishes (not for the adapter's own). */
export type ClientPublishHandler = (topic: string, payload: Buffer, clientId: string) => void;

export interface BrokerLogger {
    info(message: string): void;
    warn(message: string): void;
    debug(message: string): void;
}

export class BrokerService {
    private broker: Aedes | undefined;
    private server: Server | undefined;
    private readonly sockets = new Set<Socket>();
    private readonly publishHandlers: ClientPublishHandler[] = [];

    constructor(
        private readonly options: BrokerServiceOptions,
        private readonly log: BrokerLogger,
    ) {}

    /** Registers a handler for messages clients publish (wills included). */
    onClientPublish(handler: ClientPublishHandler): void {
        this.publishHandlers.push(handler);
    }

    /** Publishes into the broker: only matching subscribers receive it, like any client's message. */
    publish(message: BrokerMessage): void {
        const broker = this.broker;
        if (!broker || broker.closed) {
            return;
        }
        broker.publish(
            {
                cmd: 'publish',
                topic: message.topic,
                payload: typeof message.payload === 'string' ? Buffer.from(message.payload) : message.payload,
                qos: message.qos,
                retain: message.retain,
                dup: false,
            },
            err => {
                if (err) {
                    this.log.warn(`Cannot publish '${message.topic}': ${err.message}`);
                }
            },
        );
    }

    /** Starts aedes and the listener; resolves once the port is listening, rejects if it cannot be bound. */
    async start(): Promise<void> {
        const broker = await Aedes.createBroker();
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
        const server = createServer(socket => {
            this.sockets.add(socket);
            socket.once('close', () => this.sockets.delete(socket));
            broker.handle(socket);
        });
        this.server = server;
        await new Promise<void>((resolve, reject) => {
            const onError = (err: Error): void => reject(err);
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
    get boundPort(): number | undefined {
        const address = this.server?.address();
        return address && typeof address === 'object' ? address.port : undefined;
    }

    /** Stops listening, closes every connection and the broker. Never throws. */
    async stop(): Promise<void> {
        const server = this.server;
        const broker = this.broker;
        this.server = undefined;
        this.broker = undefined;
        for (const socket of this.sockets) {
            socket.destroy();
        }
        this.sockets.clear();
        if (server) {
            await new Promise<void>(resolve => server.close(() => resolve()));
        }
        if (broker) {
            await new Promise<void>(resolve => broker.close(() => resolve()));
        }
    }
}
