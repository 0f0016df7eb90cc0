/**
 * Where discovered entities' messages go, kept up to date one config at a time: a config's entities replace what the
 * same config gave before, and only the topics, ids and devices they touch are recomputed. (Rebuilding every table
 * from every entity at each config cost O(entities) per config: 3,000 zigbee2mqtt configs after a broker restart took
 * 12.5 s of event loop, in turns of up to 355 ms.)
 */
import { DeviceAvailability } from './deviceAvailability';
import type { AvailabilityPlan, Entity, StatePlan } from './model';

export interface Route {
    stateId: string;
    read: NonNullable<StatePlan['source']>['read'];
    /** its values are written once the entity's objects are */
    entity: Entity;
}

export interface Command {
    entity: Entity;
    command: NonNullable<StatePlan['command']>;
}

/** What a replacement changed beyond the tables. */
export interface RouteChanges {
    /** State ids (of entities and `<device>.available`) no entity uses any more. */
    retired: string[];
    /** Topics an entity now reads that none read before. */
    subscribe: string[];
    /** Topics no entity reads any more. */
    unsubscribe: string[];
}

export class RouteTable {
    /** topic → the states it is read into */
    private readonly routes = new Map<string, Route[]>();
    /** state id → the entities using it (two configs with one unique_id share a channel) */
    private readonly users = new Map<string, Set<Entity>>();
    private readonly commands = new Map<string, Command>();
    /** device id → its entities */
    private readonly byDevice = new Map<string, Set<Entity>>();
    private readonly availability = new Map<string, DeviceAvailability>();
    /** device id → the availability topics registered for it */
    private readonly availabilityTopicsOf = new Map<string, string[]>();
    /** topic → the devices whose availability it carries */
    private readonly availabilityTopics = new Map<string, Set<string>>();
    /** entity → its config's place in the order configs came first, and its place in the config */
    private readonly order = new WeakMap<Entity, [number, number]>();

    /**
     * @param usable whether a topic may be read (not empty, no wildcard); the check may warn, so it is asked once per
     *   entity and topic as the entity comes
     */
    constructor(private readonly usable: (topic: string, entity?: Entity) => boolean) {}

    routesOf(topic: string): readonly Route[] | undefined {
        return this.routes.get(topic);
    }

    devicesOn(topic: string): ReadonlySet<string> | undefined {
        return this.availabilityTopics.get(topic);
    }

    availabilityOf(deviceId: string): DeviceAvailability | undefined {
        return this.availability.get(deviceId);
    }

    command(stateId: string): Command | undefined {
        return this.commands.get(stateId);
    }

    /** Whether an entity (or a device's `available`) uses this state id. */
    uses(stateId: string): boolean {
        return this.users.has(stateId);
    }

    /** Whether some entity reads this topic (values or availability). */
    reads(topic: string): boolean {
        return this.routes.has(topic) || this.availabilityTopics.has(topic);
    }

    /**
     * The entities of one config replace those it gave before (`configOrder`: the config's place among the configs,
     * for the order in which a device's availability settings are merged).
     */
    replace(before: readonly Entity[], after: readonly Entity[], configOrder: number): RouteChanges {
        const touchedIds = new Set<string>();
        const touchedTopics = new Set<string>();
        const devices = new Set<string>();
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
        const changes: RouteChanges = { retired: [], subscribe: [], unsubscribe: [] };
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

    private add(entity: Entity, touchedTopics: Set<string>): void {
        for (const state of entity.plan.states) {
            const stateId = entity.stateIds.get(state.key)!;
            this.use(stateId, entity);
            if (state.source && this.usable(state.source.topic, entity)) {
                const topic = state.source.topic;
                const list = this.routes.get(topic);
                const route = { stateId, read: state.source.read, entity };
                if (list) {
                    list.push(route);
                } else {
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

    private remove(entity: Entity, touchedIds: Set<string>, touchedTopics: Set<string>): void {
        for (const state of entity.plan.states) {
            const stateId = entity.stateIds.get(state.key)!;
            touchedIds.add(stateId);
            this.release(stateId, entity);
            if (state.source) {
                const topic = state.source.topic;
                const left = (this.routes.get(topic) ?? []).filter(route => route.entity !== entity);
                if (left.length > 0) {
                    this.routes.set(topic, left);
                } else {
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
    private updateCommand(stateId: string): void {
        let best: Command | undefined;
        let bestOrder: [number, number] | undefined;
        for (const entity of this.users.get(stateId) ?? []) {
            const command = entity.plan.states.find(s => entity.stateIds.get(s.key) === stateId)?.command;
            const order = this.order.get(entity)!;
            if (
                command &&
                (!bestOrder || order[0] > bestOrder[0] || (order[0] === bestOrder[0] && order[1] >= bestOrder[1]))
            ) {
                best = { entity, command };
                bestOrder = order;
            }
        }
        if (best) {
            this.commands.set(stateId, best);
        } else {
            this.commands.delete(stateId);
        }
    }

    /** A device's `available` id and its merged availability, after its entities changed. */
    private updateDevice(deviceId: string, touchedIds: Set<string>, touchedTopics: Set<string>): void {
        const availableId = `${deviceId}.available`;
        const entities = [...(this.byDevice.get(deviceId) ?? [])].sort((a, b) => {
            const [ca, ia] = this.order.get(a)!;
            const [cb, ib] = this.order.get(b)!;
            return ca - cb || ia - ib;
        });
        touchedIds.add(availableId);
        this.users.delete(availableId);
        if (entities.length > 0) {
            this.users.set(availableId, new Set(entities));
        }
        let plan: AvailabilityPlan | undefined;
        for (const entity of entities) {
            const own = entity.plan.availability;
            if (own) {
                plan = plan
                    ? {
                          mode: plan.mode,
                          topics: [
                              ...plan.topics,
                              ...own.topics.filter(t => !plan!.topics.some(m => m.topic === t.topic)),
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
        } else {
            this.availability.set(deviceId, new DeviceAvailability(plan));
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

    private use(stateId: string, entity: Entity): void {
        let users = this.users.get(stateId);
        if (!users) {
            users = new Set();
            this.users.set(stateId, users);
        }
        users.add(entity);
    }

    private release(stateId: string, entity: Entity): void {
        const users = this.users.get(stateId);
        users?.delete(entity);
        if (users?.size === 0) {
            this.users.delete(stateId);
        }
    }
}
