/**
 * The runtime of discovery (SPEC §12a): turns the plans of the pure part (`homeAssistant.ts`, `tasmota.ts`) into
 * ioBroker objects under `<namespace>.devices.`, routes device messages to those states and writes (ack=false) to the
 * devices' command topics. Both modes feed it every message first; what it takes (discovery configs, the topics its
 * entities use) does not reach the raw mirror unless `discoveryKeepRaw`.
 */
import type { Logger, Store } from '../iobroker/store';
import { RateLimitedLog, clip } from '../rateLog';
import { errorText } from '../errorText';
import { topicNameError } from '../mapping/filter';
import { parseHomeAssistant } from './homeAssistant';
import { TasmotaDiscovery } from './tasmota';
import type { DiscoveryResult } from './model';
import { EntityIds } from './entityIds';
import { removeEntityObjects, writeEntityObjects, type Entity } from './deviceObjects';
import { KeyedQueue } from '../keyedQueue';
import { RouteTable, type Route } from './routeTable';

export interface DiscoveryOptions {
    namespace: string;
    /** Home Assistant's discovery prefix (`homeassistant`). */
    prefix: string;
    /** The topics of discovered entities are also mirrored as raw states. */
    keepRaw: boolean;
}

export interface DiscoveryMessage {
    topic: string;
    payload: string;
    qos: 0 | 1 | 2;
    retain: boolean;
}

/** How discovery reaches the MQTT side of the mode. */
export interface DiscoveryLink {
    publish(message: DiscoveryMessage): void;
    /** Client mode: these topics are wanted now and after every reconnect (server mode sees every message anyway). */
    subscribe?(topics: string[]): void;
    /** Client mode: these topics (subscribed before) belong to no entity any more. */
    unsubscribe?(topics: string[]): void;
    /** The id the raw mirror uses for a topic, to convert a state that was mirrored raw before. */
    rawIdOf?(topic: string): string | undefined;
}

/** Where Tasmota announces itself (fixed by the firmware). */
const TASMOTA_PREFIX = 'tasmota/discovery/';
export const TASMOTA_DISCOVERY = `${TASMOTA_PREFIX}#`;

/** Object work (device, channel, state objects; availability) runs in this one order, under one key. */
const OBJECTS = 'objects';

export class DiscoveryService {
    private readonly log: RateLimitedLog;
    private readonly tasmota = new TasmotaDiscovery();
    private readonly ids: EntityIds;
    /** config topic → its entities */
    private readonly byConfig = new Map<string, Entity[]>();
    /** config topic → the payload last applied (devices announce again at every birth message) */
    private readonly lastConfig = new Map<string, string>();
    /** config topic → its place in the order configs came (kept while the config has entities) */
    private readonly configOrder = new Map<string, number>();
    private configsSeen = 0;
    /** topics, state ids, commands and availability of every entity (see routeTable.ts) */
    private readonly table = new RouteTable((topic, entity) => this.usableTopic(topic, entity));
    private readonly subscribed = new Set<string>();
    /** States discovery stopped using in this run (removed entities and states). */
    private readonly retired = new Set<string>();
    /** Channels and devices discovery made in earlier runs (read at start). */
    private readonly knownParents = new Set<string>();
    private readonly work = new KeyedQueue();
    private stopped = false;

    constructor(
        private readonly options: DiscoveryOptions,
        private readonly store: Store,
        private readonly link: DiscoveryLink,
        private readonly logger: Logger,
    ) {
        this.log = new RateLimitedLog(logger);
        this.ids = new EntityIds(`${options.namespace}.devices`);
    }

    /** The id prefix of everything discovery owns: the raw mirror and the publisher stay out of it. */
    get root(): string {
        return `${this.options.namespace}.devices.`;
    }

    /** Filters client mode subscribes to (besides the entities' own topics). */
    get filters(): string[] {
        return [`${this.options.prefix}/#`, TASMOTA_DISCOVERY];
    }

    /** The topics the discovered entities read (values and availability). */
    get topics(): string[] {
        return [...this.subscribed];
    }

    /** The birth message of Home Assistant: devices answer it with their discovery configs. */
    get birth(): DiscoveryMessage {
        return { topic: `${this.options.prefix}/status`, payload: 'online', qos: 0, retain: false };
    }

    /**
     * Whether a client subscribed to the birth topic itself (server mode: it then gets the birth message). Devices
     * subscribe to exactly `<prefix>/status`; a dashboard subscribed to `#` is not sent a birth it did not ask for.
     */
    wantsBirth(filter: string): boolean {
        return filter === this.birth.topic;
    }

    /** Learns the entity ids given out before (stable ids across restarts). */
    async start(): Promise<void> {
        const objects = await this.store.getObjectsOfTypes(['channel'], this.root, `${this.root}\u9999`);
        for (const obj of objects) {
            this.ids.remember(obj._id, obj.native as Record<string, unknown>);
            this.knownParents.add(obj._id);
            this.knownParents.add(obj._id.slice(0, obj._id.lastIndexOf('.')));
        }
        await this.store.subscribeStates(`${this.root}*`);
    }

    stop(): Promise<void> {
        this.stopped = true;
        return this.settled();
    }

    /** Resolves when the object work queued so far is done. */
    settled(): Promise<void> {
        return this.work.idle(OBJECTS);
    }

    /**
     * A message from MQTT. True when discovery took it (the raw mirror then leaves it alone, unless keepRaw for an
     * entity's topic).
     */
    onMessage(topic: string, payload: Buffer): boolean {
        if (this.stopped) {
            return false;
        }
        try {
            return this.take(topic, payload.toString('utf8'));
        } catch (err) {
            // a crafted config must never take the instance down
            this.log.warn('discovery', topic, `Discovery '${clip(topic)}': ${errorText(err)}`);
            return true;
        }
    }

    private take(topic: string, text: string): boolean {
        const result = this.parse(topic, text);
        if (result) {
            if (this.lastConfig.get(result.configTopic) !== text) {
                this.lastConfig.set(result.configTopic, text);
                this.apply(result);
            }
            return true;
        }
        let taken = false;
        const routes = this.table.routesOf(topic);
        if (routes) {
            taken = true;
            for (const route of routes) {
                this.writeValue(route, text);
            }
        }
        const devices = this.table.devicesOn(topic);
        if (devices) {
            taken = true;
            for (const deviceId of devices) {
                const available = this.table.availabilityOf(deviceId)?.onMessage(topic, text);
                if (available !== undefined) {
                    void this.queue(() => this.store.setState(`${deviceId}.available`, { val: available, ack: true }));
                }
            }
        }
        if (topic.startsWith(`${this.options.prefix}/`) || topic.startsWith(TASMOTA_PREFIX)) {
            // entity topics under the prefix are read above; the birth message, a Tasmota reading before its config
            // and anything else there is never a raw state
            return true;
        }
        return taken && !this.options.keepRaw;
    }

    /** Whether an id is a state of a discovered entity (its changes never go through the publisher). */
    owns(id: string): boolean {
        // also the states of entities known from the objects database whose configs have not come again yet (right
        // after a start), and states discovery removed in this run (their deletion is not a raw topic's change)
        return this.table.uses(id) || this.retired.has(id) || this.knownParents.has(id.slice(0, id.lastIndexOf('.')));
    }

    /** A state change in ioBroker: a write (ack=false) of a discovered command state goes to the device. */
    onStateChange(id: string, state: ioBroker.State | null | undefined): void {
        if (!state || state.ack || this.stopped) {
            return;
        }
        const target = this.table.command(id);
        if (!target) {
            this.log.warn(
                'nocommand',
                id,
                `'${id}' was written, but its device has no command for it${this.table.uses(id) ? '' : ' (or has not announced itself since the start)'}: nothing sent`,
            );
            return;
        }
        const message = target.command.build(state.val);
        if (!message) {
            this.log.warn(
                'command',
                id,
                `Cannot send ${JSON.stringify(state.val)} to '${id}' (${target.entity.plan.component} '${target.entity.plan.name}'): not a value this entity accepts`,
            );
            return;
        }
        this.link.publish({ ...message, qos: target.command.qos, retain: target.command.retain });
        if (target.command.optimistic) {
            void this.queue(() => this.store.setState(id, { val: state.val, ack: true }));
        }
    }

    private parse(topic: string, payload: string): DiscoveryResult | undefined {
        if (topic.startsWith(TASMOTA_PREFIX)) {
            return this.tasmota.handle(topic, payload);
        }
        return parseHomeAssistant(topic, payload, this.options.prefix);
    }

    private apply(result: DiscoveryResult): void {
        if (result.kind === 'invalid') {
            // an unsupported component (zigbee2mqtt sends a device_automation config per button event) warns once
            // per component, anything else once per config topic
            const unsupported = /component '([^']*)' is not supported/.exec(result.warning)?.[1];
            this.log.warn(
                unsupported ? 'unsupported' : 'discovery',
                unsupported ?? result.configTopic,
                `Discovery '${clip(result.configTopic)}': ${result.warning}${unsupported ? ` (further '${unsupported}' configs are left out without a warning)` : ''}`,
            );
            return;
        }
        for (const warning of result.kind === 'entities' ? result.warnings : []) {
            this.logger.warn(`Discovery: ${warning}`);
        }
        const before = this.byConfig.get(result.configTopic) ?? [];
        const plans = result.kind === 'entities' ? result.entities : [];
        const after: Entity[] = [];
        for (const plan of plans) {
            for (const warning of plan.warnings) {
                this.logger.warn(`Discovery: ${warning}`);
            }
            const channelId = this.ids.channelIdFor(plan);
            const deviceId = channelId.slice(0, channelId.lastIndexOf('.'));
            const stateIds = new Map(plan.states.map(s => [s.key, `${channelId}.${s.key}`]));
            const entity: Entity = { plan, channelId, deviceId, stateIds, ready: Promise.resolve() };
            const previous = before.find(e => e.channelId === channelId);
            entity.ready = this.queue(() => writeEntityObjects(this.store, entity, previous));
            after.push(entity);
        }
        const gone = before.filter(e => !after.some(a => a.channelId === e.channelId));
        let order = this.configOrder.get(result.configTopic);
        if (order === undefined) {
            order = this.configsSeen++;
        }
        if (after.length > 0) {
            this.byConfig.set(result.configTopic, after);
            this.configOrder.set(result.configTopic, order);
        } else {
            this.byConfig.delete(result.configTopic);
            this.configOrder.delete(result.configTopic);
            this.lastConfig.delete(result.configTopic);
        }
        for (const entity of gone) {
            this.ids.forget(entity.channelId);
            void this.queue(() => this.removeEntity(entity));
        }
        this.route(before, after, order);
    }

    /** The routing tables after one config's entities replaced its earlier ones; subscriptions follow. */
    private route(before: Entity[], after: Entity[], order: number): void {
        const changes = this.table.replace(before, after, order);
        for (const id of changes.retired) {
            this.retired.add(id);
        }
        const gone = changes.unsubscribe.filter(topic => this.subscribed.has(topic));
        if (gone.length > 0) {
            gone.forEach(topic => this.subscribed.delete(topic));
            this.link.unsubscribe?.(gone);
        }
        const wanted = changes.subscribe.filter(topic => !this.subscribed.has(topic));
        if (wanted.length > 0) {
            for (const topic of wanted) {
                this.subscribed.add(topic);
                this.convertRaw(topic);
            }
            this.link.subscribe?.(wanted);
        }
    }

    /** A topic a device may publish on: not empty, no wildcard, no NUL (else one warning, and it is not read). */
    private usableTopic(topic: string, entity?: Entity): boolean {
        const error = topicNameError(topic);
        if (error) {
            this.log.warn(
                'topic',
                topic,
                `Discovery: topic '${clip(topic)}'${entity ? ` of ${entity.plan.component} '${entity.plan.name}'` : ''} ${error}: not read`,
            );
            return false;
        }
        return true;
    }

    /** A state the raw mirror created for a topic that now belongs to an entity is removed (once, logged). */
    private convertRaw(topic: string): void {
        const rawId = this.options.keepRaw ? undefined : this.link.rawIdOf?.(topic);
        if (!rawId || this.owns(rawId) || rawId.startsWith(this.root)) {
            return;
        }
        void this.queue(async () => {
            const raw = await this.store.getObject(rawId);
            if (raw?.type === 'state' && (raw.native as { topic?: unknown } | undefined)?.topic === topic) {
                await this.store.deleteObject(rawId);
                this.logger.info(
                    `'${topic}' now belongs to a discovered device: its raw state '${rawId}' was removed (option discoveryKeepRaw keeps raw states)`,
                );
            }
        });
    }

    private writeValue(route: Route, payload: string): void {
        const val = route.read(payload);
        if (val === undefined) {
            return;
        }
        void route.entity.ready
            .then(() => this.store.setState(route.stateId, { val, ack: true }))
            .catch((err: unknown) =>
                this.log.warn('value', route.stateId, `Cannot set '${route.stateId}': ${errorText(err)}`),
            );
    }

    private async removeEntity(entity: Entity): Promise<void> {
        await removeEntityObjects(this.store, entity);
        this.logger.info(`Discovered ${entity.plan.component} '${entity.plan.name}' removed (${entity.channelId})`);
    }

    /** Object work in the order the configs came; a failure is logged and the next task runs. */
    private queue(task: () => Promise<void>): Promise<void> {
        return this.work.run(OBJECTS, task).catch((err: unknown) => this.logger.warn(`Discovery: ${errorText(err)}`));
    }
}
