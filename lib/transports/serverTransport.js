"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ServerTransport = void 0;
/**
 * Server mode's transport: the embedded broker (broker/brokerService.ts) behind the `Transport` port. Builds the
 * broker from the settings (listeners, accounts, TLS, persistence), waits for Redis, keeps the client objects, and
 * reports clients' messages, subscriptions and refusals as transport events.
 */
const brokerService_1 = require("../broker/brokerService");
const rateLog_1 = require("../rateLog");
const errorText_1 = require("../errorText");
const timers_1 = require("../timers");
const serverChecks_1 = require("./serverChecks");
/** Errors of binding a listener: the configuration names a port or address that cannot be used. */
const LISTEN_ERRORS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EINVAL']);
class ServerTransport {
    instance;
    settings;
    profile;
    connected = true;
    retained;
    /** Warnings about clients' refused messages: once per cause and client, bounded (see rateLog.ts). */
    warnings;
    subscribers = new WeakMap();
    broker;
    clients;
    stopped = false;
    wake;
    constructor(instance, settings) {
        this.instance = instance;
        this.settings = settings;
        this.warnings = new rateLog_1.RateLimitedLog(instance.log);
        this.profile = {
            includeOwnStates: false,
            keepValues: settings.publishOnSubscribe || settings.publishAllOnStart,
            publishAllOnConnect: false,
            publishOnSubscribe: settings.publishOnSubscribe,
        };
        this.retained = {
            messages: async (filters) => (this.broker ? this.broker.retainedMessages(filters) : []),
            topics: async (filters) => (this.broker ? this.broker.retainedTopics(filters) : new Set()),
            clear: async (topic) => this.broker?.clearRetained(topic),
        };
    }
    get requests() {
        return this.broker?.requestTransport();
    }
    async prepare(events) {
        const { settings, instance } = this;
        const log = instance.log;
        const tls = settings.ssl ? await this.loadCertificates() : undefined;
        this.clients = instance.clientObjects({
            namespace: settings.namespace,
            createObjects: !settings.doNotCreateClientObjects,
            keepOfflineMin: settings.storeClientsTimeMin,
        });
        const clients = this.clients;
        this.broker = new brokerService_1.BrokerService({
            listeners: {
                bind: settings.bind,
                port: settings.port,
                tls,
                webSocket: settings.webSocket,
                wsPort: settings.wsPort,
            },
            persistence: settings.persistence,
            persistenceDir: instance.dataDir('broker'),
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
            accounts: await (0, serverChecks_1.accounts)(instance, settings.users),
        }, {
            clientPublish: (topic, payload, clientId, retain, contentType) => {
                if (settings.debug) {
                    log.debug(`Client '${(0, rateLog_1.clip)(clientId)}' published '${(0, rateLog_1.clip)(topic)}' (${payload.length} bytes)`);
                }
                events.message({ topic, payload, retain, stored: false, contentType });
            },
            admitPublish: () => events.admit(),
            clientConnected: (client, handle) => {
                log.info(`Client '${(0, rateLog_1.clip)(client.id)}' connected from ${client.ip ?? '?'}:${client.port ?? '?'}`);
                clients.onConnected(client);
                if (!client.clean) {
                    events.sessionResumed(this.subscriber(handle), () => this.subscriptionsOf(handle));
                }
            },
            clientDisconnected: clientId => {
                log.info(`Client '${(0, rateLog_1.clip)(clientId)}' disconnected`);
                clients.onDisconnected(clientId);
            },
            subscribed: (client, granted, offer) => {
                if (settings.debug) {
                    log.debug(`Client '${(0, rateLog_1.clip)(client.id)}' subscribed to ${granted.map(s => `'${(0, rateLog_1.clip)(s.topic)}'`).join(', ')}`);
                }
                events.subscribed(this.subscriber(client), offer);
            },
            dropped: (reason, clientId) => {
                events.dropped();
                this.warnings.warn(`drop-${reason.split(' ')[0] ?? ''}`, clientId, `Message from '${(0, rateLog_1.clip)(clientId)}' refused: ${reason}`);
            },
            allowSubscribe: (clientId, filter) => (0, serverChecks_1.allowSubscribe)(settings, instance, clientId, filter),
            storeConnection: up => events.connection(up),
        }, log);
    }
    async start() {
        const { settings, broker } = this;
        if (!broker) {
            return 'stopped';
        }
        await this.clients?.start();
        if (settings.persistence === 'redis' &&
            !(await (0, serverChecks_1.waitForRedis)(settings.redisUrl, this.instance.log, () => this.stopped, this.sleep))) {
            return 'stopped'; // stopped while waiting
        }
        try {
            await broker.start();
        }
        catch (err) {
            const reason = (0, errorText_1.errorText)(err);
            const code = err.code;
            // with Redis the broker's own start can fail for other reasons (e.g. Redis lost again): not a config error
            if (settings.persistence !== 'redis' || (typeof code === 'string' && LISTEN_ERRORS.has(code))) {
                throw new errorText_1.ConfigError(`Cannot listen on ${settings.bind} (options 'bind'/'port'/'wsPort'): ${reason}`);
            }
            throw err;
        }
        if (this.stopped) {
            await broker.stop(); // the instance was stopped while the broker started
            return 'stopped';
        }
        (0, serverChecks_1.warnIfOpen)(settings, this.instance);
        if (settings.persistence === 'redis') {
            await (0, serverChecks_1.warnIfMaskShared)(settings, this.instance);
        }
        return 'online';
    }
    publish(message) {
        this.broker?.publish(message);
    }
    async stop() {
        this.stopped = true;
        this.wake?.();
        await this.broker?.stop();
        await this.clients?.stop();
    }
    /** Waits `ms` (the Redis back-off); `stop` ends the wait at once. */
    sleep = (ms) => new Promise(resolve => {
        const timer = timers_1.timers.setTimeout(resolve, ms);
        this.wake = () => {
            timers_1.timers.clearTimeout(timer);
            resolve();
        };
    });
    /** One subscriber per client, so that its subscriptions are offered one batch at a time. */
    subscriber(client) {
        let subscriber = this.subscribers.get(client);
        if (!subscriber) {
            subscriber = {
                get closed() {
                    return client.closed;
                },
                deliver: message => this.broker?.sendToClient(client, message),
            };
            this.subscribers.set(client, subscriber);
        }
        return subscriber;
    }
    async subscriptionsOf(client) {
        return this.broker ? this.broker.subscriptionsOf(client) : [];
    }
    async loadCertificates() {
        const { certPublic, certPrivate, certChained } = this.settings;
        await this.instance.namedCertificates([
            ['certPublic', certPublic],
            ['certPrivate', certPrivate],
            ['certChained', certChained],
        ]);
        try {
            return await this.instance.certificates(certPublic, certPrivate, certChained);
        }
        catch (err) {
            const reason = (0, errorText_1.errorText)(err);
            throw new errorText_1.ConfigError(`options 'certPublic'/'certPrivate'${certChained ? "/'certChained'" : ''}: the certificates '${certPublic}', '${certPrivate}'${certChained ? `, '${certChained}'` : ''} cannot be loaded from the system certificates (${reason})`);
        }
    }
}
exports.ServerTransport = ServerTransport;
