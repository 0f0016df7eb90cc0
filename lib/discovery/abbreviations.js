"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.isConfigObject = isConfigObject;
exports.expandKeys = expandKeys;
exports.resolveBaseTopic = resolveBaseTopic;
exports.expandConfig = expandConfig;
/**
 * Expanding a Home Assistant discovery config: abbreviated keys (`stat_t` → `state_topic`, `dev` → `device`, `ids` →
 * `identifiers`, …) become full keys, inside `device`, `origin`, every `availability` entry and every `components`
 * entry too; and the `~` base topic is substituted into topic values that start or end with `~`. Pure.
 */
const abbreviationTable_1 = require("./abbreviationTable");
/** A plain JSON object (not an array, not null). */
function isConfigObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/** The keys of `object` renamed by `table`; a full key already present wins over its abbreviation. */
function expandKeys(object, table) {
    const result = {};
    for (const [key, value] of Object.entries(object)) {
        const full = table[key] ?? key;
        if (full !== key && Object.prototype.hasOwnProperty.call(object, full)) {
            continue;
        }
        result[full] = value;
    }
    return result;
}
/** Home Assistant's rule: a topic value starting with `~` gets the base in front, one ending with `~` behind. */
function resolveBaseTopic(value, base) {
    if (value.startsWith('~')) {
        return `${base}${value.slice(1)}`;
    }
    if (value.endsWith('~')) {
        return `${value.slice(0, -1)}${base}`;
    }
    return value;
}
function isTopicKey(key) {
    return key === 'topic' || key.endsWith('_topic');
}
function substituteBase(object, base) {
    if (base === undefined) {
        return object;
    }
    const result = {};
    for (const [key, value] of Object.entries(object)) {
        result[key] =
            typeof value === 'string' && value !== '' && isTopicKey(key) ? resolveBaseTopic(value, base) : value;
    }
    return result;
}
function expandAvailability(value, base) {
    if (!Array.isArray(value)) {
        return value;
    }
    return value.map(entry => (isConfigObject(entry) ? substituteBase(expandKeys(entry, abbreviationTable_1.ABBREVIATIONS), base) : entry));
}
/** One entity's config (or the shared part of a device config) with its nested objects expanded. */
function expandEntity(raw, inheritedBase, topLevel = true) {
    const expanded = expandKeys(raw, abbreviationTable_1.ABBREVIATIONS);
    const ownBase = expanded['~'];
    const base = typeof ownBase === 'string' ? ownBase : inheritedBase;
    delete expanded['~'];
    const result = substituteBase(expanded, base);
    if (isConfigObject(result.device)) {
        result.device = expandKeys(result.device, abbreviationTable_1.DEVICE_ABBREVIATIONS);
    }
    if (isConfigObject(result.origin)) {
        result.origin = expandKeys(result.origin, abbreviationTable_1.ORIGIN_ABBREVIATIONS);
    }
    if ('availability' in result) {
        result.availability = expandAvailability(result.availability, base);
    }
    // components only in the device config itself: a component's own `cmps` is not read (no unbounded recursion
    // on a crafted config nested thousands of levels deep)
    if (topLevel && isConfigObject(result.components)) {
        const components = {};
        for (const [id, component] of Object.entries(result.components)) {
            components[id] = isConfigObject(component) ? expandEntity(component, base, false) : component;
        }
        result.components = components;
    }
    return result;
}
/**
 * The config with every abbreviation expanded and `~` resolved (the `~` key itself is removed). A `components`
 * entry without a `~` of its own uses the base of the device config.
 */
function expandConfig(raw) {
    return expandEntity(raw, undefined);
}
