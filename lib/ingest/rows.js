"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MAX_JSON_FIELDS = void 0;
exports.refused = refused;
exports.expandJsonPayload = expandJsonPayload;
exports.fieldRows = fieldRows;
exports.rowValueName = rowValueName;
exports.rowValue = rowValue;
/**
 * What the ingest writes: rows. A plain message is one row (its payload); a jsonTopics payload is one row per field
 * below the topic's channel. Every row takes the same steps (resolve its target, convert its value, adapt or create
 * the object, write); this file holds the row types and the one step that differs per kind: the value.
 */
const json_1 = require("../mapping/json");
const payload_1 = require("../mapping/payload");
const rateLog_1 = require("../rateLog");
/** JSON fields are typed by their JSON type. */
const FROM_JSON = { from: 'json' };
/** A jsonTopics payload with more fields is not expanded (a warning, nothing written). */
exports.MAX_JSON_FIELDS = 1000;
function refused(cause, reason, message) {
    return { status: 'refused', cause, reason, message };
}
/**
 * A jsonTopics payload, expanded: a JSON object (or telemetry `{ts, values}`, or an array of those) gives its batches
 * of fields; a payload that is not JSON at all gives undefined (it is then written as one state, like on any topic).
 */
function expandJsonPayload(topic, payload) {
    const text = payload.toString('utf8');
    const batches = (0, json_1.expandJson)(text);
    if (!batches) {
        if (/^\s*[[{]/.test(text)) {
            return refused('json', 'malformed JSON', `Payload on '${topic}' (jsonTopics) is not valid JSON: not written`);
        }
        return undefined;
    }
    const count = batches.reduce((n, b) => n + b.rows.length, 0);
    if (count > exports.MAX_JSON_FIELDS) {
        const message = `Payload on '${topic}' (jsonTopics) has ${count} fields, more than ${exports.MAX_JSON_FIELDS}: not written`;
        return refused('jsonsize', 'too many JSON fields', message);
    }
    return { batches };
}
/** The rows of an expanded payload below its channel, in order. */
function fieldRows(batches, parent) {
    const rows = [];
    for (const batch of batches) {
        for (const field of batch.rows) {
            rows.push({ kind: 'field', parent, field, ts: batch.ts });
        }
    }
    return rows;
}
/** What a row's value is called in the log line about its state becoming `mixed`. */
function rowValueName(row) {
    return row.kind === 'payload' ? `'${row.topic}' payload` : 'a JSON value';
}
/**
 * A row's value for its target (no I/O: a binaryTopics payload is stored as a file by the caller first; its value is
 * the file's URL). A payload: a Content Type that says JSON (`application/json`, `…+json`) reads a JSON string without
 * its quotes and `null` as null, and a payload that is not valid JSON gets a warning and is converted as a plain
 * payload. A field: its JSON value ('21.5' in quotes stays a string), arrays and too-deep objects as JSON text.
 */
function rowValue(row, target, context) {
    if (row.kind === 'field') {
        const value = row.field.isJsonText
            ? { val: row.field.value, type: (target.type ?? 'json'), becomesMixed: false }
            : (0, payload_1.convertValue)(row.field.value, target.type, FROM_JSON);
        if (row.ts !== undefined) {
            value.ts = row.ts;
        }
        return value;
    }
    const { topic, payload, contentType } = row;
    if (target.binary) {
        return { val: `/files/${context.namespace}/${topic}`, type: 'string', becomesMixed: false };
    }
    const converted = (0, payload_1.payloadToValue)(payload, {
        existingType: target.type,
        parseCharCodes: context.parseCharCodes,
        json: contentType !== undefined && (0, payload_1.isJsonContentType)(contentType),
    });
    if (converted.invalidJson) {
        context.warnings.warn('contenttype', topic, `Payload on '${topic}' has content type '${(0, rateLog_1.clip)(contentType ?? '', 60)}' but is not valid JSON: written as a plain payload`);
    }
    if (converted.invalidUtf8) {
        context.warnings.warn('utf8', topic, `Payload on '${topic}' is not valid UTF-8: stored as text with replacement characters; add the topic to binaryTopics to keep its bytes`);
    }
    return converted;
}
