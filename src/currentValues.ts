/**
 * A publisher step of server mode: current values for subscribers. publishOnSubscribe — a new subscription gets the
 * current value of every matching published state at once; publishAllOnStart for a persistent session that
 * reconnects — the current values of its stored subscriptions. Fed by the transport's `subscribed` and
 * `sessionResumed` events; what it finds goes to that subscriber alone.
 */
import { compileTopicFilter, topicFilterError } from './mapping/filter';
import type { OutgoingMessage, Publisher } from './publisher';
import type { QoS } from './settings';
import type { Logger } from './iobroker/store';
import type { OfferedSubscription, RetainedStore, Subscriber } from './transport';
import { errorText } from './errorText';
import { timers, type Timer } from './timers';

export class CurrentValues {
    /** Per subscriber, the subscriptions waiting for the batch in progress. */
    private readonly offers = new WeakMap<Subscriber, OfferedSubscription[]>();
    private readonly timers = new Set<Timer>();

    constructor(
        private readonly publisher: Pick<Publisher, 'currentMessages' | 'currentMessagesForTopic'>,
        private readonly retained: Pick<RetainedStore, 'topics'> | undefined,
        private readonly log: Logger,
        /** Counts each message sent. */
        private readonly sent: () => void,
    ) {}

    /**
     * publishOnSubscribe: exactly one copy per topic — topics the retained store already delivered are left out. A
     * subscriber's subscriptions are offered one batch at a time: those that arrive meanwhile wait and go together,
     * so a client that subscribes a lot costs one pass over the states per batch, not one per filter.
     */
    offer(subscriber: Subscriber, granted: OfferedSubscription[]): void {
        const pending = this.offers.get(subscriber);
        if (pending) {
            pending.push(...granted);
            return;
        }
        const queue = [...granted];
        this.offers.set(subscriber, queue);
        const run = async (): Promise<void> => {
            while (queue.length > 0 && !subscriber.closed) {
                await this.sendCurrentValues(subscriber, queue.splice(0));
            }
        };
        run()
            .catch((err: unknown) => this.log.warn(`Cannot send current values: ${errorText(err)}`))
            .finally(() => this.offers.delete(subscriber));
    }

    /** publishAllOnStart for a reconnected persistent session, after `delayMs`. */
    session(subscriber: Subscriber, subscriptions: () => Promise<OfferedSubscription[]>, delayMs: number): void {
        const timer = timers.setTimeout(() => {
            this.timers.delete(timer);
            void this.sendSessionValues(subscriber, subscriptions);
        }, delayMs);
        this.timers.add(timer);
    }

    stop(): void {
        for (const timer of this.timers) {
            timers.clearTimeout(timer);
        }
        this.timers.clear();
    }

    /** Exact filters by lookup, wildcard filters in one pass over the published states. */
    private async sendCurrentValues(subscriber: Subscriber, granted: OfferedSubscription[]): Promise<void> {
        const valid = granted.filter(s => s.qos <= 2 && !topicFilterError(s.topic));
        if (valid.length === 0) {
            return;
        }
        const retained = (await this.retained?.topics(valid.map(s => s.topic))) ?? new Set<string>();
        const wildcards = valid
            .filter(s => /[+#]/.test(s.topic))
            .map(s => ({ subscription: s, filter: compileTopicFilter(s.topic) }));
        const scanned =
            wildcards.length > 0
                ? await this.publisher.currentMessages(
                      topic => !retained.has(topic) && wildcards.some(w => w.filter.matches(topic)),
                  )
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

    private async sendSessionValues(
        subscriber: Subscriber,
        subscriptionsOf: () => Promise<OfferedSubscription[]>,
    ): Promise<void> {
        if (subscriber.closed) {
            return;
        }
        const subscriptions = await subscriptionsOf();
        const valid = subscriptions.filter(s => !topicFilterError(s.topic));
        if (valid.length === 0) {
            return;
        }
        const filters = valid.map(s => ({ filter: compileTopicFilter(s.topic), qos: s.qos }));
        const messages = await this.publisher.currentMessages(topic => filters.some(f => f.filter.matches(topic)));
        for (const message of messages) {
            const qos = Math.max(...filters.filter(f => f.filter.matches(message.topic)).map(f => f.qos)) as QoS;
            this.deliver(subscriber, [message], qos);
        }
    }

    private deliver(subscriber: Subscriber, messages: OutgoingMessage[], subscriptionQos: QoS): void {
        for (const message of messages) {
            this.sent();
            subscriber.deliver({
                ...message,
                // the current value of a state, like a retained message; QoS capped by the subscription
                qos: Math.min(message.qos, subscriptionQos) as QoS,
                retain: true,
            });
        }
    }
}
