/** What both modes share: the engine's two pipelines, how ioBroker's events reach them, certificate lookup. */
import { Ingest } from './ingest';
import type { Logger, Store } from './iobroker/store';
import { Publisher, type PublisherOptions, type Transport } from './publisher';
import type { Settings } from './settings';
import { errorText } from './errorText';
import { DiscoveryService, type DiscoveryLink } from './discovery/discoveryService';
import { topicToId } from './mapping/topic';

/** A start-up problem caused by the configuration: the glue stops the instance with this message. */
export class ConfigError extends Error {}

/**
 * PEM text of the system certificates named by options (`[option, name]`; empty names are skipped). A name that
 * does not exist is a configuration error naming its option — checked here, before js-controller's own lookup,
 * which would log an error of its own.
 */
export async function namedCertificates(
    adapter: ioBroker.Adapter,
    named: readonly (readonly [option: string, name: string])[],
): Promise<Record<string, string>> {
    const wanted = named.filter(([, name]) => name !== '');
    if (wanted.length === 0) {
        return {};
    }
    const system = await adapter.getForeignObjectAsync('system.certificates');
    const known = (system?.native as { certificates?: Record<string, string> } | undefined)?.certificates ?? {};
    const missing = wanted.filter(([, name]) => !known[name]);
    if (missing.length > 0) {
        throw new ConfigError(
            `Invalid configuration: ${missing.map(([option, name]) => `option '${option}' names the certificate '${name}', which is not among the system certificates`).join('; ')}`,
        );
    }
    return Object.fromEntries(wanted.map(([option, name]) => [option, known[name]!]));
}

export abstract class MirrorMode {
    protected ingest: Ingest | undefined;
    protected publisher: Publisher | undefined;
    protected discovery: DiscoveryService | undefined;

    abstract start(): Promise<void>;
    abstract stop(): Promise<void>;
    /** sendTo commands of the mode; undefined when the command is not one of them. */
    abstract handleMessage(command: string, message: unknown): Promise<Record<string, unknown> | undefined>;

    /**
     * Builds the publisher and the ingest pipeline of a mode. The ingest tells the publisher about every value it
     * writes, so a value that came from MQTT is never sent back as a second copy.
     */
    protected buildPipelines(
        settings: Settings,
        store: Store,
        log: Logger,
        publish: Pick<PublisherOptions, 'includeOwnStates' | 'retain' | 'keepValues'>,
        transport: Transport,
    ): Publisher {
        const publisher = new Publisher(
            { ...settings, ...publish, excluded: id => this.discovery?.owns(id) === true },
            store,
            transport,
            log,
        );
        this.publisher = publisher;
        this.ingest = new Ingest(settings, store, log, { beforeWrite: (id, val) => publisher.noteFromMqtt(id, val) });
        return publisher;
    }

    /** Discovery (SPEC §12a) when the option is on: every message from MQTT goes to it first. */
    protected buildDiscovery(
        settings: Settings,
        store: Store,
        log: Logger,
        link: DiscoveryLink,
    ): DiscoveryService | undefined {
        if (!settings.discovery) {
            return undefined;
        }
        this.discovery = new DiscoveryService(
            { namespace: settings.namespace, prefix: settings.discoveryPrefix, keepRaw: settings.discoveryKeepRaw },
            store,
            { rawIdOf: topic => topicToId(topic, settings)?.ownId, ...link },
            log,
        );
        return this.discovery;
    }

    /**
     * sendTo commands both modes answer alike: `createCommand {topic, type, role?}` → `{result: {id}}` or `{error}`.
     * Undefined when the command is not one of them.
     */
    async handleSharedMessage(command: string, message: unknown): Promise<Record<string, unknown> | undefined> {
        if (command !== 'createCommand') {
            return undefined;
        }
        const ingest = this.ingest;
        if (!ingest) {
            return { error: 'not started' };
        }
        const m = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
        if (typeof m.topic !== 'string' || m.topic === '') {
            return { error: "'topic' is missing: the MQTT topic the device listens to, e.g. cmnd/plug1/POWER" };
        }
        if (typeof m.type !== 'string') {
            return { error: "'type' is missing: string, number, boolean, json or mixed" };
        }
        if (m.role !== undefined && typeof m.role !== 'string') {
            return { error: "'role' must be a text, e.g. switch" };
        }
        try {
            return { result: await ingest.createCommandState(m.topic, m.type, m.role) };
        } catch (err) {
            return { error: errorText(err) };
        }
    }

    onStateChange(id: string, state: ioBroker.State | null | undefined): void {
        if (this.discovery?.owns(id)) {
            this.discovery.onStateChange(id, state);
            return;
        }
        this.publisher?.onStateChange(id, state);
    }

    onObjectChange(id: string, obj: ioBroker.Object | null | undefined): void {
        this.ingest?.onObjectChange(id, obj);
        this.publisher?.onObjectChange(id, obj);
    }
}
