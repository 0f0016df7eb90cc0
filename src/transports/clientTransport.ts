/**
 * Client mode's transport: an mqtt.js connection to an external broker (client/clientService.ts) behind the
 * `Transport` port. Resolves the URL and the certificates, remembers the subscribed patterns across restarts, and
 * marks the copies of its own messages a broker sends back (MQTT 3.1.1 has no 'no local').
 */
import { hostname } from 'node:os';
import { resolveBrokerUrl } from '../client/brokerUrl';
import { ClientService } from '../client/clientService';
import type { Instance } from '../iobroker/instance';
import type { RequestTransport } from '../requests';
import type { ClientSettings } from '../settings';
import type { ModeProfile, Transport, TransportEvents, TransportMessage } from '../transport';
import { MessageEchoGuard } from '../echoGuard';
import { ConfigError, errorText } from '../errorText';

export class ClientTransport implements Transport {
    readonly profile: ModeProfile;
    private service: ClientService | undefined;
    private requestTransport: RequestTransport | undefined;
    /**
     * What this instance published last per topic: a copy coming back from the broker (same topic and payload within
     * noEchoInterval) is not written, so two instances sharing a broker cannot ping-pong a value (or its ack flag).
     */
    private readonly ownMessages: MessageEchoGuard;
    /** Topics wanted besides the patterns (discovery), asked for before the service exists. */
    private extraTopics: string[] = [];

    constructor(
        private readonly instance: Instance,
        private readonly settings: ClientSettings,
    ) {
        this.ownMessages = new MessageEchoGuard(settings.noEchoIntervalMs);
        this.profile = {
            includeOwnStates: !settings.doNotSubscribeOwnStates,
            keepValues: settings.publishAllOnStart,
            publishAllOnConnect: settings.publishAllOnStart,
            publishOnSubscribe: false,
        };
    }

    get connected(): boolean {
        return this.service?.isConnected === true;
    }

    get requests(): RequestTransport | undefined {
        return this.requestTransport;
    }

    async prepare(events: TransportEvents): Promise<void> {
        const { settings, instance } = this;
        const log = instance.log;
        let href: string;
        try {
            href = resolveBrokerUrl(settings).href;
        } catch (err) {
            throw new ConfigError(`Invalid configuration: option 'url' ${errorText(err)}`);
        }
        const certs = await this.certificates();

        const lastSession = await instance.getOwnState('info.lastSession');
        let lastPatterns: string[] = [];
        try {
            const parsed: unknown = JSON.parse(String(lastSession?.val ?? '{}'));
            const patterns = (parsed as { patterns?: unknown }).patterns;
            lastPatterns = Array.isArray(patterns) ? patterns.filter((p): p is string => typeof p === 'string') : [];
        } catch {
            // nothing remembered
        }

        const service = new ClientService(
            {
                href,
                clientId: settings.clientId || `${hostname()}.${settings.namespace}`,
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
            },
            {
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
            },
            log,
        );
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

    start(): Promise<'pending'> {
        this.service?.start();
        return Promise.resolve('pending');
    }

    publish(message: TransportMessage): void {
        this.ownMessages.remember(message.topic, message.payload);
        this.service?.publish(message);
    }

    subscribe(topics: string[]): void {
        if (this.service) {
            this.service.addSubscriptions(topics);
        } else {
            this.extraTopics.push(...topics);
        }
    }

    unsubscribe(topics: string[]): void {
        if (this.service) {
            this.service.removeSubscriptions(topics);
        } else {
            this.extraTopics = this.extraTopics.filter(t => !topics.includes(t));
        }
    }

    async stop(): Promise<void> {
        await this.service?.stop();
    }

    /** Certificates named by options, as PEM text (a missing name is a configuration error naming the option). */
    private async certificates(): Promise<{ ca?: string; cert?: string; key?: string }> {
        const { caCert, clientCert, clientKey } = this.settings;
        const found = await this.instance.namedCertificates([
            ['caCert', caCert],
            ['clientCert', clientCert],
            ['clientKey', clientKey],
        ]);
        if ((clientCert === '') !== (clientKey === '')) {
            throw new ConfigError(
                `Invalid configuration: options 'clientCert' and 'clientKey' go together: set both or neither`,
            );
        }
        return { ca: found.caCert, cert: found.clientCert, key: found.clientKey };
    }
}
