"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.writeEntityObjects = writeEntityObjects;
exports.removeEntityObjects = removeEntityObjects;
/** Device, channel, states (created, or updated in place keeping `common.custom`: history stays). */
async function writeEntityObjects(store, entity, previous) {
    const plan = entity.plan;
    await upsert(store, entity.deviceId, {
        type: 'device',
        common: { name: plan.device.name },
        native: plan.device.native,
    });
    if (plan.availability) {
        await upsert(store, `${entity.deviceId}.available`, {
            type: 'state',
            common: {
                name: 'available',
                role: 'indicator.reachable',
                type: 'boolean',
                read: true,
                write: false,
            },
            native: {},
        });
    }
    await upsert(store, entity.channelId, {
        type: 'channel',
        common: { name: plan.name },
        native: {
            ...plan.native,
            component: plan.component,
            uniqueId: plan.uniqueId,
            configTopic: plan.configTopic,
            entityKey: plan.key,
        },
    });
    for (const state of plan.states) {
        await upsert(store, entity.stateIds.get(state.key), {
            type: 'state',
            common: state.common,
            native: state.source ? { stateTopic: state.source.topic } : {},
        });
    }
    for (const [key, id] of previous?.stateIds ?? []) {
        if (!entity.stateIds.has(key)) {
            await store.deleteObject(id);
        }
    }
}
/** Creates the object, or updates it in place when it differs (its `common.custom` kept). */
async function upsert(store, id, obj) {
    const existing = await store.getObject(id);
    if (!existing) {
        await store.setObject(id, obj);
        return;
    }
    const common = { ...obj.common, custom: existing.common.custom };
    if (common.custom === undefined) {
        delete common.custom;
    }
    const next = { ...existing, type: obj.type, common, native: obj.native };
    if (JSON.stringify(next) !== JSON.stringify(existing)) {
        await store.setObject(id, next);
    }
}
/** An entity is gone: its channel and states; its device too when no entity is left in it. */
async function removeEntityObjects(store, entity) {
    for (const id of entity.stateIds.values()) {
        await store.deleteObject(id);
    }
    await store.deleteObject(entity.channelId);
    const remaining = await store.getObjectsOfTypes(['channel'], `${entity.deviceId}.`, `${entity.deviceId}.\u9999`);
    if (remaining.length === 0) {
        await store.deleteObject(`${entity.deviceId}.available`);
        await store.deleteObject(entity.deviceId);
    }
}
