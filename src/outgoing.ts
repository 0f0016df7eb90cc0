/**
 * How the publisher turns a state into a message: its topic, payload, retain flag and MQTT 5 properties (SPEC §5, §8).
 * Pure: the publisher (publisher.ts) decides when, this file decides what.
 */
import { valueToPayload, type OutgoingState } from './mapping/payload';
import { nestedCommand } from './mapping/json';
import { idToTopic, type TopicOptions } from './mapping/topic';
import type { QoS } from './settings';

/** What the publisher needs of the publishing options here. */
export interface MessageOptions extends TopicOptions {
    sendStateObject: boolean;
    defaultQoS: QoS;
    /** Statuses (ack=true) are published retained. */
    retain: boolean;
    /** Commands (ack=false) are published retained; statuses follow `retain`. */
    retainCommands: boolean;
    /** Appended to a JSON parent topic for field commands ('' = the parent topic). Default '/set'. */
    jsonCommandSuffix?: string;
}

export interface OutgoingMessage {
    id: string;
    topic: string;
    payload: string | Buffer;
    qos: QoS;
    retain: boolean;
    /** A JSON object or array payload: MQTT 5 receivers get these (3.1.1 ones the payload alone). */
    properties?: JsonProperties;
}

/** MQTT 5 properties of a JSON payload: Content Type `application/json`, Payload Format Indicator 1 (UTF-8). */
export interface JsonProperties {
    contentType: 'application/json';
    payloadFormatIndicator: true;
}

/** What a state's object says about its messages. */
export interface TopicInfo {
    nativeTopic: string | undefined;
    binary: boolean;
    /** A field of a JSON payload (jsonTopics): commands go to its parent topic as `{"<key>": value}`. */
    json?: { parentTopic: string; keys: string[] };
    /** Its `common.type` is json, object or array: a value that is JSON text is sent as JSON. */
    jsonValue?: boolean;
}

export const NO_INFO: TopicInfo = { nativeTopic: undefined, binary: false };

const JSON_TYPES = new Set(['json', 'object', 'array']);

/** A text that is a JSON object or array (of a state whose type says JSON: its first character decides). */
const JSON_CONTAINER = /^\s*[[{]/;

/** A fresh object per message: aedes and mqtt.js may add to a packet's properties. */
export function jsonProperties(): JsonProperties {
    return { contentType: 'application/json', payloadFormatIndicator: true };
}

/** The parts of a state's object that shape its messages. */
export function topicInfoOf(obj: ioBroker.Object): TopicInfo {
    const native = obj.native as
        { topic?: unknown; binary?: unknown; jsonParent?: unknown; jsonKeys?: unknown } | undefined;
    const keys = native?.jsonKeys;
    const json =
        typeof native?.jsonParent === 'string' && Array.isArray(keys) && keys.every(k => typeof k === 'string')
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
export function jsonCommandTopic(info: { parentTopic: string }, options: MessageOptions): string {
    return info.parentTopic + (options.jsonCommandSuffix ?? '/set');
}

export function topicOf(id: string, state: OutgoingState | null, info: TopicInfo, options: MessageOptions): string {
    return idToTopic(id, options, { nativeTopic: info.nativeTopic, isCommand: state ? !state.ack : false });
}

/** Whether a message for this state carries the retain flag. */
export function retains(state: OutgoingState | null, options: MessageOptions): boolean {
    if (!state) {
        // a deleted state clears what was retained for it (an empty retained message)
        return options.retain || options.retainCommands;
    }
    return state.ack ? options.retain : options.retainCommands;
}

/** The message of a state whose payload is text (not a binary state's file). */
export function textMessage(
    id: string,
    state: OutgoingState | null,
    info: TopicInfo,
    options: MessageOptions,
): OutgoingMessage | undefined {
    if (info.json) {
        // a JSON field: only commands leave, as {"<key>": value} on the parent's command topic
        if (!state || state.ack) {
            return undefined;
        }
        return {
            id,
            topic: jsonCommandTopic(info.json, options),
            payload: JSON.stringify(nestedCommand(info.json.keys, state.val)),
            qos: options.defaultQoS,
            retain: false,
            properties: jsonProperties(),
        };
    }
    const payload = valueToPayload(state, { sendStateObject: options.sendStateObject });
    const message: OutgoingMessage = {
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
function isJsonPayload(val: unknown, payload: string, info: TopicInfo, options: MessageOptions): boolean {
    if (options.sendStateObject || (val !== null && typeof val === 'object')) {
        return true;
    }
    if (info.jsonValue !== true || typeof val !== 'string' || !JSON_CONTAINER.test(payload)) {
        return false;
    }
    try {
        JSON.parse(payload); // js-controller does not check that a json state holds JSON
        return true;
    } catch {
        return false;
    }
}
