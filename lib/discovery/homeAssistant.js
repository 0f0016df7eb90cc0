"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SUPPORTED_COMPONENTS = void 0;
exports.parseDiscoveryTopic = parseDiscoveryTopic;
exports.devicePlan = devicePlan;
exports.entityKey = entityKey;
exports.availabilityPlan = availabilityPlan;
exports.parseHomeAssistant = parseHomeAssistant;
const abbreviations_1 = require("./abbreviations");
const haCommon_1 = require("./haCommon");
const template_1 = require("./template");
const basic_1 = require("./components/basic");
const light_1 = require("./components/light");
const cover_1 = require("./components/cover");
const climateFan_1 = require("./components/climateFan");
/** The components this adapter turns into states. */
exports.SUPPORTED_COMPONENTS = {
    ...basic_1.BASIC_COMPONENTS,
    light: light_1.light,
    cover: cover_1.cover,
    climate: climateFan_1.climate,
    fan: climateFan_1.fan,
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
/** The parts of a discovery config topic, undefined for any other topic. */
function parseDiscoveryTopic(topic, prefix) {
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
    const [component, second, third] = levels;
    return levels.length === 4
        ? { component, nodeId: second, objectId: third }
        : { component, nodeId: undefined, objectId: second };
}
function identifiersOf(device) {
    if (device === undefined) {
        return [];
    }
    const ids = device.identifiers;
    const list = Array.isArray(ids) ? ids : ids === undefined ? [] : [ids];
    const connections = Array.isArray(device.connections) ? device.connections : [];
    const connectionValues = connections.map(c => (Array.isArray(c) ? c[1] : undefined));
    return [...list, ...connectionValues]
        .filter((v) => typeof v === 'string' || typeof v === 'number')
        .map(String);
}
/** The device of an entity: from `device`, else one of its own from node_id / unique_id / object_id. */
function devicePlan(config, topic) {
    const device = (0, abbreviations_1.isConfigObject)(config.device) ? config.device : undefined;
    const ids = identifiersOf(device);
    const fallback = topic.nodeId ?? (0, haCommon_1.str)(config, 'unique_id') ?? topic.objectId;
    const key = (0, haCommon_1.sanitizeKey)(ids[0] ?? fallback) || 'device';
    if (device === undefined) {
        return { key, name: topic.nodeId ?? (0, haCommon_1.str)(config, 'name') ?? topic.objectId, native: {} };
    }
    const native = { ...device };
    if (device.identifiers !== undefined) {
        native.identifiers = Array.isArray(device.identifiers) ? device.identifiers : [device.identifiers];
    }
    return { key, name: (0, haCommon_1.str)(device, 'name') ?? ids[0] ?? key, native };
}
/** A readable, stable id segment for an entity: its unique_id without a leading device identifier. */
function entityKey(uniqueId, deviceIds, objectId) {
    if (uniqueId !== undefined) {
        let key = (0, haCommon_1.sanitizeKey)(uniqueId);
        const candidates = deviceIds.map(haCommon_1.sanitizeKey).flatMap(id => [id, id.slice(id.lastIndexOf('_') + 1)]);
        const strip = candidates.find(id => id.length >= 4 && key.startsWith(id) && key.length > id.length);
        if (strip !== undefined) {
            key = key.slice(strip.length).replace(/^_+/, '');
        }
        if (key !== '') {
            return key;
        }
    }
    return (0, haCommon_1.sanitizeKey)(objectId) || 'entity';
}
function availabilityEntry(ctx, entry, templateKey) {
    const topic = (0, haCommon_1.str)(entry, 'topic');
    if (topic === undefined) {
        return undefined;
    }
    const result = {
        topic,
        online: (0, haCommon_1.payload)(entry, 'payload_available', 'online'),
        offline: (0, haCommon_1.payload)(entry, 'payload_not_available', 'offline'),
    };
    const source = (0, haCommon_1.str)(entry, templateKey);
    if (source !== undefined) {
        const compiled = (0, template_1.compileTemplate)(source);
        if (compiled.ok) {
            result.read = (text) => compiled.template.render((0, template_1.payloadVariables)(text));
        }
        else {
            ctx.warnings.push(`${ctx.component} '${ctx.name}' (${ctx.configTopic}): availability template "${source}" is outside the supported template subset (${compiled.error}); the raw payload is compared`);
        }
    }
    return result;
}
/** `availability` list or `availability_topic`, with payloads, templates and mode. */
function availabilityPlan(ctx) {
    const c = ctx.config;
    const entries = Array.isArray(c.availability)
        ? c.availability.filter(abbreviations_1.isConfigObject).map(e => availabilityEntry(ctx, e, 'value_template'))
        : [availabilityEntry(ctx, { ...c, topic: c.availability_topic }, 'availability_template')];
    const topics = entries.filter((e) => e !== undefined);
    if (topics.length === 0) {
        return undefined;
    }
    const mode = (0, haCommon_1.str)(c, 'availability_mode');
    return { topics, mode: mode === 'all' || mode === 'any' ? mode : 'latest' };
}
function entityName(config, device, objectId) {
    if (config.name === null) {
        return device.name;
    }
    return typeof config.name === 'string' || typeof config.name === 'number' ? (0, template_1.toPythonString)(config.name) : objectId;
}
/** One entity from its expanded config, or the reason it cannot be used. */
function buildEntity(configTopic, topic, config) {
    const builder = exports.SUPPORTED_COMPONENTS[topic.component];
    if (builder === undefined) {
        return `component '${topic.component}' is not supported`;
    }
    const device = devicePlan(config, topic);
    const qos = (0, haCommon_1.num)(config, 'qos', 0);
    const ctx = {
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
    const uniqueId = (0, haCommon_1.str)(config, 'unique_id');
    const deviceIds = [...identifiersOf((0, abbreviations_1.isConfigObject)(config.device) ? config.device : undefined), device.key];
    const entity = {
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
function dedupeKeys(entities) {
    const seen = new Set();
    for (const entity of entities) {
        let key = entity.key;
        for (let n = 2; seen.has(`${entity.device.key}.${key}`); n++) {
            key = `${entity.key}_${n}`;
        }
        entity.key = key;
        seen.add(`${entity.device.key}.${key}`);
    }
}
function deviceBased(configTopic, topic, config) {
    if (!(0, abbreviations_1.isConfigObject)(config.components)) {
        return {
            kind: 'invalid',
            configTopic,
            warning: `${configTopic}: device discovery without 'cmps' (components)`,
        };
    }
    const shared = {};
    for (const key of SHARED_OPTIONS) {
        if (config[key] !== undefined) {
            shared[key] = config[key];
        }
    }
    const entities = [];
    const warnings = [];
    for (const [id, entry] of Object.entries(config.components)) {
        const platform = (0, abbreviations_1.isConfigObject)(entry) ? (0, haCommon_1.str)(entry, 'platform') : undefined;
        if (!(0, abbreviations_1.isConfigObject)(entry) || platform === undefined) {
            warnings.push(`${configTopic}: component '${id}' has no platform ('p')`);
            continue;
        }
        if (Object.keys(entry).length === 1) {
            continue; // only the platform: Home Assistant's way of removing this component from the device
        }
        const result = buildEntity(configTopic, { component: platform, nodeId: topic.objectId, objectId: id }, { ...shared, ...entry });
        if (typeof result === 'string') {
            warnings.push(`${configTopic}: component '${id}': ${result}`);
        }
        else {
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
function parseHomeAssistant(topic, payloadText, prefix) {
    const parsed = parseDiscoveryTopic(topic, prefix);
    if (parsed === undefined) {
        return undefined;
    }
    if (payloadText.trim() === '') {
        return { kind: 'remove', configTopic: topic };
    }
    let raw;
    try {
        raw = JSON.parse(payloadText);
    }
    catch {
        return { kind: 'invalid', configTopic: topic, warning: `${topic}: the discovery config is not valid JSON` };
    }
    if (!(0, abbreviations_1.isConfigObject)(raw)) {
        return { kind: 'invalid', configTopic: topic, warning: `${topic}: the discovery config is not a JSON object` };
    }
    const config = (0, abbreviations_1.expandConfig)(raw);
    if (parsed.component === 'device') {
        return deviceBased(topic, parsed, config);
    }
    const entity = buildEntity(topic, parsed, config);
    if (typeof entity === 'string') {
        return { kind: 'invalid', configTopic: topic, warning: `${topic}: ${entity}` };
    }
    return { kind: 'entities', configTopic: topic, entities: [entity], warnings: [] };
}
