/**
 * The ioBroker objects of discovered entities: device, `<device>.available`, channel and states are created, or
 * updated in place (same ids, `common.custom` — history and the like — kept; states a new config no longer has are
 * deleted); removed with their channel, and the device with its last entity.
 */
import type { Store } from '../iobroker/store';
import type { Entity } from './model';

export type { Entity } from './model';

/** Device, channel, states (created, or updated in place keeping `common.custom`: history stays). */
export async function writeEntityObjects(store: Store, entity: Entity, previous: Entity | undefined): Promise<void> {
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
        await upsert(store, entity.stateIds.get(state.key)!, {
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
async function upsert(store: Store, id: string, obj: ioBroker.SettableObject): Promise<void> {
    const existing = await store.getObject(id);
    if (!existing) {
        await store.setObject(id, obj);
        return;
    }
    const common = { ...obj.common, custom: (existing.common as { custom?: unknown }).custom } as typeof obj.common;
    if ((common as { custom?: unknown }).custom === undefined) {
        delete (common as { custom?: unknown }).custom;
    }
    const next = { ...existing, type: obj.type, common, native: obj.native } as ioBroker.SettableObject;
    if (JSON.stringify(next) !== JSON.stringify(existing)) {
        await store.setObject(id, next);
    }
}

/** An entity is gone: its channel and states; its device too when no entity is left in it. */
export async function removeEntityObjects(store: Store, entity: Entity): Promise<void> {
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
