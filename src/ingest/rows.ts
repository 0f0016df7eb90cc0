/**
 * What the ingest writes: rows. A plain message is one row (its payload); a jsonTopics payload is one row per field
 * below the topic's channel. Every row takes the same steps (resolve its target, convert its value, adapt or create
 * the object, write); this file holds the row types and the one step that differs per kind: the value.
 */
import { expandJson } from '../mapping/json';
import type { JsonBatch, JsonRow } from '../mapping/json';
import {
    convertValue,
    isJsonContentType,
    payloadToValue,
    type CommonType,
    type ConvertedPayload,
    type ValueSource,
} from '../mapping/payload';
import { clip, type RateLimitedLog } from '../rateLog';

/** The channel of a jsonTopics topic: its fields are states below it. */
export interface JsonParent {
    id: string;
    nativeTopic: string;
    isCommand: boolean;
}

/** One value to write. */
export type Row =
    | { kind: 'payload'; topic: string; payload: Buffer; contentType: string | undefined }
    | { kind: 'field'; parent: JsonParent; field: JsonRow; ts: number | undefined };

/** Where a row is written: a state that exists, or is created on the first write. */
export interface Target {
    id: string;
    /** Another adapter's state (written with ack=false, never created). */
    foreign: boolean;
    /** The object's `common.type`; undefined while the object still has to be created. */
    type: string | undefined;
    /** binaryTopics: the payload goes into a file, the state holds its URL. */
    binary: boolean;
    isCommand: boolean;
    nativeTopic: string;
}

/** A row's value, ready to be written (`ts` also from a telemetry batch). */
export type RowValue = Pick<ConvertedPayload, 'val' | 'type' | 'becomesMixed' | 'ack' | 'ts' | 'q'>;

/** JSON fields are typed by their JSON type. */
const FROM_JSON: ValueSource = { from: 'json' };

/** A jsonTopics payload with more fields is not expanded (a warning, nothing written). */
export const MAX_JSON_FIELDS = 1000;

/** Why a message or a row is not written: ignored quietly, or refused (counted and warned about by the ingest). */
export type Refusal =
    { status: 'ignored'; reason: string } | { status: 'refused'; cause: string; reason: string; message: string };

export function refused(cause: string, reason: string, message: string): Refusal {
    return { status: 'refused', cause, reason, message };
}

/**
 * A jsonTopics payload, expanded: a JSON object (or telemetry `{ts, values}`, or an array of those) gives its batches
 * of fields; a payload that is not JSON at all gives undefined (it is then written as one state, like on any topic).
 */
export function expandJsonPayload(topic: string, payload: Buffer): { batches: JsonBatch[] } | Refusal | undefined {
    const text = payload.toString('utf8');
    const batches = expandJson(text);
    if (!batches) {
        if (/^\s*[[{]/.test(text)) {
            return refused(
                'json',
                'malformed JSON',
                `Payload on '${topic}' (jsonTopics) is not valid JSON: not written`,
            );
        }
        return undefined;
    }
    const count = batches.reduce((n, b) => n + b.rows.length, 0);
    if (count > MAX_JSON_FIELDS) {
        const message = `Payload on '${topic}' (jsonTopics) has ${count} fields, more than ${MAX_JSON_FIELDS}: not written`;
        return refused('jsonsize', 'too many JSON fields', message);
    }
    return { batches };
}

/** The rows of an expanded payload below its channel, in order. */
export function fieldRows(batches: readonly JsonBatch[], parent: JsonParent): Row[] {
    const rows: Row[] = [];
    for (const batch of batches) {
        for (const field of batch.rows) {
            rows.push({ kind: 'field', parent, field, ts: batch.ts });
        }
    }
    return rows;
}

/** What a row's value is called in the log line about its state becoming `mixed`. */
export function rowValueName(row: Row): string {
    return row.kind === 'payload' ? `'${row.topic}' payload` : 'a JSON value';
}

/**
 * A row's value for its target (no I/O: a binaryTopics payload is stored as a file by the caller first; its value is
 * the file's URL). A payload: a Content Type that says JSON (`application/json`, `…+json`) reads a JSON string without
 * its quotes and `null` as null, and a payload that is not valid JSON gets a warning and is converted as a plain
 * payload. A field: its JSON value ('21.5' in quotes stays a string), arrays and too-deep objects as JSON text.
 */
export function rowValue(
    row: Row,
    target: Target,
    context: { namespace: string; parseCharCodes: boolean; warnings: RateLimitedLog },
): RowValue {
    if (row.kind === 'field') {
        const value: RowValue = row.field.isJsonText
            ? { val: row.field.value, type: (target.type ?? 'json') as CommonType, becomesMixed: false }
            : convertValue(row.field.value, target.type, FROM_JSON);
        if (row.ts !== undefined) {
            value.ts = row.ts;
        }
        return value;
    }
    const { topic, payload, contentType } = row;
    if (target.binary) {
        return { val: `/files/${context.namespace}/${topic}`, type: 'string', becomesMixed: false };
    }
    const converted = payloadToValue(payload, {
        existingType: target.type,
        parseCharCodes: context.parseCharCodes,
        json: contentType !== undefined && isJsonContentType(contentType),
    });
    if (converted.invalidJson) {
        context.warnings.warn(
            'contenttype',
            topic,
            `Payload on '${topic}' has content type '${clip(contentType ?? '', 60)}' but is not valid JSON: written as a plain payload`,
        );
    }
    if (converted.invalidUtf8) {
        context.warnings.warn(
            'utf8',
            topic,
            `Payload on '${topic}' is not valid UTF-8: stored as text with replacement characters; add the topic to binaryTopics to keep its bytes`,
        );
    }
    return converted;
}
