"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.parseSendMessage = parseSendMessage;
exports.parseSendState = parseSendState;
exports.buildStateMessage = buildStateMessage;
/** Parsing of the sendTo commands both modes answer (`sendMessage2Client`, `sendState2Client`). */
const filter_1 = require("./mapping/filter");
/** `{topic, message, retain?, qos?, binary?}` → a message to publish, or the reason it is refused. */
function parseSendMessage(message, defaultQoS) {
    const m = (message ?? {});
    const topic = typeof m.topic === 'string' ? m.topic : '';
    const topicError = (0, filter_1.topicNameError)(topic);
    if (topicError) {
        return { error: `topic ${topicError}` };
    }
    const qos = m.qos === undefined ? defaultQoS : Number(m.qos);
    if (qos !== 0 && qos !== 1 && qos !== 2) {
        return { error: 'qos must be 0, 1 or 2' };
    }
    let payload;
    if (m.binary === true && typeof m.message === 'string') {
        payload = Buffer.from(m.message, 'base64');
    }
    else if (Buffer.isBuffer(m.message)) {
        payload = m.message;
    }
    else if (typeof m.message === 'string') {
        payload = m.message;
    }
    else if (m.message === undefined || m.message === null) {
        payload = '';
    }
    else {
        payload = JSON.stringify(m.message);
    }
    return { topic, payload, qos, retain: m.retain === true };
}
/** `{id, state}` → the id and a full state (a bare value or a partial state object is completed). */
function parseSendState(message) {
    const m = (message ?? {});
    if (typeof m.id !== 'string' || m.id === '') {
        return { error: 'id is missing' };
    }
    const now = Date.now();
    const raw = m.state;
    const state = raw !== null && typeof raw === 'object' && 'val' in raw
        ? { ack: false, ts: now, lc: now, q: 0, from: '', ...raw }
        : { val: raw, ack: false, ts: now, lc: now, q: 0, from: '' };
    return { id: m.id, state };
}
/** sendState2Client: the message a state would be published as (its topic rules, native.topic included). */
async function buildStateMessage(message, publisher) {
    const parsed = parseSendState(message);
    if ('error' in parsed) {
        return parsed;
    }
    return ((await publisher.buildMessage(parsed.id, parsed.state)) ?? {
        error: `cannot build a message for '${parsed.id}'`,
    });
}
