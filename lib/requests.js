"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Requests = void 0;
/**
 * sendTo `request`: publish a message and answer with the first message on a response topic. Requests on the same
 * response topic run one after another, so two concurrent requests never get each other's answer; with MQTT 5
 * (both modes: the broker passes Response Topic and Correlation Data to MQTT 5 devices) the correlation data also
 * tells the answers apart.
 */
const node_crypto_1 = require("node:crypto");
const filter_1 = require("./mapping/filter");
const errorText_1 = require("./errorText");
const timers_1 = require("./timers");
const keyedQueue_1 = require("./keyedQueue");
class Requests {
    transport;
    defaultQoS;
    /** Per response topic: requests one after another. */
    chains = new keyedQueue_1.KeyedQueue();
    constructor(transport, defaultQoS) {
        this.transport = transport;
        this.defaultQoS = defaultQoS;
    }
    async request(input) {
        const m = (input ?? {});
        const topic = typeof m.topic === 'string' ? m.topic : '';
        const responseTopic = typeof m.responseTopic === 'string' ? m.responseTopic : '';
        const topicError = (0, filter_1.topicNameError)(topic);
        if (topicError) {
            return { error: `topic ${topicError}` };
        }
        const filterError = (0, filter_1.topicFilterError)(responseTopic);
        if (filterError) {
            return { error: `responseTopic ${filterError}` };
        }
        const timeoutMs = Math.min(Math.max(Number(m.timeout ?? 5000) || 5000, 10), 60_000);
        const qos = (m.qos === undefined ? this.defaultQoS : Number(m.qos));
        if (qos !== 0 && qos !== 1 && qos !== 2) {
            return { error: 'qos must be 0, 1 or 2' };
        }
        const payload = typeof m.message === 'string' ? m.message : m.message === undefined ? '' : JSON.stringify(m.message);
        return this.chains.run(responseTopic, () => this.once(topic, payload, responseTopic, timeoutMs, qos));
    }
    async once(topic, payload, responseTopic, timeoutMs, qos) {
        const correlation = (0, node_crypto_1.randomBytes)(8);
        const filter = (0, filter_1.compileTopicFilter)(responseTopic);
        const request = Buffer.from(payload);
        let ownSeen = false;
        let stop;
        const answer = await new Promise(resolve => {
            const timer = timers_1.timers.setTimeout(() => resolve({ error: 'timeout' }), timeoutMs);
            this.transport
                .listen(responseTopic, (t, p, c) => {
                // the request itself, when the response filter matches it, is not its answer
                if (!ownSeen && t === topic && p.equals(request)) {
                    ownSeen = true;
                    return;
                }
                // an answer that carries correlation data must carry ours
                if (filter.matches(t) && (c === undefined || c.equals(correlation))) {
                    timers_1.timers.clearTimeout(timer);
                    resolve({ result: { topic: t, message: p.toString('utf8') } });
                }
            })
                .then(unlisten => {
                stop = unlisten;
                this.transport.publish({ topic, payload, qos, responseTopic, correlation });
            }, (err) => {
                timers_1.timers.clearTimeout(timer);
                resolve({ error: (0, errorText_1.errorText)(err) });
            });
        });
        await stop?.().catch(() => undefined);
        return answer;
    }
}
exports.Requests = Requests;
