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
exports.ServerMode = void 0;
/**
 * Server mode: the embedded broker, mirrored into ioBroker through the engine. Messages clients publish go through
 * the ingest pipeline; state changes go through the publisher into the broker.
 */
const node_path_1 = __importDefault(require("node:path"));
const utils = __importStar(require("@iobroker/adapter-core"));
const accessControl_1 = require("./broker/accessControl");
const brokerService_1 = require("./broker/brokerService");
const adapterStore_1 = require("./iobroker/adapterStore");
const clientObjects_1 = require("./iobroker/clientObjects");
const rateLog_1 = require("./rateLog");
const filter_1 = require("./mapping/filter");
const messages_1 = require("./messages");
const topic_1 = require("./mapping/topic");
const mirrorMode_1 = require("./mirrorMode");
const requests_1 = require("./requests");
const settings_1 = require("./settings");
const stats_1 = require("./stats");
const errorText_1 = require("./errorText");
const timers_1 = require("./timers");
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
/** Errors of binding a listener: the configuration names a port or address that cannot be used. */
const LISTEN_ERRORS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EINVAL']);
class ServerMode extends mirrorMode_1.MirrorMode {
    adapter;
    settings;
    connected;
    store;
    /** Warnings about clients' refused messages: once per cause and client, bounded (see rateLog.ts). */
    warnings;
    broker;
    clients;
    stats;
    timers = new Set();
    /** publishOnSubscribe: per client, the subscriptions waiting for the batch in progress. */
    offers = new WeakMap();
    requests;
    stopped = false;
    wake;
    constructor(adapter, settings, 
    /** info.connection: true while the broker listens (and, with Redis, while Redis answers). */
    connected) {
        super();
        this.adapter = adapter;
        this.settings = settings;
        this.connected = connected;
        this.store = new adapterStore_1.AdapterStore(adapter);
        this.warnings = new rateLog_1.RateLimitedLog(adapter.log);
    }
    async start() {
        const settings = this.settings;
        const adapter = this.adapter;
        const tls = settings.ssl ? await this.loadCertificates() : undefined;
        const stats = new stats_1.Stats(adapter, () => this.ingest?.dropped ?? 0);
        this.stats = stats;
        const clients = new clientObjects_1.ClientObjects(adapter, {
            namespace: settings.namespace,
            createObjects: !settings.doNotCreateClientObjects,
            keepOfflineMin: settings.storeClientsTimeMin,
        });
        this.clients = clients;
        const broker = new brokerService_1.BrokerService({
            listeners: {
                bind: settings.bind,
                port: settings.port,
                tls,
                webSocket: settings.webSocket,
                wsPort: settings.wsPort,
            },
            persistence: settings.persistence,
            persistenceDir: node_path_1.default.join(utils.getAbsoluteInstanceDataDir(adapter), 'broker'),
            redisUrl: settings.redisUrl,
            user: settings.user,
            pass: settings.pass,
            maxClients: settings.maxClients,
            maxSubscriptions: settings.maxSubscriptions,
            maxPayloadSizeBytes: settings.maxPayloadSizeBytes,
            forceCleanSession: settings.forceCleanSession,
            storeClientsTimeMin: settings.storeClientsTimeMin,
            maxQueuedMessages: settings.maxQueuedMessages,
            mqtt5: settings.mqtt5,
            accounts: await this.accounts(),
        }, {
            clientPublish: (topic, payload, clientId, retain, contentType) => {
                stats.messagesIn++;
                if (settings.debug) {
                    adapter.log.debug(`Client '${(0, rateLog_1.clip)(clientId)}' published '${(0, rateLog_1.clip)(topic)}' (${payload.length} bytes)`);
                }
                if (this.discovery?.onMessage(topic, payload)) {
                    return;
                }
                if (retain && payload.length === 0) {
                    // clears the retained copy (the broker did that); the state is not set to null (SPEC §8)
                    void this.ingest?.cleared(topic);
                    return;
                }
                void this.ingest?.handle(topic, payload, contentType);
            },
            admitPublish: () => this.ingest?.admit(),
            clientConnected: (client, handle) => {
                adapter.log.info(`Client '${(0, rateLog_1.clip)(client.id)}' connected from ${client.ip ?? '?'}:${client.port ?? '?'}`);
                clients.onConnected(client);
                if (settings.publishAllOnStart && !client.clean) {
                    this.later(settings.sendOnStartIntervalMs, () => void this.sendSessionValues(handle));
                }
            },
            clientDisconnected: clientId => {
                adapter.log.info(`Client '${(0, rateLog_1.clip)(clientId)}' disconnected`);
                clients.onDisconnected(clientId);
            },
            subscribed: (client, granted, offer) => {
                if (settings.debug) {
                    adapter.log.debug(`Client '${(0, rateLog_1.clip)(client.id)}' subscribed to ${granted.map(s => `'${(0, rateLog_1.clip)(s.topic)}'`).join(', ')}`);
                }
                if (settings.publishOnSubscribe) {
                    this.offerCurrentValues(client, offer);
                }
                const discovery = this.discovery;
                if (discovery && offer.some(s => discovery.wantsBirth(s.topic))) {
                    // Home Assistant's birth message: the device sends its discovery configs again
                    this.broker?.sendToClient(client, discovery.birth);
                }
            },
            dropped: (reason, clientId) => {
                stats.dropped++;
                this.warnings.warn(`drop-${reason.split(' ')[0] ?? ''}`, clientId, `Message from '${(0, rateLog_1.clip)(clientId)}' refused: ${reason}`);
            },
            allowSubscribe: (clientId, filter) => this.allowSubscribe(clientId, filter),
            storeConnection: up => this.connected(up).catch((err) => adapter.log.warn(`Cannot set info.connection: ${(0, errorText_1.errorText)(err)}`)),
        }, adapter.log);
        const publisher = this.buildPipelines(settings, this.store, adapter.log, {
            includeOwnStates: false,
            retain: !settings.noRetain,
            keepValues: settings.publishOnSubscribe || settings.publishAllOnStart,
        }, message => {
            stats.messagesOut++;
            broker.publish(message);
        });
        this.broker = broker;
        await this.buildDiscovery(settings, this.store, adapter.log, {
            publish: message => {
                stats.messagesOut++;
                broker.publish(message);
            },
        })?.start();
        await adapter.subscribeObjectsAsync('*');
        await publisher.start();
        await clients.start();
        if (settings.persistence === 'redis' && !(await this.waitForRedis())) {
            return; // stopped while waiting
        }
        try {
            await broker.start();
        }
        catch (err) {
            const reason = (0, errorText_1.errorText)(err);
            const code = err.code;
            // with Redis the broker's own start can fail for other reasons (e.g. Redis lost again): not a config error
            if (settings.persistence !== 'redis' || (typeof code === 'string' && LISTEN_ERRORS.has(code))) {
                throw new mirrorMode_1.ConfigError(`Cannot listen on ${settings.bind} (options 'bind'/'port'/'wsPort'): ${reason}`);
            }
            throw err;
        }
        if (this.stopped) {
            await broker.stop(); // the instance was stopped while the broker started
            return;
        }
        stats.start();
        await this.reconcileRetained();
        await this.startDiscovery();
        this.warnIfOpen();
        if (settings.persistence === 'redis') {
            await this.warnIfMaskShared();
        }
        await this.connected(true);
    }
    /**
     * With a shared broker each instance publishes the changes of its own publish mask; two instances whose masks
     * overlap would both publish every change of those states. Said once at start, naming the other instance.
     */
    async warnIfMaskShared() {
        const { namespace, redisUrl, publish } = this.settings;
        const view = await this.adapter.getObjectViewAsync('system', 'instance', {
            startkey: 'system.adapter.mqtt-gateway.',
            endkey: 'system.adapter.mqtt-gateway.\u9999',
        });
        // a sample id of a mask: its wildcards filled in
        const sample = (mask) => mask.replace(/\*/g, 'x');
        for (const row of view.rows) {
            const native = row.value?.native;
            if (row.id === `system.adapter.${namespace}` ||
                !native ||
                native.type !== 'server' ||
                native.persistence !== 'redis' ||
                (typeof native.redisUrl === 'string' ? native.redisUrl.trim() : '') !== redisUrl ||
                row.value?.common.enabled === false) {
                continue;
            }
            const theirs = (0, filter_1.splitList)(typeof native.publish === 'string' ? native.publish : '')
                .filter(mask => !(0, filter_1.idMaskError)(mask))
                .map(mask => (0, filter_1.compileIdMask)(mask));
            const shared = publish.filter(ours => theirs.some(other => ours.matches(sample(other.mask)) || other.matches(sample(ours.mask))));
            if (shared.length > 0) {
                this.adapter.log.warn(`${row.id.replace('system.adapter.', '')} shares this broker (same redisUrl) and its publish mask overlaps '${shared.map(m => m.mask).join("', '")}': subscribers would get each change of those states twice. Keep a mask of foreign states on one instance only.`);
            }
        }
    }
    /**
     * `persistence: redis`: the broker starts only once Redis answers. Until then the instance keeps running and
     * tries again after 5, 10, 20, 40, then every 60 s (no crash loop); false when the instance stops meanwhile.
     */
    async waitForRedis() {
        const where = (0, settings_1.redisUrlForLog)(this.settings.redisUrl);
        for (let attempt = 0; !this.stopped; attempt++) {
            try {
                // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: ioredis only with redis
                const { probeRedis } = require('./broker/redisLink');
                await probeRedis(this.settings.redisUrl, 5000);
                if (attempt > 0) {
                    this.adapter.log.info(`Redis ${where} answers now: starting the broker`);
                }
                return !this.stopped;
            }
            catch (err) {
                const reason = (0, errorText_1.errorText)(err).replace(/\.+$/, '');
                const delayMs = Math.min(5000 * 2 ** attempt, 60_000);
                const message = `Redis ${where} (option 'redisUrl') is not reachable: ${reason}. The broker starts as soon as it answers; next try in ${delayMs / 1000} s`;
                if (attempt === 0) {
                    this.adapter.log.error(message);
                }
                else {
                    this.adapter.log.info(message);
                }
                await new Promise(resolve => {
                    this.wake = resolve;
                    this.later(delayMs, resolve);
                });
            }
        }
        return false;
    }
    /**
     * The `users` table as broker accounts. Passwords entered in admin are stored as scrypt hashes: at the first
     * start after an edit the plain text is replaced in the instance's settings (never kept, never logged).
     */
    async accounts() {
        const users = this.settings.users;
        const plain = users.filter(u => u.pass !== '');
        if (plain.length > 0) {
            for (const user of plain) {
                user.passHash = (0, accessControl_1.hashPassword)(user.pass);
            }
            const id = `system.adapter.${this.settings.namespace}`;
            const stored = users.map(u => ({
                user: u.user,
                pass: '',
                passHash: u.passHash,
                publish: u.publish.join(','),
                subscribe: u.subscribe.join(','),
                readOnly: u.readOnly,
                enabled: u.enabled,
            }));
            // replace the whole object: a deep merge would keep the old table rows and their plain passwords
            const instance = await this.adapter.getForeignObjectAsync(id);
            if (instance) {
                instance.native.users = stored;
                await this.adapter.setForeignObjectAsync(id, instance);
            }
            this.adapter.log.info(`Stored ${plain.length} new password(s) of 'users' as hashes`);
        }
        return users.map(u => ({
            user: u.user,
            pass: undefined,
            passHash: u.passHash,
            publish: u.publish,
            subscribe: u.subscribe,
            readOnly: u.readOnly,
            enabled: u.enabled,
            full: false,
        }));
    }
    async loadCertificates() {
        const { certPublic, certPrivate, certChained } = this.settings;
        await (0, mirrorMode_1.namedCertificates)(this.adapter, [
            ['certPublic', certPublic],
            ['certPrivate', certPrivate],
            ['certChained', certChained],
        ]);
        try {
            const result = await this.adapter.getCertificatesAsync(certPublic, certPrivate, certChained || undefined);
            const certs = Array.isArray(result) ? result[0] : result;
            if (!certs?.key || !certs.cert) {
                throw new Error('empty certificate');
            }
            const ca = certs.ca;
            return { key: certs.key, cert: certs.cert, ca: Array.isArray(ca) ? ca.join('\n') : ca };
        }
        catch (err) {
            const reason = (0, errorText_1.errorText)(err);
            throw new mirrorMode_1.ConfigError(`options 'certPublic'/'certPrivate'${certChained ? "/'certChained'" : ''}: the certificates '${certPublic}', '${certPrivate}'${certChained ? `, '${certChained}'` : ''} cannot be loaded from the system certificates (${reason})`);
        }
    }
    warnIfOpen() {
        const { user, bind, doNotCheckPublicIP, users } = this.settings;
        if (user || users.length > 0 || doNotCheckPublicIP || LOOPBACK.test(bind)) {
            return;
        }
        const message = `The MQTT broker accepts anonymous clients on ${bind}, which is not a loopback address: set a user and password, bind to 127.0.0.1, or set doNotCheckPublicIP if this is intended`;
        this.adapter.log.warn(message);
        const notify = this.adapter.registerNotification;
        if (notify) {
            void notify.call(this.adapter, 'system', null, message).catch(() => undefined);
        }
    }
    later(ms, task) {
        const timer = timers_1.timers.setTimeout(() => {
            this.timers.delete(timer);
            task();
        }, ms);
        this.timers.add(timer);
    }
    /** SUBACK 0x80 for filters in ignoredTopics, and, with ignoreNewObjects, for exact topics without a state. */
    async allowSubscribe(clientId, filter) {
        const { ignoredTopics, ignoreNewObjects } = this.settings;
        const exact = (0, filter_1.topicNameError)(filter) === undefined;
        const refuse = (why) => {
            this.adapter.log.info(`Client '${(0, rateLog_1.clip)(clientId)}' may not subscribe to '${(0, rateLog_1.clip)(filter)}': ${why}`);
            return false;
        };
        if (ignoredTopics.some(f => f.filter === filter) || (exact && (0, filter_1.matchesAnyFilter)(ignoredTopics, filter))) {
            return refuse('it is in ignoredTopics');
        }
        if (ignoreNewObjects && exact) {
            const target = (0, topic_1.topicToId)(filter, this.settings);
            const known = target &&
                ((await this.store.getObject(target.ownId)) ||
                    (target.foreignId !== undefined && (await this.store.getObject(target.foreignId))));
            if (!known) {
                return refuse('ignoreNewObjects is set and no state exists for it');
            }
        }
        return true;
    }
    /**
     * publishOnSubscribe: a new subscription gets the current value of every matching published state at once,
     * exactly one copy per topic — topics the retained store already delivered are left out. A client's
     * subscriptions are offered one batch at a time: those that arrive meanwhile wait and go together, so a client
     * that subscribes a lot costs one pass over the states per batch, not one per filter.
     */
    offerCurrentValues(client, granted) {
        const pending = this.offers.get(client);
        if (pending) {
            pending.push(...granted);
            return;
        }
        const queue = [...granted];
        this.offers.set(client, queue);
        const run = async () => {
            while (queue.length > 0 && !client.closed) {
                await this.sendCurrentValues(client, queue.splice(0));
            }
        };
        run()
            .catch((err) => this.adapter.log.warn(`Cannot send current values: ${(0, errorText_1.errorText)(err)}`))
            .finally(() => this.offers.delete(client));
    }
    /** Exact filters by lookup, wildcard filters in one pass over the published states. */
    async sendCurrentValues(client, granted) {
        const broker = this.broker;
        const publisher = this.publisher;
        if (!broker || !publisher) {
            return;
        }
        const valid = granted.filter(s => s.qos <= 2 && !(0, filter_1.topicFilterError)(s.topic));
        if (valid.length === 0) {
            return;
        }
        const retained = await broker.retainedTopics(valid.map(s => s.topic));
        const wildcards = valid
            .filter(s => /[+#]/.test(s.topic))
            .map(s => ({ subscription: s, filter: (0, filter_1.compileTopicFilter)(s.topic) }));
        const scanned = wildcards.length > 0
            ? await publisher.currentMessages(topic => !retained.has(topic) && wildcards.some(w => w.filter.matches(topic)))
            : [];
        for (const subscription of valid) {
            const wildcard = wildcards.find(w => w.subscription === subscription);
            const messages = wildcard
                ? scanned.filter(m => wildcard.filter.matches(m.topic))
                : retained.has(subscription.topic)
                    ? []
                    : await publisher.currentMessagesForTopic(subscription.topic);
            this.deliver(client, messages, subscription.qos);
        }
    }
    /**
     * One truth (SPEC §8), at every start (an option change restarts the instance): for each retained message on a
     * topic the adapter publishes to, whose state's value was set in ioBroker, the retained copy becomes what the
     * live rules would retain now — the current status (sendAckToo, not noRetain), the current command only with
     * retainCommands, else none. Retained messages of values that came from MQTT are the devices' and stay.
     */
    async reconcileRetained() {
        const broker = this.broker;
        const publisher = this.publisher;
        if (!broker || !publisher) {
            return;
        }
        let cleared = 0;
        let replaced = 0;
        for (const packet of await broker.retainedMessages(['#'])) {
            const wanted = publisher.retainedWanted(packet.topic);
            if (!wanted.owned) {
                continue;
            }
            if (!wanted.message) {
                await broker.clearRetained(packet.topic);
                cleared++;
            }
            else if (!Buffer.from(wanted.message.payload).equals(packet.payload)) {
                broker.publish(wanted.message);
                replaced++;
            }
        }
        if (cleared + replaced > 0) {
            this.adapter.log.info(`Retained messages made to agree with ioBroker: ${replaced} replaced by the current value, ${cleared} removed (commands are not retained unless retainCommands; noRetain keeps no status)`);
        }
    }
    /** publishAllOnStart for a persistent session that reconnects: current values of its stored subscriptions. */
    async sendSessionValues(client) {
        const broker = this.broker;
        const publisher = this.publisher;
        if (!broker || !publisher || client.closed) {
            return;
        }
        const subscriptions = await broker.subscriptionsOf(client);
        const valid = subscriptions.filter(s => !(0, filter_1.topicFilterError)(s.topic));
        if (valid.length === 0) {
            return;
        }
        const filters = valid.map(s => ({ filter: (0, filter_1.compileTopicFilter)(s.topic), qos: s.qos }));
        const messages = await publisher.currentMessages(topic => filters.some(f => f.filter.matches(topic)));
        for (const message of messages) {
            const qos = Math.max(...filters.filter(f => f.filter.matches(message.topic)).map(f => f.qos));
            this.deliver(client, [message], qos);
        }
    }
    deliver(client, messages, subscriptionQos) {
        for (const message of messages) {
            this.stats && this.stats.messagesOut++;
            this.broker?.sendToClient(client, {
                ...message,
                // the current value of a state, like a retained message; QoS capped by the subscription
                qos: Math.min(message.qos, subscriptionQos),
                retain: true,
            });
        }
    }
    /** sendTo commands of server mode; undefined when the command is not one of them. */
    async handleMessage(command, message) {
        const broker = this.broker;
        const publisher = this.publisher;
        if (!broker || !publisher) {
            return ['sendMessage2Client', 'sendState2Client', 'request'].includes(command)
                ? { error: 'not started' }
                : undefined;
        }
        if (command === 'request') {
            this.requests ??= new requests_1.Requests(broker.requestTransport(), this.settings.defaultQoS);
            return this.requests.request(message);
        }
        if (command === 'sendMessage2Client') {
            const parsed = (0, messages_1.parseSendMessage)(message, this.settings.defaultQoS);
            if ('error' in parsed) {
                return parsed;
            }
            this.stats && this.stats.messagesOut++;
            broker.publish(parsed);
            return { result: true };
        }
        if (command === 'sendState2Client') {
            const built = await (0, messages_1.buildStateMessage)(message, publisher);
            if ('error' in built) {
                return built;
            }
            this.stats && this.stats.messagesOut++;
            broker.publish({ ...built, retain: !this.settings.noRetain });
            return { result: true };
        }
        return undefined;
    }
    /**
     * Discovery from what the broker kept: retained configs (devices announce themselves retained), then retained
     * values of the entities' topics; then the birth message for the devices that are connected.
     */
    async startDiscovery() {
        const { discovery, broker } = this;
        if (!discovery || !broker) {
            return;
        }
        for (const message of await broker.retainedMessages(discovery.filters)) {
            discovery.onMessage(message.topic, message.payload);
        }
        const topics = discovery.topics;
        for (const message of topics.length > 0 ? await broker.retainedMessages(topics) : []) {
            discovery.onMessage(message.topic, message.payload);
        }
        broker.publish(discovery.birth);
    }
    async stop() {
        this.stopped = true;
        await this.discovery?.stop();
        this.wake?.();
        for (const timer of this.timers) {
            timers_1.timers.clearTimeout(timer);
        }
        this.timers.clear();
        this.publisher?.stop();
        this.ingest?.close(); // held messages go in now: nothing waits for a database that is going away
        await this.broker?.stop();
        await this.clients?.stop();
        await this.stats?.stop();
    }
}
exports.ServerMode = ServerMode;
