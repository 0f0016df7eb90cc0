/**
 * What the embedded broker (brokerService.ts) is given and what it reports: its options, the events it raises to the
 * adapter, the messages the adapter publishes into it and the log it writes to. Types only.
 */
import type { Client, Subscription } from 'aedes';
import type { Account, AccountGuardOptions, BruteForceOptions } from './accessControl';
import type { ListenerOptions } from './listeners';
import type { ForceCleanSession, Persistence, QoS } from '../settings';

export interface BrokerServiceOptions {
    listeners: ListenerOptions;
    /**
     * Where sessions, queued messages and retained messages live: `memory` (lost at stop), `disk` (LevelDB in
     * `persistenceDir`) or `redis` (`redisUrl`, shared with every broker instance on the same Redis).
     */
    persistence: Persistence;
    /** The instance's folder: the LevelDB store (disk) and the session times (disk and redis). */
    persistenceDir: string;
    redisUrl?: string;
    user: string;
    pass: string;
    maxClients: number;
    /** Subscriptions one client may hold; further ones are refused (SUBACK 0x80). Default 10,000. */
    maxSubscriptions?: number;
    maxPayloadSizeBytes: number;
    forceCleanSession: ForceCleanSession;
    /** Minutes an offline persistent session is kept; -1 forever, 0 never. */
    storeClientsTimeMin: number;
    /** QoS 1/2 messages kept per offline persistent session; the oldest are dropped first (0 = no limit). */
    maxQueuedMessages: number;
    /** The broker also speaks MQTT 5 (default); false refuses MQTT 5 clients with CONNACK 0x84. */
    mqtt5?: boolean;
    /** Accounts with topic rights (besides the single `user`/`pass`, which has all rights). */
    accounts?: Account[];
    /** Brute-force protection per address; defaults: 5 failures a minute → blocked 10 s, doubling up to 10 min. */
    bruteForce?: Partial<BruteForceOptions>;
    /**
     * Per account (any address); defaults: 20 failures a minute → locked 10 s for addresses it never logged in
     * from, doubling up to 10 min.
     */
    accountBruteForce?: Partial<AccountGuardOptions>;
}

/** A message the adapter publishes into the broker. */
export interface BrokerMessage {
    topic: string;
    payload: string | Buffer;
    qos: QoS;
    retain: boolean;
    /** MQTT 5 properties for MQTT 5 subscribers (3.1.1 subscribers get the message without them). */
    properties?: {
        responseTopic?: string;
        correlationData?: Buffer;
        contentType?: string;
        payloadFormatIndicator?: boolean;
    };
}

export interface ConnectedClient {
    id: string;
    ip: string | undefined;
    port: number | undefined;
    clean: boolean;
}

export type { Client, Subscription };

export interface BrokerEvents {
    /**
     * A client published a message (wills included; not the adapter's own messages); `contentType` is its MQTT 5
     * Content Type.
     */
    clientPublish?(topic: string, payload: Buffer, clientId: string, retain: boolean, contentType?: string): void;
    clientConnected?(client: ConnectedClient, handle: Client): void;
    clientDisconnected?(clientId: string): void;
    /**
     * After SUBACK: `granted` are the subscriptions of the SUBSCRIBE with what the client got; `offer` those that may
     * be sent current values now (granted, and MQTT 5 Retain Handling allows it).
     */
    subscribed?(client: Client, granted: Subscription[], offer: Subscription[]): void;
    /** A publish refused by a limit, with the reason. */
    dropped?(reason: string, clientId: string): void;
    /** `persistence: redis`: the connection to Redis was lost (false) or is back (true). */
    storeConnection?(up: boolean): void;
    /** Decides SUBACK 0x80 (false) for a filter. */
    allowSubscribe?(clientId: string, filter: string): boolean | Promise<boolean>;
    /**
     * Backpressure: asked before a client's publish is let in; a promise holds it (and with it the reading of that
     * connection) until it resolves.
     */
    admitPublish?(): Promise<void> | undefined;
}

export interface BrokerLogger {
    info(message: string): void;
    warn(message: string): void;
    debug(message: string): void;
}
