/**
 * Home Assistant climate devices (`mode` as `level.mode.thermostat` with the modes as `states`,
 * `target_temperature` as `level.temperature`, `current_temperature` as `value.temperature`, plus action,
 * humidity, fan/swing/preset modes when given) and fans (`state` as `switch`, `percentage` as `level.speed` in %
 * whatever `speed_range_min`/`speed_range_max` say, preset mode, oscillation). Pure.
 */
import type { StatePlan } from '../model';
import {
    booleanFrom,
    buildState,
    type CommonSpec,
    type EntityContext,
    isOn,
    num,
    numberFrom,
    payload,
    statesOf,
    str,
    strList,
    toNumber,
} from '../haCommon';
import { toPythonString } from '../template';

/** Config keys of one feature: `<prefix>_state_topic`, its template, `<prefix>_command_topic`, its template. */
interface FeatureKeys {
    stateTopic: string;
    valueTemplate: string;
    commandTopic: string;
    commandTemplate: string;
}

function keysOf(prefix: string, valueTemplate: string, stateTopic = `${prefix}_state_topic`): FeatureKeys {
    return {
        stateTopic,
        valueTemplate,
        commandTopic: `${prefix}_command_topic`,
        commandTemplate: `${prefix}_command_template`,
    };
}

/** A state whose value is one of `options`; undefined when the config has neither of its topics. */
function optionState(
    ctx: EntityContext,
    key: string,
    role: string,
    options: string[] | undefined,
    keys: FeatureKeys,
): StatePlan | undefined {
    const c = ctx.config;
    const stateTopic = str(c, keys.stateTopic);
    const commandTopic = str(c, keys.commandTopic);
    if ((stateTopic === undefined && commandTopic === undefined) || options === undefined) {
        return undefined;
    }
    const known = (value: unknown): string | undefined => {
        const text = toPythonString(value);
        return options.includes(text) ? text : undefined;
    };
    return buildState(ctx, {
        key,
        common: { name: `${ctx.name} ${key.replace(/_/g, ' ')}`, role, type: 'string', states: statesOf(options) },
        stateTopic,
        valueTemplateKey: keys.valueTemplate,
        fromValue: known,
        commandTopic,
        commandTemplateKey: keys.commandTemplate,
        commandValue: known,
    });
}

/** A numeric state; undefined when the config has neither of its topics. */
function numberState(ctx: EntityContext, key: string, common: CommonSpec, keys: FeatureKeys): StatePlan | undefined {
    const c = ctx.config;
    const stateTopic = str(c, keys.stateTopic);
    const commandTopic = str(c, keys.commandTopic);
    if (stateTopic === undefined && commandTopic === undefined) {
        return undefined;
    }
    return buildState(ctx, {
        key,
        common,
        stateTopic,
        valueTemplateKey: keys.valueTemplate,
        fromValue: numberFrom,
        commandTopic,
        commandTemplateKey: keys.commandTemplate,
        commandValue: val => (typeof val === 'number' && Number.isFinite(val) ? val : undefined),
    });
}

function present(states: (StatePlan | undefined)[]): StatePlan[] {
    return states.filter((s): s is StatePlan => s !== undefined);
}

export function climate(ctx: EntityContext): StatePlan[] | string {
    const c = ctx.config;
    const fahrenheit = str(c, 'temperature_unit') === 'F';
    const unit = fahrenheit ? '°F' : '°C';
    const modes = strList(c, 'modes') ?? ['auto', 'off', 'cool', 'heat', 'dry', 'fan_only'];
    const target: CommonSpec = {
        name: `${ctx.name} target temperature`,
        role: 'level.temperature',
        type: 'number',
        unit,
        min: num(c, 'min_temp', fahrenheit ? 45 : 7),
        max: num(c, 'max_temp', fahrenheit ? 95 : 35),
        step: num(c, 'temp_step', 1),
    };
    const name = (what: string): string => `${ctx.name} ${what}`;
    const states = present([
        optionState(ctx, 'mode', 'level.mode.thermostat', modes, keysOf('mode', 'mode_state_template')),
        numberState(ctx, 'target_temperature', target, keysOf('temperature', 'temperature_state_template')),
        numberState(
            ctx,
            'current_temperature',
            { name: name('current temperature'), role: 'value.temperature', type: 'number', unit },
            keysOf('current_temperature', 'current_temperature_template', 'current_temperature_topic'),
        ),
        numberState(
            ctx,
            'current_humidity',
            { name: name('current humidity'), role: 'value.humidity', type: 'number', unit: '%' },
            keysOf('current_humidity', 'current_humidity_template', 'current_humidity_topic'),
        ),
        numberState(
            ctx,
            'target_humidity',
            {
                name: name('target humidity'),
                role: 'level.humidity',
                type: 'number',
                unit: '%',
                min: num(c, 'min_humidity', 30),
                max: num(c, 'max_humidity', 99),
            },
            keysOf('target_humidity', 'target_humidity_state_template'),
        ),
        optionState(
            ctx,
            'action',
            'text',
            ['off', 'heating', 'cooling', 'drying', 'idle', 'fan', 'preheating', 'defrosting'],
            keysOf('action', 'action_template', 'action_topic'),
        ),
        optionState(
            ctx,
            'fan_mode',
            'level.mode.fan',
            strList(c, 'fan_modes') ?? ['auto', 'low', 'medium', 'high'],
            keysOf('fan_mode', 'fan_mode_state_template'),
        ),
        optionState(
            ctx,
            'swing_mode',
            'state',
            strList(c, 'swing_modes') ?? ['on', 'off'],
            keysOf('swing_mode', 'swing_mode_state_template'),
        ),
        optionState(
            ctx,
            'preset_mode',
            'state',
            strList(c, 'preset_modes'),
            keysOf('preset_mode', 'preset_mode_value_template'),
        ),
    ]);
    return states.length > 0 ? states : 'no mode, temperature or action topic is given';
}

function fanPercentage(ctx: EntityContext): StatePlan | undefined {
    const c = ctx.config;
    const low = num(c, 'speed_range_min', 1);
    const high = num(c, 'speed_range_max', 100);
    const count = high - low + 1;
    const stateTopic = str(c, 'percentage_state_topic');
    const commandTopic = str(c, 'percentage_command_topic');
    if (stateTopic === undefined && commandTopic === undefined) {
        return undefined;
    }
    return buildState(ctx, {
        key: 'percentage',
        common: { name: `${ctx.name} speed`, role: 'level.speed', type: 'number', unit: '%', min: 0, max: 100 },
        stateTopic,
        valueTemplateKey: 'percentage_value_template',
        fromValue: v => {
            const n = toNumber(v);
            return typeof n === 'number' ? Math.max(0, Math.floor(((n - (low - 1)) * 100) / count)) : undefined;
        },
        commandTopic,
        commandTemplateKey: 'percentage_command_template',
        commandValue: val => {
            const n = toNumber(val);
            return typeof n === 'number'
                ? Math.ceil(low - 1 + (Math.min(100, Math.max(0, n)) * count) / 100)
                : undefined;
        },
    });
}

export function fan(ctx: EntityContext): StatePlan[] | string {
    const c = ctx.config;
    const commandTopic = str(c, 'command_topic');
    if (commandTopic === undefined) {
        return 'command_topic is missing';
    }
    const on = payload(c, 'payload_on', 'ON');
    const off = payload(c, 'payload_off', 'OFF');
    const oscOn = payload(c, 'payload_oscillation_on', 'oscillate_on');
    const oscOff = payload(c, 'payload_oscillation_off', 'oscillate_off');
    const oscillation = keysOf('oscillation', 'oscillation_value_template');
    return present([
        buildState(ctx, {
            key: 'state',
            common: { name: ctx.name, role: 'switch', type: 'boolean' },
            stateTopic: str(c, 'state_topic'),
            valueTemplateKey: 'state_value_template',
            fromValue: booleanFrom(on, off),
            commandTopic,
            commandTemplateKey: 'command_template',
            commandValue: val => (isOn(val) ? on : off),
        }),
        fanPercentage(ctx),
        optionState(
            ctx,
            'preset_mode',
            'state',
            strList(c, 'preset_modes'),
            keysOf('preset_mode', 'preset_mode_value_template'),
        ),
        str(c, oscillation.stateTopic) || str(c, oscillation.commandTopic)
            ? buildState(ctx, {
                  key: 'oscillating',
                  common: { name: `${ctx.name} oscillating`, role: 'switch', type: 'boolean' },
                  stateTopic: str(c, oscillation.stateTopic),
                  valueTemplateKey: oscillation.valueTemplate,
                  fromValue: booleanFrom(oscOn, oscOff),
                  commandTopic: str(c, oscillation.commandTopic),
                  commandTemplateKey: oscillation.commandTemplate,
                  commandValue: val => (isOn(val) ? oscOn : oscOff),
              })
            : undefined,
    ]);
}
