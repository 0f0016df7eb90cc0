/**
 * The embedded broker: aedes behind the listeners, with persistence in the instance data directory and the
 * adapter's policy in aedes' hooks. aedes owns the protocol; this module owns listeners, lifecycle and policy.
 */
import { mkdirSync } from 'node:fs';
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket, type Subscription } from 'aedes';
import { checkCredentials } from './auth';
import { deliverAtHighestQos } from './overlap';
import { Listeners, type ListenerOptions } from './listeners';
import type { ForceCleanSession, QoS } from '../settings';

export interface BrokerServiceOptions {
    listeners: ListenerOptions;
    /** Folder for sessions and retained messages; undefined keeps them in memory. */
    persistenceDir: string | undefined;
    user: string;
    pass: string;
    maxClients: number;
    maxPayloadSizeBytes: number;
    forceCleanSession: ForceCleanSession;
}

/** A message the adapter publishes into the broker. */
export interface BrokerMessage {
    topic: string;
    payload: string | Buffer;
    qos: QoS;
    retain: boolean;
}

export interface ConnectedClient {
    id: string;
    ip: string | undefined;
    port: number | undefined;
    clean: boolean;
}

export type { Client, Subscription };

export interface BrokerEvents {
    /** A client published a message (wills included; not the adapter's own messages). */
    clientPublish?(topic: string, payload: Buffer, clientId: string): void;
    clientConnected?(client: ConnectedClient, handle: Client): void;
    clientDisconnected?(clientId: string): void;
    /** After SUBACK: `granted` are the subscriptions the client got. */
    subscribed?(client: Client, granted: Subscription[]): void;
    /** A publish refused by a limit, with the reason. */
    dropped?(reason: string, clientId: string): void;
    /** Decides SUBACK 0x80 (false) for a filter. */
    allowSubscribe?(clientId: string, filter: string): boolean | Promise<boolean>;
}

export interface BrokerLogger {
    info(message: string): void;
    warn(message: string): void;
    debug(message: string): void;
}

type ConnectError = Error & { returnCode: number };

function connectError(returnCode: number, message: string): ConnectError {
    return Object.assign(new Error(message), { returnCode });
}

const DROP = Symbol('mqtt-gateway.drop');
type Droppable = PublishPacket & { [DROP]?: boolean };

interface LevelDb {
    close(): Promise<void>;
}

export class BrokerService {
    private broker: Aedes | undefined;
    private listeners: Listeners | undefined;
    private db: LevelDb | undefined;
    /** Clients that sent an empty client id with clean session off [MQTT-3.1.3-8]. */
    private readonly emptyIdUnclean = new WeakSet<Client>();

    constructor(
        private readonly options: BrokerServiceOptions,
        private readonly events: BrokerEvents,
        private readonly log: BrokerLogger,
    ) {}

    /** Starts the broker and every listener; rejects (leaving nothing open) if a port cannot be bound. */
    async start(): Promise<void> {
        const persistence = await this.openPersistence();
        const broker = await Aedes.createBroker({
            persistence,
            preConnect: (client, packet, done) => {
                deliverAtHighestQos(client);
                const mode = this.options.forceCleanSession;
                if (mode === 'clean') {
                    packet.clean = true;
                } else if (mode === 'keep' && packet.clientId !== '') {
                    packet.clean = false;
                }
                if (packet.clientId === '' && packet.clean === false) {
                    this.emptyIdUnclean.add(client);
                }
                done(null, true);
            },
            authenticate: (client, username, password, done) => {
                if (this.emptyIdUnclean.has(client)) {
                    // [MQTT-3.1.3-8] an empty client id needs clean session: CONNACK 2 (identifier rejected)
                    done(connectError(2, 'empty client id with clean session off'), false);
                    return;
                }
                if (!checkCredentials(this.options, username, password)) {
                    this.log.warn(`Client '${client.id}' was refused: wrong user name or password`);
                    done(connectError(4, 'bad user name or password'), false);
                    return;
                }
                if (this.broker && this.broker.connectedClients >= this.options.maxClients) {
                    this.log.warn(`Client '${client.id}' was refused: maxClients (${this.options.maxClients}) reached`);
                    done(connectError(3, 'server unavailable'), false);
                    return;
                }
                done(null, true);
            },
            authorizePublish: (client, packet: Droppable, done) => {
                if (client && packet.payload.length > this.options.maxPayloadSizeBytes) {
                    // acknowledged as MQTT 3.1.1 requires, but never delivered or written
                    packet[DROP] = true;
                    this.events.dropped?.(
                        `payload of ${packet.payload.length} bytes on '${packet.topic}' exceeds maxPayloadSize (${this.options.maxPayloadSizeBytes})`,
                        client.id,
                    );
                }
                done(null);
            },
            authorizeSubscribe: (client, subscription, done) => {
                const decide = this.events.allowSubscribe;
                if (!decide) {
                    done(null, subscription);
                    return;
                }
                Promise.resolve(decide(client.id, subscription.topic)).then(
                    allowed => done(null, allowed ? subscription : null),
                    () => done(null, null),
                );
            },
        });
        this.broker = broker;
        this.wrapPublish(broker);

        broker.on('publish', (packet: AedesPublishPacket, client: Client | null) => {
            // client is null for messages the broker itself publishes ($SYS, the adapter's own)
            if (client && !(packet as Droppable)[DROP]) {
                const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
                this.events.clientPublish?.(packet.topic, payload, client.id);
            }
        });
        broker.on('clientReady', client => {
            const address = remoteAddress(client);
            this.events.clientConnected?.(
                { id: client.id, ip: address.ip, port: address.port, clean: client.clean },
                client,
            );
        });
        broker.on('clientDisconnect', client => this.events.clientDisconnected?.(client.id));
        broker.on('subscribe', (subscriptions, client) => this.events.subscribed?.(client, subscriptions));
        broker.on('clientError', (client, err) => this.log.debug(`Client '${client.id}' error: ${err.message}`));
        broker.on('connectionError', (client, err) =>
            this.log.debug(`Connection of '${client.id ?? '?'}' refused: ${err.message}`),
        );

        const listeners = new Listeners(
            this.options.listeners,
            (stream, request) => broker.handle(stream, request),
            this.log,
        );
        this.listeners = listeners;
        try {
            await listeners.start();
        } catch (err) {
            await this.stop();
            throw err;
        }
    }

    /** Messages marked in authorizePublish are acknowledged but go nowhere. */
    private wrapPublish(broker: Aedes): void {
        const original = broker.publish.bind(broker) as (...args: unknown[]) => void;
        (broker as unknown as { publish: (...args: unknown[]) => void }).publish = (...args: unknown[]) => {
            const packet = args[0] as Droppable;
            if (packet[DROP]) {
                const done = args.find((a, i) => i > 0 && typeof a === 'function') as (() => void) | undefined;
                done?.();
                return;
            }
            original(...args);
        };
    }

    private async openPersistence(): Promise<unknown> {
        const dir = this.options.persistenceDir;
        if (!dir) {
            return undefined; // aedes' in-memory default
        }
        mkdirSync(dir, { recursive: true });
        const { Level } = await import('level');
        const persistenceLevel = (await import('aedes-persistence-level')).default;
        const db = new Level(dir);
        await db.open();
        this.db = db;
        return persistenceLevel(db);
    }

    /** The port of the TCP/TLS listener. */
    get boundPort(): number | undefined {
        return this.listeners?.boundPort;
    }

    get connectedClients(): number {
        return this.broker?.connectedClients ?? 0;
    }

    /** Publishes into the broker: only matching subscribers receive it, like any client's message. */
    publish(message: BrokerMessage): void {
        const broker = this.broker;
        if (!broker || broker.closed) {
            return;
        }
        broker.publish(toPacket(message), err => {
            if (err) {
                this.log.warn(`Cannot publish '${message.topic}': ${err.message}`);
            }
        });
    }

    /** Sends a message to one client only (current values for a new subscription). */
    sendToClient(client: Client, message: BrokerMessage): void {
        if (client.closed) {
            return;
        }
        client.publish(toPacket(message), err => {
            if (err) {
                this.log.debug(`Cannot send '${message.topic}' to '${client.id}': ${err.message}`);
            }
        });
    }

    /** Topics with a retained message that `filter` matches. */
    async retainedTopics(filter: string): Promise<Set<string>> {
        const topics = new Set<string>();
        const broker = this.broker as unknown as {
            persistence?: { createRetainedStreamCombi(patterns: string[]): AsyncIterable<{ topic: string }> };
        };
        const stream = broker?.persistence?.createRetainedStreamCombi([filter]);
        if (stream) {
            for await (const packet of stream) {
                topics.add(packet.topic);
            }
        }
        return topics;
    }

    /** Subscriptions a (persistent) client has in the session store. */
    async subscriptionsOf(client: Client): Promise<Subscription[]> {
        const broker = this.broker as unknown as {
            persistence?: { subscriptionsByClient(c: Client): Promise<Subscription[] | null> };
        };
        return (await broker?.persistence?.subscriptionsByClient(client)) ?? [];
    }

    /** Stops listening, closes every connection, the broker and its store. Never throws. */
    async stop(): Promise<void> {
        const listeners = this.listeners;
        const broker = this.broker;
        const db = this.db;
        this.listeners = undefined;
        this.broker = undefined;
        this.db = undefined;
        await listeners?.stop();
        if (broker) {
            await new Promise<void>(resolve => broker.close(() => resolve()));
        }
        await db?.close().catch(() => undefined);
    }
}

function toPacket(message: BrokerMessage): PublishPacket {
    return {
        cmd: 'publish',
        topic: message.topic,
        payload: typeof message.payload === 'string' ? Buffer.from(message.payload) : message.payload,
        qos: message.qos,
        retain: message.retain,
        dup: false,
    };
}

function remoteAddress(client: Client): { ip: string | undefined; port: number | undefined } {
    const conn = client.conn as { remoteAddress?: string; remotePort?: number } | undefined;
    const req = client.req;
    const socket = req?.socket ?? conn;
    return { ip: socket?.remoteAddress, port: socket?.remotePort };
}
