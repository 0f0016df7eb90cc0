"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.cover = cover;
const haCommon_1 = require("../haCommon");
const template_1 = require("../template");
/** A percent state mapped onto the device range [closed, open]. */
function percentMapping(closed, open) {
    return {
        fromDevice: v => {
            const n = (0, haCommon_1.toNumber)(v);
            return typeof n === 'number' ? Math.round((0, haCommon_1.scale)(n, closed, open, 0, 100)) : undefined;
        },
        toDevice: val => {
            const n = (0, haCommon_1.toNumber)(val);
            return typeof n === 'number'
                ? Math.round((0, haCommon_1.scale)(Math.min(100, Math.max(0, n)), 0, 100, closed, open))
                : undefined;
        },
    };
}
function positionState(ctx) {
    const c = ctx.config;
    const stateTopic = (0, haCommon_1.str)(c, 'position_topic');
    const commandTopic = (0, haCommon_1.str)(c, 'set_position_topic');
    if (stateTopic === undefined && commandTopic === undefined) {
        return undefined;
    }
    const map = percentMapping((0, haCommon_1.num)(c, 'position_closed', 0), (0, haCommon_1.num)(c, 'position_open', 100));
    return (0, haCommon_1.buildState)(ctx, {
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
function tiltState(ctx) {
    const c = ctx.config;
    const stateTopic = (0, haCommon_1.str)(c, 'tilt_status_topic');
    const commandTopic = (0, haCommon_1.str)(c, 'tilt_command_topic');
    if (stateTopic === undefined && commandTopic === undefined) {
        return undefined;
    }
    const map = percentMapping((0, haCommon_1.num)(c, 'tilt_min', 0), (0, haCommon_1.num)(c, 'tilt_max', 100));
    return (0, haCommon_1.buildState)(ctx, {
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
const COVER_STATES = ['open', 'opening', 'closed', 'closing', 'stopped'];
function stateText(ctx, stateTopic) {
    const c = ctx.config;
    const names = {};
    for (const state of COVER_STATES) {
        names[(0, haCommon_1.payload)(c, `state_${state}`, state)] = state;
    }
    return (0, haCommon_1.buildState)(ctx, {
        key: 'state',
        common: {
            name: `${ctx.name} state`,
            role: 'text',
            type: 'string',
            states: Object.fromEntries(COVER_STATES.map(s => [s, s])),
        },
        stateTopic,
        valueTemplateKey: 'value_template',
        fromValue: v => names[(0, template_1.toPythonString)(v)],
    });
}
function buttons(ctx, commandTopic) {
    const c = ctx.config;
    const specs = [
        { key: 'open', role: 'button.open.blind', payload: (0, haCommon_1.payload)(c, 'payload_open', 'OPEN') },
        { key: 'close', role: 'button.close.blind', payload: (0, haCommon_1.payload)(c, 'payload_close', 'CLOSE') },
        { key: 'stop', role: 'button.stop.blind', payload: (0, haCommon_1.payload)(c, 'payload_stop', 'STOP') },
    ];
    return specs
        .filter((spec) => spec.payload !== undefined)
        .map(spec => (0, haCommon_1.buildState)(ctx, {
        key: spec.key,
        common: { name: `${ctx.name} ${spec.key}`, role: spec.role, type: 'boolean' },
        commandTopic,
        commandValue: () => spec.payload,
        optimistic: true,
    }));
}
function cover(ctx) {
    const c = ctx.config;
    const commandTopic = (0, haCommon_1.str)(c, 'command_topic');
    const stateTopic = (0, haCommon_1.str)(c, 'state_topic');
    const states = [];
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
