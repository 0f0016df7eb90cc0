"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.EntityIds = void 0;
class EntityIds {
    root;
    /** identity → channel id */
    byIdentity = new Map();
    /** channel id → identity */
    taken = new Map();
    constructor(root) {
        this.root = root;
    }
    /** A channel that exists in the objects database (read at start). */
    remember(channelId, native) {
        // the key the plan proposed (a suffixed id like `status_2` keeps its identity `…#status`)
        const key = typeof native?.entityKey === 'string' ? native.entityKey : channelId.slice(channelId.lastIndexOf('.') + 1);
        const identity = identityOf(typeof native?.uniqueId === 'string' ? native.uniqueId : undefined, typeof native?.configTopic === 'string' ? native.configTopic : '', key);
        this.byIdentity.set(identity, channelId);
        this.taken.set(channelId, identity);
    }
    channelIdFor(plan) {
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
    forget(channelId) {
        const identity = this.taken.get(channelId);
        if (identity !== undefined) {
            this.byIdentity.delete(identity);
        }
        this.taken.delete(channelId);
    }
}
exports.EntityIds = EntityIds;
function identityOf(uniqueId, configTopic, key) {
    return uniqueId ? `u:${uniqueId}` : `c:${configTopic}#${key}`;
}
