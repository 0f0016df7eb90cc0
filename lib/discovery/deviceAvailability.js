"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DeviceAvailability = void 0;
class DeviceAvailability {
    plan;
    /** topic → last known online/offline */
    known = new Map();
    latest;
    constructor(plan) {
        this.plan = plan;
    }
    /** Replaces the plan (a changed config); what is known of topics still in it stays. */
    update(plan) {
        this.plan = plan;
        const topics = new Set(plan.topics.map(t => t.topic));
        for (const topic of [...this.known.keys()]) {
            if (!topics.has(topic)) {
                this.known.delete(topic);
            }
        }
    }
    get topics() {
        return this.plan.topics.map(t => t.topic);
    }
    /** The mode and the online/offline payloads per topic in use (the merge of a device's entities). */
    get settings() {
        return {
            mode: this.plan.mode,
            topics: this.plan.topics.map(({ topic, online, offline }) => ({ topic, online, offline })),
        };
    }
    /**
     * A message on one of the availability topics: the device's availability after it, undefined when the message
     * is neither the online nor the offline payload (or nothing is known yet).
     */
    onMessage(topic, payload) {
        let changed = false;
        for (const entry of this.plan.topics) {
            if (entry.topic !== topic) {
                continue;
            }
            const value = entry.read ? entry.read(payload) : payload;
            if (value === entry.online) {
                this.known.set(topic, true);
                this.latest = true;
                changed = true;
            }
            else if (value === entry.offline) {
                this.known.set(topic, false);
                this.latest = false;
                changed = true;
            }
        }
        return changed ? this.current() : undefined;
    }
    current() {
        const values = this.plan.topics.map(t => this.known.get(t.topic));
        switch (this.plan.mode) {
            case 'all':
                if (values.some(v => v === false)) {
                    return false;
                }
                return values.every(v => v === true) ? true : undefined;
            case 'any':
                if (values.some(v => v === true)) {
                    return true;
                }
                return values.every(v => v === false) ? false : undefined;
            default:
                return this.latest;
        }
    }
}
exports.DeviceAvailability = DeviceAvailability;
