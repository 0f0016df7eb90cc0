"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PublishPolicy = void 0;
const aedesInternals_1 = require("./aedesInternals");
const conformance_1 = require("./conformance");
const limits_1 = require("./limits");
const mqtt5_1 = require("./mqtt5");
const slowConsumers_1 = require("./slowConsumers");
const rateLog_1 = require("../rateLog");
class PublishPolicy {
    options;
    rights;
    warnings;
    events;
    persistence;
    slow;
    constructor(options, rights, warnings, events, persistence) {
        this.options = options;
        this.rights = rights;
        this.warnings = warnings;
        this.events = events;
        this.persistence = persistence;
        this.slow = new slowConsumers_1.SlowConsumers({ limitBytes: (0, limits_1.writeBufferBytes)(options.maxPayloadSizeBytes), maxSlowMs: 10_000 });
    }
    /** aedes' authorizePublish hook (client is null for the broker's own messages). */
    authorize = (client, packet, done) => {
        const violation = client ? (0, conformance_1.publishViolation)(packet) : undefined;
        if (client && violation) {
            this.warnings.refuseMalformed(client, violation);
            if (client.version === 5) {
                // [MQTT-4.13.1-1] a Protocol Error closes the connection: DISCONNECT 0x82 first
                client.disconnect({ reasonCode: 0x82 }, () => done(new Error(violation)));
            }
            else {
                done(new Error(violation)); // aedes closes a 3.1.1 connection on a refused publish
            }
            return;
        }
        if (packet.properties) {
            const repeated = (0, mqtt5_1.repeatedProperty)(packet.properties);
            if (client && repeated) {
                // a property that may appear once appears twice: a Protocol Error [MQTT-2.2.2-2]; the parser
                // turns it into an array, which would break the PUBLISH written to every subscriber
                this.events.dropped?.(`PUBLISH with '${repeated}' twice: connection closed`, client.id);
                client.disconnect({ reasonCode: 0x82 }, () => done(new Error(`${repeated} twice`)));
                return;
            }
            (0, mqtt5_1.keepPublishProperties)(packet);
        }
        if (client && packet.qos === 2 && this.tooManyUnreleased(client, packet.messageId)) {
            // more QoS 2 messages without PUBREL than announced [MQTT-3.3.4-9]: DISCONNECT 0x93 "Receive
            // Maximum exceeded" (3.1.1: closed; aedes 2.0.0-beta.1 itself has no bound on them)
            this.events.dropped?.(`more than ${limits_1.RECEIVE_MAXIMUM} unreleased QoS 2 messages: connection closed`, client.id);
            client.disconnect({ reasonCode: 0x93 }, () => done(new Error('receive maximum exceeded')));
            return;
        }
        const refusal = client ? this.refusal(client, packet) : undefined;
        if (client && refusal) {
            this.events.dropped?.(refusal, client.id);
            if (client.version === 5) {
                // MQTT 5 can say no: PUBACK/PUBREC 0x87 "Not authorized" with the reason as Reason String, the
                // connection stays [MQTT-3.4.2.1, 3.5.2.1]; a will refused here is not published
                done(new Error(refusal));
                return;
            }
            // MQTT 3.1.1 has no negative acknowledgement: acknowledged as it requires, never delivered
            (0, aedesInternals_1.markDropped)(packet);
        }
        const admitted = client && !(0, aedesInternals_1.isDropped)(packet) ? this.events.admitPublish?.() : undefined;
        if (admitted) {
            const go = () => done(null);
            void admitted.then(go, go);
        }
        else {
            done(null);
        }
    };
    /** aedes' authorizeForward hook: the message for this subscriber, or null when it is not sent. */
    forward = (client, packet) => {
        // retained messages and current values reach a subscriber only where its account may read
        if (!this.rights.canRead(client, packet.topic)) {
            return null;
        }
        const conn = client.conn;
        const verdict = this.slow.verdict(conn, packet.payload.length, packet.qos);
        if (verdict === 'drop') {
            this.events.dropped?.(`QoS 0 message on '${(0, rateLog_1.clip)(packet.topic)}' to the slow client '${(0, rateLog_1.clip)(client.id)}' (its connection has not read what was sent)`, client.id);
            return null;
        }
        if (verdict === 'close') {
            this.warnings.warnOnce('slow-consumer', client.id, `Client '${(0, rateLog_1.clip)(client.id)}' does not read what it is sent: connection closed (a persistent session gets its unacknowledged messages again when it reconnects)`);
            this.events.dropped?.(`slow client '${(0, rateLog_1.clip)(client.id)}' closed`, client.id);
            // not inside aedes' delivery loop: the close unsubscribes the client from the emitter it is in
            setImmediate(() => conn.destroy());
        }
        return packet;
    };
    /** Whether this QoS 2 message would be one more unreleased message than the client may have. */
    tooManyUnreleased(client, messageId) {
        const max = client.version === 5 ? limits_1.RECEIVE_MAXIMUM : limits_1.MAX_UNRELEASED_V311;
        return this.persistence.wouldExceedUnreleased(client.id, messageId, max);
    }
    /** Why a client's publish is refused (undefined: it is not). */
    refusal(client, packet) {
        if (packet.topic.startsWith('$')) {
            // `$` topics belong to the broker [MQTT-4.7.2-1]; aedes' own authorizePublish (which this hook replaces)
            // refuses `$SYS/`, and `$SYS/<id>/new/clients` would close the client named in the payload (its cluster
            // takeover). Refused for every account, the full-rights one included.
            return `publish to the reserved topic '${(0, rateLog_1.clip)(packet.topic)}'`;
        }
        if (packet.payload.length > this.options.maxPayloadSizeBytes) {
            return `payload of ${packet.payload.length} bytes on '${(0, rateLog_1.clip)(packet.topic)}' exceeds maxPayloadSize (${this.options.maxPayloadSizeBytes})`;
        }
        if (!this.rights.canPublish(client, packet.topic)) {
            return `no right to publish to '${(0, rateLog_1.clip)(packet.topic)}'`;
        }
        return undefined;
    }
}
exports.PublishPolicy = PublishPolicy;
