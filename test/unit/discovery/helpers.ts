import assert from 'node:assert/strict';
import type { DiscoveryResult, EntityPlan, StatePlan } from '../../../src/discovery/model';
import { parseHomeAssistant } from '../../../src/discovery/homeAssistant';

/** The entities of a result that must be `entities`. */
export function entitiesOf(result: DiscoveryResult | undefined): EntityPlan[] {
    assert.ok(result, 'a discovery result');
    assert.equal(result.kind, 'entities', result.kind === 'invalid' ? result.warning : result.kind);
    return result.kind === 'entities' ? result.entities : [];
}

/** The single entity of a Home Assistant config message. */
export function discover(topic: string, config: unknown): EntityPlan {
    const entities = entitiesOf(parseHomeAssistant(topic, JSON.stringify(config), 'homeassistant'));
    assert.equal(entities.length, 1);
    return entities[0]!;
}

export function stateOf(entity: EntityPlan, key: string): StatePlan {
    const state = entity.states.find(s => s.key === key);
    assert.ok(state, `state ${key} of ${entity.key}`);
    return state;
}

/** What the state reads from a payload. */
export function read(state: StatePlan, payload: string): ioBroker.StateValue | undefined {
    assert.ok(state.source, `state ${state.key} has a source`);
    return state.source.read(payload);
}

/** The message a written value becomes. */
export function write(state: StatePlan, val: ioBroker.StateValue): { topic: string; payload: string } | undefined {
    assert.ok(state.command, `state ${state.key} has a command`);
    return state.command.build(val);
}
