/**
 * The mqtt.js connection of client mode: connect options, (re)subscribe, will and birth, a bounded offline queue,
 * MQTT 5 with fallback to 3.1.1, and typed events. Reconnects forever with `reconnectPeriod`.
 */
import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import type { QoS } from '../settings';
import { errorText } from '../errorText';
import { delay } from '../timers';
import { compileTopicFilter } from '../mapping/filter';

export interface ClientServiceOptions {
    href: string;
    clientId: string;
    username: string;
    password: string;
    protocolVersion: 4 | 5 | 'auto';
    keepaliveSec: number;
    reconnectPeriodSec: number;
    connectTimeoutSec: number;
    /** Clean session off. */
    persistent: boolean;
    rejectUnauthorized: boolean;
    ca?: string;
    cert?: string;
    key?: string;
    lwtTopic: string;
    lwtPayload: string;
    birthPayload: string;
    patterns: string[];
    /** Patterns subscribed in the last session (persistent: the ones no longer wanted are unsubscribed). */
    lastPatterns: string[];
    defaultQoS: QoS;
    /** QoS > 0 messages kept while disconnected. */
    maxQueued: number;
}

export interface OutgoingClientMessage {
    topic: string;
    payload: string | Buffer;
    qos: QoS;
    retain: boolean;
    /** Sent with MQTT 5 only (Content Type, Payload Format Indicator of a JSON payload). */
    properties?: { contentType?: string; payloadFormatIndicator?: boolean };
}

export interface ClientEvents {
    /** After CONNACK, subscriptions and the birth message. */
    connected(info: { sessionPresent: boolean; protocolVersion: 4 | 5 }): void;
    disconnected(): void;
    /** `retain`: a retained message the broker sends at subscribe time (MQTT 3.1.1 flags no live message so). */
    /** `contentType`: the message's MQTT 5 Content Type. */
    message(topic: string, payload: Buffer, retain: boolean, contentType?: string): void;
    /** Backpressure: a promise holds the next message from the broker (and the reading of the connection). */
    admit?(): Promise<void> | undefined;
    /** A message that was not sent (QoS 0 while offline, or the oldest queued one when the queue is full). */
    dropped(reason: string): void;
    /** The patterns now subscribed (to remember for the next session). */
    subscribed(patterns: string[]): void;
}

export interface ClientLogger {
    info(message: string): void;
    warn(message: string): void;
    debug(message: string): void;
}

/** MQTT 5 CONNACK 'unsupported protocol version' (0x84) or MQTT 3 return code 1. */
function isProtocolRefusal(err: unknown): boolean {
    const code = (err as { code?: number } | undefined)?.code;
    return code === 1 || code === 132;
}

export class ClientService {
    private client: MqttClient | undefined;
    private version: 4 | 5;
    private readonly queue: OutgoingClientMessage[] = [];
    private extra: string[] = [];
    /** The patterns, compiled once (addSubscriptions skips topics they cover). */
    private covered: ReturnType<typeof compileTopicFilter>[] | undefined;
    private connected = false;
    private outageLogged = false;
    private stopped = false;

    constructor(
        private readonly options: ClientServiceOptions,
        private readonly events: ClientEvents,
        private readonly log: ClientLogger,
    ) {
        this.version = options.protocolVersion === 4 ? 4 : 5;
    }

    get isConnected(): boolean {
        return this.connected;
    }

    start(): void {
        this.connect();
    }

    private connectOptions(): IClientOptions {
        const o = this.options;
        const options: IClientOptions = {
            clientId: o.clientId,
            protocolVersion: this.version,
            keepalive: o.keepaliveSec,
            reconnectPeriod: o.reconnectPeriodSec * 1000,
            connectTimeout: o.connectTimeoutSec * 1000,
            clean: !o.persistent,
            rejectUnauthorized: o.rejectUnauthorized,
            // our own bounded queue decides what waits for a reconnect
            queueQoSZero: false,
            resubscribe: false,
        };
        if (o.username) {
            options.username = o.username;
            options.password = o.password;
        }
        if (o.ca) {
            options.ca = o.ca;
        }
        if (o.cert && o.key) {
            options.cert = o.cert;
            options.key = o.key;
        }
        if (o.lwtTopic) {
            options.will = { topic: o.lwtTopic, payload: Buffer.from(o.lwtPayload), qos: 1, retain: true };
        }
        if (this.version === 5 && o.persistent) {
            // MQTT 5 ends a session at disconnect unless told otherwise
            options.properties = { sessionExpiryInterval: 0xffffffff };
        }
        return options;
    }

    private connect(): void {
        const client = mqtt.connect(this.options.href, this.connectOptions());
        this.client = client;
        client.on('connect', connack => void this.onConnect(client, Boolean(connack.sessionPresent)));
        client.on('message', (topic, payload, packet) =>
            this.events.message(topic, payload, packet.retain, packet.properties?.contentType),
        );
        // mqtt.js reads the next packet only after this callback (and sends PUBACK/PUBCOMP of this one)
        const held = new Set<() => void>();
        client.handleMessage = (_packet, callback) => {
            const admitted = this.events.admit?.();
            if (!admitted) {
                callback();
                return;
            }
            const go = (): void => {
                if (held.delete(go)) {
                    callback();
                }
            };
            held.add(go);
            void admitted.then(go, go);
        };
        // a held message is finished with its connection: its QoS 2 record is gone before a resent PUBREL arrives
        client.on('close', () => [...held].forEach(go => go()));
        client.on('close', () => this.onClose());
        client.on('error', err => this.onError(client, err));
        client.on('reconnect', () => this.log.debug(`Reconnecting to ${this.options.href}`));
    }

    private onError(client: MqttClient, err: Error): void {
        if (this.options.protocolVersion === 'auto' && this.version === 5 && isProtocolRefusal(err)) {
            this.log.info(`The broker at ${this.options.href} does not speak MQTT 5: using MQTT 3.1.1`);
            this.version = 4;
            client.removeAllListeners();
            client.on('error', () => undefined);
            client.end(true);
            this.connect();
            return;
        }
        const message = `Connection to ${this.options.href}: ${err.message}`;
        if (!this.outageLogged) {
            this.outageLogged = true;
            this.log.warn(message);
        } else {
            this.log.debug(message);
        }
    }

    private async onConnect(client: MqttClient, sessionPresent: boolean): Promise<void> {
        const o = this.options;
        try {
            const wanted = new Set(o.patterns);
            if (o.persistent) {
                const gone = o.lastPatterns.filter(p => !wanted.has(p));
                if (gone.length > 0) {
                    await client.unsubscribeAsync(gone);
                    this.log.info(`Unsubscribed patterns no longer configured: ${gone.map(p => `'${p}'`).join(', ')}`);
                }
            }
            if (o.patterns.length > 0) {
                // MQTT 5: no local — the broker does not send our own messages back to us
                const granted = await client.subscribeAsync(
                    Object.fromEntries(
                        o.patterns.map(topic => [
                            topic,
                            this.version === 5 ? { qos: o.defaultQoS, nl: true } : { qos: o.defaultQoS },
                        ]),
                    ),
                );
                const refused = granted.filter(g => g.qos === 128 || g.qos > 2);
                if (refused.length > 0) {
                    this.log.warn(
                        `The broker refused the subscription to ${refused.map(g => `'${g.topic}'`).join(', ')}`,
                    );
                }
            }
            this.events.subscribed(o.patterns);
            if (this.extra.length > 0) {
                await this.subscribeExtra(client, this.extra);
            }
            if (o.lwtTopic && o.birthPayload !== '') {
                await client.publishAsync(o.lwtTopic, o.birthPayload, { qos: 1, retain: true });
            }
        } catch (err) {
            this.log.warn(`After connecting: ${errorText(err)}`);
        }
        if (client !== this.client || this.stopped) {
            return;
        }
        this.connected = true;
        if (this.outageLogged) {
            this.log.info(`Connected to ${o.href} again`);
        } else {
            this.log.info(`Connected to ${o.href} (MQTT ${this.version === 5 ? '5' : '3.1.1'})`);
        }
        this.outageLogged = false;
        this.events.connected({ sessionPresent, protocolVersion: this.version });
        this.flushQueue();
    }

    private onClose(): void {
        if (!this.connected) {
            return;
        }
        this.connected = false;
        if (!this.stopped) {
            if (!this.outageLogged) {
                this.outageLogged = true;
                this.log.warn(
                    `Connection to ${this.options.href} lost: reconnecting every ${this.options.reconnectPeriodSec} s`,
                );
            }
        }
        this.events.disconnected();
    }

    /**
     * Listens on a filter for a request's answer (a temporary subscription unless it is one of the patterns);
     * the returned function stops listening.
     */
    async listen(
        filter: string,
        onMessage: (topic: string, payload: Buffer, correlation?: Buffer) => void,
    ): Promise<() => Promise<void>> {
        const client = this.client;
        if (!client || !this.connected) {
            throw new Error('not connected to the broker');
        }
        const handler = (topic: string, payload: Buffer, packet: { properties?: { correlationData?: Buffer } }): void =>
            onMessage(topic, payload, packet.properties?.correlationData);
        client.on('message', handler);
        const shared = this.options.patterns.includes(filter);
        if (!shared) {
            await client.subscribeAsync(filter, { qos: this.options.defaultQoS });
        }
        return async () => {
            client.off('message', handler);
            if (!shared && client.connected) {
                await client.unsubscribeAsync(filter);
            }
        };
    }

    /** A request: with MQTT 5 it carries response topic and correlation data. */
    publishRequest(message: {
        topic: string;
        payload: string | Buffer;
        qos: QoS;
        responseTopic: string;
        correlation: Buffer;
    }): void {
        const client = this.client;
        if (!client || !this.connected) {
            return;
        }
        const properties =
            this.version === 5
                ? { responseTopic: message.responseTopic, correlationData: message.correlation }
                : undefined;
        client.publish(message.topic, message.payload, {
            qos: message.qos,
            retain: false,
            ...(properties ? { properties } : {}),
        });
    }

    /**
     * Topics wanted besides the patterns (discovered entities' topics), now and after every reconnect; those a
     * pattern covers already are not subscribed twice. Not remembered in `info.lastSession`.
     */
    addSubscriptions(topics: string[]): void {
        this.covered ??= this.options.patterns.map(p => compileTopicFilter(p));
        const covered = this.covered;
        const fresh = topics.filter(t => !this.extra.includes(t) && !covered.some(f => f.matches(t)));
        if (fresh.length === 0) {
            return;
        }
        this.extra.push(...fresh);
        const client = this.client;
        // client.connected (after CONNACK), not this.connected (after the connect work): topics found from the
        // retained configs that arrive while onConnect still runs are subscribed too
        if (client?.connected) {
            void this.subscribeExtra(client, fresh);
        }
    }

    /** Topics given to `addSubscriptions` that are no longer wanted (a removed discovered entity's). */
    removeSubscriptions(topics: string[]): void {
        const gone = topics.filter(t => this.extra.includes(t));
        if (gone.length === 0) {
            return;
        }
        this.extra = this.extra.filter(t => !gone.includes(t));
        const client = this.client;
        if (client?.connected) {
            client.unsubscribeAsync(gone).catch((err: unknown) => {
                this.log.warn(`Cannot unsubscribe ${gone.length} topic(s) of removed entities: ${errorText(err)}`);
            });
        }
    }

    private async subscribeExtra(client: MqttClient, topics: string[]): Promise<void> {
        const qos = this.options.defaultQoS;
        try {
            await client.subscribeAsync(
                Object.fromEntries(topics.map(t => [t, this.version === 5 ? { qos, nl: true } : { qos }])),
            );
        } catch (err) {
            this.log.warn(`Cannot subscribe to ${topics.length} discovered topic(s): ${errorText(err)}`);
        }
    }

    /** Publishes now, or queues QoS > 0 messages while disconnected (bounded; the oldest goes first). */
    publish(message: OutgoingClientMessage): void {
        const client = this.client;
        if (client && this.connected) {
            const options: IClientPublishOptions = { qos: message.qos, retain: message.retain };
            if (message.properties && this.version === 5) {
                options.properties = message.properties;
            }
            client.publish(message.topic, message.payload, options, err => {
                if (err) {
                    this.log.debug(`Cannot publish '${message.topic}': ${err.message}`);
                }
            });
            return;
        }
        if (message.qos === 0) {
            this.events.dropped(`QoS 0 message on '${message.topic}' while disconnected`);
            return;
        }
        this.queue.push(message);
        if (this.queue.length > this.options.maxQueued) {
            const oldest = this.queue.shift();
            this.events.dropped(`offline queue full (${this.options.maxQueued}): dropped '${oldest?.topic ?? ''}'`);
        }
    }

    private flushQueue(): void {
        const pending = this.queue.splice(0);
        for (const message of pending) {
            this.publish(message);
        }
    }

    /** Publishes the will payload as a clean goodbye (a broker sends no will after DISCONNECT), then disconnects. */
    async stop(): Promise<void> {
        this.stopped = true;
        const client = this.client;
        this.client = undefined;
        if (!client) {
            return;
        }
        if (this.connected && this.options.lwtTopic) {
            await Promise.race([
                client
                    .publishAsync(this.options.lwtTopic, this.options.lwtPayload, { qos: 1, retain: true })
                    .catch(() => undefined),
                delay(1000),
            ]);
        }
        const force = !this.connected;
        this.connected = false;
        await new Promise<void>(resolve => client.end(force, {}, () => resolve()));
    }
}
