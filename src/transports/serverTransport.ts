/**
 * Server mode's transport: the embedded broker (broker/brokerService.ts) behind the `Transport` port. Builds the
 * broker from the settings (listeners, accounts, TLS, persistence), waits for Redis, keeps the client objects, and
 * reports clients' messages, subscriptions and refusals as transport events.
 */
import { BrokerService, type Client, type Subscription } from '../broker/brokerService';
import type { ClientObjects } from '../iobroker/clientObjects';
import type { Certificates, Instance } from '../iobroker/instance';
import type { RequestTransport } from '../requests';
import type { ServerSettings } from '../settings';
import type {
    ModeProfile,
    RetainedStore,
    Subscriber,
    Transport,
    TransportEvents,
    TransportMessage,
} from '../transport';
import { clip, RateLimitedLog } from '../rateLog';
import { ConfigError, errorText } from '../errorText';
import { timers } from '../timers';
import { accounts, allowSubscribe, warnIfMaskShared, warnIfOpen, waitForRedis } from './serverChecks';

/** Errors of binding a listener: the configuration names a port or address that cannot be used. */
const LISTEN_ERRORS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EINVAL']);

export class ServerTransport implements Transport {
    readonly profile: ModeProfile;
    readonly connected = true;
    readonly retained: RetainedStore;
    /** Warnings about clients' refused messages: once per cause and client, bounded (see rateLog.ts). */
    private readonly warnings: RateLimitedLog;
    private readonly subscribers = new WeakMap<Client, Subscriber>();
    private broker: BrokerService | undefined;
    private clients: ClientObjects | undefined;
    private stopped = false;
    private wake: (() => void) | undefined;

    constructor(
        private readonly instance: Instance,
        private readonly settings: ServerSettings,
    ) {
        this.warnings = new RateLimitedLog(instance.log);
        this.profile = {
            includeOwnStates: false,
            keepValues: settings.publishOnSubscribe || settings.publishAllOnStart,
            publishAllOnConnect: false,
            publishOnSubscribe: settings.publishOnSubscribe,
        };
        this.retained = {
            messages: async filters => (this.broker ? this.broker.retainedMessages(filters) : []),
            topics: async filters => (this.broker ? this.broker.retainedTopics(filters) : new Set<string>()),
            clear: async topic => this.broker?.clearRetained(topic),
        };
    }

    get requests(): RequestTransport | undefined {
        return this.broker?.requestTransport();
    }

    async prepare(events: TransportEvents): Promise<void> {
        const { settings, instance } = this;
        const log = instance.log;
        const tls = settings.ssl ? await this.loadCertificates() : undefined;
        this.clients = instance.clientObjects({
            namespace: settings.namespace,
            createObjects: !settings.doNotCreateClientObjects,
            keepOfflineMin: settings.storeClientsTimeMin,
        });
        const clients = this.clients;
        this.broker = new BrokerService(
            {
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
                accounts: await accounts(instance, settings.users),
            },
            {
                clientPublish: (topic, payload, clientId, retain, contentType) => {
                    if (settings.debug) {
                        log.debug(`Client '${clip(clientId)}' published '${clip(topic)}' (${payload.length} bytes)`);
                    }
                    events.message({ topic, payload, retain, stored: false, contentType });
                },
                admitPublish: () => events.admit(),
                clientConnected: (client, handle) => {
                    log.info(`Client '${clip(client.id)}' connected from ${client.ip ?? '?'}:${client.port ?? '?'}`);
                    clients.onConnected(client);
                    if (!client.clean) {
                        events.sessionResumed(this.subscriber(handle), () => this.subscriptionsOf(handle));
                    }
                },
                clientDisconnected: clientId => {
                    log.info(`Client '${clip(clientId)}' disconnected`);
                    clients.onDisconnected(clientId);
                },
                subscribed: (client, granted, offer) => {
                    if (settings.debug) {
                        log.debug(
                            `Client '${clip(client.id)}' subscribed to ${granted.map(s => `'${clip(s.topic)}'`).join(', ')}`,
                        );
                    }
                    events.subscribed(this.subscriber(client), offer);
                },
                dropped: (reason, clientId) => {
                    events.dropped();
                    this.warnings.warn(
                        `drop-${reason.split(' ')[0] ?? ''}`,
                        clientId,
                        `Message from '${clip(clientId)}' refused: ${reason}`,
                    );
                },
                allowSubscribe: (clientId, filter) => allowSubscribe(settings, instance, clientId, filter),
                storeConnection: up => events.connection(up),
            },
            log,
        );
    }

    async start(): Promise<'online' | 'stopped'> {
        const { settings, broker } = this;
        if (!broker) {
            return 'stopped';
        }
        await this.clients?.start();
        if (
            settings.persistence === 'redis' &&
            !(await waitForRedis(settings.redisUrl, this.instance.log, () => this.stopped, this.sleep))
        ) {
            return 'stopped'; // stopped while waiting
        }
        try {
            await broker.start();
        } catch (err) {
            const reason = errorText(err);
            const code = (err as { code?: unknown }).code;
            // with Redis the broker's own start can fail for other reasons (e.g. Redis lost again): not a config error
            if (settings.persistence !== 'redis' || (typeof code === 'string' && LISTEN_ERRORS.has(code))) {
                throw new ConfigError(`Cannot listen on ${settings.bind} (options 'bind'/'port'/'wsPort'): ${reason}`);
            }
            throw err;
        }
        if (this.stopped) {
            await broker.stop(); // the instance was stopped while the broker started
            return 'stopped';
        }
        warnIfOpen(settings, this.instance);
        if (settings.persistence === 'redis') {
            await warnIfMaskShared(settings, this.instance);
        }
        return 'online';
    }

    publish(message: TransportMessage): void {
        this.broker?.publish(message);
    }

    async stop(): Promise<void> {
        this.stopped = true;
        this.wake?.();
        await this.broker?.stop();
        await this.clients?.stop();
    }

    /** Waits `ms` (the Redis back-off); `stop` ends the wait at once. */
    private readonly sleep = (ms: number): Promise<void> =>
        new Promise<void>(resolve => {
            const timer = timers.setTimeout(resolve, ms);
            this.wake = () => {
                timers.clearTimeout(timer);
                resolve();
            };
        });

    /** One subscriber per client, so that its subscriptions are offered one batch at a time. */
    private subscriber(client: Client): Subscriber {
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

    private async subscriptionsOf(client: Client): Promise<Subscription[]> {
        return this.broker ? this.broker.subscriptionsOf(client) : [];
    }

    private async loadCertificates(): Promise<Certificates> {
        const { certPublic, certPrivate, certChained } = this.settings;
        await this.instance.namedCertificates([
            ['certPublic', certPublic],
            ['certPrivate', certPrivate],
            ['certChained', certChained],
        ]);
        try {
            return await this.instance.certificates(certPublic, certPrivate, certChained);
        } catch (err) {
            const reason = errorText(err);
            throw new ConfigError(
                `options 'certPublic'/'certPrivate'${certChained ? "/'certChained'" : ''}: the certificates '${certPublic}', '${certPrivate}'${certChained ? `, '${certChained}'` : ''} cannot be loaded from the system certificates (${reason})`,
            );
        }
    }
}
