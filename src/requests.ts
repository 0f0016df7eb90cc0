/**
 * sendTo `request`: publish a message and answer with the first message on a response topic. Requests on the same
 * response topic run one after another, so two concurrent requests never get each other's answer; with MQTT 5
 * (both modes: the broker passes Response Topic and Correlation Data to MQTT 5 devices) the correlation data also
 * tells the answers apart.
 */
import { randomBytes } from 'node:crypto';
import { compileTopicFilter, topicFilterError, topicNameError } from './mapping/filter';
import type { QoS } from './settings';
import { errorText } from './errorText';
import { timers } from './timers';
import { KeyedQueue } from './keyedQueue';

export interface RequestTransport {
    /** Starts listening on a filter; the returned function stops it. */
    listen(
        filter: string,
        onMessage: (topic: string, payload: Buffer, correlation?: Buffer) => void,
    ): Promise<() => Promise<void>>;
    publish(message: {
        topic: string;
        payload: string | Buffer;
        qos: QoS;
        responseTopic: string;
        correlation: Buffer;
    }): void;
}

export type RequestAnswer = { result: { topic: string; message: string } } | { error: string };

export class Requests {
    /** Per response topic: requests one after another. */
    private readonly chains = new KeyedQueue();

    constructor(
        private readonly transport: RequestTransport,
        private readonly defaultQoS: QoS,
    ) {}

    async request(input: unknown): Promise<RequestAnswer> {
        const m = (input ?? {}) as {
            topic?: unknown;
            message?: unknown;
            responseTopic?: unknown;
            timeout?: unknown;
            qos?: unknown;
        };
        const topic = typeof m.topic === 'string' ? m.topic : '';
        const responseTopic = typeof m.responseTopic === 'string' ? m.responseTopic : '';
        const topicError = topicNameError(topic);
        if (topicError) {
            return { error: `topic ${topicError}` };
        }
        const filterError = topicFilterError(responseTopic);
        if (filterError) {
            return { error: `responseTopic ${filterError}` };
        }
        const timeoutMs = Math.min(Math.max(Number(m.timeout ?? 5000) || 5000, 10), 60_000);
        const qos = (m.qos === undefined ? this.defaultQoS : Number(m.qos)) as QoS;
        if (qos !== 0 && qos !== 1 && qos !== 2) {
            return { error: 'qos must be 0, 1 or 2' };
        }
        const payload =
            typeof m.message === 'string' ? m.message : m.message === undefined ? '' : JSON.stringify(m.message);
        return this.chains.run(responseTopic, () => this.once(topic, payload, responseTopic, timeoutMs, qos));
    }

    private async once(
        topic: string,
        payload: string,
        responseTopic: string,
        timeoutMs: number,
        qos: QoS,
    ): Promise<RequestAnswer> {
        const correlation = randomBytes(8);
        const filter = compileTopicFilter(responseTopic);
        const request = Buffer.from(payload);
        let ownSeen = false;
        let stop: (() => Promise<void>) | undefined;
        const answer = await new Promise<RequestAnswer>(resolve => {
            const timer = timers.setTimeout(() => resolve({ error: 'timeout' }), timeoutMs);
            this.transport
                .listen(responseTopic, (t, p, c) => {
                    // the request itself, when the response filter matches it, is not its answer
                    if (!ownSeen && t === topic && p.equals(request)) {
                        ownSeen = true;
                        return;
                    }
                    // an answer that carries correlation data must carry ours
                    if (filter.matches(t) && (c === undefined || c.equals(correlation))) {
                        timers.clearTimeout(timer);
                        resolve({ result: { topic: t, message: p.toString('utf8') } });
                    }
                })
                .then(
                    unlisten => {
                        stop = unlisten;
                        this.transport.publish({ topic, payload, qos, responseTopic, correlation });
                    },
                    (err: unknown) => {
                        timers.clearTimeout(timer);
                        resolve({ error: errorText(err) });
                    },
                );
        });
        await stop?.().catch(() => undefined);
        return answer;
    }
}
