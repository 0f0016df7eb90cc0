"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.climate = climate;
exports.fan = fan;
const haCommon_1 = require("../haCommon");
const template_1 = require("../template");
function keysOf(prefix, valueTemplate, stateTopic = `${prefix}_state_topic`) {
    return {
        stateTopic,
        valueTemplate,
        commandTopic: `${prefix}_command_topic`,
        commandTemplate: `${prefix}_command_template`,
    };
}
/** A state whose value is one of `options`; undefined when the config has neither of its topics. */
function optionState(ctx, key, role, options, keys) {
    const c = ctx.config;
    const stateTopic = (0, haCommon_1.str)(c, keys.stateTopic);
    const commandTopic = (0, haCommon_1.str)(c, keys.commandTopic);
    if ((stateTopic === undefined && commandTopic === undefined) || options === undefined) {
        return undefined;
    }
    const known = (value) => {
        const text = (0, template_1.toPythonString)(value);
        return options.includes(text) ? text : undefined;
    };
    return (0, haCommon_1.buildState)(ctx, {
        key,
        common: { name: `${ctx.name} ${key.replace(/_/g, ' ')}`, role, type: 'string', states: (0, haCommon_1.statesOf)(options) },
        stateTopic,
        valueTemplateKey: keys.valueTemplate,
        fromValue: known,
        commandTopic,
        commandTemplateKey: keys.commandTemplate,
        commandValue: known,
    });
}
/** A numeric state; undefined when the config has neither of its topics. */
function numberState(ctx, key, common, keys) {
    const c = ctx.config;
    const stateTopic = (0, haCommon_1.str)(c, keys.stateTopic);
    const commandTopic = (0, haCommon_1.str)(c, keys.commandTopic);
    if (stateTopic === undefined && commandTopic === undefined) {
        return undefined;
    }
    return (0, haCommon_1.buildState)(ctx, {
        key,
        common,
        stateTopic,
        valueTemplateKey: keys.valueTemplate,
        fromValue: haCommon_1.numberFrom,
        commandTopic,
        commandTemplateKey: keys.commandTemplate,
        commandValue: val => (typeof val === 'number' && Number.isFinite(val) ? val : undefined),
    });
}
function present(states) {
    return states.filter((s) => s !== undefined);
}
function climate(ctx) {
    const c = ctx.config;
    const fahrenheit = (0, haCommon_1.str)(c, 'temperature_unit') === 'F';
    const unit = fahrenheit ? '°F' : '°C';
    const modes = (0, haCommon_1.strList)(c, 'modes') ?? ['auto', 'off', 'cool', 'heat', 'dry', 'fan_only'];
    const target = {
        name: `${ctx.name} target temperature`,
        role: 'level.temperature',
        type: 'number',
        unit,
        min: (0, haCommon_1.num)(c, 'min_temp', fahrenheit ? 45 : 7),
        max: (0, haCommon_1.num)(c, 'max_temp', fahrenheit ? 95 : 35),
        step: (0, haCommon_1.num)(c, 'temp_step', 1),
    };
    const name = (what) => `${ctx.name} ${what}`;
    const states = present([
        optionState(ctx, 'mode', 'level.mode.thermostat', modes, keysOf('mode', 'mode_state_template')),
        numberState(ctx, 'target_temperature', target, keysOf('temperature', 'temperature_state_template')),
        numberState(ctx, 'current_temperature', { name: name('current temperature'), role: 'value.temperature', type: 'number', unit }, keysOf('current_temperature', 'current_temperature_template', 'current_temperature_topic')),
        numberState(ctx, 'current_humidity', { name: name('current humidity'), role: 'value.humidity', type: 'number', unit: '%' }, keysOf('current_humidity', 'current_humidity_template', 'current_humidity_topic')),
        numberState(ctx, 'target_humidity', {
            name: name('target humidity'),
            role: 'level.humidity',
            type: 'number',
            unit: '%',
            min: (0, haCommon_1.num)(c, 'min_humidity', 30),
            max: (0, haCommon_1.num)(c, 'max_humidity', 99),
        }, keysOf('target_humidity', 'target_humidity_state_template')),
        optionState(ctx, 'action', 'text', ['off', 'heating', 'cooling', 'drying', 'idle', 'fan', 'preheating', 'defrosting'], keysOf('action', 'action_template', 'action_topic')),
        optionState(ctx, 'fan_mode', 'level.mode.fan', (0, haCommon_1.strList)(c, 'fan_modes') ?? ['auto', 'low', 'medium', 'high'], keysOf('fan_mode', 'fan_mode_state_template')),
        optionState(ctx, 'swing_mode', 'state', (0, haCommon_1.strList)(c, 'swing_modes') ?? ['on', 'off'], keysOf('swing_mode', 'swing_mode_state_template')),
        optionState(ctx, 'preset_mode', 'state', (0, haCommon_1.strList)(c, 'preset_modes'), keysOf('preset_mode', 'preset_mode_value_template')),
    ]);
    return states.length > 0 ? states : 'no mode, temperature or action topic is given';
}
function fanPercentage(ctx) {
    const c = ctx.config;
    const low = (0, haCommon_1.num)(c, 'speed_range_min', 1);
    const high = (0, haCommon_1.num)(c, 'speed_range_max', 100);
    const count = high - low + 1;
    const stateTopic = (0, haCommon_1.str)(c, 'percentage_state_topic');
    const commandTopic = (0, haCommon_1.str)(c, 'percentage_command_topic');
    if (stateTopic === undefined && commandTopic === undefined) {
        return undefined;
    }
    return (0, haCommon_1.buildState)(ctx, {
        key: 'percentage',
        common: { name: `${ctx.name} speed`, role: 'level.speed', type: 'number', unit: '%', min: 0, max: 100 },
        stateTopic,
        valueTemplateKey: 'percentage_value_template',
        fromValue: v => {
            const n = (0, haCommon_1.toNumber)(v);
            return typeof n === 'number' ? Math.max(0, Math.floor(((n - (low - 1)) * 100) / count)) : undefined;
        },
        commandTopic,
        commandTemplateKey: 'percentage_command_template',
        commandValue: val => {
            const n = (0, haCommon_1.toNumber)(val);
            return typeof n === 'number'
                ? Math.ceil(low - 1 + (Math.min(100, Math.max(0, n)) * count) / 100)
                : undefined;
        },
    });
}
function fan(ctx) {
    const c = ctx.config;
    const commandTopic = (0, haCommon_1.str)(c, 'command_topic');
    if (commandTopic === undefined) {
        return 'command_topic is missing';
    }
    const on = (0, haCommon_1.payload)(c, 'payload_on', 'ON');
    const off = (0, haCommon_1.payload)(c, 'payload_off', 'OFF');
    const oscOn = (0, haCommon_1.payload)(c, 'payload_oscillation_on', 'oscillate_on');
    const oscOff = (0, haCommon_1.payload)(c, 'payload_oscillation_off', 'oscillate_off');
    const oscillation = keysOf('oscillation', 'oscillation_value_template');
    return present([
        (0, haCommon_1.buildState)(ctx, {
            key: 'state',
            common: { name: ctx.name, role: 'switch', type: 'boolean' },
            stateTopic: (0, haCommon_1.str)(c, 'state_topic'),
            valueTemplateKey: 'state_value_template',
            fromValue: (0, haCommon_1.booleanFrom)(on, off),
            commandTopic,
            commandTemplateKey: 'command_template',
            commandValue: val => ((0, haCommon_1.isOn)(val) ? on : off),
        }),
        fanPercentage(ctx),
        optionState(ctx, 'preset_mode', 'state', (0, haCommon_1.strList)(c, 'preset_modes'), keysOf('preset_mode', 'preset_mode_value_template')),
        (0, haCommon_1.str)(c, oscillation.stateTopic) || (0, haCommon_1.str)(c, oscillation.commandTopic)
            ? (0, haCommon_1.buildState)(ctx, {
                key: 'oscillating',
                common: { name: `${ctx.name} oscillating`, role: 'switch', type: 'boolean' },
                stateTopic: (0, haCommon_1.str)(c, oscillation.stateTopic),
                valueTemplateKey: oscillation.valueTemplate,
                fromValue: (0, haCommon_1.booleanFrom)(oscOn, oscOff),
                commandTopic: (0, haCommon_1.str)(c, oscillation.commandTopic),
                commandTemplateKey: oscillation.commandTemplate,
                commandValue: val => ((0, haCommon_1.isOn)(val) ? oscOn : oscOff),
            })
            : undefined,
    ]);
}
