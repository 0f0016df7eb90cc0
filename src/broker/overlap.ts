/**
 * [MQTT-3.3.5-1]: when several subscriptions of one client match a message, the client gets ONE copy, at the
 * highest QoS those subscriptions granted (capped by the message's QoS). aedes delivers one copy but at the QoS of
 * whichever matching subscription it happens to see first. This wraps a client's delivery functions, before any of
 * its subscriptions is made or restored, to pick the copy and its QoS itself.
 */
import type { Client } from 'aedes';
import { compileTopicFilter, topicFilterError, type TopicFilter } from '../mapping/filter';

type Deliver = (packet: DeliverPacket, callback: () => void) => void;

interface DeliverPacket {
    topic: string;
    qos: 0 | 1 | 2;
    brokerId?: string;
    brokerCounter?: number;
}

interface DeliveringClient {
    deliver0: Deliver;
    deliverQoS: Deliver;
    subscriptions: Record<string, { qos: number } | undefined>;
}

const compiled = new Map<string, TopicFilter | null>();

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
    let best = -1;
    for (const [filterText, subscription] of Object.entries(subscriptions)) {
        if (subscription && subscription.qos > best && subscription.qos <= 2 && filterOf(filterText)?.matches(topic)) {
            best = subscription.qos;
        }
    }
    return best;
}

export function deliverAtHighestQos(client: Client): void {
    const target = client as unknown as DeliveringClient;
    const deliver0 = target.deliver0;
    const deliverQoS = target.deliverQoS;
    const lastCounter = new Map<string, number>();

    const deliver: Deliver = (packet, callback) => {
        // one copy per message: later matching subscriptions see the same broker counter
        if (packet.brokerId !== undefined && packet.brokerCounter !== undefined) {
            if ((lastCounter.get(packet.brokerId) ?? 0) >= packet.brokerCounter) {
                setImmediate(callback);
                return;
            }
            lastCounter.set(packet.brokerId, packet.brokerCounter);
        }
        const granted = highestGrantedQos(target.subscriptions, packet.topic);
        const qos = Math.min(packet.qos, Math.max(granted, 0)) as 0 | 1 | 2;
        if (qos === 0) {
            deliver0(packet, callback);
        } else {
            packet.qos = qos;
            deliverQoS(packet, callback);
        }
    };
    target.deliver0 = deliver;
    target.deliverQoS = deliver;
}
