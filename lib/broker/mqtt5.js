"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.repeatedProperty = repeatedProperty;
exports.keepPublishProperties = keepPublishProperties;
exports.refuseConnectV5 = refuseConnectV5;
exports.applyForceCleanSession = applyForceCleanSession;
/** MQTT 5 Session Expiry Interval "never" [MQTT-3.1.2.11.2]. */
const SESSION_NEVER_EXPIRES = 0xffffffff;
/**
 * The properties a PUBLISH may carry on to subscribers [MQTT-3.3.2.3]. A will is published with the properties of
 * its CONNECT, Will Delay Interval included (aedes 2.0.0-beta.1 passes it on, and strict MQTT 5 clients disconnect
 * on a property a PUBLISH must not have); Topic Alias belongs to one connection; Subscription Identifier is set per
 * subscriber at delivery.
 */
const PUBLISH_PROPERTIES = new Set([
    'payloadFormatIndicator',
    'messageExpiryInterval',
    'contentType',
    'responseTopic',
    'correlationData',
    'userProperties',
]);
/**
 * The name of a property that appears more than once although MQTT 5 allows it once [MQTT-2.2.2-2] (only User
 * Property and Subscription Identifier may repeat); mqtt-packet's parser collects repeats into an array.
 */
function repeatedProperty(properties) {
    if (!properties) {
        return undefined;
    }
    for (const [key, value] of Object.entries(properties)) {
        if (Array.isArray(value) && key !== 'subscriptionIdentifier') {
            return key;
        }
    }
    return undefined;
}
/** Drops the properties a delivered PUBLISH must not carry. */
function keepPublishProperties(packet) {
    const properties = packet.properties;
    if (!properties) {
        return;
    }
    for (const key of Object.keys(properties)) {
        if (!PUBLISH_PROPERTIES.has(key)) {
            delete properties[key];
        }
    }
}
/**
 * Refuses an MQTT 5 CONNECT with a reason code that aedes' authenticate cannot give (it maps only the 3.1.1 return
 * codes 2–5): the CONNACK is written here, in preConnect, in the MQTT 5 layout (session present 0, the reason code, no
 * properties) [MQTT-3.2.2-6]; then the hook fails, and aedes closes the connection without writing anything more.
 */
function refuseConnectV5(client, reasonCode, why, done) {
    client.conn.write(Buffer.from([0x20, 0x03, 0x00, reasonCode, 0x00]), () => done(new Error(why), false));
}
/**
 * forceCleanSession. MQTT 5 splits clean session into Clean Start and the Session Expiry Interval [MQTT-3.1.2-4,
 * 3.1.2.11.2]: 'clean' also sets the expiry to 0 (the session ends with the connection), 'keep' asks for the
 * longest one, which sessionExpiryIntervalLimit (storeClientsTime) then caps and CONNACK reports.
 */
function applyForceCleanSession(packet, mode) {
    if (mode === 'clean') {
        packet.clean = true;
        if (packet.protocolVersion === 5 && packet.properties) {
            delete packet.properties.sessionExpiryInterval;
        }
    }
    else if (mode === 'keep' && packet.clientId !== '') {
        packet.clean = false;
        if (packet.protocolVersion === 5) {
            packet.properties = { ...packet.properties, sessionExpiryInterval: SESSION_NEVER_EXPIRES };
        }
    }
}
