/**
 * Payload ⇄ value rules (SPEC §6, §7). Pure. The object's existing `common.type` decides the conversion, so a
 * state's type never flip-flops; without an object the type is inferred once.
 */

/** The `common.type` values ioBroker knows. */
export type CommonType = 'number' | 'string' | 'boolean' | 'array' | 'object' | 'mixed' | 'json' | 'file';

export type Value = string | number | boolean | null;

/** The quality codes ioBroker accepts in `state.q`. */
export const QUALITY_CODES = [0, 1, 2, 16, 17, 18, 32, 64, 65, 66, 68, 128, 129, 130, 132] as const;
export type Quality = (typeof QUALITY_CODES)[number];

function isQuality(value: unknown): value is Quality {
    return typeof value === 'number' && (QUALITY_CODES as readonly number[]).includes(value);
}

export interface PayloadOptions {
    /** The existing object's `common.type`; undefined when the object does not exist yet. */
    existingType?: string | undefined;
    /** `72,101,108` (3+ codes in 0..255) becomes text. */
    parseCharCodes: boolean;
    /** The message says its payload is JSON (MQTT 5 content type, see `isJsonContentType`). */
    json?: boolean;
}

export interface ConvertedPayload {
    val: Value;
    /** The type the value has: for a new object, its `common.type`. */
    type: CommonType;
    /** The existing type cannot hold this payload: the object becomes `mixed` (once). */
    becomesMixed: boolean;
    /** From a state-object payload (`{"val":…,"ack":…}`). */
    ack?: boolean;
    ts?: number;
    q?: Quality;
    /** The payload was not valid UTF-8 (decoded with replacement characters). */
    invalidUtf8: boolean;
    /** `json` was set and the payload is not valid JSON (it was converted as a plain payload). */
    invalidJson?: boolean;
}

/**
 * Whether an MQTT 5 content type says JSON: `application/json` or any `<type>/<subtype>+json` (RFC 6839), in any case,
 * parameters (`; charset=utf-8`) ignored.
 */
export function isJsonContentType(contentType: string | undefined): boolean {
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
export function parseNumber(text: string): number | undefined {
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
export function parseBoolean(text: string): boolean | undefined {
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
export function parseCharCodes(text: string): string | undefined {
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

function parseJsonContainer(text: string): object | undefined {
    const trimmed = text.trim();
    const first = trimmed[0];
    if (first !== '{' && first !== '[') {
        return undefined;
    }
    try {
        // starts with '{' or '[': a successful parse is an object or an array
        return JSON.parse(trimmed) as object;
    } catch {
        return undefined;
    }
}

/** The value and type a text gets when no type is known yet. */
function inferText(text: string): { val: Value; type: CommonType } {
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
function inferValue(value: unknown): { val: Value; type: CommonType } {
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
function coerce(value: unknown, type: string): Value | undefined {
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
            } catch {
                return undefined;
            }
        }
        default:
            // mixed (and anything unknown) takes the inferred value
            return inferValue(value).val;
    }
}

const FROM_TEXT: ValueSource = { from: 'text' };
const FROM_JSON: ValueSource = { from: 'json' };

/** Converts an MQTT payload into a state value (SPEC §6 steps 2–7; binary topics are handled by the caller). */
export function payloadToValue(payload: Uint8Array, options: PayloadOptions): ConvertedPayload {
    const existingType = options.existingType;
    if (payload.length === 0) {
        return {
            val: null,
            type: (existingType as CommonType | undefined) ?? 'mixed',
            becomesMixed: false,
            invalidUtf8: false,
        };
    }
    let text: string;
    let invalidUtf8 = false;
    try {
        text = utf8.decode(payload);
    } catch {
        text = utf8Lenient.decode(payload);
        invalidUtf8 = true;
    }
    let invalidJson = false;
    if (options.json) {
        // the sender says JSON: a JSON string is its text without the quotes, null is null; an object or an array
        // goes on below as on any topic (a state object, or the JSON text)
        try {
            const value: unknown = JSON.parse(text);
            if (value === null || typeof value !== 'object') {
                return { ...convertValue(value, existingType, FROM_JSON), invalidUtf8 };
            }
        } catch {
            invalidJson = true;
        }
    }
    if (options.parseCharCodes) {
        const decoded = parseCharCodes(text);
        if (decoded !== undefined) {
            text = decoded;
        }
    }

    let raw: unknown = text;
    let extra: Pick<ConvertedPayload, 'ack' | 'ts' | 'q'> = {};
    const container = parseJsonContainer(text);
    if (container && !Array.isArray(container)) {
        const keys = Object.keys(container);
        if (keys.includes('val') && keys.every(key => STATE_KEYS.has(key))) {
            // a state object: val, ack, ts and q are taken; from, user, lc and c are ignored (no spoofing)
            const state = container as Record<string, unknown>;
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
 * Where a value comes from, which decides how its type is inferred: `text` — the text of a payload (`inferText`:
 * '21.5' is a number); `json` — a value taken from JSON, typed by its JSON type ('21.5' in quotes stays a string).
 */
export interface ValueSource {
    from: 'text' | 'json';
}

/**
 * A value (text of a payload, or a value from JSON) → the state value. The existing type decides; without one the
 * type is inferred as `source` says.
 */
export function convertValue(
    raw: unknown,
    existingType: string | undefined,
    source: ValueSource,
): { val: Value; type: CommonType; becomesMixed: boolean } {
    const infer = (): { val: Value; type: CommonType } =>
        typeof raw === 'string'
            ? source.from === 'text'
                ? inferText(raw)
                : { val: raw, type: 'string' }
            : inferValue(raw);
    if (existingType === undefined) {
        return { ...infer(), becomesMixed: false };
    }
    const coerced = coerce(raw, existingType);
    if (coerced !== undefined) {
        return { val: coerced, type: existingType as CommonType, becomesMixed: false };
    }
    return { val: infer().val, type: 'mixed', becomesMixed: true };
}

export interface OutgoingState {
    val: unknown;
    ack: boolean;
    ts: number;
    q?: number;
    lc?: number;
    /** The value was written by this instance from an MQTT message (not set in ioBroker). */
    fromMqtt?: boolean;
}

/** Converts a state into an MQTT payload (SPEC §7). A deleted state (null) gives an empty payload. */
export function valueToPayload(state: OutgoingState | null | undefined, options: { sendStateObject: boolean }): string {
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
