"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.NO_INFO = void 0;
exports.jsonProperties = jsonProperties;
exports.topicInfoOf = topicInfoOf;
exports.jsonCommandTopic = jsonCommandTopic;
exports.topicOf = topicOf;
exports.retains = retains;
exports.textMessage = textMessage;
/**
 * How the publisher turns a state into a message: its topic, payload, retain flag and MQTT 5 properties (SPEC §5, §8).
 * Pure: the publisher (publisher.ts) decides when, this file decides what.
 */
const payload_1 = require("./mapping/payload");
const json_1 = require("./mapping/json");
const topic_1 = require("./mapping/topic");
exports.NO_INFO = { nativeTopic: undefined, binary: false };
const JSON_TYPES = new Set(['json', 'object', 'array']);
/** A text that is a JSON object or array (of a state whose type says JSON: its first character decides). */
const JSON_CONTAINER = /^\s*[[{]/;
/** A fresh object per message: aedes and mqtt.js may add to a packet's properties. */
function jsonProperties() {
    return { contentType: 'application/json', payloadFormatIndicator: true };
}
/** The parts of a state's object that shape its messages. */
function topicInfoOf(obj) {
    const native = obj.native;
    const keys = native?.jsonKeys;
    const json = typeof native?.jsonParent === 'string' && Array.isArray(keys) && keys.every(k => typeof k === 'string')
        ? { parentTopic: native.jsonParent, keys: keys }
        : undefined;
    return {
        nativeTopic: typeof native?.topic === 'string' && native.topic !== '' ? native.topic : undefined,
        binary: native?.binary === true,
        ...(json ? { json } : {}),
        ...(obj.type === 'state' && JSON_TYPES.has(obj.common.type) ? { jsonValue: true } : {}),
    };
}
/** The command topic of a JSON field: its parent topic and the suffix. */
function jsonCommandTopic(info, options) {
    return info.parentTopic + (options.jsonCommandSuffix ?? '/set');
}
function topicOf(id, state, info, options) {
    return (0, topic_1.idToTopic)(id, options, { nativeTopic: info.nativeTopic, isCommand: state ? !state.ack : false });
}
/** Whether a message for this state carries the retain flag. */
function retains(state, options) {
    if (!state) {
        // a deleted state clears what was retained for it (an empty retained message)
        return options.retain || options.retainCommands;
    }
    return state.ack ? options.retain : options.retainCommands;
}
/** The message of a state whose payload is text (not a binary state's file). */
function textMessage(id, state, info, options) {
    if (info.json) {
        // a JSON field: only commands leave, as {"<key>": value} on the parent's command topic
        if (!state || state.ack) {
            return undefined;
        }
        return {
            id,
            topic: jsonCommandTopic(info.json, options),
            payload: JSON.stringify((0, json_1.nestedCommand)(info.json.keys, state.val)),
            qos: options.defaultQoS,
            retain: false,
            properties: jsonProperties(),
        };
    }
    const payload = (0, payload_1.valueToPayload)(state, { sendStateObject: options.sendStateObject });
    const message = {
        id,
        topic: topicOf(id, state, info, options),
        payload,
        qos: options.defaultQoS,
        retain: retains(state, options),
    };
    if (state && isJsonPayload(state.val, payload, info, options)) {
        message.properties = jsonProperties();
    }
    return message;
}
/** Whether a state's payload is a JSON object or array (the whole state with sendStateObject). */
function isJsonPayload(val, payload, info, options) {
    if (options.sendStateObject || (val !== null && typeof val === 'object')) {
        return true;
    }
    if (info.jsonValue !== true || typeof val !== 'string' || !JSON_CONTAINER.test(payload)) {
        return false;
    }
    try {
        JSON.parse(payload); // js-controller does not check that a json state holds JSON
        return true;
    }
    catch {
        return false;
    }
}
