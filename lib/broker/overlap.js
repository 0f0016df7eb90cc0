"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.highestGrantedQos = highestGrantedQos;
exports.deliverDirect = deliverDirect;
exports.deliverAtHighestQos = deliverAtHighestQos;
const filter_1 = require("../mapping/filter");
const compiled = new Map();
const WILDCARD = /[+#]/;
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
        if (packet.brokerId !== undefined && packet.brokerCounter !== undefined) {
            const key = `${packet.brokerId}:${packet.brokerCounter}`;
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
                duplicates[packet.brokerId] = packet.brokerCounter - 1;
            }
        }
        const granted = highestGrantedQos(target.subscriptions, packet.topic);
        const qos = Math.min(packet.qos, Math.max(granted, 0));
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
