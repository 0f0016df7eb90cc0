"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ClientTransport = void 0;
/**
 * Client mode's transport: an mqtt.js connection to an external broker (client/clientService.ts) behind the
 * `Transport` port. Resolves the URL and the certificates, remembers the subscribed patterns across restarts, and
 * marks the copies of its own messages a broker sends back (MQTT 3.1.1 has no 'no local').
 */
const node_os_1 = require("node:os");
const brokerUrl_1 = require("../client/brokerUrl");
const clientService_1 = require("../client/clientService");
const echoGuard_1 = require("../echoGuard");
const errorText_1 = require("../errorText");
class ClientTransport {
    instance;
    settings;
    profile;
    service;
    requestTransport;
    /**
     * What this instance published last per topic: a copy coming back from the broker (same topic and payload within
     * noEchoInterval) is not written, so two instances sharing a broker cannot ping-pong a value (or its ack flag).
     */
    ownMessages;
    /** Topics wanted besides the patterns (discovery), asked for before the service exists. */
    extraTopics = [];
    constructor(instance, settings) {
        this.instance = instance;
        this.settings = settings;
        this.ownMessages = new echoGuard_1.MessageEchoGuard(settings.noEchoIntervalMs);
        this.profile = {
            includeOwnStates: !settings.doNotSubscribeOwnStates,
            keepValues: settings.publishAllOnStart,
            publishAllOnConnect: settings.publishAllOnStart,
            publishOnSubscribe: false,
        };
    }
    get connected() {
        return this.service?.isConnected === true;
    }
    get requests() {
        return this.requestTransport;
    }
    async prepare(events) {
        const { settings, instance } = this;
        const log = instance.log;
        let href;
        try {
            href = (0, brokerUrl_1.resolveBrokerUrl)(settings).href;
        }
        catch (err) {
            throw new errorText_1.ConfigError(`Invalid configuration: option 'url' ${(0, errorText_1.errorText)(err)}`);
        }
        const certs = await this.certificates();
        const lastSession = await instance.getOwnState('info.lastSession');
        let lastPatterns = [];
        try {
            const parsed = JSON.parse(String(lastSession?.val ?? '{}'));
            const patterns = parsed.patterns;
            lastPatterns = Array.isArray(patterns) ? patterns.filter((p) => typeof p === 'string') : [];
        }
        catch {
            // nothing remembered
        }
        const service = new clientService_1.ClientService({
            href,
            clientId: settings.clientId || `${(0, node_os_1.hostname)()}.${settings.namespace}`,
            username: settings.user,
            password: settings.pass,
            protocolVersion: settings.protocolVersion,
            keepaliveSec: settings.keepaliveSec,
            reconnectPeriodSec: settings.reconnectPeriodSec,
            connectTimeoutSec: settings.connectTimeoutSec,
            persistent: settings.persistent,
            rejectUnauthorized: settings.rejectUnauthorized,
            ...certs,
            lwtTopic: settings.lwtTopic,
            lwtPayload: settings.lwtPayload,
            birthPayload: settings.birthPayload,
            patterns: settings.patterns.map(p => p.filter),
            lastPatterns,
            defaultQoS: settings.defaultQoS,
            maxQueued: settings.maxQueuedMessages,
        }, {
            connected: () => events.online(),
            disconnected: () => events.offline(),
            message: (topic, payload, retain, contentType) => {
                const echo = this.ownMessages.isEcho(topic, payload);
                if (!echo && settings.debug) {
                    log.debug(`Received '${topic}' (${payload.length} bytes)`);
                }
                events.message({ topic, payload, retain, stored: retain, contentType, ...(echo ? { echo } : {}) });
            },
            admit: () => events.admit(),
            dropped: reason => {
                events.dropped();
                log.debug(`Not sent: ${reason}`);
            },
            subscribed: patterns => {
                void instance.setOwnState('info.lastSession', JSON.stringify({ patterns }));
            },
        }, log);
        this.service = service;
        this.requestTransport = {
            listen: (filter, onMessage) => service.listen(filter, onMessage),
            publish: m => {
                this.ownMessages.remember(m.topic, m.payload);
                service.publishRequest(m);
            },
        };
        if (this.extraTopics.length > 0) {
            service.addSubscriptions(this.extraTopics.splice(0));
        }
    }
    start() {
        this.service?.start();
        return Promise.resolve('pending');
    }
    publish(message) {
        this.ownMessages.remember(message.topic, message.payload);
        this.service?.publish(message);
    }
    subscribe(topics) {
        if (this.service) {
            this.service.addSubscriptions(topics);
        }
        else {
            this.extraTopics.push(...topics);
        }
    }
    unsubscribe(topics) {
        if (this.service) {
            this.service.removeSubscriptions(topics);
        }
        else {
            this.extraTopics = this.extraTopics.filter(t => !topics.includes(t));
        }
    }
    async stop() {
        await this.service?.stop();
    }
    /** Certificates named by options, as PEM text (a missing name is a configuration error naming the option). */
    async certificates() {
        const { caCert, clientCert, clientKey } = this.settings;
        const found = await this.instance.namedCertificates([
            ['caCert', caCert],
            ['clientCert', clientCert],
            ['clientKey', clientKey],
        ]);
        if ((clientCert === '') !== (clientKey === '')) {
            throw new errorText_1.ConfigError(`Invalid configuration: options 'clientCert' and 'clientKey' go together: set both or neither`);
        }
        return { ca: found.caCert, cert: found.clientCert, key: found.clientKey };
    }
}
exports.ClientTransport = ClientTransport;
