/**
 * A publisher step: one truth (SPEC §8). Retained messages on topics the adapter publishes to, whose states' values
 * were set in ioBroker, are made to agree with what the live rules would retain now — the current status (sendAckToo
 * and `retain`), the current command only with retainCommands, else none. Retained messages of values that came from
 * MQTT are the devices' and stay.
 */
import type { Publisher } from './publisher';
import type { QoS } from './settings';
import type { Logger } from './iobroker/store';
import type { RetainedStore, TransportMessage } from './transport';

export class RetainedTruth {
    constructor(
        private readonly publisher: Pick<Publisher, 'retainedWanted'>,
        private readonly publish: (message: TransportMessage) => void,
        private readonly defaultQoS: QoS,
        private readonly log: Logger,
    ) {}

    /** Server mode, at every start (an option change restarts the instance): the broker's whole retained store. */
    async reconcileStore(store: RetainedStore): Promise<void> {
        let cleared = 0;
        let replaced = 0;
        for (const packet of await store.messages(['#'])) {
            const wanted = this.publisher.retainedWanted(packet.topic);
            if (!wanted.owned) {
                continue;
            }
            if (!wanted.message) {
                await store.clear(packet.topic);
                cleared++;
            } else if (!Buffer.from(wanted.message.payload).equals(packet.payload)) {
                this.publish(wanted.message);
                replaced++;
            }
        }
        if (cleared + replaced > 0) {
            this.log.info(
                `Retained messages made to agree with ioBroker: ${replaced} replaced by the current value, ${cleared} removed (commands are not retained unless retainCommands; noRetain keeps no status)`,
            );
        }
    }

    /**
     * Client mode, at every connect: a retained message the broker sends on a topic the adapter publishes to is not
     * written to the state; the broker's copy is made to agree instead — replaced by the current value where the live
     * rules retain it, else cleared (an empty retained message: MQTT has no other way, so current subscribers of that
     * topic see one empty message). Returns true when the message was handled here.
     */
    reconcileStored(topic: string, payload: Buffer): boolean {
        const wanted = this.publisher.retainedWanted(topic);
        if (!wanted.owned) {
            return false;
        }
        const message = wanted.message;
        if (message && Buffer.from(message.payload).equals(payload)) {
            return true;
        }
        const correction = message ?? { topic, payload: '', qos: this.defaultQoS, retain: true };
        this.log.info(
            `Retained '${topic}' on the broker disagreed with ioBroker: ${message ? 'replaced by the current value' : 'cleared (commands are not retained unless retainCommands)'}`,
        );
        this.publish(correction);
        return true;
    }
}
