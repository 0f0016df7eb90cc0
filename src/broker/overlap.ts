/**
 * [MQTT-3.3.5-1]: when several subscriptions of one client match a message, the client gets ONE copy, at the
 * highest QoS those subscriptions granted (capped by the message's QoS). aedes delivers one copy but at the QoS of
 * whichever matching subscription it happens to see first, and its duplicate check drops messages that arrive out
 * of counter order (a retained message overtaken by a later plain one). This wraps a client's delivery functions,
 * before any of its subscriptions is made or restored, to pick the copy and its QoS itself.
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
    let best = -1;
    for (const [filterText, subscription] of Object.entries(subscriptions)) {
        if (!subscription || subscription.qos <= best || subscription.qos > 2) {
            continue;
        }
        // a filter without wildcards matches only itself: no compiled matcher (a client may hold thousands)
        const matches = WILDCARD.test(filterText) ? filterOf(filterText)?.matches(topic) : filterText === topic;
        if (matches) {
            best = subscription.qos;
        }
    }
    return best;
}

const ORIGINAL = Symbol('mqtt-gateway.originalDeliver');

interface PatchedClient extends DeliveringClient {
    [ORIGINAL]?: { deliver0: Deliver; deliverQoS: Deliver };
}

/**
 * Sends a packet to this one client only (current values for a new subscription). It carries no broker id or
 * counter, so it cannot make the one-copy rule (which relies on counters rising) skip a broker message that was
 * created earlier but is delivered later — `client.publish()` of aedes stamps a fresh counter and would.
 */
export function deliverDirect(
    client: Client,
    packet: { cmd: 'publish'; topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: boolean; dup: boolean },
    callback: () => void,
): void {
    const target = client as unknown as PatchedClient;
    const original = target[ORIGINAL] ?? { deliver0: target.deliver0, deliverQoS: target.deliverQoS };
    if (packet.qos === 0) {
        original.deliver0(packet, callback);
    } else {
        original.deliverQoS(packet, callback);
    }
}

export function deliverAtHighestQos(client: Client): void {
    const target = client as unknown as PatchedClient;
    const deliver0 = target.deliver0;
    const deliverQoS = target.deliverQoS;
    target[ORIGINAL] = { deliver0, deliverQoS };
    // packets this client got recently, by broker id and counter: the same packet through a second matching
    // subscription is skipped. An older packet that arrives late (aedes stores a retained message before it
    // delivers it, so a later message can overtake it) is NOT a duplicate — aedes' own check, 'counter must
    // rise', would drop it, so that check is fed the value that lets this packet through.
    const recent = new Set<string>();
    const deliver: Deliver = (packet, callback) => {
        if (packet.brokerId !== undefined && packet.brokerCounter !== undefined) {
            const key = `${packet.brokerId}:${packet.brokerCounter}`;
            if (recent.has(key)) {
                setImmediate(callback);
                return;
            }
            recent.add(key);
            if (recent.size > 1000) {
                recent.delete(recent.values().next().value as string);
            }
            const duplicates = (client as unknown as { duplicates?: Record<string, number> }).duplicates;
            if (duplicates) {
                duplicates[packet.brokerId] = packet.brokerCounter - 1;
            }
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
