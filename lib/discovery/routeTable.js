"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RouteTable = void 0;
/**
 * Where discovered entities' messages go, kept up to date one config at a time: a config's entities replace what the
 * same config gave before, and only the topics, ids and devices they touch are recomputed. (Rebuilding every table
 * from every entity at each config cost O(entities) per config: 3,000 zigbee2mqtt configs after a broker restart took
 * 12.5 s of event loop, in turns of up to 355 ms.)
 */
const deviceAvailability_1 = require("./deviceAvailability");
class RouteTable {
    usable;
    /** topic → the states it is read into */
    routes = new Map();
    /** state id → the entities using it (two configs with one unique_id share a channel) */
    users = new Map();
    commands = new Map();
    /** device id → its entities */
    byDevice = new Map();
    availability = new Map();
    /** device id → the availability topics registered for it */
    availabilityTopicsOf = new Map();
    /** topic → the devices whose availability it carries */
    availabilityTopics = new Map();
    /** entity → its config's place in the order configs came first, and its place in the config */
    order = new WeakMap();
    /**
     * @param usable whether a topic may be read (not empty, no wildcard); the check may warn, so it is asked once per
     *   entity and topic as the entity comes
     */
    constructor(usable) {
        this.usable = usable;
    }
    routesOf(topic) {
        return this.routes.get(topic);
    }
    devicesOn(topic) {
        return this.availabilityTopics.get(topic);
    }
    availabilityOf(deviceId) {
        return this.availability.get(deviceId);
    }
    command(stateId) {
        return this.commands.get(stateId);
    }
    /** Whether an entity (or a device's `available`) uses this state id. */
    uses(stateId) {
        return this.users.has(stateId);
    }
    /** Whether some entity reads this topic (values or availability). */
    reads(topic) {
        return this.routes.has(topic) || this.availabilityTopics.has(topic);
    }
    /**
     * The entities of one config replace those it gave before (`configOrder`: the config's place among the configs,
     * for the order in which a device's availability settings are merged).
     */
    replace(before, after, configOrder) {
        const touchedIds = new Set();
        const touchedTopics = new Set();
        const devices = new Set();
        for (const entity of before) {
            this.remove(entity, touchedIds, touchedTopics);
            devices.add(entity.deviceId);
        }
        after.forEach((entity, index) => {
            this.order.set(entity, [configOrder, index]);
            this.add(entity, touchedTopics);
            devices.add(entity.deviceId);
            entity.stateIds.forEach(id => touchedIds.add(id));
        });
        for (const id of touchedIds) {
            this.updateCommand(id);
        }
        for (const deviceId of devices) {
            this.updateDevice(deviceId, touchedIds, touchedTopics);
        }
        const changes = { retired: [], subscribe: [], unsubscribe: [] };
        for (const id of touchedIds) {
            if (!this.users.has(id)) {
                changes.retired.push(id);
            }
        }
        for (const topic of touchedTopics) {
            (this.reads(topic) ? changes.subscribe : changes.unsubscribe).push(topic);
        }
        return changes;
    }
    add(entity, touchedTopics) {
        for (const state of entity.plan.states) {
            const stateId = entity.stateIds.get(state.key);
            this.use(stateId, entity);
            if (state.source && this.usable(state.source.topic, entity)) {
                const topic = state.source.topic;
                const list = this.routes.get(topic);
                const route = { stateId, read: state.source.read, entity };
                if (list) {
                    list.push(route);
                }
                else {
                    this.routes.set(topic, [route]);
                }
                touchedTopics.add(topic);
            }
        }
        let siblings = this.byDevice.get(entity.deviceId);
        if (!siblings) {
            siblings = new Set();
            this.byDevice.set(entity.deviceId, siblings);
        }
        siblings.add(entity);
    }
    remove(entity, touchedIds, touchedTopics) {
        for (const state of entity.plan.states) {
            const stateId = entity.stateIds.get(state.key);
            touchedIds.add(stateId);
            this.release(stateId, entity);
            if (state.source) {
                const topic = state.source.topic;
                const left = (this.routes.get(topic) ?? []).filter(route => route.entity !== entity);
                if (left.length > 0) {
                    this.routes.set(topic, left);
                }
                else {
                    this.routes.delete(topic);
                }
                touchedTopics.add(topic);
            }
        }
        const siblings = this.byDevice.get(entity.deviceId);
        siblings?.delete(entity);
        if (siblings?.size === 0) {
            this.byDevice.delete(entity.deviceId);
        }
    }
    /**
     * The command of a state id: of the entity whose config comes last (as a full rebuild in config order gives it;
     * two configs with one unique_id share the id).
     */
    updateCommand(stateId) {
        let best;
        let bestOrder;
        for (const entity of this.users.get(stateId) ?? []) {
            const command = entity.plan.states.find(s => entity.stateIds.get(s.key) === stateId)?.command;
            const order = this.order.get(entity);
            if (command &&
                (!bestOrder || order[0] > bestOrder[0] || (order[0] === bestOrder[0] && order[1] >= bestOrder[1]))) {
                best = { entity, command };
                bestOrder = order;
            }
        }
        if (best) {
            this.commands.set(stateId, best);
        }
        else {
            this.commands.delete(stateId);
        }
    }
    /** A device's `available` id and its merged availability, after its entities changed. */
    updateDevice(deviceId, touchedIds, touchedTopics) {
        const availableId = `${deviceId}.available`;
        const entities = [...(this.byDevice.get(deviceId) ?? [])].sort((a, b) => {
            const [ca, ia] = this.order.get(a);
            const [cb, ib] = this.order.get(b);
            return ca - cb || ia - ib;
        });
        touchedIds.add(availableId);
        this.users.delete(availableId);
        if (entities.length > 0) {
            this.users.set(availableId, new Set(entities));
        }
        let plan;
        for (const entity of entities) {
            const own = entity.plan.availability;
            if (own) {
                plan = plan
                    ? {
                        mode: plan.mode,
                        topics: [
                            ...plan.topics,
                            ...own.topics.filter(t => !plan.topics.some(m => m.topic === t.topic)),
                        ],
                    }
                    : own;
            }
        }
        for (const topic of this.availabilityTopicsOf.get(deviceId) ?? []) {
            const on = this.availabilityTopics.get(topic);
            on?.delete(deviceId);
            if (on?.size === 0) {
                this.availabilityTopics.delete(topic);
            }
            touchedTopics.add(topic);
        }
        this.availabilityTopicsOf.delete(deviceId);
        if (!plan) {
            this.availability.delete(deviceId);
            return;
        }
        const kept = this.availability.get(deviceId);
        if (kept) {
            kept.update(plan);
        }
        else {
            this.availability.set(deviceId, new deviceAvailability_1.DeviceAvailability(plan));
        }
        const topics = plan.topics.map(t => t.topic).filter(topic => this.usable(topic));
        this.availabilityTopicsOf.set(deviceId, topics);
        for (const topic of topics) {
            let on = this.availabilityTopics.get(topic);
            if (!on) {
                on = new Set();
                this.availabilityTopics.set(topic, on);
            }
            on.add(deviceId);
            touchedTopics.add(topic);
        }
    }
    use(stateId, entity) {
        let users = this.users.get(stateId);
        if (!users) {
            users = new Set();
            this.users.set(stateId, users);
        }
        users.add(entity);
    }
    release(stateId, entity) {
        const users = this.users.get(stateId);
        users?.delete(entity);
        if (users?.size === 0) {
            this.users.delete(stateId);
        }
    }
}
exports.RouteTable = RouteTable;
