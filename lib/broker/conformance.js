"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.connectViolation = connectViolation;
exports.publishViolation = publishViolation;
/**
 * MQTT rules that aedes lets through and mosquitto enforces: a packet that breaks one closes its connection (or, for
 * a filter, gets SUBACK 0x80), as the clause cited says. Pure checks on parsed packets; admission.ts and
 * publishPolicy.ts apply them.
 */
const filter_1 = require("../mapping/filter");
/** Why a CONNECT must close its connection, or undefined. */
function connectViolation(packet) {
    const level = packet.protocolVersion;
    // [MQTT-3.1.2-1] the protocol name belongs to the level: 'MQIsdp' is MQTT 3.1 (level 3), 'MQTT' 3.1.1 and 5
    if ((packet.protocolId === 'MQIsdp' && level !== 3) || (packet.protocolId === 'MQTT' && level === 3)) {
        return `protocol name '${packet.protocolId}' with protocol level ${level} [MQTT-3.1.2-1]`;
    }
    // [MQTT-3.1.2-22] a password needs a user name (3.1.1; MQTT 5 allows a password alone)
    if (level !== 5 && packet.password !== undefined && packet.username === undefined) {
        return 'password flag without user name flag [MQTT-3.1.2-22]';
    }
    if (packet.will) {
        const qos = packet.will.qos ?? 0;
        // [MQTT-3.1.2-14] will QoS 3 is malformed
        if (qos < 0 || qos > 2) {
            return `will QoS ${qos} [MQTT-3.1.2-14]`;
        }
        const topic = packet.will.topic ?? '';
        const problem = topic === '' ? 'is empty' : ((0, filter_1.textError)(topic) ?? (/[+#]/.test(topic) ? 'has a wildcard' : undefined));
        if (problem) {
            return `will topic ${problem} [MQTT-3.1.3-10]`;
        }
    }
    const id = (0, filter_1.textError)(packet.clientId ?? '');
    if (id) {
        return `client id ${id} [MQTT-1.5.3-1]`;
    }
    return undefined;
}
/** Why a PUBLISH must close its connection, or undefined. */
function publishViolation(packet) {
    const topic = (0, filter_1.textError)(packet.topic);
    if (topic) {
        return `topic ${topic} [MQTT-1.5.3-1], [MQTT-1.5.3-2]`;
    }
    // [MQTT-2.3.1-1] QoS 1 and 2 PUBLISH carry a non-zero packet identifier (a will, published by the broker from
    // the CONNECT, has none at all: undefined, not 0)
    if (packet.qos > 0 && packet.messageId === 0) {
        return `QoS ${packet.qos} PUBLISH with packet identifier 0 [MQTT-2.3.1-1]`;
    }
    return undefined;
}
