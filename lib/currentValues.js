"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CurrentValues = void 0;
/**
 * A publisher step of server mode: current values for subscribers. publishOnSubscribe — a new subscription gets the
 * current value of every matching published state at once; publishAllOnStart for a persistent session that
 * reconnects — the current values of its stored subscriptions. Fed by the transport's `subscribed` and
 * `sessionResumed` events; what it finds goes to that subscriber alone.
 */
const filter_1 = require("./mapping/filter");
const errorText_1 = require("./errorText");
const timers_1 = require("./timers");
class CurrentValues {
    publisher;
    retained;
    log;
    sent;
    /** Per subscriber, the subscriptions waiting for the batch in progress. */
    offers = new WeakMap();
    timers = new Set();
    constructor(publisher, retained, log, 
    /** Counts each message sent. */
    sent) {
        this.publisher = publisher;
        this.retained = retained;
        this.log = log;
        this.sent = sent;
    }
    /**
     * publishOnSubscribe: exactly one copy per topic — topics the retained store already delivered are left out. A
     * subscriber's subscriptions are offered one batch at a time: those that arrive meanwhile wait and go together,
     * so a client that subscribes a lot costs one pass over the states per batch, not one per filter.
     */
    offer(subscriber, granted) {
        const pending = this.offers.get(subscriber);
        if (pending) {
            pending.push(...granted);
            return;
        }
        const queue = [...granted];
        this.offers.set(subscriber, queue);
        const run = async () => {
            while (queue.length > 0 && !subscriber.closed) {
                await this.sendCurrentValues(subscriber, queue.splice(0));
            }
        };
        run()
            .catch((err) => this.log.warn(`Cannot send current values: ${(0, errorText_1.errorText)(err)}`))
            .finally(() => this.offers.delete(subscriber));
    }
    /** publishAllOnStart for a reconnected persistent session, after `delayMs`. */
    session(subscriber, subscriptions, delayMs) {
        const timer = timers_1.timers.setTimeout(() => {
            this.timers.delete(timer);
            void this.sendSessionValues(subscriber, subscriptions);
        }, delayMs);
        this.timers.add(timer);
    }
    stop() {
        for (const timer of this.timers) {
            timers_1.timers.clearTimeout(timer);
        }
        this.timers.clear();
    }
    /** Exact filters by lookup, wildcard filters in one pass over the published states. */
    async sendCurrentValues(subscriber, granted) {
        const valid = granted.filter(s => s.qos <= 2 && !(0, filter_1.topicFilterError)(s.topic));
        if (valid.length === 0) {
            return;
        }
        const retained = (await this.retained?.topics(valid.map(s => s.topic))) ?? new Set();
        const wildcards = valid
            .filter(s => /[+#]/.test(s.topic))
            .map(s => ({ subscription: s, filter: (0, filter_1.compileTopicFilter)(s.topic) }));
        const scanned = wildcards.length > 0
            ? await this.publisher.currentMessages(topic => !retained.has(topic) && wildcards.some(w => w.filter.matches(topic)))
            : [];
        for (const subscription of valid) {
            const wildcard = wildcards.find(w => w.subscription === subscription);
            const messages = wildcard
                ? scanned.filter(m => wildcard.filter.matches(m.topic))
                : retained.has(subscription.topic)
                    ? []
                    : await this.publisher.currentMessagesForTopic(subscription.topic);
            this.deliver(subscriber, messages, subscription.qos);
        }
    }
    async sendSessionValues(subscriber, subscriptionsOf) {
        if (subscriber.closed) {
            return;
        }
        const subscriptions = await subscriptionsOf();
        const valid = subscriptions.filter(s => !(0, filter_1.topicFilterError)(s.topic));
        if (valid.length === 0) {
            return;
        }
        const filters = valid.map(s => ({ filter: (0, filter_1.compileTopicFilter)(s.topic), qos: s.qos }));
        const messages = await this.publisher.currentMessages(topic => filters.some(f => f.filter.matches(topic)));
        for (const message of messages) {
            const qos = Math.max(...filters.filter(f => f.filter.matches(message.topic)).map(f => f.qos));
            this.deliver(subscriber, [message], qos);
        }
    }
    deliver(subscriber, messages, subscriptionQos) {
        for (const message of messages) {
            this.sent();
            subscriber.deliver({
                ...message,
                // the current value of a state, like a retained message; QoS capped by the subscription
                qos: Math.min(message.qos, subscriptionQos),
                retain: true,
            });
        }
    }
}
exports.CurrentValues = CurrentValues;
