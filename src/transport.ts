/**
 * The port between the gateway and MQTT. A transport (the embedded broker, or the connection to an external broker)
 * carries messages both ways and reports what happens on its side as typed events; it knows nothing of ioBroker's
 * states. The gateway (gateway.ts) owns everything else. A new transport implements `Transport` and is chosen in
 * main.ts.
 */
import type { RequestTransport } from './requests';
import type { QoS } from './settings';

/** A message the gateway hands to MQTT. */
export interface TransportMessage {
    topic: string;
    payload: string | Buffer;
    qos: QoS;
    retain: boolean;
    /** MQTT 5 properties (3.1.1 receivers get the message without them). */
    properties?: { contentType?: string; payloadFormatIndicator?: boolean };
}

/** A message from MQTT: a client's publish (server) or a message on a subscribed pattern (client). */
export interface IncomingMessage {
    topic: string;
    payload: Buffer;
    /** Its retain flag. Retained and empty: the retained copy is cleared, the state is not set to null (SPEC §8). */
    retain: boolean;
    /**
     * The broker's stored copy, sent because of a subscription (client mode: a retained message on receipt): checked
     * against ioBroker before it is written (SPEC §8, one truth).
     */
    stored: boolean;
    /** MQTT 5 Content Type. */
    contentType?: string;
    /** A copy of a message this instance published (client mode; MQTT 3.1.1 has no no-local): counted, not written. */
    echo?: boolean;
}

/** A subscription whose current values may be sent now. */
export interface OfferedSubscription {
    topic: string;
    qos: QoS;
}

/** One subscriber of the embedded broker: messages for it alone (current values, the discovery birth). */
export interface Subscriber {
    readonly closed: boolean;
    deliver(message: TransportMessage): void;
}

/** What a transport reports. */
export interface TransportEvents {
    message(message: IncomingMessage): void;
    /** Backpressure: a promise holds the reading of the sender until it resolves. */
    admit(): Promise<void> | undefined;
    /** Reachable (client: at each connect): info.connection, discovery birth, publishAllOnStart of client mode. */
    online(): void;
    /** Client: the connection dropped. */
    offline(): void;
    /** info.connection only (server with Redis: the shared store was lost or is back). */
    connection(up: boolean): void;
    /** Server: a client subscribed; `offer` may get current values now (publishOnSubscribe). */
    subscribed(subscriber: Subscriber, offer: OfferedSubscription[]): void;
    /** Server: a persistent session reconnected (publishAllOnStart: current values of its stored subscriptions). */
    sessionResumed(subscriber: Subscriber, subscriptions: () => Promise<OfferedSubscription[]>): void;
    /** A message refused by a limit (the transport logs why). */
    dropped(): void;
}

/** Server: the broker's own retained messages. */
export interface RetainedStore {
    messages(filters: string[]): Promise<{ topic: string; payload: Buffer }[]>;
    topics(filters: string[]): Promise<Set<string>>;
    clear(topic: string): Promise<void>;
}

/** What a mode publishes, chosen by its transport. */
export interface ModeProfile {
    /** Client mode: own states are published too (unless doNotSubscribeOwnStates). */
    includeOwnStates: boolean;
    /** The publisher keeps the current values (publishOnSubscribe, publishAllOnStart). */
    keepValues: boolean;
    /** publishAllOnStart at each `online` (client mode). */
    publishAllOnConnect: boolean;
    /** publishOnSubscribe (server mode). */
    publishOnSubscribe: boolean;
}

export interface Transport {
    readonly profile: ModeProfile;
    /** Whether messages can go out now (client: connected; the embedded broker always). */
    readonly connected: boolean;
    /** sendTo `request`; undefined before `prepare`. */
    readonly requests: RequestTransport | undefined;
    /** Server: the retained messages, made to agree with ioBroker at start. */
    readonly retained?: RetainedStore;
    /** Checks its configuration (ConfigError) and builds itself; events are reported from `start` on. */
    prepare(events: TransportEvents): Promise<void>;
    /** Starts; 'online' when reachable now, 'pending' when `online` follows, 'stopped' when stopped meanwhile. */
    start(): Promise<'online' | 'pending' | 'stopped'>;
    stop(): Promise<void>;
    publish(message: TransportMessage): void;
    /** Client: these topics are wanted now and after every reconnect (the broker sees every message anyway). */
    subscribe?(topics: string[]): void;
    /** Client: these topics (given to `subscribe` before) are no longer wanted. */
    unsubscribe?(topics: string[]): void;
}
