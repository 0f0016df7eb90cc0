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
    /** The publisher's client id and the delivering subscription's No Local flag (MQTT 5). */
    clientId?: string;
    nl?: boolean;
    properties?: { subscriptionIdentifier?: number | number[] } & Record<string, unknown>;
}

interface DeliveringClient {
    id: string;
    deliver0: Deliver;
    deliverQoS: Deliver;
    /** aedes' record of each subscription: granted QoS and (MQTT 5) its Subscription Identifier. */
    subscriptions: Record<string, { qos: number; si?: number } | undefined>;
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
    return matchingSubscriptions(subscriptions, topic).qos;
}

/** The highest granted QoS (-1: none) and the Subscription Identifiers of the subscriptions that match `topic`. */
function matchingSubscriptions(
    subscriptions: DeliveringClient['subscriptions'],
    topic: string,
): { qos: number; ids: number[] } {
    let qos = -1;
    const ids: number[] = [];
    for (const [filterText, subscription] of Object.entries(subscriptions)) {
        if (!subscription || subscription.qos > 2 || !filterOf(filterText)?.matches(topic)) {
            continue;
        }
        qos = Math.max(qos, subscription.qos);
        if (subscription.si !== undefined) {
            ids.push(subscription.si);
        }
    }
    return { qos, ids };
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
        if (packet.nl && packet.clientId === target.id) {
            // No Local on this subscription [MQTT-3.8.3-3]: aedes drops the copy; another matching subscription
            // without it must still deliver, so this copy does not count as the one delivered
            setImmediate(callback);
            return;
        }
        const { brokerId, brokerCounter } = packet;
        const live = brokerId !== undefined && brokerCounter !== undefined;
        if (live) {
            const key = `${brokerId}:${brokerCounter}`;
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
                duplicates[brokerId] = brokerCounter - 1;
            }
        }
        const matching = matchingSubscriptions(target.subscriptions, packet.topic);
        if (live && matching.ids.length > 0) {
            // the one copy carries the identifiers of every matching subscription [MQTT-3.3.4-3, 3.3.4-5] (a retained
            // message sent for one new subscription keeps that subscription's identifier)
            packet.properties = {
                ...packet.properties,
                subscriptionIdentifier: matching.ids.length === 1 ? matching.ids[0] : matching.ids,
            };
        }
        const qos = Math.min(packet.qos, Math.max(matching.qos, 0)) as 0 | 1 | 2;
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
