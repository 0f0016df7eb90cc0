/**
 * `<device>.available` from the availability topics of a device's entities (Home Assistant's `availability_mode`):
 * `latest` — the last availability message decides; `all` — every topic must say online; `any` — one is enough.
 * Pure: fed with messages, answers the device's availability (undefined while nothing is known).
 */
import type { AvailabilityPlan } from './model';

export class DeviceAvailability {
    /** topic → last known online/offline */
    private readonly known = new Map<string, boolean>();
    private latest: boolean | undefined;

    constructor(private plan: AvailabilityPlan) {}

    /** Replaces the plan (a changed config); what is known of topics still in it stays. */
    update(plan: AvailabilityPlan): void {
        this.plan = plan;
        const topics = new Set(plan.topics.map(t => t.topic));
        for (const topic of [...this.known.keys()]) {
            if (!topics.has(topic)) {
                this.known.delete(topic);
            }
        }
    }

    get topics(): string[] {
        return this.plan.topics.map(t => t.topic);
    }

    /** The mode and the online/offline payloads per topic in use (the merge of a device's entities). */
    get settings(): { mode: AvailabilityPlan['mode']; topics: { topic: string; online: string; offline: string }[] } {
        return {
            mode: this.plan.mode,
            topics: this.plan.topics.map(({ topic, online, offline }) => ({ topic, online, offline })),
        };
    }

    /**
     * A message on one of the availability topics: the device's availability after it, undefined when the message
     * is neither the online nor the offline payload (or nothing is known yet).
     */
    onMessage(topic: string, payload: string): boolean | undefined {
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
            } else if (value === entry.offline) {
                this.known.set(topic, false);
                this.latest = false;
                changed = true;
            }
        }
        return changed ? this.current() : undefined;
    }

    current(): boolean | undefined {
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
