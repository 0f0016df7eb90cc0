/**
 * Client mode: an mqtt.js connection to an external broker, mirrored into ioBroker through the engine.
 * Messages from subscribed patterns go through the ingest pipeline; state changes go through the publisher.
 */
import { hostname } from 'node:os';
import { resolveBrokerUrl } from './client/brokerUrl';
import { ClientService } from './client/clientService';
import { AdapterStore } from './iobroker/adapterStore';
import { buildStateMessage, parseSendMessage } from './messages';
import { ConfigError, MirrorMode, namedCertificates } from './mirrorMode';
import { Requests } from './requests';
import type { Settings } from './settings';
import { Stats } from './stats';
import { MessageEchoGuard } from './echoGuard';
import { errorText } from './errorText';

export class ClientMode extends MirrorMode {
    private readonly store: AdapterStore;
    private service: ClientService | undefined;
    private stats: Stats | undefined;
    private requests: Requests | undefined;
    /** What this instance published last per topic: a copy coming back from the broker is not written. */
    private readonly ownMessages: MessageEchoGuard;

    constructor(
        private readonly adapter: ioBroker.Adapter,
        private readonly settings: Settings,
        private readonly setConnected: (connected: boolean) => Promise<void>,
    ) {
        super();
        this.store = new AdapterStore(adapter);
        this.ownMessages = new MessageEchoGuard(settings.noEchoIntervalMs);
    }

    /** Certificates named by options, as PEM text (a missing name is a configuration error naming the option). */
    private async certificates(): Promise<{ ca?: string; cert?: string; key?: string }> {
        const { caCert, clientCert, clientKey } = this.settings;
        const found = await namedCertificates(this.adapter, [
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

    async start(): Promise<void> {
        const settings = this.settings;
        const adapter = this.adapter;
        let href: string;
        try {
            href = resolveBrokerUrl(settings).href;
        } catch (err) {
            throw new ConfigError(`Invalid configuration: option 'url' ${errorText(err)}`);
        }
        const certs = await this.certificates();
        const stats = new Stats(adapter, () => this.ingest?.dropped ?? 0);
        this.stats = stats;

        const lastSession = await adapter.getStateAsync('info.lastSession');
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
                connected: () => {
                    void this.setConnected(true);
                    if (this.discovery) {
                        // Home Assistant's birth message: devices send their discovery configs again
                        service.publish(this.discovery.birth);
                    }
                    if (settings.publishAllOnStart) {
                        this.publisher?.publishAll();
                    }
                },
                disconnected: () => {
                    this.publisher?.cancelPublishAll();
                    void this.setConnected(false);
                },
                message: (topic, payload, retain, contentType) => {
                    stats.messagesIn++;
                    if (this.ownMessages.isEcho(topic, payload)) {
                        return;
                    }
                    if (settings.debug) {
                        adapter.log.debug(`Received '${topic}' (${payload.length} bytes)`);
                    }
                    if (this.discovery?.onMessage(topic, payload)) {
                        return;
                    }
                    if (retain && this.reconcileRetained(topic, payload)) {
                        return;
                    }
                    void this.ingest?.handle(topic, payload, contentType);
                },
                admit: () => this.ingest?.admit(),
                dropped: reason => {
                    stats.dropped++;
                    adapter.log.debug(`Not sent: ${reason}`);
                },
                subscribed: patterns => {
                    void adapter.setStateAsync('info.lastSession', JSON.stringify({ patterns }), true);
                },
            },
            adapter.log,
        );
        this.service = service;

        const publisher = this.buildPipelines(
            settings,
            this.store,
            adapter.log,
            {
                includeOwnStates: !settings.doNotSubscribeOwnStates,
                retain: settings.retain,
                keepValues: settings.publishAllOnStart,
            },
            message => {
                stats.messagesOut++;
                this.rememberOwn(message.topic, message.payload);
                service.publish(message);
            },
        );

        const discovery = this.buildDiscovery(settings, this.store, adapter.log, {
            publish: message => {
                stats.messagesOut++;
                this.rememberOwn(message.topic, message.payload);
                service.publish(message);
            },
            subscribe: topics => service.addSubscriptions(topics),
        });
        if (discovery) {
            await discovery.start();
            service.addSubscriptions(discovery.filters);
        }

        await adapter.subscribeObjectsAsync('*');
        await publisher.start();
        stats.start();
        service.start();
    }

    /**
     * One truth (SPEC §8), at every connect: a retained message the broker sends on a topic the adapter publishes to,
     * whose state's value was set in ioBroker, is not written to the state; the broker's copy is made to agree
     * instead — replaced by the current value where the live rules retain it, else cleared (an empty retained
     * message: MQTT has no other way, so current subscribers of that topic see one empty message). An empty retained
     * message marks the state as cleared and never writes `null`. Returns true when the message was handled here.
     */
    private reconcileRetained(topic: string, payload: Buffer): boolean {
        if (payload.length === 0) {
            void this.ingest?.cleared(topic);
            return true;
        }
        const wanted = this.publisher?.retainedWanted(topic);
        if (!wanted?.owned) {
            return false;
        }
        const message = wanted.message;
        if (message && Buffer.from(message.payload).equals(payload)) {
            return true;
        }
        const correction = message ?? { topic, payload: '', qos: this.settings.defaultQoS, retain: true };
        this.adapter.log.info(
            `Retained '${topic}' on the broker disagreed with ioBroker: ${message ? 'replaced by the current value' : 'cleared (commands are not retained unless retainCommands)'}`,
        );
        this.rememberOwn(correction.topic, correction.payload);
        this.service?.publish(correction);
        return true;
    }

    /**
     * MQTT 3.1.1 has no 'no local': a broker sends a client's own messages back when its patterns match them.
     * Such a copy (same topic and payload within noEchoInterval) is not written, so two instances sharing a broker
     * cannot ping-pong a value (or its ack flag) between them.
     */
    private rememberOwn(topic: string, payload: string | Buffer): void {
        this.ownMessages.remember(topic, payload);
    }

    /** sendTo commands of client mode; undefined when the command is not one of them. */
    async handleMessage(command: string, message: unknown): Promise<Record<string, unknown> | undefined> {
        const service = this.service;
        const publisher = this.publisher;
        if (command !== 'sendMessage2Client' && command !== 'sendState2Client' && command !== 'request') {
            return undefined;
        }
        if (!service || !publisher) {
            return { error: 'not started' };
        }
        if (command === 'request') {
            if (!service.isConnected) {
                return { error: 'not connected to the broker' };
            }
            this.requests ??= new Requests(
                {
                    listen: (filter, onMessage) => service.listen(filter, onMessage),
                    publish: m => {
                        this.rememberOwn(m.topic, m.payload);
                        service.publishRequest(m);
                    },
                },
                this.settings.defaultQoS,
            );
            return this.requests.request(message);
        }
        if (command === 'sendMessage2Client') {
            const parsed = parseSendMessage(message, this.settings.defaultQoS);
            if ('error' in parsed) {
                return parsed;
            }
            if (!service.isConnected && parsed.qos === 0) {
                return { error: 'not connected to the broker' };
            }
            this.rememberOwn(parsed.topic, parsed.payload);
            service.publish(parsed);
            return { result: true };
        }
        const built = await buildStateMessage(message, publisher);
        if ('error' in built) {
            return built;
        }
        this.rememberOwn(built.topic, built.payload);
        service.publish({ ...built, retain: this.settings.retain });
        return { result: true };
    }

    async stop(): Promise<void> {
        this.publisher?.stop();
        this.ingest?.close(); // held messages go in now, so the client can read its acknowledgements and end
        await this.service?.stop();
        await this.discovery?.stop();
        await this.stats?.stop();
    }
}
