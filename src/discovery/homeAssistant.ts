/**
 * Home Assistant MQTT discovery: `<prefix>/<component>/[<node_id>/]<object_id>/config` (one entity) and
 * `<prefix>/device/<object_id>/config` (device-based: several entities under `cmps` sharing `dev`, `o`,
 * availability, state/command topic and qos) become plans of ioBroker devices, channels and states. An empty
 * payload removes what the topic announced; broken or unsupported configs are `invalid` with a warning naming the
 * topic. Pure: no I/O, no timers.
 */
import type { AvailabilityPlan, DevicePlan, DiscoveryResult, EntityPlan } from './model';
import { type ConfigObject, expandConfig, isConfigObject } from './abbreviations';
import { type EntityContext, num, payload, sanitizeKey, str } from './haCommon';
import { compileTemplate, payloadVariables, toPythonString } from './template';
import { BASIC_COMPONENTS, type ComponentBuilder } from './components/basic';
import { light } from './components/light';
import { cover } from './components/cover';
import { climate, fan } from './components/climateFan';

/** The components this adapter turns into states. */
export const SUPPORTED_COMPONENTS: Readonly<Record<string, ComponentBuilder>> = {
    ...BASIC_COMPONENTS,
    light,
    cover,
    climate,
    fan,
};

/** Options of a device-based config that its components inherit (Home Assistant's shared options). */
const SHARED_OPTIONS = [
    'device',
    'origin',
    'availability',
    'availability_mode',
    'availability_template',
    'availability_topic',
    'payload_available',
    'payload_not_available',
    'state_topic',
    'command_topic',
    'qos',
    'retain',
    'encoding',
];

const LEVEL = /^[a-zA-Z0-9_-]+$/;

interface DiscoveryTopic {
    component: string;
    nodeId: string | undefined;
    objectId: string;
}

/** The parts of a discovery config topic, undefined for any other topic. */
export function parseDiscoveryTopic(topic: string, prefix: string): DiscoveryTopic | undefined {
    if (!topic.startsWith(`${prefix}/`)) {
        return undefined;
    }
    const levels = topic.slice(prefix.length + 1).split('/');
    if (levels.length < 3 || levels.length > 4 || levels[levels.length - 1] !== 'config') {
        return undefined;
    }
    if (!levels.slice(0, -1).every(level => LEVEL.test(level))) {
        return undefined;
    }
    const [component, second, third] = levels as [string, string, string];
    return levels.length === 4
        ? { component, nodeId: second, objectId: third }
        : { component, nodeId: undefined, objectId: second };
}

function identifiersOf(device: ConfigObject | undefined): string[] {
    if (device === undefined) {
        return [];
    }
    const ids = device.identifiers;
    const list = Array.isArray(ids) ? ids : ids === undefined ? [] : [ids];
    const connections = Array.isArray(device.connections) ? device.connections : [];
    const connectionValues = connections.map(c => (Array.isArray(c) ? c[1] : undefined));
    return [...list, ...connectionValues]
        .filter((v): v is string | number => typeof v === 'string' || typeof v === 'number')
        .map(String);
}

/** The device of an entity: from `device`, else one of its own from node_id / unique_id / object_id. */
export function devicePlan(config: ConfigObject, topic: DiscoveryTopic): DevicePlan {
    const device = isConfigObject(config.device) ? config.device : undefined;
    const ids = identifiersOf(device);
    const fallback = topic.nodeId ?? str(config, 'unique_id') ?? topic.objectId;
    const key = sanitizeKey(ids[0] ?? fallback) || 'device';
    if (device === undefined) {
        return { key, name: topic.nodeId ?? str(config, 'name') ?? topic.objectId, native: {} };
    }
    const native: Record<string, unknown> = { ...device };
    if (device.identifiers !== undefined) {
        native.identifiers = Array.isArray(device.identifiers) ? device.identifiers : [device.identifiers];
    }
    return { key, name: str(device, 'name') ?? ids[0] ?? key, native };
}

/** A readable, stable id segment for an entity: its unique_id without a leading device identifier. */
export function entityKey(uniqueId: string | undefined, deviceIds: string[], objectId: string): string {
    if (uniqueId !== undefined) {
        let key = sanitizeKey(uniqueId);
        const candidates = deviceIds.map(sanitizeKey).flatMap(id => [id, id.slice(id.lastIndexOf('_') + 1)]);
        const strip = candidates.find(id => id.length >= 4 && key.startsWith(id) && key.length > id.length);
        if (strip !== undefined) {
            key = key.slice(strip.length).replace(/^_+/, '');
        }
        if (key !== '') {
            return key;
        }
    }
    return sanitizeKey(objectId) || 'entity';
}

function availabilityEntry(
    ctx: EntityContext,
    entry: ConfigObject,
    templateKey: string,
): AvailabilityPlan['topics'][number] | undefined {
    const topic = str(entry, 'topic');
    if (topic === undefined) {
        return undefined;
    }
    const result: AvailabilityPlan['topics'][number] = {
        topic,
        online: payload(entry, 'payload_available', 'online'),
        offline: payload(entry, 'payload_not_available', 'offline'),
    };
    const source = str(entry, templateKey);
    if (source !== undefined) {
        const compiled = compileTemplate(source);
        if (compiled.ok) {
            result.read = (text: string) => compiled.template.render(payloadVariables(text));
        } else {
            ctx.warnings.push(
                `${ctx.component} '${ctx.name}' (${ctx.configTopic}): availability template "${source}" is outside the supported template subset (${compiled.error}); the raw payload is compared`,
            );
        }
    }
    return result;
}

/** `availability` list or `availability_topic`, with payloads, templates and mode. */
export function availabilityPlan(ctx: EntityContext): AvailabilityPlan | undefined {
    const c = ctx.config;
    const entries = Array.isArray(c.availability)
        ? c.availability.filter(isConfigObject).map(e => availabilityEntry(ctx, e, 'value_template'))
        : [availabilityEntry(ctx, { ...c, topic: c.availability_topic }, 'availability_template')];
    const topics = entries.filter((e): e is NonNullable<typeof e> => e !== undefined);
    if (topics.length === 0) {
        return undefined;
    }
    const mode = str(c, 'availability_mode');
    return { topics, mode: mode === 'all' || mode === 'any' ? mode : 'latest' };
}

function entityName(config: ConfigObject, device: DevicePlan, objectId: string): string {
    if (config.name === null) {
        return device.name;
    }
    return typeof config.name === 'string' || typeof config.name === 'number' ? toPythonString(config.name) : objectId;
}

/** One entity from its expanded config, or the reason it cannot be used. */
function buildEntity(configTopic: string, topic: DiscoveryTopic, config: ConfigObject): EntityPlan | string {
    const builder = SUPPORTED_COMPONENTS[topic.component];
    if (builder === undefined) {
        return `component '${topic.component}' is not supported`;
    }
    const device = devicePlan(config, topic);
    const qos = num(config, 'qos', 0);
    const ctx: EntityContext = {
        configTopic,
        component: topic.component,
        name: entityName(config, device, topic.objectId),
        config,
        warnings: [],
        qos: qos === 1 || qos === 2 ? qos : 0,
        retain: config.retain === true,
    };
    const states = builder(ctx);
    if (typeof states === 'string') {
        return `${topic.component} '${ctx.name}': ${states}`;
    }
    const uniqueId = str(config, 'unique_id');
    const deviceIds = [...identifiersOf(isConfigObject(config.device) ? config.device : undefined), device.key];
    const entity: EntityPlan = {
        configTopic,
        uniqueId,
        component: topic.component,
        device,
        key: entityKey(uniqueId, deviceIds, topic.objectId),
        name: ctx.name,
        native: { component: topic.component, uniqueId, objectId: topic.objectId, nodeId: topic.nodeId, config },
        states,
        warnings: ctx.warnings,
    };
    const availability = availabilityPlan(ctx);
    if (availability !== undefined) {
        entity.availability = availability;
    }
    return entity;
}

/** Makes entity keys unique per device within one message (`_2`, `_3`, …). */
function dedupeKeys(entities: EntityPlan[]): void {
    const seen = new Set<string>();
    for (const entity of entities) {
        let key = entity.key;
        for (let n = 2; seen.has(`${entity.device.key}.${key}`); n++) {
            key = `${entity.key}_${n}`;
        }
        entity.key = key;
        seen.add(`${entity.device.key}.${key}`);
    }
}

function deviceBased(configTopic: string, topic: DiscoveryTopic, config: ConfigObject): DiscoveryResult {
    if (!isConfigObject(config.components)) {
        return {
            kind: 'invalid',
            configTopic,
            warning: `${configTopic}: device discovery without 'cmps' (components)`,
        };
    }
    const shared: ConfigObject = {};
    for (const key of SHARED_OPTIONS) {
        if (config[key] !== undefined) {
            shared[key] = config[key];
        }
    }
    const entities: EntityPlan[] = [];
    const warnings: string[] = [];
    for (const [id, entry] of Object.entries(config.components)) {
        const platform = isConfigObject(entry) ? str(entry, 'platform') : undefined;
        if (!isConfigObject(entry) || platform === undefined) {
            warnings.push(`${configTopic}: component '${id}' has no platform ('p')`);
            continue;
        }
        if (Object.keys(entry).length === 1) {
            continue; // only the platform: Home Assistant's way of removing this component from the device
        }
        const result = buildEntity(
            configTopic,
            { component: platform, nodeId: topic.objectId, objectId: id },
            { ...shared, ...entry },
        );
        if (typeof result === 'string') {
            warnings.push(`${configTopic}: component '${id}': ${result}`);
        } else {
            entities.push(result);
        }
    }
    if (entities.length === 0 && warnings.length > 0) {
        return { kind: 'invalid', configTopic, warning: warnings.join('; ') };
    }
    // no component left (each removed by a platform-only entry, or none at all): the device's entities go
    dedupeKeys(entities);
    return { kind: 'entities', configTopic, entities, warnings };
}

/**
 * What a message on a discovery topic means; undefined when `topic` is not
 * `<prefix>/<component>/[<node_id>/]<object_id>/config`.
 */
export function parseHomeAssistant(topic: string, payloadText: string, prefix: string): DiscoveryResult | undefined {
    const parsed = parseDiscoveryTopic(topic, prefix);
    if (parsed === undefined) {
        return undefined;
    }
    if (payloadText.trim() === '') {
        return { kind: 'remove', configTopic: topic };
    }
    let raw: unknown;
    try {
        raw = JSON.parse(payloadText);
    } catch {
        return { kind: 'invalid', configTopic: topic, warning: `${topic}: the discovery config is not valid JSON` };
    }
    if (!isConfigObject(raw)) {
        return { kind: 'invalid', configTopic: topic, warning: `${topic}: the discovery config is not a JSON object` };
    }
    const config = expandConfig(raw);
    if (parsed.component === 'device') {
        return deviceBased(topic, parsed, config);
    }
    const entity = buildEntity(topic, parsed, config);
    if (typeof entity === 'string') {
        return { kind: 'invalid', configTopic: topic, warning: `${topic}: ${entity}` };
    }
    return { kind: 'entities', configTopic: topic, entities: [entity], warnings: [] };
}
