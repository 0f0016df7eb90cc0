"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.highestGrantedQos = highestGrantedQos;
exports.matchingSubscriptions = matchingSubscriptions;
/**
 * [MQTT-3.3.5-1]: when several subscriptions of one client match a message, the client gets ONE copy, at the
 * highest QoS those subscriptions granted (capped by the message's QoS). aedes delivers one copy but at the QoS of
 * whichever matching subscription it happens to see first, and its duplicate check drops messages that arrive out
 * of counter order (a retained message overtaken by a later plain one). This module decides the copy, its QoS and
 * (MQTT 5) its Subscription Identifiers; aedesInternals.ts puts the decision into a client's delivery.
 */
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
    return matchingSubscriptions(subscriptions, topic).qos;
}
/** The highest granted QoS (-1: none) and the Subscription Identifiers of the subscriptions that match `topic`. */
function matchingSubscriptions(subscriptions, topic) {
    let qos = -1;
    const ids = [];
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
