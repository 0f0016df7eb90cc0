"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MAX_UNRELEASED_V311 = exports.RECEIVE_MAXIMUM = exports.TOPIC_ALIAS_MAXIMUM = exports.PACKET_HEADROOM_BYTES = void 0;
exports.maxPacketSizeBytes = maxPacketSizeBytes;
exports.writeBufferBytes = writeBufferBytes;
exports.aedesLimits = aedesLimits;
/**
 * What a PUBLISH may carry besides its payload (a topic of up to 64 KiB, packet id, MQTT 5 properties): a packet that
 * declares more than maxPayloadSize plus this closes its connection at its fixed header (packetGuard.ts); one within
 * it is read, acknowledged and dropped when its payload is over the limit.
 */
exports.PACKET_HEADROOM_BYTES = 65_536 + 1024;
/**
 * Topic aliases a client may set up on its connection (each holds a topic of up to 64 KiB in memory as long as the
 * connection lasts): a few, for the handful of topics a device publishes to again and again.
 */
exports.TOPIC_ALIAS_MAXIMUM = 16;
/** QoS 1/2 PUBLISH packets a client may have unacknowledged towards the broker [MQTT-3.3.4-7]. */
exports.RECEIVE_MAXIMUM = 100;
/**
 * QoS 2 messages an MQTT 3.1.1 client may have stored in the broker without PUBREL (3.1.1 announces no limit; each one
 * is held in the store, up to maxPayloadSize each).
 */
exports.MAX_UNRELEASED_V311 = 1000;
/**
 * The Maximum Packet Size announced to MQTT 5 clients: a whole packet (fixed header included) whose remaining length
 * is the most packetGuard.ts accepts. A larger packet necessarily declares a larger remaining length.
 */
function maxPacketSizeBytes(maxPayloadSizeBytes) {
    const remaining = maxPayloadSizeBytes + exports.PACKET_HEADROOM_BYTES;
    const lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
    return 1 + lengthBytes + remaining;
}
/** A connection's write buffer: 1 MiB beyond the largest message it may be sent. */
function writeBufferBytes(maxPayloadSizeBytes) {
    return 1024 * 1024 + maxPayloadSizeBytes + exports.PACKET_HEADROOM_BYTES;
}
/** The limits aedes is given; the MQTT 5 ones it announces in CONNACK [MQTT-3.2.2.3]. */
function aedesLimits(options) {
    return {
        // a backstop only: slowConsumers.ts closes a client that does not read long before this
        drainTimeout: 15_000,
        // the largest packet packetGuard.ts lets through
        maximumPacketSize: maxPacketSizeBytes(options.maxPayloadSizeBytes),
        // a session outlives its connection at most storeClientsTime (sessions.ts does the same for MQTT 3.1.1)
        sessionExpiryIntervalLimit: options.storeClientsTimeMin > 0 ? options.storeClientsTimeMin * 60 : 0,
        // offline MQTT 5 sessions with an expiry timer, and delayed wills, that aedes holds in memory at once;
        // beyond, a session ends at its disconnect and a delayed will is published at once
        pendingSessionsLimit: Math.max(1000, 10 * options.maxClients),
        topicAliasMaximum: exports.TOPIC_ALIAS_MAXIMUM,
        receiveMaximum: exports.RECEIVE_MAXIMUM,
    };
}
