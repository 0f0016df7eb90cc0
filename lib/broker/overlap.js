"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.highestGrantedQos = highestGrantedQos;
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
    let best = -1;
    for (const [filterText, subscription] of Object.entries(subscriptions)) {
        if (subscription && subscription.qos > best && subscription.qos <= 2 && filterOf(filterText)?.matches(topic)) {
            best = subscription.qos;
        }
    }
    return best;
}
function deliverAtHighestQos(client) {
    const target = client;
    const deliver0 = target.deliver0;
    const deliverQoS = target.deliverQoS;
    const lastCounter = new Map();
    const deliver = (packet, callback) => {
        // one copy per message: later matching subscriptions see the same broker counter
        if (packet.brokerId !== undefined && packet.brokerCounter !== undefined) {
            if ((lastCounter.get(packet.brokerId) ?? 0) >= packet.brokerCounter) {
                setImmediate(callback);
                return;
            }
            lastCounter.set(packet.brokerId, packet.brokerCounter);
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
