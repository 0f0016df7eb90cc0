/**
 * JSON payloads as trees of states (`jsonTopics`). Pure.
 * `{"temperature":25.1,"color":{"x":0.3}}` → rows `temperature` = 25.1 and `color.x` = 0.3; telemetry
 * `{"ts":…, "values":{…}}` (or an array of them) → rows carrying that timestamp, in order.
 */
import { sanitizeLevel } from './topic';

export interface JsonRow {
    /** Sanitized id levels below the topic's own id. */
    path: string[];
    /** The original keys, for commands back to the device. */
    keys: string[];
    /** A JSON scalar, or JSON text for arrays and for objects below the depth limit. */
    value: string | number | boolean | null;
    /** true when `value` is JSON text of an array or a too-deep object. */
    isJsonText: boolean;
}

export interface JsonBatch {
    ts: number | undefined;
    rows: JsonRow[];
}

export const MAX_JSON_DEPTH = 5;

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One key as one id level: like a topic level, and a dot inside a key never makes a deeper level. */
export function keyToLevel(key: string): string {
    return sanitizeLevel(key, true);
}

function flatten(
    object: Record<string, unknown>,
    depth: number,
    path: string[],
    keys: string[],
    rows: JsonRow[],
): void {
    for (const [key, value] of Object.entries(object)) {
        const nextPath = [...path, keyToLevel(key)];
        const nextKeys = [...keys, key];
        if (isPlainObject(value) && depth < MAX_JSON_DEPTH) {
            flatten(value, depth + 1, nextPath, nextKeys, rows);
        } else if (typeof value === 'object' && value !== null) {
            rows.push({ path: nextPath, keys: nextKeys, value: JSON.stringify(value), isJsonText: true });
        } else if (
            typeof value === 'number' ||
            typeof value === 'string' ||
            typeof value === 'boolean' ||
            value === null
        ) {
            rows.push({ path: nextPath, keys: nextKeys, value, isJsonText: false });
        }
    }
}

function isTelemetry(value: unknown): value is { ts: number; values: Record<string, unknown> } {
    return (
        isPlainObject(value) &&
        typeof value.ts === 'number' &&
        Number.isFinite(value.ts) &&
        isPlainObject(value.values) &&
        Object.keys(value).every(k => k === 'ts' || k === 'values')
    );
}

/**
 * The batches of rows a JSON payload expands to, or undefined when it is not an expandable JSON object
 * (then the message is handled like any other: one state).
 */
export function expandJson(text: string): JsonBatch[] | undefined {
    const trimmed = text.trim();
    if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) {
        return undefined;
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(trimmed);
    } catch {
        return undefined;
    }
    const batchOf = (object: Record<string, unknown>, ts: number | undefined): JsonBatch => {
        const rows: JsonRow[] = [];
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
export function nestedCommand(keys: readonly string[], value: unknown): Record<string, unknown> {
    let result: unknown = value;
    for (let i = keys.length - 1; i >= 0; i--) {
        result = { [keys[i]!]: result };
    }
    return result as Record<string, unknown>;
}
