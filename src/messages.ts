/** Parsing of the sendTo commands both modes answer (`sendMessage2Client`, `sendState2Client`). */
import { topicNameError } from './mapping/filter';
import type { OutgoingMessage } from './publisher';
import type { QoS } from './settings';

export interface SendMessage {
    topic: string;
    payload: string | Buffer;
    qos: QoS;
    retain: boolean;
}

/** `{topic, message, retain?, qos?, binary?}` → a message to publish, or the reason it is refused. */
export function parseSendMessage(message: unknown, defaultQoS: QoS): SendMessage | { error: string } {
    const m = (message ?? {}) as {
        topic?: unknown;
        message?: unknown;
        retain?: unknown;
        qos?: unknown;
        binary?: unknown;
    };
    const topic = typeof m.topic === 'string' ? m.topic : '';
    const topicError = topicNameError(topic);
    if (topicError) {
        return { error: `topic ${topicError}` };
    }
    const qos = m.qos === undefined ? defaultQoS : Number(m.qos);
    if (qos !== 0 && qos !== 1 && qos !== 2) {
        return { error: 'qos must be 0, 1 or 2' };
    }
    let payload: string | Buffer;
    if (m.binary === true && typeof m.message === 'string') {
        payload = Buffer.from(m.message, 'base64');
    } else if (Buffer.isBuffer(m.message)) {
        payload = m.message;
    } else if (typeof m.message === 'string') {
        payload = m.message;
    } else if (m.message === undefined || m.message === null) {
        payload = '';
    } else {
        payload = JSON.stringify(m.message);
    }
    return { topic, payload, qos, retain: m.retain === true };
}

/** `{id, state}` → the id and a full state (a bare value or a partial state object is completed). */
export function parseSendState(message: unknown): { id: string; state: ioBroker.State } | { error: string } {
    const m = (message ?? {}) as { id?: unknown; state?: unknown };
    if (typeof m.id !== 'string' || m.id === '') {
        return { error: 'id is missing' };
    }
    const now = Date.now();
    const raw = m.state;
    const state: ioBroker.State =
        raw !== null && typeof raw === 'object' && 'val' in raw
            ? ({ ack: false, ts: now, lc: now, q: 0, from: '', ...raw } as ioBroker.State)
            : { val: raw as ioBroker.StateValue, ack: false, ts: now, lc: now, q: 0, from: '' };
    return { id: m.id, state };
}

/** sendState2Client: the message a state would be published as (its topic rules, native.topic included). */
export async function buildStateMessage(
    message: unknown,
    publisher: { buildMessage(id: string, state: ioBroker.State | null): Promise<OutgoingMessage | undefined> },
): Promise<OutgoingMessage | { error: string }> {
    const parsed = parseSendState(message);
    if ('error' in parsed) {
        return parsed;
    }
    return (
        (await publisher.buildMessage(parsed.id, parsed.state)) ?? {
            error: `cannot build a message for '${parsed.id}'`,
        }
    );
}
