/**
 * What a discovery message means for ioBroker, as plain data: the pure part of discovery (`src/discovery/`, no I/O,
 * lint-fenced like `mapping/`) turns Home Assistant and Tasmota discovery messages into these plans; the runtime
 * (`discoveryService.ts`) creates the objects, routes device messages to states and state writes to devices.
 */

/** One state of an entity, e.g. `state`, `brightness`, `color_temp`, `temperature`. */
export interface StatePlan {
    /** Id segment inside the entity's channel: lower-case, `[a-z0-9_]`. */
    key: string;
    /** `common` of the state object: name, role, type, unit, min, max, step, states, read, write, def. */
    common: ioBroker.StateCommon;
    /** Where the state's value comes from; absent for write-only states (buttons, commands). */
    source?: {
        topic: string;
        /**
         * The value of this state in a message on `topic` (payload as UTF-8 text), `undefined` when the message
         * says nothing about this state (e.g. a JSON light message without `brightness`). Never throws.
         */
        read: (payload: string) => ioBroker.StateValue | undefined;
    };
    /** Where a write (ack=false) goes; absent for read-only states. */
    command?: {
        /**
         * The message a written value becomes, `undefined` when the value cannot be sent (the runtime warns once and
         * acknowledges nothing). Never throws.
         */
        build: (val: ioBroker.StateValue) => { topic: string; payload: string } | undefined;
        qos: 0 | 1 | 2;
        retain: boolean;
        /**
         * No state topic confirms this command (optimistic in Home Assistant's words): the runtime sets the written
         * value with ack=true itself once it is sent.
         */
        optimistic: boolean;
    };
}

/** How `<device>.available` (role `indicator.reachable`) is fed. */
export interface AvailabilityPlan {
    /** One entry per availability topic. */
    topics: { topic: string; online: string; offline: string; read?: (payload: string) => string | undefined }[];
    /** Home Assistant's `availability_mode`: all, any, latest (default latest). */
    mode: 'all' | 'any' | 'latest';
}

export interface DevicePlan {
    /** Id segment of the device: stable (from its first identifier or connection), `[a-z0-9_]`. */
    key: string;
    name: string;
    /** manufacturer, model, sw_version, hw_version, identifiers, connections, via_device, configuration_url … */
    native: Record<string, unknown>;
}

/** One discovered entity (one HA component instance): a channel with its states. */
export interface EntityPlan {
    /** The config topic it came from; an empty retained message there removes it. */
    configTopic: string;
    /** HA `unique_id` when given; the runtime keeps entity ids stable by it. */
    uniqueId: string | undefined;
    component: string;
    /** The device it belongs to; entities without `device` get a device of their own. */
    device: DevicePlan;
    /** Proposed id segment of the channel, `[a-z0-9_]`, unique within the device as proposed. */
    key: string;
    /** common.name of the channel. */
    name: string;
    /** Stored in the channel's `native`: the expanded config, component, unique id. */
    native: Record<string, unknown>;
    states: StatePlan[];
    availability?: AvailabilityPlan;
    /**
     * Problems that did not stop the entity (e.g. a template outside the supported subset: the state is then
     * read-only with the raw value). Each names the entity and the template.
     */
    warnings: string[];
}

/** What one discovery message asks for. */
export type DiscoveryResult =
    /** These entities now exist as described (created or updated in place). */
    | { kind: 'entities'; configTopic: string; entities: EntityPlan[]; warnings: string[] }
    /** Everything announced on this config topic is gone (empty payload). */
    | { kind: 'remove'; configTopic: string }
    /** A message that is not discovery, or broken discovery (the warning says why, naming the topic). */
    | { kind: 'invalid'; configTopic: string; warning: string };

/** A discovered entity as the runtime knows it (deviceObjects.ts, routeTable.ts, discoveryService.ts). */
export interface Entity {
    plan: EntityPlan;
    channelId: string;
    deviceId: string;
    /** state key → id */
    stateIds: Map<string, string>;
    /** objects are written: values may follow */
    ready: Promise<void>;
}
