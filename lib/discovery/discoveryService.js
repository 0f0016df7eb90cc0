"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DiscoveryService = exports.TASMOTA_DISCOVERY = void 0;
const rateLog_1 = require("../rateLog");
const errorText_1 = require("../errorText");
const filter_1 = require("../mapping/filter");
const homeAssistant_1 = require("./homeAssistant");
const tasmota_1 = require("./tasmota");
const entityIds_1 = require("./entityIds");
const deviceObjects_1 = require("./deviceObjects");
const keyedQueue_1 = require("../keyedQueue");
const routeTable_1 = require("./routeTable");
/** Where Tasmota announces itself (fixed by the firmware). */
const TASMOTA_PREFIX = 'tasmota/discovery/';
exports.TASMOTA_DISCOVERY = `${TASMOTA_PREFIX}#`;
/** Object work (device, channel, state objects; availability) runs in this one order, under one key. */
const OBJECTS = 'objects';
class DiscoveryService {
    options;
    store;
    link;
    logger;
    log;
    tasmota = new tasmota_1.TasmotaDiscovery();
    ids;
    /** config topic → its entities */
    byConfig = new Map();
    /** config topic → the payload last applied (devices announce again at every birth message) */
    lastConfig = new Map();
    /** config topic → its place in the order configs came (kept while the config has entities) */
    configOrder = new Map();
    configsSeen = 0;
    /** topics, state ids, commands and availability of every entity (see routeTable.ts) */
    table = new routeTable_1.RouteTable((topic, entity) => this.usableTopic(topic, entity));
    subscribed = new Set();
    /** States discovery stopped using in this run (removed entities and states). */
    retired = new Set();
    /** Channels and devices discovery made in earlier runs (read at start). */
    knownParents = new Set();
    work = new keyedQueue_1.KeyedQueue();
    stopped = false;
    constructor(options, store, link, logger) {
        this.options = options;
        this.store = store;
        this.link = link;
        this.logger = logger;
        this.log = new rateLog_1.RateLimitedLog(logger);
        this.ids = new entityIds_1.EntityIds(`${options.namespace}.devices`);
    }
    /** The id prefix of everything discovery owns: the raw mirror and the publisher stay out of it. */
    get root() {
        return `${this.options.namespace}.devices.`;
    }
    /** Filters client mode subscribes to (besides the entities' own topics). */
    get filters() {
        return [`${this.options.prefix}/#`, exports.TASMOTA_DISCOVERY];
    }
    /** The topics the discovered entities read (values and availability). */
    get topics() {
        return [...this.subscribed];
    }
    /** The birth message of Home Assistant: devices answer it with their discovery configs. */
    get birth() {
        return { topic: `${this.options.prefix}/status`, payload: 'online', qos: 0, retain: false };
    }
    /**
     * Whether a client subscribed to the birth topic itself (server mode: it then gets the birth message). Devices
     * subscribe to exactly `<prefix>/status`; a dashboard subscribed to `#` is not sent a birth it did not ask for.
     */
    wantsBirth(filter) {
        return filter === this.birth.topic;
    }
    /** Learns the entity ids given out before (stable ids across restarts). */
    async start() {
        const objects = await this.store.getObjectsOfTypes(['channel'], this.root, `${this.root}\u9999`);
        for (const obj of objects) {
            this.ids.remember(obj._id, obj.native);
            this.knownParents.add(obj._id);
            this.knownParents.add(obj._id.slice(0, obj._id.lastIndexOf('.')));
        }
        await this.store.subscribeStates(`${this.root}*`);
    }
    stop() {
        this.stopped = true;
        return this.settled();
    }
    /** Resolves when the object work queued so far is done. */
    settled() {
        return this.work.idle(OBJECTS);
    }
    /**
     * A message from MQTT. True when discovery took it (the raw mirror then leaves it alone, unless keepRaw for an
     * entity's topic).
     */
    onMessage(topic, payload) {
        if (this.stopped) {
            return false;
        }
        try {
            return this.take(topic, payload.toString('utf8'));
        }
        catch (err) {
            // a crafted config must never take the instance down
            this.log.warn('discovery', topic, `Discovery '${(0, rateLog_1.clip)(topic)}': ${(0, errorText_1.errorText)(err)}`);
            return true;
        }
    }
    take(topic, text) {
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
    owns(id) {
        // also the states of entities known from the objects database whose configs have not come again yet (right
        // after a start), and states discovery removed in this run (their deletion is not a raw topic's change)
        return this.table.uses(id) || this.retired.has(id) || this.knownParents.has(id.slice(0, id.lastIndexOf('.')));
    }
    /** A state change in ioBroker: a write (ack=false) of a discovered command state goes to the device. */
    onStateChange(id, state) {
        if (!state || state.ack || this.stopped) {
            return;
        }
        const target = this.table.command(id);
        if (!target) {
            this.log.warn('nocommand', id, `'${id}' was written, but its device has no command for it${this.table.uses(id) ? '' : ' (or has not announced itself since the start)'}: nothing sent`);
            return;
        }
        const message = target.command.build(state.val);
        if (!message) {
            this.log.warn('command', id, `Cannot send ${JSON.stringify(state.val)} to '${id}' (${target.entity.plan.component} '${target.entity.plan.name}'): not a value this entity accepts`);
            return;
        }
        this.link.publish({ ...message, qos: target.command.qos, retain: target.command.retain });
        if (target.command.optimistic) {
            void this.queue(() => this.store.setState(id, { val: state.val, ack: true }));
        }
    }
    parse(topic, payload) {
        if (topic.startsWith(TASMOTA_PREFIX)) {
            return this.tasmota.handle(topic, payload);
        }
        return (0, homeAssistant_1.parseHomeAssistant)(topic, payload, this.options.prefix);
    }
    apply(result) {
        if (result.kind === 'invalid') {
            // an unsupported component (zigbee2mqtt sends a device_automation config per button event) warns once
            // per component, anything else once per config topic
            const unsupported = /component '([^']*)' is not supported/.exec(result.warning)?.[1];
            this.log.warn(unsupported ? 'unsupported' : 'discovery', unsupported ?? result.configTopic, `Discovery '${(0, rateLog_1.clip)(result.configTopic)}': ${result.warning}${unsupported ? ` (further '${unsupported}' configs are left out without a warning)` : ''}`);
            return;
        }
        for (const warning of result.kind === 'entities' ? result.warnings : []) {
            this.logger.warn(`Discovery: ${warning}`);
        }
        const before = this.byConfig.get(result.configTopic) ?? [];
        const plans = result.kind === 'entities' ? result.entities : [];
        const after = [];
        for (const plan of plans) {
            for (const warning of plan.warnings) {
                this.logger.warn(`Discovery: ${warning}`);
            }
            const channelId = this.ids.channelIdFor(plan);
            const deviceId = channelId.slice(0, channelId.lastIndexOf('.'));
            const stateIds = new Map(plan.states.map(s => [s.key, `${channelId}.${s.key}`]));
            const entity = { plan, channelId, deviceId, stateIds, ready: Promise.resolve() };
            const previous = before.find(e => e.channelId === channelId);
            entity.ready = this.queue(() => (0, deviceObjects_1.writeEntityObjects)(this.store, entity, previous));
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
        }
        else {
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
    route(before, after, order) {
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
    usableTopic(topic, entity) {
        const error = (0, filter_1.topicNameError)(topic);
        if (error) {
            this.log.warn('topic', topic, `Discovery: topic '${(0, rateLog_1.clip)(topic)}'${entity ? ` of ${entity.plan.component} '${entity.plan.name}'` : ''} ${error}: not read`);
            return false;
        }
        return true;
    }
    /** A state the raw mirror created for a topic that now belongs to an entity is removed (once, logged). */
    convertRaw(topic) {
        const rawId = this.options.keepRaw ? undefined : this.link.rawIdOf?.(topic);
        if (!rawId || this.owns(rawId) || rawId.startsWith(this.root)) {
            return;
        }
        void this.queue(async () => {
            const raw = await this.store.getObject(rawId);
            if (raw?.type === 'state' && raw.native?.topic === topic) {
                await this.store.deleteObject(rawId);
                this.logger.info(`'${topic}' now belongs to a discovered device: its raw state '${rawId}' was removed (option discoveryKeepRaw keeps raw states)`);
            }
        });
    }
    writeValue(route, payload) {
        const val = route.read(payload);
        if (val === undefined) {
            return;
        }
        void route.entity.ready
            .then(() => this.store.setState(route.stateId, { val, ack: true }))
            .catch((err) => this.log.warn('value', route.stateId, `Cannot set '${route.stateId}': ${(0, errorText_1.errorText)(err)}`));
    }
    async removeEntity(entity) {
        await (0, deviceObjects_1.removeEntityObjects)(this.store, entity);
        this.logger.info(`Discovered ${entity.plan.component} '${entity.plan.name}' removed (${entity.channelId})`);
    }
    /** Object work in the order the configs came; a failure is logged and the next task runs. */
    queue(task) {
        return this.work.run(OBJECTS, task).catch((err) => this.logger.warn(`Discovery: ${(0, errorText_1.errorText)(err)}`));
    }
}
exports.DiscoveryService = DiscoveryService;
