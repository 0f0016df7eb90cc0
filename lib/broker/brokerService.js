"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.BrokerService = void 0;
/**
 * The embedded broker: aedes behind the listeners, with persistence in the instance data directory and the
 * adapter's policy in aedes' hooks. aedes owns the protocol; this module owns listeners, lifecycle and policy.
 */
const node_fs_1 = require("node:fs");
const node_path_1 = __importDefault(require("node:path"));
const aedes_1 = require("aedes");
const accessControl_1 = require("./accessControl");
const aedesInternals_1 = require("./aedesInternals");
const openClients_1 = require("./openClients");
const sessions_1 = require("./sessions");
const listeners_1 = require("./listeners");
const packetGuard_1 = require("./packetGuard");
const slowConsumers_1 = require("./slowConsumers");
const conformance_1 = require("./conformance");
const filter_1 = require("../mapping/filter");
const writeBatcher_1 = require("./writeBatcher");
const retainedIndex_1 = require("./retainedIndex");
const persistence_1 = require("./persistence");
const settings_1 = require("../settings");
const errorText_1 = require("../errorText");
const rateLog_1 = require("../rateLog");
const timers_1 = require("../timers");
function connectError(returnCode, message) {
    return Object.assign(new Error(message), { returnCode });
}
/**
 * What a PUBLISH may carry besides its payload (a topic of up to 64 KiB, packet id, MQTT 5 properties): a packet that
 * declares more than maxPayloadSize plus this closes its connection at its fixed header (packetGuard.ts); one within
 * it is read, acknowledged and dropped when its payload is over the limit.
 */
const PACKET_HEADROOM_BYTES = 65_536 + 1024;
/**
 * Topic aliases a client may set up on its connection (each holds a topic of up to 64 KiB in memory as long as the
 * connection lasts): a few, for the handful of topics a device publishes to again and again.
 */
const TOPIC_ALIAS_MAXIMUM = 16;
/** QoS 1/2 PUBLISH packets a client may have unacknowledged towards the broker [MQTT-3.3.4-7]. */
const RECEIVE_MAXIMUM = 100;
/**
 * QoS 2 messages an MQTT 3.1.1 client may have stored in the broker without PUBREL (3.1.1 announces no limit; each one
 * is held in the store, up to maxPayloadSize each).
 */
const MAX_UNRELEASED_V311 = 1000;
/** MQTT 5 Session Expiry Interval "never" [MQTT-3.1.2.11.2]. */
const SESSION_NEVER_EXPIRES = 0xffffffff;
const PROTOCOL_NAMES = { 3: 'MQTT 3.1', 4: 'MQTT 3.1.1', 5: 'MQTT 5' };
class BrokerService {
    options;
    events;
    log;
    broker;
    listeners;
    db;
    /** What aedes is given as its persistence (persistence.ts). */
    persistence;
    /** `persistence: redis`: the store's, the publishing and the subscribing connection. */
    redis;
    presence;
    redeliverTimer;
    retained = new retainedIndex_1.RetainedIndex({
        onError: err => this.log.warn(`Cannot store retained messages: ${(0, errorText_1.errorText)(err)}`),
    });
    /** Same-turn batching of the persistence's writes (see writeBatcher.ts). */
    writes;
    sessions;
    sweepTimer;
    /** Warnings about clients' bad input: bounded in memory and in log lines (see rateLog.ts). */
    warnings;
    /** Connections refused for their protocol version: info lines, bounded like the warnings. */
    refusals;
    acl;
    slow;
    guard;
    /** Per client: the filters it holds or is being granted (maxSubscriptions). */
    filtersOf = new WeakMap();
    accountGuard;
    lockedLogins = 0;
    /** The account each connected client logged in with. */
    accountOf = new WeakMap();
    /** Connections that completed the handshake and have not closed: what clientConnected/-Disconnected report. */
    open = new openClients_1.OpenClients();
    /** Per client: filters of a SUBSCRIBE under way that the client had already (MQTT 5 Retain Handling 1). */
    existingFilters = new WeakMap();
    /** Clients that sent an empty client id with clean session off [MQTT-3.1.3-8]. */
    emptyIdUnclean = new WeakSet();
    constructor(options, events, log) {
        this.options = options;
        this.events = events;
        this.log = log;
        const accounts = [...(options.accounts ?? [])];
        if (options.user) {
            accounts.push({
                user: options.user,
                pass: options.pass,
                passHash: undefined,
                publish: [],
                subscribe: [],
                readOnly: false,
                enabled: true,
                full: true,
            });
        }
        this.warnings = new rateLog_1.RateLimitedLog(log);
        this.refusals = new rateLog_1.RateLimitedLog({
            warn: message => log.info(message),
            debug: message => log.debug(message),
        });
        this.slow = new slowConsumers_1.SlowConsumers({ limitBytes: writeBufferBytes(options.maxPayloadSizeBytes), maxSlowMs: 10_000 });
        this.acl = new accessControl_1.AccessControl(accounts);
        this.guard = new accessControl_1.BruteForceGuard({
            maxFailures: 5,
            windowMs: 60_000,
            blockMs: 10_000,
            maxBlockMs: 600_000,
            ...options.bruteForce,
        });
        this.accountGuard = new accessControl_1.AccountGuard({
            maxFailures: 20,
            windowMs: 60_000,
            blockMs: 10_000,
            maxBlockMs: 600_000,
            ...options.accountBruteForce,
        });
    }
    /** Logins refused because their address was blocked after repeated failures. */
    get blockedLogins() {
        return this.guard.refused;
    }
    /** Logins refused unchecked because their account was locked after repeated failures from anywhere. */
    get lockedAccountLogins() {
        return this.lockedLogins;
    }
    /** Starts the broker and every listener; rejects (leaving nothing open) if a port cannot be bound. */
    async start() {
        const { persistence, mq } = await this.openPersistence();
        this.persistence = persistence;
        const broker = await aedes_1.Aedes.createBroker({
            persistence,
            mq,
            // a backstop only: slowConsumers.ts closes a client that does not read long before this
            drainTimeout: 15_000,
            // MQTT 5 limits, announced in CONNACK [MQTT-3.2.2.3]: the largest packet packetGuard.ts lets through
            maximumPacketSize: maxPacketSizeBytes(this.options.maxPayloadSizeBytes),
            // a session outlives its connection at most storeClientsTime (sessions.ts does the same for MQTT 3.1.1)
            sessionExpiryIntervalLimit: this.options.storeClientsTimeMin > 0 ? this.options.storeClientsTimeMin * 60 : 0,
            // offline MQTT 5 sessions with an expiry timer, and delayed wills, that aedes holds in memory at once;
            // beyond, a session ends at its disconnect and a delayed will is published at once
            pendingSessionsLimit: Math.max(1000, 10 * this.options.maxClients),
            topicAliasMaximum: TOPIC_ALIAS_MAXIMUM,
            receiveMaximum: RECEIVE_MAXIMUM,
            preConnect: (client, packet, done) => {
                // it sent a CONNECT: no longer an idle connection that a newcomer may push out (listeners.ts)
                this.listeners?.markConnected(client.conn);
                const violation = (0, conformance_1.connectViolation)(packet);
                if (violation) {
                    this.refuseMalformed(client, violation, packet.clientId);
                    done(new Error(violation), false);
                    return;
                }
                const v5 = packet.protocolVersion === 5;
                if (v5 && this.options.mqtt5 === false) {
                    this.refuseProtocol((0, rateLog_1.clip)(packet.clientId), remoteAddress(client).ip, 5);
                    // aedes has no option to refuse MQTT 5 [MQTT-3.1.2-2]: 0x84 "Unsupported Protocol Version"
                    refuseConnectV5(client, 0x84, 'MQTT 5 is switched off', done);
                    return;
                }
                // aedes' authenticate can answer MQTT 5 clients only with the codes that MQTT 3.1.1 has (0x85–0x88);
                // "banned" and "quota exceeded" are answered here, before the login is looked at
                const repeated = v5 && (repeatedProperty(packet.properties) ?? repeatedProperty(packet.will?.properties));
                if (repeated) {
                    refuseConnectV5(client, 0x82, `CONNECT with '${repeated}' twice`, done); // Protocol Error
                    return;
                }
                if (v5 && this.isBlocked(client)) {
                    refuseConnectV5(client, 0x8a, 'banned for a while: too many failed logins', done); // Banned
                    return;
                }
                if (v5 && this.isFull(client)) {
                    refuseConnectV5(client, 0x97, 'server unavailable', done); // Quota exceeded (maxClients)
                    return;
                }
                (0, aedesInternals_1.deliverAtHighestQos)(client);
                this.applyForceCleanSession(packet);
                if (!v5 && packet.clientId === '' && packet.clean === false) {
                    this.emptyIdUnclean.add(client);
                }
                done(null, true);
            },
            authenticate: (client, username, password, done) => {
                if ((0, packetGuard_1.isReservedName)(client.id)) {
                    // GHSA-52qw-whmv-87c5: aedes 2.0.0-beta.1 keeps its clients in a plain object again, where an id
                    // such as '__proto__' or 'constructor' finds the prototype's member and breaks the takeover:
                    // CONNACK 2 (MQTT 5: 0x85 Client Identifier not valid) [MQTT-3.1.3-5 allows a server to refuse ids]
                    this.warnOnce('bad-client-id', remoteAddress(client).ip ?? 'unknown', `Client '${(0, rateLog_1.clip)(client.id)}' was refused: the client id is a reserved name`);
                    done(connectError(2, 'client id not allowed'), false);
                    return;
                }
                this.authenticate(client, username, password).then(() => done(null, true), (err) => done(err, false));
            },
            authorizePublish: (client, packet, done) => {
                const violation = client ? (0, conformance_1.publishViolation)(packet) : undefined;
                if (client && violation) {
                    this.refuseMalformed(client, violation);
                    if (client.version === 5) {
                        // [MQTT-4.13.1-1] a Protocol Error closes the connection: DISCONNECT 0x82 first
                        client.disconnect({ reasonCode: 0x82 }, () => done(new Error(violation)));
                    }
                    else {
                        done(new Error(violation)); // aedes closes a 3.1.1 connection on a refused publish
                    }
                    return;
                }
                if (packet.properties) {
                    const repeated = repeatedProperty(packet.properties);
                    if (client && repeated) {
                        // a property that may appear once appears twice: a Protocol Error [MQTT-2.2.2-2]; the parser
                        // turns it into an array, which would break the PUBLISH written to every subscriber
                        this.events.dropped?.(`PUBLISH with '${repeated}' twice: connection closed`, client.id);
                        client.disconnect({ reasonCode: 0x82 }, () => done(new Error(`${repeated} twice`)));
                        return;
                    }
                    keepPublishProperties(packet);
                }
                if (client && packet.qos === 2 && this.tooManyUnreleased(client, packet.messageId)) {
                    // more QoS 2 messages without PUBREL than announced [MQTT-3.3.4-9]: DISCONNECT 0x93 "Receive
                    // Maximum exceeded" (3.1.1: closed; aedes 2.0.0-beta.1 itself has no bound on them)
                    this.events.dropped?.(`more than ${RECEIVE_MAXIMUM} unreleased QoS 2 messages: connection closed`, client.id);
                    client.disconnect({ reasonCode: 0x93 }, () => done(new Error('receive maximum exceeded')));
                    return;
                }
                const refusal = client ? this.publishRefusal(client, packet) : undefined;
                if (client && refusal) {
                    this.events.dropped?.(refusal, client.id);
                    if (client.version === 5) {
                        // MQTT 5 can say no: PUBACK/PUBREC 0x87 "Not authorized" with the reason as Reason String, the
                        // connection stays [MQTT-3.4.2.1, 3.5.2.1]; a will refused here is not published
                        done(new Error(refusal));
                        return;
                    }
                    // MQTT 3.1.1 has no negative acknowledgement: acknowledged as it requires, never delivered
                    (0, aedesInternals_1.markDropped)(packet);
                }
                const admitted = client && !(0, aedesInternals_1.isDropped)(packet) ? this.events.admitPublish?.() : undefined;
                if (admitted) {
                    const go = () => done(null);
                    void admitted.then(go, go);
                }
                else {
                    done(null);
                }
            },
            authorizeSubscribe: (client, subscription, done) => {
                if (subscription.rh === 1 && (0, aedesInternals_1.hasSubscription)(client, subscription.topic)) {
                    let existed = this.existingFilters.get(client);
                    if (!existed) {
                        existed = new Set();
                        this.existingFilters.set(client, existed);
                    }
                    existed.add(subscription.topic);
                }
                if ((0, packetGuard_1.isReservedName)(subscription.topic)) {
                    // GHSA-52qw-whmv-87c5 (see packetGuard.ts, which closes a connection that sends one): a filter
                    // restored from a session store never reaches aedes' plain objects either
                    done(null, null);
                    return;
                }
                // the limit first: it is the cheapest check, and a client over it may send thousands more filters
                const filters = this.filtersHeldBy(client);
                const max = this.options.maxSubscriptions ?? 10_000;
                if (!filters.has(subscription.topic) && filters.size >= max) {
                    this.warnOnce('subscription-limit', client.id, `Client '${(0, rateLog_1.clip)(client.id)}' holds maxSubscriptions (${max}) subscriptions: '${(0, rateLog_1.clip)(subscription.topic)}' and further ones are refused`);
                    done(null, null);
                    return;
                }
                const invalid = (0, filter_1.topicFilterError)(subscription.topic);
                if (invalid) {
                    // [MQTT-4.7.1-2], [MQTT-4.7.1-3], [MQTT-1.5.3-1]: an invalid filter is refused
                    this.warnOnce('bad-filter', client.id, `Client '${(0, rateLog_1.clip)(client.id)}' subscribed to an invalid filter '${(0, rateLog_1.clip)(subscription.topic)}' (${invalid}): refused`);
                    done(null, null);
                    return;
                }
                const refuse = () => {
                    filters.delete(subscription.topic);
                    done(null, null);
                };
                filters.add(subscription.topic);
                if (!this.acl.canSubscribe(this.accountOf.get(client), client.id, subscription.topic)) {
                    this.warnOnce('subscribe-denied', `${client.id}\u0000${subscription.topic}`, `Client '${(0, rateLog_1.clip)(client.id)}' may not subscribe to '${(0, rateLog_1.clip)(subscription.topic)}': outside its rights`);
                    refuse();
                    return;
                }
                const decide = this.events.allowSubscribe;
                if (!decide) {
                    done(null, subscription);
                    return;
                }
                Promise.resolve(decide(client.id, subscription.topic)).then(allowed => (allowed ? done(null, subscription) : refuse()), refuse);
            },
            authorizeForward: (client, packet) => {
                // retained messages and current values reach a subscriber only where its account may read
                if (!this.acl.canRead(this.accountOf.get(client), client.id, packet.topic)) {
                    return null;
                }
                const conn = client.conn;
                const verdict = this.slow.verdict(conn, packet.payload.length, packet.qos);
                if (verdict === 'drop') {
                    this.events.dropped?.(`QoS 0 message on '${(0, rateLog_1.clip)(packet.topic)}' to the slow client '${(0, rateLog_1.clip)(client.id)}' (its connection has not read what was sent)`, client.id);
                    return null;
                }
                if (verdict === 'close') {
                    this.warnOnce('slow-consumer', client.id, `Client '${(0, rateLog_1.clip)(client.id)}' does not read what it is sent: connection closed (a persistent session gets its unacknowledged messages again when it reconnects)`);
                    this.events.dropped?.(`slow client '${(0, rateLog_1.clip)(client.id)}' closed`, client.id);
                    // not inside aedes' delivery loop: the close unsubscribes the client from the emitter it is in
                    setImmediate(() => conn.destroy());
                }
                return packet;
            },
        });
        this.broker = broker;
        (0, aedesInternals_1.skipDroppedPublishes)(broker);
        // aedes reports store failures (queueing for offline sessions, wills) as 'error' events
        broker.on('error', (err) => this.log.warn(`Broker: ${err.message}`));
        broker.on('publish', (packet, client) => {
            // client is null for messages the broker itself publishes ($SYS, the adapter's own)
            if (client && !(0, aedesInternals_1.isDropped)(packet)) {
                const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
                const contentType = packet.properties?.contentType;
                this.events.clientPublish?.(packet.topic, payload, client.id, packet.retain, contentType);
            }
        });
        const presence = this.presence;
        const sessions = new sessions_1.SessionExpiry({
            file: this.options.persistence === 'memory'
                ? undefined
                : node_path_1.default.join(this.options.persistenceDir, 'sessions.json'),
            keepMin: this.options.storeClientsTimeMin,
            expire: clientId => this.persistence?.endSession(clientId) ?? Promise.resolve(),
            onError: err => this.log.warn(`Cannot save the session times: ${(0, errorText_1.errorText)(err)}`),
            isOnline: clientId => (0, aedesInternals_1.isConnectedHere)(broker, clientId) || (presence?.elsewhere(clientId) ?? false),
        });
        if (presence) {
            presence.startHeartbeat();
            // recorded when aedes registers the client: before it tells the other instances to drop their copy
            broker.on('client', client => this.redisCall(presence.online(client.id), `record '${client.id}'`));
            // a client connected to another instance: that instance keeps its session time from now on
            broker.subscribe('$SYS/+/new/clients', (packet, done) => {
                if (packet.topic.split('/')[1] !== broker.id) {
                    sessions.forget(packet.payload.toString());
                }
                done();
            }, () => undefined);
        }
        this.sessions = sessions;
        await sessions.sweep();
        this.sweepTimer = timers_1.timers.setInterval(() => {
            sessions.sweep().then(expired => expired.forEach(id => this.log.info(`Session of '${id}' expired (storeClientsTime)`)), (err) => this.log.warn(`Cannot expire sessions: ${(0, errorText_1.errorText)(err)}`));
        }, 60_000);
        broker.on('clientReady', client => {
            const conn = client.conn;
            // a client that dropped during the handshake is reported ready after its disconnect (issue #16)
            if (client.closed || conn.destroyed || !this.open.ready(client, client.id)) {
                return;
            }
            // the connection's own end as well: aedes does not report every close (see openClients.ts)
            conn.once('close', () => this.left(client));
            sessions.connected(client.id, client.clean);
            const address = remoteAddress(client);
            this.events.clientConnected?.({ id: client.id, ip: address.ip, port: address.port, clean: client.clean }, client);
        });
        broker.on('clientDisconnect', client => {
            this.left(client);
            if (client.clean) {
                this.persistence?.endIncoming(client.id).catch(() => undefined);
            }
            (presence ? presence.release(client.id) : Promise.resolve())
                .then(() => sessions.disconnected(client.id))
                .catch((err) => this.log.warn(`Cannot drop the session of '${(0, rateLog_1.clip)(client.id)}': ${(0, errorText_1.errorText)(err)}`));
        });
        broker.on('subscribe', (subscriptions, client) => {
            const existed = this.existingFilters.get(client);
            // MQTT 5 Retain Handling [MQTT-3.3.1-9, 3.3.1-10] for what the adapter sends at a subscription (its
            // current values) as for the retained store: 2 never, 1 only for a subscription that did not exist
            const offer = subscriptions.filter(s => s.qos <= 2 && s.rh !== 2 && !(s.rh === 1 && existed?.has(s.topic)));
            for (const s of subscriptions) {
                existed?.delete(s.topic);
            }
            this.events.subscribed?.(client, subscriptions, offer);
        });
        broker.on('clientError', (client, err) => this.log.debug(`Client '${(0, rateLog_1.clip)(client.id)}' error: ${err.message}`));
        broker.on('unsubscribe', (unsubscriptions, client) => {
            const filters = this.filtersOf.get(client);
            for (const filter of unsubscriptions) {
                filters?.delete(filter);
            }
        });
        broker.on('connectionError', (client, err) => this.log.debug(`Connection of '${(0, rateLog_1.clip)(client.id ?? '?')}' refused: ${err.message}`));
        const maxPacketBytes = this.options.maxPayloadSizeBytes + PACKET_HEADROOM_BYTES;
        const listeners = new listeners_1.Listeners(this.options.listeners, (stream, request) => {
            (0, packetGuard_1.guardPackets)(stream, {
                maxPacketBytes,
                onOversize: declared => {
                    const address = streamAddress(stream, request);
                    this.events.dropped?.(`packet declaring ${declared} bytes exceeds maxPayloadSize (${this.options.maxPayloadSizeBytes}) plus ${PACKET_HEADROOM_BYTES} bytes for topic and properties: connection closed`, address);
                },
                onReservedFilter: filter => {
                    const address = streamAddress(stream, request);
                    this.warnOnce('bad-filter', address, `A client from ${address} was disconnected: it subscribed to the reserved name '${(0, rateLog_1.clip)(filter)}'`);
                },
                onUnsupportedProtocol: (level, clientId) => this.refuseProtocol(clientId === undefined ? '?' : (0, rateLog_1.clip)(clientId), streamAddress(stream, request), level),
            });
            broker.handle(stream, request);
        }, this.log, {
            maxConnections: this.options.maxClients,
            writeBufferBytes: writeBufferBytes(this.options.maxPayloadSizeBytes),
        });
        this.listeners = listeners;
        try {
            await listeners.start();
        }
        catch (err) {
            await this.stop();
            throw err;
        }
    }
    /**
     * aedes' authenticate hook: resolves when the client may connect, rejects with the CONNACK code. The checks in
     * this order: the client id, the address's block, the account's lock, the credentials, maxClients.
     */
    async authenticate(client, username, password) {
        if (this.emptyIdUnclean.has(client)) {
            // [MQTT-3.1.3-8] an empty client id needs clean session: CONNACK 2 (identifier rejected)
            throw connectError(2, 'empty client id with clean session off');
        }
        const address = remoteAddress(client).ip ?? 'unknown';
        if (this.guard.blockedFor(address) > 0) {
            this.guard.refused++;
            this.warnOnce('blocked', address, `Logins from ${address} are refused for a while: too many failed attempts`);
            throw connectError(4, 'bad user name or password');
        }
        const user = username ?? '';
        if (!this.acl.anonymousAllowed && this.accountGuard.lockedFor(user, address) > 0) {
            // not checked, so a guess made now tells nothing; the same answer as a wrong password. Counted against
            // the address too: hammering a locked account gets the address blocked as well.
            this.lockedLogins++;
            this.guard.failed(address);
            this.warnOnce('account-locked', user, `Logins as '${(0, rateLog_1.clip)(user)}' from addresses it never logged in from are refused for a while: too many failed attempts (last from ${address})`);
            throw connectError(4, 'bad user name or password');
        }
        const result = await this.acl.authenticate(username, password);
        if (!result.ok) {
            const blockMs = result.returnCode === 4 ? this.guard.failed(address) : 0;
            const lockMs = result.returnCode === 4 ? this.accountGuard.failed(user) : 0;
            // keyed by address (and account), not by client id: an attacker chooses a new id per attempt
            this.warnOnce('auth', `${address}:${user}`, result.returnCode === 4
                ? `Client '${(0, rateLog_1.clip)(client.id)}' from ${address} was refused: wrong user name or password`
                : `Client '${(0, rateLog_1.clip)(client.id)}' (user '${(0, rateLog_1.clip)(user)}') was refused: the account is disabled`);
            if (blockMs > 0) {
                this.log.warn(`${address}: too many failed logins, refusing logins from it for ${Math.round(blockMs / 1000)} s`);
            }
            if (lockMs > 0) {
                this.warnOnce('account-lock', user, `'${(0, rateLog_1.clip)(user)}': too many failed logins from any address, refusing it from new addresses for ${Math.round(lockMs / 1000)} s`);
            }
            throw connectError(result.returnCode, result.returnCode === 4 ? 'bad user name or password' : 'not authorized');
        }
        this.guard.succeeded(address);
        if (result.account) {
            this.accountGuard.succeeded(user, address);
        }
        // counted from the moment the connection was accepted (listeners.ts): concurrent connects cannot slip past,
        // and aedes' own count goes wrong with clients that drop mid-handshake
        if (this.listeners && !this.listeners.hasPlace(client.conn)) {
            this.warnOnce('full', address, `Client '${(0, rateLog_1.clip)(client.id)}' was refused: maxClients (${this.options.maxClients}) reached`);
            throw connectError(3, 'server unavailable');
        }
        this.accountOf.set(client, result.account);
    }
    /** A present connection ended: the client id is gone when it was its last connection. */
    left(client) {
        if (this.open.closed(client, client.id)) {
            this.events.clientDisconnected?.(client.id);
        }
    }
    /** Whether this QoS 2 message would be one more unreleased message than the client may have. */
    tooManyUnreleased(client, messageId) {
        const max = client.version === 5 ? RECEIVE_MAXIMUM : MAX_UNRELEASED_V311;
        return this.persistence?.wouldExceedUnreleased(client.id, messageId, max) ?? false;
    }
    /** Why a client's publish is refused (undefined: it is not). */
    publishRefusal(client, packet) {
        if (packet.topic.startsWith('$')) {
            // `$` topics belong to the broker [MQTT-4.7.2-1]; aedes' own authorizePublish (which this hook replaces)
            // refuses `$SYS/`, and `$SYS/<id>/new/clients` would close the client named in the payload (its cluster
            // takeover). Refused for every account, the full-rights one included.
            return `publish to the reserved topic '${(0, rateLog_1.clip)(packet.topic)}'`;
        }
        if (packet.payload.length > this.options.maxPayloadSizeBytes) {
            return `payload of ${packet.payload.length} bytes on '${(0, rateLog_1.clip)(packet.topic)}' exceeds maxPayloadSize (${this.options.maxPayloadSizeBytes})`;
        }
        if (!this.acl.canPublish(this.accountOf.get(client), client.id, packet.topic)) {
            return `no right to publish to '${(0, rateLog_1.clip)(packet.topic)}'`;
        }
        return undefined;
    }
    /** Whether the client's address is blocked by the brute-force guard (counted and warned about). */
    isBlocked(client) {
        const address = remoteAddress(client).ip ?? 'unknown';
        if (this.guard.blockedFor(address) <= 0) {
            return false;
        }
        this.guard.refused++;
        this.warnOnce('blocked', address, `Logins from ${address} are refused for a while: too many failed attempts`);
        return true;
    }
    /** Whether the connection came after maxClients others (counted from the moment it was accepted). */
    isFull(client) {
        if (!this.listeners || this.listeners.hasPlace(client.conn)) {
            return false;
        }
        // counted from the moment the connection was accepted: concurrent connects cannot slip past
        this.warnOnce('full', remoteAddress(client).ip ?? 'unknown', `Client '${(0, rateLog_1.clip)(client.id ?? '')}' was refused: maxClients (${this.options.maxClients}) reached`);
        return true;
    }
    /**
     * forceCleanSession. MQTT 5 splits clean session into Clean Start and the Session Expiry Interval [MQTT-3.1.2-4,
     * 3.1.2.11.2]: 'clean' also sets the expiry to 0 (the session ends with the connection), 'keep' asks for the
     * longest one, which sessionExpiryIntervalLimit (storeClientsTime) then caps and CONNACK reports.
     */
    applyForceCleanSession(packet) {
        const mode = this.options.forceCleanSession;
        if (mode === 'clean') {
            packet.clean = true;
            if (packet.protocolVersion === 5 && packet.properties) {
                delete packet.properties.sessionExpiryInterval;
            }
        }
        else if (mode === 'keep' && packet.clientId !== '') {
            packet.clean = false;
            if (packet.protocolVersion === 5) {
                packet.properties = { ...packet.properties, sessionExpiryInterval: SESSION_NEVER_EXPIRES };
            }
        }
    }
    /** One info line (rate-limited, keyed by address: a client chooses its id) for a refused protocol version. */
    refuseProtocol(clientId, address, level) {
        const version = PROTOCOL_NAMES[level] ?? `protocol level ${level}`;
        const why = level === 5
            ? 'MQTT 5 is switched off (option mqtt5), CONNACK 0x84'
            : 'this broker speaks MQTT 3.1, 3.1.1 and 5, CONNACK 0x01';
        this.refusals.warn(`protocol-${level}`, address ?? 'unknown', `Client '${clientId}' from ${address ?? 'unknown'} was refused: it speaks ${version}; ${why}`);
    }
    /** Warnings about a client's bad input: `cause` is the kind, `key` what it is about (see rateLog.ts). */
    warnOnce(cause, key, message) {
        this.warnings.warn(cause, key, message);
    }
    /** A packet against the protocol from this client: logged (bounded), its connection is closed by aedes. */
    refuseMalformed(client, violation, clientId = client.id) {
        const address = remoteAddress(client).ip ?? 'unknown';
        this.warnOnce('malformed', address, `Connection from ${address} (client '${(0, rateLog_1.clip)(clientId ?? '')}') closed: ${violation}`);
    }
    /** The filters a client holds: those restored from its session at first, then counted as they are granted. */
    filtersHeldBy(client) {
        let filters = this.filtersOf.get(client);
        if (!filters) {
            const held = client.subscriptions;
            filters = new Set(held ? Object.keys(held) : []);
            this.filtersOf.set(client, filters);
        }
        return filters;
    }
    async openPersistence() {
        const options = this.options;
        const onError = (err) => this.log.warn(`Broker store: ${(0, errorText_1.errorText)(err)}`);
        if (options.persistence === 'memory') {
            const { default: memory } = await Promise.resolve().then(() => __importStar(require('aedes-persistence')));
            const store = memory();
            return { persistence: new persistence_1.BrokerPersistence(store, { keepsV5Fields: true, onError }) };
        }
        (0, node_fs_1.mkdirSync)(options.persistenceDir, { recursive: true });
        if (options.persistence === 'redis') {
            return this.openRedis(options.redisUrl ?? '');
        }
        const { Level } = await Promise.resolve().then(() => __importStar(require('level')));
        const persistenceLevel = (await Promise.resolve().then(() => __importStar(require('aedes-persistence-level')))).default;
        const db = new Level(options.persistenceDir);
        await db.open();
        this.db = db;
        const writes = (0, writeBatcher_1.batchWrites)(db);
        this.writes = writes;
        const store = persistenceLevel(db);
        return {
            persistence: new persistence_1.BrokerPersistence(store, {
                // retained lookups from memory instead of a LevelDB scan per subscription (see retainedIndex.ts)
                retainedIndex: this.retained,
                keepsV5Fields: false,
                // a queue is counted with what was queued, not only with what reached the disk
                queues: (0, aedesInternals_1.levelQueues)(db, () => writes.flush()),
                clientState: (0, aedesInternals_1.levelClientState)(db, () => writes.flush()),
                maxQueued: options.maxQueuedMessages,
                onQueueDropped: (clientId, max) => this.events.dropped?.(`queue of offline client '${clientId}' is full (maxQueuedMessages ${max}): oldest message dropped`, clientId),
                onError,
            }),
        };
    }
    /**
     * Sessions, queues and retained messages in Redis; messages between broker instances over Redis pub/sub.
     * Three connections: the store's, one to publish and one to subscribe (a subscribing connection can do
     * nothing else). While Redis is away their commands wait; the store's connection reports the outage.
     */
    async openRedis(url) {
        const { default: RedisPersistence } = await Promise.resolve().then(() => __importStar(require('aedes-persistence-redis/asyncPersistence.js')));
        const { default: mqEmitterRedis } = await Promise.resolve().then(() => __importStar(require('mqemitter-redis')));
        // loaded only with persistence: redis (ioredis alone is several MB of memory)
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load (CommonJS output; tsx in tests)
        const { ClusterPresence, connectRedis } = require('./redisLink');
        const store = connectRedis(url, 'mqtt-gateway store');
        const pub = connectRedis(url, 'mqtt-gateway pub');
        const sub = connectRedis(url, 'mqtt-gateway sub');
        let up = true;
        const report = (nowUp, reason) => {
            if (nowUp === up || this.redis?.store !== store) {
                // unchanged, or the broker is stopping (it closes the connections itself)
                return;
            }
            up = nowUp;
            if (nowUp) {
                this.log.info(`Redis ${(0, settings_1.redisUrlForLog)(url)} is back: the broker is shared again`);
            }
            else {
                this.log.warn(`Lost the connection to Redis ${(0, settings_1.redisUrlForLog)(url)} (${reason}): connected clients stay connected, ` +
                    'their messages wait until Redis is back');
            }
            this.events.storeConnection?.(nowUp);
        };
        let lastError = 'connection closed';
        for (const connection of [store, pub, sub]) {
            connection.on('error', (err) => {
                lastError = err.message;
                this.log.debug(`Redis: ${err.message}`);
            });
        }
        let outage = false;
        store.on('close', () => {
            outage ||= this.redis?.store === store;
            report(false, lastError);
        });
        // Redis pub/sub does not buffer: what another instance sent on before this instance's subscription was back
        // reached no live client here, but its QoS 1/2 copies for persistent sessions are queued in Redis
        const afterOutage = () => {
            if (!outage) {
                return;
            }
            timers_1.timers.clearTimeout(this.redeliverTimer);
            this.redeliverTimer = timers_1.timers.setTimeout(() => {
                if (store.status !== 'ready' || sub.status !== 'ready') {
                    return; // the other connection's 'ready' schedules this again
                }
                outage = false;
                this.closeClientsWithQueues().catch((err) => this.log.warn(`Redis: ${(0, errorText_1.errorText)(err)}`));
            }, 2000);
        };
        store.on('ready', () => {
            this.presence?.beat();
            report(true, '');
            afterOutage();
        });
        sub.on('close', () => {
            outage ||= this.redis?.sub === sub;
        });
        sub.on('ready', afterOutage);
        const keepMin = this.options.storeClientsTimeMin;
        const persistence = new RedisPersistence({
            conn: store,
            // queued messages of an offline session expire with the session (storeClientsTime)
            // (an hour with storeClientsTime 0: sessions go at disconnect, only messages in flight are stored)
            packetTTL: () => (keepMin > 0 ? keepMin * 60 : keepMin === 0 ? 3600 : 0),
            maxSessionDelivery: this.options.maxQueuedMessages > 0 ? this.options.maxQueuedMessages : 1_000_000,
        });
        const mq = mqEmitterRedis({ pubConn: pub, subConn: sub, matchEmptyLevels: true });
        (0, aedesInternals_1.onRedisEmitterError)(mq, err => this.log.debug(`Redis pub/sub: ${err.message}`));
        this.redis = { store, pub, sub, persistence };
        const wrapped = new persistence_1.BrokerPersistence(persistence, {
            keepsV5Fields: true,
            // queued messages expire with packetTTL; maxSessionDelivery bounds a queue
            queues: (0, aedesInternals_1.redisQueues)(store),
            onError: err => this.log.warn(`Redis: ${(0, errorText_1.errorText)(err)}`),
        });
        this.presence = new ClusterPresence(store, () => this.broker?.id ?? '');
        // aedes closes the pub/sub connections with QUIT, which waits for (or fails without) Redis: cut them instead
        (0, aedesInternals_1.closeRedisEmitterAtOnce)(mq, [pub, sub]);
        return { persistence: wrapped, mq };
    }
    /**
     * After a Redis outage: a connected persistent client with messages still queued for it in Redis missed them
     * live; its connection is closed, so that it reconnects (every MQTT client library does) and aedes delivers the
     * queue, as at any reconnect.
     */
    async closeClientsWithQueues() {
        const broker = this.broker;
        const persistence = this.persistence;
        if (!broker || !persistence || !this.redis) {
            return;
        }
        for (const client of (0, aedesInternals_1.connectedClients)(broker)) {
            if (client.clean || client.closed) {
                continue;
            }
            const queued = await persistence.queued(client.id);
            if (queued > 0 && !client.closed) {
                this.log.info(`Client '${client.id}' has ${queued} message(s) waiting from the Redis outage: closing its connection, so that it reconnects and receives them`);
                // not an abnormal end of the client: its will must not be published (it is stored again when the
                // client reconnects)
                (0, aedesInternals_1.closeWithoutWill)(client);
            }
        }
    }
    /** A Redis write whose failure is only worth a warning. */
    redisCall(call, what) {
        call.catch((err) => this.log.warn(`Redis: cannot ${what}: ${(0, errorText_1.errorText)(err)}`));
    }
    /** The port of the TCP/TLS listener. */
    get boundPort() {
        return this.listeners?.boundPort;
    }
    /** Connections that completed the handshake and are open now. */
    get connectedClients() {
        return this.open.count;
    }
    /** Publishes into the broker: only matching subscribers receive it, like any client's message. */
    publish(message) {
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
    requestTransport() {
        return {
            listen: (filter, onMessage) => this.listen(filter, onMessage),
            publish: m => this.publish({
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
    async listen(filter, onMessage) {
        const broker = this.broker;
        if (!broker) {
            throw new Error('the broker is not running');
        }
        const deliver = (packet, callback) => {
            const correlation = packet.properties?.correlationData;
            onMessage(packet.topic, typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload, Buffer.isBuffer(correlation) ? correlation : undefined);
            callback();
        };
        await new Promise(resolve => broker.subscribe(filter, deliver, () => resolve()));
        return () => new Promise(resolve => broker.unsubscribe(filter, deliver, () => resolve()));
    }
    /** Sends a message to one client only (current values for a new subscription). */
    sendToClient(client, message) {
        if (client.closed) {
            return;
        }
        (0, aedesInternals_1.deliverDirect)(client, toPacket(message), () => undefined);
    }
    /** Topics with a retained message that any of `filters` matches. */
    async retainedTopics(filters) {
        return new Set((await this.retainedMessages(filters)).map(packet => packet.topic));
    }
    /** Retained messages that any of `filters` matches. */
    async retainedMessages(filters) {
        const found = [];
        const stream = this.persistence?.createRetainedStreamCombi(filters);
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
    async clearRetained(topic) {
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
    async subscriptionsOf(client) {
        return (await this.persistence?.subscriptionsByClient(client)) ?? [];
    }
    /** Stops listening, closes every connection, the broker and its store. Never throws. */
    async stop() {
        const listeners = this.listeners;
        const broker = this.broker;
        const db = this.db;
        const redis = this.redis;
        this.listeners = undefined;
        this.broker = undefined;
        this.db = undefined;
        this.redis = undefined;
        timers_1.timers.clearInterval(this.sweepTimer);
        timers_1.timers.clearTimeout(this.redeliverTimer);
        this.presence?.stopHeartbeat();
        this.presence = undefined;
        await listeners?.stop();
        // the session times first: with Redis away the rest may take seconds (a failed write goes to onError)
        this.sessions?.close();
        if (broker) {
            const closed = new Promise(resolve => broker.close(() => resolve()));
            // with Redis away, the store's last writes would wait for it: at most 1.2 s, then the connections are cut
            // (io-package stopTimeout is 2 s: js-controller ends the process after that)
            await (redis ? Promise.race([closed, (0, timers_1.delay)(1200)]) : closed);
        }
        if (redis) {
            await Promise.race([redis.persistence.destroy(), (0, timers_1.delay)(300)]).catch(() => undefined);
            for (const connection of [redis.store, redis.pub, redis.sub]) {
                connection.disconnect();
            }
        }
        if (db) {
            await this.retained.flush();
        }
        await this.writes?.flush();
        this.writes = undefined;
        await db?.close().catch(() => undefined);
    }
}
exports.BrokerService = BrokerService;
/**
 * The properties a PUBLISH may carry on to subscribers [MQTT-3.3.2.3]. A will is published with the properties of
 * its CONNECT, Will Delay Interval included (aedes 2.0.0-beta.1 passes it on, and strict MQTT 5 clients disconnect
 * on a property a PUBLISH must not have); Topic Alias belongs to one connection; Subscription Identifier is set per
 * subscriber at delivery.
 */
const PUBLISH_PROPERTIES = new Set([
    'payloadFormatIndicator',
    'messageExpiryInterval',
    'contentType',
    'responseTopic',
    'correlationData',
    'userProperties',
]);
/**
 * The name of a property that appears more than once although MQTT 5 allows it once [MQTT-2.2.2-2] (only User
 * Property and Subscription Identifier may repeat); mqtt-packet's parser collects repeats into an array.
 */
function repeatedProperty(properties) {
    if (!properties) {
        return undefined;
    }
    for (const [key, value] of Object.entries(properties)) {
        if (Array.isArray(value) && key !== 'subscriptionIdentifier') {
            return key;
        }
    }
    return undefined;
}
/** Drops the properties a delivered PUBLISH must not carry. */
function keepPublishProperties(packet) {
    const properties = packet.properties;
    if (!properties) {
        return;
    }
    for (const key of Object.keys(properties)) {
        if (!PUBLISH_PROPERTIES.has(key)) {
            delete properties[key];
        }
    }
}
/**
 * Refuses an MQTT 5 CONNECT with a reason code that aedes' authenticate cannot give (it maps only the 3.1.1 return
 * codes 2–5): the CONNACK is written here, in preConnect, in the MQTT 5 layout (session present 0, the reason code, no
 * properties) [MQTT-3.2.2-6]; then the hook fails, and aedes closes the connection without writing anything more.
 */
function refuseConnectV5(client, reasonCode, why, done) {
    client.conn.write(Buffer.from([0x20, 0x03, 0x00, reasonCode, 0x00]), () => done(new Error(why), false));
}
function toPacket(message) {
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
/**
 * The Maximum Packet Size announced to MQTT 5 clients: a whole packet (fixed header included) whose remaining length
 * is the most packetGuard.ts accepts. A larger packet necessarily declares a larger remaining length.
 */
function maxPacketSizeBytes(maxPayloadSizeBytes) {
    const remaining = maxPayloadSizeBytes + PACKET_HEADROOM_BYTES;
    const lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
    return 1 + lengthBytes + remaining;
}
/** A connection's write buffer: 1 MiB beyond the largest message it may be sent. */
function writeBufferBytes(maxPayloadSizeBytes) {
    return 1024 * 1024 + maxPayloadSizeBytes + PACKET_HEADROOM_BYTES;
}
function streamAddress(stream, request) {
    return request?.socket?.remoteAddress ?? stream.remoteAddress ?? 'unknown';
}
function remoteAddress(client) {
    const conn = client.conn;
    const req = client.req;
    const socket = req?.socket ?? conn;
    return { ip: socket?.remoteAddress, port: socket?.remotePort };
}
