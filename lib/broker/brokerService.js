"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.BrokerService = void 0;
/**
 * The embedded broker: aedes behind the listeners, with persistence in the instance data directory and the
 * adapter's policy in aedes' hooks. aedes owns the protocol; this module starts and stops the parts and is the
 * adapter's way into the broker (publish, listen, send to one client, the retained store). The parts: the store
 * (brokerStore.ts, redisStore.ts), who gets in (admission.ts), what may be published, delivered and subscribed
 * (publishPolicy.ts, subscriptionPolicy.ts, clientRights.ts), clients coming and going (clientLifecycle.ts), the
 * sockets and the packet guard in front (listeners.ts, packetGuard.ts).
 */
const aedes_1 = require("aedes");
const admission_1 = require("./admission");
const aedesInternals_1 = require("./aedesInternals");
const brokerStore_1 = require("./brokerStore");
const clientLifecycle_1 = require("./clientLifecycle");
const clientRights_1 = require("./clientRights");
const clientWarnings_1 = require("./clientWarnings");
const limits_1 = require("./limits");
const listeners_1 = require("./listeners");
const openClients_1 = require("./openClients");
const packetGuard_1 = require("./packetGuard");
const publishPolicy_1 = require("./publishPolicy");
const subscriptionPolicy_1 = require("./subscriptionPolicy");
const rateLog_1 = require("../rateLog");
const timers_1 = require("../timers");
class BrokerService {
    options;
    events;
    log;
    broker;
    listeners;
    store;
    /** What aedes is given as its persistence (persistence.ts). */
    persistence;
    lifecycle;
    /** Warnings about clients' bad input: bounded in memory and in log lines (see rateLog.ts). */
    warnings;
    rights;
    admission;
    /** Connections that completed the handshake and have not closed: what clientConnected/-Disconnected report. */
    open = new openClients_1.OpenClients();
    constructor(options, events, log) {
        this.options = options;
        this.events = events;
        this.log = log;
        this.warnings = new clientWarnings_1.ClientWarnings(log);
        this.rights = new clientRights_1.ClientRights(options);
        this.admission = new admission_1.Admission(options, this.rights, this.warnings, log);
    }
    /** Logins refused because their address was blocked after repeated failures. */
    get blockedLogins() {
        return this.admission.blockedLogins;
    }
    /** Logins refused unchecked because their account was locked after repeated failures from anywhere. */
    get lockedAccountLogins() {
        return this.admission.lockedAccountLogins;
    }
    /** Starts the broker and every listener; rejects (leaving nothing open) if a port cannot be bound. */
    async start() {
        const options = this.options;
        const store = await (0, brokerStore_1.openStore)(options, this.events, this.log);
        this.store = store;
        const persistence = store.persistence;
        this.persistence = persistence;
        const publishes = new publishPolicy_1.PublishPolicy(options, this.rights, this.warnings, this.events, persistence);
        const subscriptions = new subscriptionPolicy_1.SubscriptionPolicy(options, this.rights, this.warnings, this.events);
        const broker = await aedes_1.Aedes.createBroker({
            persistence,
            mq: store.mq,
            ...(0, limits_1.aedesLimits)(options),
            preConnect: this.admission.preConnect,
            authenticate: this.admission.authenticate,
            authorizePublish: publishes.authorize,
            authorizeSubscribe: subscriptions.authorize,
            authorizeForward: publishes.forward,
        });
        this.broker = broker;
        store.redis?.attach(broker);
        (0, aedesInternals_1.skipDroppedPublishes)(broker);
        const lifecycle = new clientLifecycle_1.ClientLifecycle(broker, options, this.events, this.log, persistence, store.redis?.presence, this.open);
        this.lifecycle = lifecycle;
        await lifecycle.start();
        subscriptions.watch(broker);
        const maxPacketBytes = options.maxPayloadSizeBytes + limits_1.PACKET_HEADROOM_BYTES;
        const listeners = new listeners_1.Listeners(options.listeners, (stream, request) => {
            (0, packetGuard_1.guardPackets)(stream, {
                maxPacketBytes,
                onOversize: declared => {
                    const address = (0, clientWarnings_1.streamAddress)(stream, request);
                    this.events.dropped?.(`packet declaring ${declared} bytes exceeds maxPayloadSize (${options.maxPayloadSizeBytes}) plus ${limits_1.PACKET_HEADROOM_BYTES} bytes for topic and properties: connection closed`, address);
                },
                onReservedFilter: filter => {
                    const address = (0, clientWarnings_1.streamAddress)(stream, request);
                    this.warnings.warnOnce('bad-filter', address, `A client from ${address} was disconnected: it subscribed to the reserved name '${(0, rateLog_1.clip)(filter)}'`);
                },
                onUnsupportedProtocol: (level, clientId) => this.warnings.refuseProtocol(clientId === undefined ? '?' : (0, rateLog_1.clip)(clientId), (0, clientWarnings_1.streamAddress)(stream, request), level),
            });
            broker.handle(stream, request);
        }, this.log, { maxConnections: options.maxClients, writeBufferBytes: (0, limits_1.writeBufferBytes)(options.maxPayloadSizeBytes) });
        this.listeners = listeners;
        this.admission.attach(listeners);
        try {
            await listeners.start();
        }
        catch (err) {
            await this.stop();
            throw err;
        }
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
            const closed = new Promise(resolve => broker.close(() => resolve()));
            // with Redis away, the store's last writes would wait for it: at most 1.2 s, then the connections are cut
            // (io-package stopTimeout is 2 s: js-controller ends the process after that)
            await (store?.redis ? Promise.race([closed, (0, timers_1.delay)(1200)]) : closed);
        }
        await store?.close();
    }
}
exports.BrokerService = BrokerService;
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
