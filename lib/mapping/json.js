"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MAX_JSON_DEPTH = void 0;
exports.keyToLevel = keyToLevel;
exports.expandJson = expandJson;
exports.nestedCommand = nestedCommand;
/**
 * JSON payloads as trees of states (`jsonTopics`). Pure.
 * `{"temperature":25.1,"color":{"x":0.3}}` → rows `temperature` = 25.1 and `color.x` = 0.3; telemetry
 * `{"ts":…, "values":{…}}` (or an array of them) → rows carrying that timestamp, in order.
 */
const topic_1 = require("./topic");
exports.MAX_JSON_DEPTH = 5;
function isPlainObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/** One key as one id level: like a topic level, and a dot inside a key never makes a deeper level. */
function keyToLevel(key) {
    return (0, topic_1.sanitizeLevel)(key, true);
}
function flatten(object, depth, path, keys, rows) {
    for (const [key, value] of Object.entries(object)) {
        const nextPath = [...path, keyToLevel(key)];
        const nextKeys = [...keys, key];
        if (isPlainObject(value) && depth < exports.MAX_JSON_DEPTH) {
            flatten(value, depth + 1, nextPath, nextKeys, rows);
        }
        else if (typeof value === 'object' && value !== null) {
            rows.push({ path: nextPath, keys: nextKeys, value: JSON.stringify(value), isJsonText: true });
        }
        else if (typeof value === 'number' ||
            typeof value === 'string' ||
            typeof value === 'boolean' ||
            value === null) {
            rows.push({ path: nextPath, keys: nextKeys, value, isJsonText: false });
        }
    }
}
function isTelemetry(value) {
    return (isPlainObject(value) &&
        typeof value.ts === 'number' &&
        Number.isFinite(value.ts) &&
        isPlainObject(value.values) &&
        Object.keys(value).every(k => k === 'ts' || k === 'values'));
}
/**
 * The batches of rows a JSON payload expands to, or undefined when it is not an expandable JSON object
 * (then the message is handled like any other: one state).
 */
function expandJson(text) {
    const trimmed = text.trim();
    if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) {
        return undefined;
    }
    let parsed;
    try {
        parsed = JSON.parse(trimmed);
    }
    catch {
        return undefined;
    }
    const batchOf = (object, ts) => {
        const rows = [];
        flatten(object, 1, [], [], rows);
        return { ts, rows };
    };
    if (isTelemetry(parsed)) {
        return [batchOf(parsed.values, parsed.ts)];
    }
    if (Array.isArray(parsed)) {
        return parsed.length > 0 && parsed.every(isTelemetry)
            ? parsed.map(item => batchOf(item.values, item.ts))
            : undefined;
    }
    return isPlainObject(parsed) ? [batchOf(parsed, undefined)] : undefined;
}
/** `['color','x']` + 0.3 → `{"color":{"x":0.3}}`: the command a device expects for one field. */
function nestedCommand(keys, value) {
    let result = value;
    for (let i = keys.length - 1; i >= 0; i--) {
        result = { [keys[i]]: result };
    }
    return result;
}
