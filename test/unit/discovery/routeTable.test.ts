import assert from 'node:assert/strict';
import type { Entity, EntityPlan, StatePlan } from '../../../src/discovery/model';
import { RouteTable, type RouteChanges } from '../../../src/discovery/routeTable';
import { mulberry32 } from '../../lib/fuzzPackets';

const TOPICS = ['a/1', 'a/2', 'b/1', 'b/2', 'shared/state', 'bad/+'];
const AVAILABILITY = ['bridge/state', 'dev/x/lwt', 'dev/y/lwt', 'bad/#'];
const usable = (topic: string): boolean => !topic.includes('+') && !topic.includes('#');

type Availability = { mode: 'all' | 'any' | 'latest'; topics: { topic: string; online: string; offline: string }[] };

function entity(device: string, channel: string, states: StatePlan[], availability?: Availability): Entity {
    const plan = {
        configTopic: `cfg/${channel}`,
        uniqueId: channel,
        component: 'sensor',
        device: { key: device, name: device, native: {} },
        key: channel,
        name: channel,
        native: {},
        states,
        warnings: [],
        ...(availability ? { availability } : {}),
    } satisfies EntityPlan;
    const deviceId = `gw.0.devices.${device}`;
    const channelId = `${deviceId}.${channel}`;
    return {
        plan,
        channelId,
        deviceId,
        stateIds: new Map(states.map(s => [s.key, `${channelId}.${s.key}`])),
        ready: Promise.resolve(),
    };
}

function state(key: string, topic: string | undefined, command: boolean): StatePlan {
    return {
        key,
        common: { name: key, role: 'state', type: 'mixed', read: true, write: command },
        ...(topic ? { source: { topic, read: (p: string) => p } } : {}),
        ...(command
            ? {
                  command: {
                      build: () => ({ topic: 'cmd', payload: 'x' }),
                      qos: 0 as const,
                      retain: false,
                      optimistic: false,
                  },
              }
            : {}),
    };
}

/** The tables as a full rebuild over every entity (in config order) gives them: what RouteTable must equal. */
function reference(entities: Entity[]): {
    routes: Map<string, string[]>;
    ids: Set<string>;
    /** state id → the entity whose command it has: the last in config order */
    commands: Map<string, Entity>;
    /** device → the merged availability: the first entity's mode, each topic's payloads from its first entity */
    availability: Map<string, Availability>;
    devicesOn: Map<string, string[]>;
} {
    const routes = new Map<string, string[]>();
    const ids = new Set<string>();
    const commands = new Map<string, Entity>();
    const availability = new Map<string, Availability>();
    for (const e of entities) {
        ids.add(`${e.deviceId}.available`);
        for (const s of e.plan.states) {
            const id = e.stateIds.get(s.key)!;
            ids.add(id);
            if (s.source && usable(s.source.topic)) {
                routes.set(s.source.topic, [...(routes.get(s.source.topic) ?? []), id].sort());
            }
            if (s.command) {
                commands.set(id, e);
            }
        }
        const own = e.plan.availability;
        if (own) {
            const merged = availability.get(e.deviceId);
            if (!merged) {
                // the first entity's list as it is (as the full rebuild took it)
                availability.set(e.deviceId, { mode: own.mode, topics: own.topics.map(t => ({ ...t })) });
            } else {
                const fresh = own.topics.filter(t => !merged.topics.some(m => m.topic === t.topic));
                merged.topics.push(...fresh.map(t => ({ ...t })));
            }
        }
    }
    const devicesOn = new Map<string, string[]>();
    for (const [device, plan] of availability) {
        for (const t of plan.topics.map(p => p.topic).filter(usable)) {
            devicesOn.set(t, [...new Set([...(devicesOn.get(t) ?? []), device])].sort());
        }
    }
    return { routes, ids, commands, availability, devicesOn };
}

describe('RouteTable (discovery routing, one config at a time)', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
        it(`equals a full rebuild after each of 400 random config changes (seed ${seed})`, () => {
            const random = mulberry32(seed);
            const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
            const table = new RouteTable(usable);
            /** config → its entities and its order, as the service keeps them */
            const configs = new Map<string, { entities: Entity[]; order: number }>();
            let seen = 0;
            const allIds = new Set<string>();
            for (let step = 0; step < 400; step++) {
                const config = `cfg${Math.floor(random() * 12)}`;
                const before = configs.get(config);
                const after: Entity[] = [];
                const count = random() < 0.25 ? 0 : 1 + Math.floor(random() * 3);
                for (let i = 0; i < count; i++) {
                    const device = pick(['d1', 'd2', 'd3', 'd4']);
                    // channels shared between configs now and then (one unique_id in two configs)
                    const channel = random() < 0.15 ? `shared${Math.floor(random() * 2)}` : `${config}_${i}`;
                    const states = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, k) =>
                        state(`s${k}`, random() < 0.8 ? pick(TOPICS) : undefined, random() < 0.4),
                    );
                    // modes and payloads differ between entities: the merge takes the first entity's
                    const availability: Availability | undefined =
                        random() < 0.6
                            ? {
                                  mode: pick(['all', 'any', 'latest'] as const),
                                  topics: Array.from({ length: 1 + Math.floor(random() * 2) }, () => ({
                                      topic: pick(AVAILABILITY),
                                      online: pick(['online', 'Online', '1']),
                                      offline: pick(['offline', 'Offline', '0']),
                                  })),
                              }
                            : undefined;
                    after.push(entity(device, channel, states, availability));
                }
                const refBefore = reference(
                    [...configs.values()].sort((a, b) => a.order - b.order).flatMap(c => c.entities),
                );
                const idsBefore = refBefore.ids;
                const readBefore = new Set(
                    [...TOPICS, ...AVAILABILITY].filter(t => refBefore.routes.has(t) || refBefore.devicesOn.has(t)),
                );
                const order = before?.order ?? seen++;
                const changes: RouteChanges = table.replace(before?.entities ?? [], after, order);
                if (after.length > 0) {
                    configs.set(config, { entities: after, order });
                } else {
                    configs.delete(config);
                }
                const all = [...configs.values()].sort((a, b) => a.order - b.order).flatMap(c => c.entities);
                const want = reference(all);
                for (const topic of TOPICS) {
                    assert.deepEqual(
                        (table.routesOf(topic) ?? []).map(r => r.stateId).sort(),
                        want.routes.get(topic) ?? [],
                        `step ${step}: routes of ${topic}`,
                    );
                }
                for (const e of [...all, ...(before?.entities ?? [])]) {
                    for (const id of [...e.stateIds.values(), `${e.deviceId}.available`]) {
                        allIds.add(id);
                    }
                }
                for (const id of allIds) {
                    assert.equal(table.uses(id), want.ids.has(id), `step ${step}: uses ${id}`);
                    assert.equal(table.command(id)?.entity, want.commands.get(id), `step ${step}: command of ${id}`);
                }
                for (const device of ['d1', 'd2', 'd3', 'd4'].map(d => `gw.0.devices.${d}`)) {
                    assert.deepEqual(
                        table.availabilityOf(device)?.settings,
                        want.availability.get(device),
                        `step ${step}: availability of ${device}`,
                    );
                }
                for (const topic of AVAILABILITY) {
                    assert.deepEqual(
                        [...(table.devicesOn(topic) ?? [])].sort(),
                        want.devicesOn.get(topic) ?? [],
                        `step ${step}: devices on ${topic}`,
                    );
                }
                // what changed, as the service acts on it
                const readAfter = new Set(
                    [...TOPICS, ...AVAILABILITY].filter(t => want.routes.has(t) || want.devicesOn.has(t)),
                );
                for (const topic of [...TOPICS, ...AVAILABILITY]) {
                    assert.equal(table.reads(topic), readAfter.has(topic), `step ${step}: reads ${topic}`);
                }
                for (const topic of readAfter) {
                    if (!readBefore.has(topic)) {
                        assert.ok(changes.subscribe.includes(topic), `step ${step}: ${topic} to subscribe`);
                    }
                }
                for (const topic of readBefore) {
                    if (!readAfter.has(topic)) {
                        assert.ok(changes.unsubscribe.includes(topic), `step ${step}: ${topic} to unsubscribe`);
                    }
                }
                assert.ok(
                    changes.subscribe.every(t => readAfter.has(t)),
                    `step ${step}: subscribe only read topics`,
                );
                assert.ok(
                    changes.unsubscribe.every(t => !readAfter.has(t)),
                    `step ${step}: unsubscribe only unread`,
                );
                const retiredWant = [...idsBefore].filter(id => !want.ids.has(id)).sort();
                assert.deepEqual([...new Set(changes.retired)].sort(), retiredWant, `step ${step}: retired ids`);
            }
        });
    }

    it('a shared id: the command of the config that comes last; the other’s when that one goes', () => {
        const table = new RouteTable(usable);
        const first = entity('d1', 'same', [state('s0', 'a/1', true)]);
        const second = entity('d1', 'same', [state('s0', 'a/1', true)]);
        table.replace([], [first], 0);
        table.replace([], [second], 1);
        // the first config announced again (a renamed entity): the second config still comes after it
        const again = entity('d1', 'same', [state('s0', 'a/1', true)]);
        table.replace([first], [again], 0);
        assert.equal(table.command('gw.0.devices.d1.same.s0')?.entity, second);
        table.replace([second], [], 1);
        assert.equal(table.command('gw.0.devices.d1.same.s0')?.entity, again);
        assert.deepEqual(
            table.routesOf('a/1')?.map(r => r.entity),
            [again],
        );
    });
});
