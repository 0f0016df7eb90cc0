/**
 * Home Assistant covers: `position` (`level.blind`, 0–100 % whatever `position_open`/`position_closed` say),
 * `state` (open/opening/closed/closing/stopped, read-only), the `open`/`close`/`stop` buttons sending
 * `payload_open`/`payload_close`/`payload_stop` to `command_topic`, and `tilt` (`level.tilt`, %) when the cover
 * tilts. Pure.
 */
import type { StatePlan } from '../model';
import { buildState, type EntityContext, num, payload, scale, str, toNumber } from '../haCommon';
import { toPythonString } from '../template';

/** A percent state mapped onto the device range [closed, open]. */
function percentMapping(
    closed: number,
    open: number,
): { fromDevice: (v: unknown) => number | undefined; toDevice: (val: ioBroker.StateValue) => number | undefined } {
    return {
        fromDevice: v => {
            const n = toNumber(v);
            return typeof n === 'number' ? Math.round(scale(n, closed, open, 0, 100)) : undefined;
        },
        toDevice: val => {
            const n = toNumber(val);
            return typeof n === 'number'
                ? Math.round(scale(Math.min(100, Math.max(0, n)), 0, 100, closed, open))
                : undefined;
        },
    };
}

function positionState(ctx: EntityContext): StatePlan | undefined {
    const c = ctx.config;
    const stateTopic = str(c, 'position_topic');
    const commandTopic = str(c, 'set_position_topic');
    if (stateTopic === undefined && commandTopic === undefined) {
        return undefined;
    }
    const map = percentMapping(num(c, 'position_closed', 0), num(c, 'position_open', 100));
    return buildState(ctx, {
        key: 'position',
        common: { name: `${ctx.name} position`, role: 'level.blind', type: 'number', unit: '%', min: 0, max: 100 },
        stateTopic,
        valueTemplateKey: 'position_template',
        fromValue: map.fromDevice,
        commandTopic,
        commandTemplateKey: 'set_position_template',
        commandValue: map.toDevice,
        commandVars: val => ({ position: map.toDevice(val) }),
    });
}

function tiltState(ctx: EntityContext): StatePlan | undefined {
    const c = ctx.config;
    const stateTopic = str(c, 'tilt_status_topic');
    const commandTopic = str(c, 'tilt_command_topic');
    if (stateTopic === undefined && commandTopic === undefined) {
        return undefined;
    }
    const map = percentMapping(num(c, 'tilt_min', 0), num(c, 'tilt_max', 100));
    return buildState(ctx, {
        key: 'tilt',
        common: { name: `${ctx.name} tilt`, role: 'level.tilt', type: 'number', unit: '%', min: 0, max: 100 },
        stateTopic,
        valueTemplateKey: 'tilt_status_template',
        fromValue: map.fromDevice,
        commandTopic,
        commandTemplateKey: 'tilt_command_template',
        commandValue: map.toDevice,
        commandVars: val => ({ tilt_position: map.toDevice(val) }),
    });
}

const COVER_STATES = ['open', 'opening', 'closed', 'closing', 'stopped'] as const;

function stateText(ctx: EntityContext, stateTopic: string): StatePlan {
    const c = ctx.config;
    const names: Record<string, string> = {};
    for (const state of COVER_STATES) {
        names[payload(c, `state_${state}`, state)] = state;
    }
    return buildState(ctx, {
        key: 'state',
        common: {
            name: `${ctx.name} state`,
            role: 'text',
            type: 'string',
            states: Object.fromEntries(COVER_STATES.map(s => [s, s])),
        },
        stateTopic,
        valueTemplateKey: 'value_template',
        fromValue: v => names[toPythonString(v)],
    });
}

function buttons(ctx: EntityContext, commandTopic: string): StatePlan[] {
    const c = ctx.config;
    const specs = [
        { key: 'open', role: 'button.open.blind', payload: payload(c, 'payload_open', 'OPEN') },
        { key: 'close', role: 'button.close.blind', payload: payload(c, 'payload_close', 'CLOSE') },
        { key: 'stop', role: 'button.stop.blind', payload: payload(c, 'payload_stop', 'STOP') },
    ];
    return specs
        .filter((spec): spec is typeof spec & { payload: string } => spec.payload !== undefined)
        .map(spec =>
            buildState(ctx, {
                key: spec.key,
                common: { name: `${ctx.name} ${spec.key}`, role: spec.role, type: 'boolean' },
                commandTopic,
                commandValue: () => spec.payload,
                optimistic: true,
            }),
        );
}

export function cover(ctx: EntityContext): StatePlan[] | string {
    const c = ctx.config;
    const commandTopic = str(c, 'command_topic');
    const stateTopic = str(c, 'state_topic');
    const states: StatePlan[] = [];
    const position = positionState(ctx);
    if (position !== undefined) {
        states.push(position);
    }
    if (stateTopic !== undefined) {
        states.push(stateText(ctx, stateTopic));
    }
    if (commandTopic !== undefined) {
        states.push(...buttons(ctx, commandTopic));
    }
    const tilt = tiltState(ctx);
    if (tilt !== undefined) {
        states.push(tilt);
    }
    return states.length > 0 ? states : 'no state, command, position or tilt topic is given';
}
