"use strict";
/**
 * Payload ⇄ value rules (SPEC §6, §7). Pure. The object's existing `common.type` decides the conversion, so a
 * state's type never flip-flops; without an object the type is inferred once.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.QUALITY_CODES = void 0;
exports.isJsonContentType = isJsonContentType;
exports.parseNumber = parseNumber;
exports.parseBoolean = parseBoolean;
exports.parseCharCodes = parseCharCodes;
exports.payloadToValue = payloadToValue;
exports.convertValue = convertValue;
exports.valueToPayload = valueToPayload;
/** The quality codes ioBroker accepts in `state.q`. */
exports.QUALITY_CODES = [0, 1, 2, 16, 17, 18, 32, 64, 65, 66, 68, 128, 129, 130, 132];
function isQuality(value) {
    return typeof value === 'number' && exports.QUALITY_CODES.includes(value);
}
/**
 * Whether an MQTT 5 content type says JSON: `application/json` or any `<type>/<subtype>+json` (RFC 6839), in any case,
 * parameters (`; charset=utf-8`) ignored.
 */
function isJsonContentType(contentType) {
    if (!contentType) {
        return false;
    }
    const semicolon = contentType.indexOf(';');
    const type = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
    return type === 'application/json' || (type.endsWith('+json') && type.indexOf('/') > 0);
}
const STATE_KEYS = new Set(['val', 'ack', 'ts', 'q', 'lc', 'from', 'user', 'expire', 'c']);
const NUMBER = /^[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)(?:[eE][+-]?\d+)?$/;
const CHAR_CODES = /^\d{1,3}(?:,\d{1,3}){2,}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8', { fatal: false });
/**
 * Text → number, or undefined when the text is not a plain decimal number. A single comma is a decimal comma
 * (`+58,890` = 58.89); `0x1A`, `Infinity`, `NaN`, `1,000,000` and out-of-range values are not numbers.
 */
function parseNumber(text) {
    const trimmed = text.trim();
    if (!NUMBER.test(trimmed)) {
        return undefined;
    }
    const num = Number(trimmed.replace(',', '.'));
    if (!Number.isFinite(num)) {
        return undefined;
    }
    return num === 0 ? 0 : num; // no negative zero in states
}
/** `true/false/1/0/on/off` in any case, or undefined. */
function parseBoolean(text) {
    switch (text.trim().toLowerCase()) {
        case 'true':
        case '1':
        case 'on':
            return true;
        case 'false':
        case '0':
        case 'off':
            return false;
        default:
            return undefined;
    }
}
/** `72,101,108` → `Hel` when every code is in 0..255 and there are at least three; else undefined. */
function parseCharCodes(text) {
    const compact = text.replace(/\s+/g, '');
    if (!CHAR_CODES.test(compact)) {
        return undefined;
    }
    const codes = compact.split(',').map(Number);
    if (codes.some(code => code > 255)) {
        return undefined;
    }
    return String.fromCharCode(...codes);
}
function parseJsonContainer(text) {
    const trimmed = text.trim();
    const first = trimmed[0];
    if (first !== '{' && first !== '[') {
        return undefined;
    }
    try {
        // starts with '{' or '[': a successful parse is an object or an array
        return JSON.parse(trimmed);
    }
    catch {
        return undefined;
    }
}
/** The value and type a text gets when no type is known yet. */
function inferText(text) {
    const num = parseNumber(text);
    if (num !== undefined) {
        return { val: num, type: 'number' };
    }
    if (text === 'true' || text === 'false') {
        return { val: text === 'true', type: 'boolean' };
    }
    if (parseJsonContainer(text) !== undefined) {
        return { val: text, type: 'json' };
    }
    return { val: text, type: 'string' };
}
/** The value and type a JS value (from a state-object payload) gets when no type is known yet. */
function inferValue(value) {
    if (value === null || value === undefined) {
        return { val: null, type: 'mixed' };
    }
    if (typeof value === 'number') {
        return Number.isFinite(value)
            ? { val: value === 0 ? 0 : value, type: 'number' }
            : { val: null, type: 'number' };
    }
    if (typeof value === 'boolean') {
        return { val: value, type: 'boolean' };
    }
    if (typeof value === 'string') {
        return inferText(value);
    }
    return { val: JSON.stringify(value), type: 'json' };
}
/** Converts to the existing type, or undefined when that type cannot hold the value. */
function coerce(value, type) {
    if (value === null) {
        return null;
    }
    switch (type) {
        case 'number':
            if (typeof value === 'number') {
                return Number.isFinite(value) ? value : undefined;
            }
            return typeof value === 'string' ? parseNumber(value) : undefined;
        case 'boolean':
            if (typeof value === 'boolean') {
                return value;
            }
            if (typeof value === 'number') {
                return value === 1 ? true : value === 0 ? false : undefined;
            }
            return typeof value === 'string' ? parseBoolean(value) : undefined;
        case 'string':
            if (typeof value === 'string') {
                return value;
            }
            if (typeof value === 'number' || typeof value === 'boolean') {
                return String(value);
            }
            return JSON.stringify(value);
        case 'json':
        case 'object':
        case 'array': {
            const text = typeof value === 'string' ? value : JSON.stringify(value);
            try {
                JSON.parse(text);
                return text;
            }
            catch {
                return undefined;
            }
        }
        default:
            // mixed (and anything unknown) takes the inferred value
            return inferValue(value).val;
    }
}
const FROM_TEXT = { from: 'text' };
const FROM_JSON = { from: 'json' };
/** Converts an MQTT payload into a state value (SPEC §6 steps 2–7; binary topics are handled by the caller). */
function payloadToValue(payload, options) {
    const existingType = options.existingType;
    if (payload.length === 0) {
        return {
            val: null,
            type: existingType ?? 'mixed',
            becomesMixed: false,
            invalidUtf8: false,
        };
    }
    let text;
    let invalidUtf8 = false;
    try {
        text = utf8.decode(payload);
    }
    catch {
        text = utf8Lenient.decode(payload);
        invalidUtf8 = true;
    }
    let invalidJson = false;
    if (options.json) {
        // the sender says JSON: a JSON string is its text without the quotes, null is null; an object or an array
        // goes on below as on any topic (a state object, or the JSON text)
        try {
            const value = JSON.parse(text);
            if (value === null || typeof value !== 'object') {
                return { ...convertValue(value, existingType, FROM_JSON), invalidUtf8 };
            }
        }
        catch {
            invalidJson = true;
        }
    }
    if (options.parseCharCodes) {
        const decoded = parseCharCodes(text);
        if (decoded !== undefined) {
            text = decoded;
        }
    }
    let raw = text;
    let extra = {};
    const container = parseJsonContainer(text);
    if (container && !Array.isArray(container)) {
        const keys = Object.keys(container);
        if (keys.includes('val') && keys.every(key => STATE_KEYS.has(key))) {
            // a state object: val, ack, ts and q are taken; from, user, lc and c are ignored (no spoofing)
            const state = container;
            raw = state.val;
            extra = {
                ...(typeof state.ack === 'boolean' ? { ack: state.ack } : {}),
                ...(typeof state.ts === 'number' && Number.isFinite(state.ts) && state.ts > 0 ? { ts: state.ts } : {}),
                ...(isQuality(state.q) ? { q: state.q } : {}),
            };
        }
    }
    return {
        ...convertValue(raw, existingType, FROM_TEXT),
        invalidUtf8,
        ...(invalidJson ? { invalidJson } : {}),
        ...extra,
    };
}
/**
 * A value (text of a payload, or a value from JSON) → the state value. The existing type decides; without one the
 * type is inferred as `source` says.
 */
function convertValue(raw, existingType, source) {
    const infer = () => typeof raw === 'string'
        ? source.from === 'text'
            ? inferText(raw)
            : { val: raw, type: 'string' }
        : inferValue(raw);
    if (existingType === undefined) {
        return { ...infer(), becomesMixed: false };
    }
    const coerced = coerce(raw, existingType);
    if (coerced !== undefined) {
        return { val: coerced, type: existingType, becomesMixed: false };
    }
    return { val: infer().val, type: 'mixed', becomesMixed: true };
}
/** Converts a state into an MQTT payload (SPEC §7). A deleted state (null) gives an empty payload. */
function valueToPayload(state, options) {
    if (!state) {
        return '';
    }
    if (options.sendStateObject) {
        return JSON.stringify({
            val: state.val ?? null,
            ack: state.ack,
            ts: state.ts,
            q: state.q ?? 0,
            lc: state.lc ?? state.ts,
        });
    }
    const val = state.val;
    if (val === null || val === undefined) {
        return 'null';
    }
    if (typeof val === 'string') {
        return val;
    }
    if (typeof val === 'number' || typeof val === 'boolean') {
        return String(val);
    }
    return JSON.stringify(val);
}
