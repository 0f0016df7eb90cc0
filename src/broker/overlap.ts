/**
 * [MQTT-3.3.5-1]: when several subscriptions of one client match a message, the client gets ONE copy, at the
 * highest QoS those subscriptions granted (capped by the message's QoS). aedes delivers one copy but at the QoS of
 * whichever matching subscription it happens to see first, and its duplicate check drops messages that arrive out
 * of counter order (a retained message overtaken by a later plain one). This module decides the copy, its QoS and
 * (MQTT 5) its Subscription Identifiers; aedesInternals.ts puts the decision into a client's delivery.
 */
import { compileTopicFilter, topicFilterError, type TopicFilter } from '../mapping/filter';

export type Deliver = (packet: DeliverPacket, callback: () => void) => void;

export interface DeliverPacket {
    topic: string;
    qos: 0 | 1 | 2;
    brokerId?: string;
    brokerCounter?: number;
    /** The publisher's client id and the delivering subscription's No Local flag (MQTT 5). */
    clientId?: string;
    nl?: boolean;
    properties?: { subscriptionIdentifier?: number | number[] } & Record<string, unknown>;
}

export interface DeliveringClient {
    id: string;
    deliver0: Deliver;
    deliverQoS: Deliver;
    /** aedes' record of each subscription: granted QoS and (MQTT 5) its Subscription Identifier. */
    subscriptions: Record<string, { qos: number; si?: number } | undefined>;
}

const compiled = new Map<string, TopicFilter | null>();
const WILDCARD = /[+#]/;

function filterOf(topic: string): TopicFilter | null {
    let filter = compiled.get(topic);
    if (filter === undefined) {
        filter = topicFilterError(topic) ? null : compileTopicFilter(topic);
        if (compiled.size > 10_000) {
            compiled.clear();
        }
        compiled.set(topic, filter);
    }
    return filter;
}

/** The highest QoS among the client's subscriptions that match `topic` (-1 when none does). */
export function highestGrantedQos(subscriptions: DeliveringClient['subscriptions'], topic: string): number {
    return matchingSubscriptions(subscriptions, topic).qos;
}

/** The highest granted QoS (-1: none) and the Subscription Identifiers of the subscriptions that match `topic`. */
export function matchingSubscriptions(
    subscriptions: DeliveringClient['subscriptions'],
    topic: string,
): { qos: number; ids: number[] } {
    let qos = -1;
    const ids: number[] = [];
    for (const [filterText, subscription] of Object.entries(subscriptions)) {
        if (!subscription || subscription.qos > 2) {
            continue;
        }
        // a filter without wildcards matches only itself: no compiled matcher (a client may hold thousands)
        const matches = WILDCARD.test(filterText) ? filterOf(filterText)?.matches(topic) : filterText === topic;
        if (!matches) {
            continue;
        }
        qos = Math.max(qos, subscription.qos);
        if (subscription.si !== undefined) {
            ids.push(subscription.si);
        }
    }
    return { qos, ids };
}
