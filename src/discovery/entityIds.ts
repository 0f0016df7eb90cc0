/**
 * Channel ids of discovered entities: stable across restarts and config changes (an entity keeps the id it was given
 * first, found again by its `unique_id`, or by config topic and key when it has none), readable (device key + entity
 * key) and collision-free (a second entity proposing a taken id gets `_2`, `_3`, …).
 */
import type { EntityPlan } from './model';

export class EntityIds {
    /** identity → channel id */
    private readonly byIdentity = new Map<string, string>();
    /** channel id → identity */
    private readonly taken = new Map<string, string>();

    constructor(private readonly root: string) {}

    /** A channel that exists in the objects database (read at start). */
    remember(channelId: string, native: Record<string, unknown> | undefined): void {
        // the key the plan proposed (a suffixed id like `status_2` keeps its identity `…#status`)
        const key =
            typeof native?.entityKey === 'string' ? native.entityKey : channelId.slice(channelId.lastIndexOf('.') + 1);
        const identity = identityOf(
            typeof native?.uniqueId === 'string' ? native.uniqueId : undefined,
            typeof native?.configTopic === 'string' ? native.configTopic : '',
            key,
        );
        this.byIdentity.set(identity, channelId);
        this.taken.set(channelId, identity);
    }

    channelIdFor(plan: EntityPlan): string {
        const identity = identityOf(plan.uniqueId, plan.configTopic, plan.key);
        const known = this.byIdentity.get(identity);
        if (known) {
            return known;
        }
        const base = `${this.root}.${plan.device.key}.${plan.key}`;
        let id = base;
        for (let n = 2; this.taken.has(id); n++) {
            id = `${base}_${n}`;
        }
        this.byIdentity.set(identity, id);
        this.taken.set(id, identity);
        return id;
    }

    /** The entity was removed: its id is free again. */
    forget(channelId: string): void {
        const identity = this.taken.get(channelId);
        if (identity !== undefined) {
            this.byIdentity.delete(identity);
        }
        this.taken.delete(channelId);
    }
}

function identityOf(uniqueId: string | undefined, configTopic: string, key: string): string {
    return uniqueId ? `u:${uniqueId}` : `c:${configTopic}#${key}`;
}
