/**
 * The embedded broker: aedes behind the listeners, with persistence in the instance data directory and the
 * adapter's policy in aedes' hooks. aedes owns the protocol; this module starts and stops the parts and is the
 * adapter's way into the broker (publish, listen, send to one client, the retained store). The parts: the store
 * (brokerStore.ts, redisStore.ts), who gets in (admission.ts), what may be published, delivered and subscribed
 * (publishPolicy.ts, subscriptionPolicy.ts, clientRights.ts), clients coming and going (clientLifecycle.ts), the
 * sockets and the packet guard in front (listeners.ts, packetGuard.ts).
 */
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket, type Subscription } from 'aedes';
import { Admission } from './admission';
import { deliverDirect, skipDroppedPublishes } from './aedesInternals';
import type { BrokerEvents, BrokerLogger, BrokerMessage, BrokerServiceOptions } from './brokerTypes';
import { openStore, type BrokerStore } from './brokerStore';
import { ClientLifecycle } from './clientLifecycle';
import { ClientRights } from './clientRights';
import { ClientWarnings, streamAddress } from './clientWarnings';
import { aedesLimits, PACKET_HEADROOM_BYTES, writeBufferBytes } from './limits';
import { Listeners } from './listeners';
import { OpenClients } from './openClients';
import { guardPackets } from './packetGuard';
import type { BrokerPersistence } from './persistence';
import { PublishPolicy } from './publishPolicy';
import { SubscriptionPolicy } from './subscriptionPolicy';
import type { RequestTransport } from '../requests';
import { clip } from '../rateLog';
import { delay } from '../timers';

export type {
    BrokerEvents,
    BrokerLogger,
    BrokerMessage,
    BrokerServiceOptions,
    Client,
    ConnectedClient,
    Subscription,
} from './brokerTypes';

export class BrokerService {
    private broker: Aedes | undefined;
    private listeners: Listeners | undefined;
    private store: BrokerStore | undefined;
    /** What aedes is given as its persistence (persistence.ts). */
    private persistence: BrokerPersistence | undefined;
    private lifecycle: ClientLifecycle | undefined;
    /** Warnings about clients' bad input: bounded in memory and in log lines (see rateLog.ts). */
    private readonly warnings: ClientWarnings;
    private readonly rights: ClientRights;
    private readonly admission: Admission;
    /** Connections that completed the handshake and have not closed: what clientConnected/-Disconnected report. */
    private readonly open = new OpenClients<Client>();

    constructor(
        private readonly options: BrokerServiceOptions,
        private readonly events: BrokerEvents,
        private readonly log: BrokerLogger,
    ) {
        this.warnings = new ClientWarnings(log);
        this.rights = new ClientRights(options);
        this.admission = new Admission(options, this.rights, this.warnings, log);
    }

    /** Logins refused because their address was blocked after repeated failures. */
    get blockedLogins(): number {
        return this.admission.blockedLogins;
    }

    /** Logins refused unchecked because their account was locked after repeated failures from anywhere. */
    get lockedAccountLogins(): number {
        return this.admission.lockedAccountLogins;
    }

    /** Starts the broker and every listener; rejects (leaving nothing open) if a port cannot be bound. */
    async start(): Promise<void> {
        const options = this.options;
        const store = await openStore(options, this.events, this.log);
        this.store = store;
        const persistence = store.persistence;
        this.persistence = persistence;
        const publishes = new PublishPolicy(options, this.rights, this.warnings, this.events, persistence);
        const subscriptions = new SubscriptionPolicy(options, this.rights, this.warnings, this.events);
        const broker = await Aedes.createBroker({
            persistence,
            mq: store.mq,
            ...aedesLimits(options),
            preConnect: this.admission.preConnect,
            authenticate: this.admission.authenticate,
            authorizePublish: publishes.authorize,
            authorizeSubscribe: subscriptions.authorize,
            authorizeForward: publishes.forward,
        });
        this.broker = broker;
        store.redis?.attach(broker);
        skipDroppedPublishes(broker);
        const lifecycle = new ClientLifecycle(
            broker,
            options,
            this.events,
            this.log,
            persistence,
            store.redis?.presence,
            this.open,
        );
        this.lifecycle = lifecycle;
        await lifecycle.start();
        subscriptions.watch(broker);

        const maxPacketBytes = options.maxPayloadSizeBytes + PACKET_HEADROOM_BYTES;
        const listeners = new Listeners(
            options.listeners,
            (stream, request) => {
                guardPackets(stream, {
                    maxPacketBytes,
                    onOversize: declared => {
                        const address = streamAddress(stream, request);
                        this.events.dropped?.(
                            `packet declaring ${declared} bytes exceeds maxPayloadSize (${options.maxPayloadSizeBytes}) plus ${PACKET_HEADROOM_BYTES} bytes for topic and properties: connection closed`,
                            address,
                        );
                    },
                    onReservedFilter: filter => {
                        const address = streamAddress(stream, request);
                        this.warnings.warnOnce(
                            'bad-filter',
                            address,
                            `A client from ${address} was disconnected: it subscribed to the reserved name '${clip(filter)}'`,
                        );
                    },
                    onUnsupportedProtocol: (level, clientId) =>
                        this.warnings.refuseProtocol(
                            clientId === undefined ? '?' : clip(clientId),
                            streamAddress(stream, request),
                            level,
                        ),
                });
                broker.handle(stream, request);
            },
            this.log,
            { maxConnections: options.maxClients, writeBufferBytes: writeBufferBytes(options.maxPayloadSizeBytes) },
        );
        this.listeners = listeners;
        this.admission.attach(listeners);
        try {
            await listeners.start();
        } catch (err) {
            await this.stop();
            throw err;
        }
    }

    /** The port of the TCP/TLS listener. */
    get boundPort(): number | undefined {
        return this.listeners?.boundPort;
    }

    /** Connections that completed the handshake and are open now. */
    get connectedClients(): number {
        return this.open.count;
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

    /**
     * The transport of sendTo `request` (requests.ts): the request goes into the broker with Response Topic and
     * Correlation Data, which MQTT 5 subscribers receive as they are (3.1.1 subscribers get the plain message); an
     * answer's Correlation Data is handed on, so an answer to another request is not taken for this one.
     */
    requestTransport(): RequestTransport {
        return {
            listen: (filter, onMessage) => this.listen(filter, onMessage),
            publish: m =>
                this.publish({
                    topic: m.topic,
                    payload: m.payload,
                    qos: m.qos,
                    retain: false,
                    properties: { responseTopic: m.responseTopic, correlationData: m.correlation },
                }),
        };
    }

    /**
     * Listens inside the broker on a filter (sendTo request); `onMessage` gets a message's MQTT 5 Correlation Data
     * too. The returned function stops listening.
     */
    async listen(
        filter: string,
        onMessage: (topic: string, payload: Buffer, correlation?: Buffer) => void,
    ): Promise<() => Promise<void>> {
        const broker = this.broker;
        if (!broker) {
            throw new Error('the broker is not running');
        }
        const deliver = (packet: AedesPublishPacket, callback: () => void): void => {
            const correlation = packet.properties?.correlationData;
            onMessage(
                packet.topic,
                typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload,
                Buffer.isBuffer(correlation) ? correlation : undefined,
            );
            callback();
        };
        await new Promise<void>(resolve => broker.subscribe(filter, deliver, () => resolve()));
        return () => new Promise<void>(resolve => broker.unsubscribe(filter, deliver, () => resolve()));
    }

    /** Sends a message to one client only (current values for a new subscription). */
    sendToClient(client: Client, message: BrokerMessage): void {
        if (client.closed) {
            return;
        }
        deliverDirect(client, toPacket(message) as Parameters<typeof deliverDirect>[1], () => undefined);
    }

    /** Topics with a retained message that any of `filters` matches. */
    async retainedTopics(filters: string[]): Promise<Set<string>> {
        return new Set((await this.retainedMessages(filters)).map(packet => packet.topic));
    }

    /** Retained messages that any of `filters` matches. */
    async retainedMessages(filters: string[]): Promise<{ topic: string; payload: Buffer }[]> {
        const found: { topic: string; payload: Buffer }[] = [];
        const stream = this.persistence?.createRetainedStreamCombi(filters) as
            AsyncIterable<{ topic: string; payload: Buffer }> | undefined;
        if (stream) {
            for await (const packet of stream) {
                found.push({ topic: packet.topic, payload: packet.payload });
            }
        }
        return found;
    }

    /**
     * Removes the retained message of a topic from the store without delivering anything: an empty retained PUBLISH
     * would reach every current subscriber as an empty message (a device would take it as a command).
     */
    async clearRetained(topic: string): Promise<void> {
        await this.persistence?.storeRetained({
            cmd: 'publish',
            topic,
            payload: Buffer.alloc(0),
            qos: 0,
            retain: true,
            dup: false,
        });
    }

    /** Subscriptions a (persistent) client has in the session store. */
    async subscriptionsOf(client: Client): Promise<Subscription[]> {
        return ((await this.persistence?.subscriptionsByClient(client)) as Subscription[] | null) ?? [];
    }

    /** Stops listening, closes every connection, the broker and its store. Never throws. */
    async stop(): Promise<void> {
        const listeners = this.listeners;
        const broker = this.broker;
        const store = this.store;
        this.listeners = undefined;
        this.broker = undefined;
        this.store = undefined;
        this.admission.detach();
        this.lifecycle?.stopSweeping();
        store?.redis?.detach();
        await listeners?.stop();
        // the session times first: with Redis away the rest may take seconds (a failed write goes to onError)
        this.lifecycle?.close();
        if (broker) {
            const closed = new Promise<void>(resolve => broker.close(() => resolve()));
            // with Redis away, the store's last writes would wait for it: at most 1.2 s, then the connections are cut
            // (io-package stopTimeout is 2 s: js-controller ends the process after that)
            await (store?.redis ? Promise.race([closed, delay(1200)]) : closed);
        }
        await store?.close();
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
        ...(message.properties ? { properties: message.properties } : {}),
    };
}
