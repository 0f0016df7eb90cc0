/**
 * The gateway: one mirror between MQTT and ioBroker, whatever carries the messages. Built by composition — it owns
 * the ingest (device message → state), the publisher and its steps (state change → device: current values,
 * retained truth), discovery, the message counters and the sendTo commands — and talks to MQTT only through a
 * `Transport` (transport.ts): the embedded broker (server mode) or a connection to another broker (client mode).
 *
 * device message → state: transport event `message` → `onMessage` → discovery or ingest → store.
 * state change → device: main.ts → `onStateChange` → discovery or publisher → `send` → transport.
 */
import { Ingest } from './ingest';
import type { Instance } from './iobroker/instance';
import { Publisher } from './publisher';
import { CurrentValues } from './currentValues';
import { RetainedTruth } from './retainedTruth';
import { Commands, type Answer } from './commands';
import type { Settings } from './settings';
import { Stats } from './stats';
import { DiscoveryService } from './discovery/discoveryService';
import { topicToId } from './mapping/topic';
import { errorText } from './errorText';
import type {
    IncomingMessage,
    OfferedSubscription,
    Subscriber,
    Transport,
    TransportEvents,
    TransportMessage,
} from './transport';

/** What the gateway needs of the instance (src/iobroker/instance.ts). */
export type GatewayHost = Pick<Instance, 'store' | 'log' | 'setOwnStateChanged' | 'subscribeOwnObjects'>;

interface Pipelines {
    ingest: Ingest;
    publisher: Publisher;
    truth: RetainedTruth;
    currentValues: CurrentValues;
}

export class Gateway {
    private readonly stats: Stats;
    private readonly commands: Commands;
    private readonly discovery: DiscoveryService | undefined;
    private pipelines: Pipelines | undefined;
    /** Every message to MQTT goes here: counted, then handed to the transport. */
    private readonly send: (message: TransportMessage) => void;

    constructor(
        private readonly settings: Settings,
        private readonly instance: GatewayHost,
        private readonly transport: Transport,
        /** info.connection (main.ts owns it). */
        private readonly setConnected: (connected: boolean) => Promise<void>,
    ) {
        const stats = new Stats(
            (id, value) => instance.setOwnStateChanged(id, value),
            () => this.pipelines?.ingest.dropped ?? 0,
        );
        this.stats = stats;
        this.send = message => {
            stats.messagesOut++;
            transport.publish(message);
        };
        this.commands = new Commands(settings, {
            ingest: () => this.pipelines?.ingest,
            publisher: () => this.pipelines?.publisher,
            transport,
            send: this.send,
        });
        // Discovery (SPEC §12a) when the option is on: every message from MQTT goes to it first
        this.discovery = settings.discovery
            ? new DiscoveryService(
                  {
                      namespace: settings.namespace,
                      prefix: settings.discoveryPrefix,
                      keepRaw: settings.discoveryKeepRaw,
                  },
                  instance.store,
                  {
                      rawIdOf: topic => topicToId(topic, settings)?.ownId,
                      publish: this.send,
                      ...(transport.subscribe ? { subscribe: topics => transport.subscribe?.(topics) } : {}),
                      ...(transport.unsubscribe ? { unsubscribe: topics => transport.unsubscribe?.(topics) } : {}),
                  },
                  instance.log,
              )
            : undefined;
    }

    async start(): Promise<void> {
        const { settings, instance, transport } = this;
        await transport.prepare(this.events());
        const profile = transport.profile;
        const publisher = new Publisher(
            {
                ...settings,
                includeOwnStates: profile.includeOwnStates,
                keepValues: profile.keepValues,
                excluded: id => this.discovery?.owns(id) === true,
            },
            instance.store,
            this.send,
            instance.log,
        );
        // the ingest tells the publisher about every value it writes: a value from MQTT is never sent back
        const ingest = new Ingest(settings, instance.store, instance.log, {
            beforeWrite: (id, val) => publisher.noteFromMqtt(id, val),
        });
        this.pipelines = {
            ingest,
            publisher,
            truth: new RetainedTruth(publisher, this.send, settings.defaultQoS, instance.log),
            currentValues: new CurrentValues(publisher, transport.retained, instance.log, () => {
                this.stats.messagesOut++;
            }),
        };
        if (this.discovery) {
            await this.discovery.start();
            transport.subscribe?.(this.discovery.filters);
        }
        await instance.subscribeOwnObjects();
        await publisher.start();
        this.stats.start();
        const started = await transport.start();
        if (started === 'online') {
            await this.online();
        }
    }

    /** sendTo commands; undefined when the command is not one of them. */
    handleMessage(command: string, message: unknown): Promise<Answer | undefined> {
        return this.commands.handle(command, message);
    }

    onStateChange(id: string, state: ioBroker.State | null | undefined): void {
        if (this.discovery?.owns(id)) {
            this.discovery.onStateChange(id, state);
            return;
        }
        this.pipelines?.publisher.onStateChange(id, state);
    }

    onObjectChange(id: string, obj: ioBroker.Object | null | undefined): void {
        this.pipelines?.ingest.onObjectChange(id, obj);
        this.pipelines?.publisher.onObjectChange(id, obj);
    }

    async stop(): Promise<void> {
        this.pipelines?.currentValues.stop();
        this.pipelines?.publisher.stop();
        // held messages go in now: nothing waits for a database that is going away, and a client can read its
        // acknowledgements and end
        this.pipelines?.ingest.close();
        await this.transport.stop();
        await this.discovery?.stop();
        if (this.pipelines) {
            await this.stats.stop(); // not after a configuration error of the transport: nothing was counted
        }
    }

    private events(): TransportEvents {
        return {
            message: message => this.onMessage(message),
            admit: () => this.pipelines?.ingest.admit(),
            online: () => {
                this.online().catch((err: unknown) => this.instance.log.warn(`Cannot go online: ${errorText(err)}`));
            },
            offline: () => {
                this.pipelines?.publisher.cancelPublishAll();
                void this.setConnected(false);
            },
            connection: up => {
                this.setConnected(up).catch((err: unknown) =>
                    this.instance.log.warn(`Cannot set info.connection: ${errorText(err)}`),
                );
            },
            subscribed: (subscriber, offer) => this.onSubscribed(subscriber, offer),
            sessionResumed: (subscriber, subscriptions) => {
                if (this.settings.publishAllOnStart) {
                    this.pipelines?.currentValues.session(
                        subscriber,
                        subscriptions,
                        this.settings.sendOnStartIntervalMs,
                    );
                }
            },
            dropped: () => {
                this.stats.dropped++;
            },
        };
    }

    /** Device message → state. */
    private onMessage(message: IncomingMessage): void {
        this.stats.messagesIn++;
        const pipelines = this.pipelines;
        if (message.echo || !pipelines) {
            return;
        }
        const { topic, payload } = message;
        if (this.discovery?.onMessage(topic, payload)) {
            return;
        }
        if (message.retain && payload.length === 0) {
            // clears the retained copy; the state is not set to null (SPEC §8)
            void pipelines.ingest.cleared(topic);
            return;
        }
        if (message.stored && pipelines.truth.reconcileStored(topic, payload)) {
            return;
        }
        void pipelines.ingest.handle(topic, payload, message.contentType);
    }

    /**
     * The transport is reachable: the retained store made to agree (server), discovery from what the broker kept and
     * its birth message, publishAllOnStart (client), then info.connection.
     */
    private async online(): Promise<void> {
        const retained = this.transport.retained;
        const discovery = this.discovery;
        if (retained && this.pipelines) {
            await this.pipelines.truth.reconcileStore(retained);
            if (discovery) {
                // retained configs (devices announce themselves retained), then retained values of their topics
                for (const message of await retained.messages(discovery.filters)) {
                    discovery.onMessage(message.topic, message.payload);
                }
                const topics = discovery.topics;
                for (const message of topics.length > 0 ? await retained.messages(topics) : []) {
                    discovery.onMessage(message.topic, message.payload);
                }
            }
        }
        if (discovery) {
            // Home Assistant's birth message: devices send their discovery configs again
            this.send(discovery.birth);
        }
        if (this.transport.profile.publishAllOnConnect) {
            this.pipelines?.publisher.publishAll();
        }
        await this.setConnected(true);
    }

    private onSubscribed(subscriber: Subscriber, offer: OfferedSubscription[]): void {
        if (this.transport.profile.publishOnSubscribe) {
            this.pipelines?.currentValues.offer(subscriber, offer);
        }
        const discovery = this.discovery;
        if (discovery && offer.some(s => discovery.wantsBirth(s.topic))) {
            // Home Assistant's birth message: the device sends its discovery configs again
            subscriber.deliver(discovery.birth);
        }
    }
}
