"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.highestGrantedQos = highestGrantedQos;
exports.deliverDirect = deliverDirect;
exports.deliverAtHighestQos = deliverAtHighestQos;
const filter_1 = require("../mapping/filter");
const compiled = new Map();
function filterOf(topic) {
    let filter = compiled.get(topic);
    if (filter === undefined) {
        filter = (0, filter_1.topicFilterError)(topic) ? null : (0, filter_1.compileTopicFilter)(topic);
        if (compiled.size > 10_000) {
            compiled.clear();
        }
        compiled.set(topic, filter);
    }
    return filter;
}
/** The highest QoS among the client's subscriptions that match `topic` (-1 when none does). */
function highestGrantedQos(subscriptions, topic) {
    return matchingSubscriptions(subscriptions, topic).qos;
}
/** The highest granted QoS (-1: none) and the Subscription Identifiers of the subscriptions that match `topic`. */
function matchingSubscriptions(subscriptions, topic) {
    let qos = -1;
    const ids = [];
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
/**
 * Sends a packet to this one client only (current values for a new subscription). It carries no broker id or
 * counter, so it cannot make the one-copy rule (which relies on counters rising) skip a broker message that was
 * created earlier but is delivered later — `client.publish()` of aedes stamps a fresh counter and would.
 */
function deliverDirect(client, packet, callback) {
    const target = client;
    const original = target[ORIGINAL] ?? { deliver0: target.deliver0, deliverQoS: target.deliverQoS };
    if (packet.qos === 0) {
        original.deliver0(packet, callback);
    }
    else {
        original.deliverQoS(packet, callback);
    }
}
function deliverAtHighestQos(client) {
    const target = client;
    const deliver0 = target.deliver0;
    const deliverQoS = target.deliverQoS;
    target[ORIGINAL] = { deliver0, deliverQoS };
    // packets this client got recently, by broker id and counter: the same packet through a second matching
    // subscription is skipped. An older packet that arrives late (aedes stores a retained message before it
    // delivers it, so a later message can overtake it) is NOT a duplicate — aedes' own check, 'counter must
    // rise', would drop it, so that check is fed the value that lets this packet through.
    const recent = new Set();
    const deliver = (packet, callback) => {
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
                recent.delete(recent.values().next().value);
            }
            const duplicates = client.duplicates;
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
        const qos = Math.min(packet.qos, Math.max(matching.qos, 0));
        if (qos === 0) {
            deliver0(packet, callback);
        }
        else {
            packet.qos = qos;
            deliverQoS(packet, callback);
        }
    };
    target.deliver0 = deliver;
    target.deliverQoS = deliver;
}
