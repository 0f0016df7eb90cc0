/**
 * The simple Home Assistant components, one or two states each: sensor, binary_sensor, switch, number, select,
 * button, text, event, lock and device_tracker. Each builder returns the entity's states, or a text saying why
 * the config cannot be used. Pure.
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
} from '../haCommon';
import { binarySensorRole, isNumericSensor, sensorRole } from '../roles';
import { toPythonString } from '../template';

export type ComponentBuilder = (ctx: EntityContext) => StatePlan[] | string;

function text(value: unknown): string {
    return toPythonString(value);
}

function sensor(ctx: EntityContext): StatePlan[] | string {
    const c = ctx.config;
    const stateTopic = str(c, 'state_topic');
    if (stateTopic === undefined) {
        return 'state_topic is missing';
    }
    const deviceClass = str(c, 'device_class');
    const unit = str(c, 'unit_of_measurement');
    const numeric = isNumericSensor(deviceClass, unit, c.state_class);
    const options = deviceClass === 'enum' ? strList(c, 'options') : undefined;
    const common: CommonSpec = {
        name: ctx.name,
        role: sensorRole(deviceClass, numeric),
        type: numeric ? 'number' : 'string',
    };
    if (unit !== undefined) {
        common.unit = unit;
    }
    if (options !== undefined) {
        common.states = statesOf(options);
    }
    const fromValue = numeric ? numberFrom : text;
    return [buildState(ctx, { key: 'state', common, stateTopic, valueTemplateKey: 'value_template', fromValue })];
}

function binarySensor(ctx: EntityContext): StatePlan[] | string {
    const c = ctx.config;
    const stateTopic = str(c, 'state_topic');
    if (stateTopic === undefined) {
        return 'state_topic is missing';
    }
    const fromValue = booleanFrom(payload(c, 'payload_on', 'ON'), payload(c, 'payload_off', 'OFF'));
    const role = binarySensorRole(str(c, 'device_class'));
    return [
        buildState(ctx, {
            key: 'state',
            common: { name: ctx.name, role, type: 'boolean' },
            stateTopic,
            valueTemplateKey: 'value_template',
            fromValue,
        }),
    ];
}

function switchComponent(ctx: EntityContext): StatePlan[] | string {
    const c = ctx.config;
    const stateTopic = str(c, 'state_topic');
    const commandTopic = str(c, 'command_topic');
    if (stateTopic === undefined && commandTopic === undefined) {
        return 'neither state_topic nor command_topic is given';
    }
    const on = payload(c, 'payload_on', 'ON');
    const off = payload(c, 'payload_off', 'OFF');
    return [
        buildState(ctx, {
            key: 'state',
            common: { name: ctx.name, role: 'switch', type: 'boolean' },
            stateTopic,
            valueTemplateKey: 'value_template',
            fromValue: booleanFrom(payload(c, 'state_on', on), payload(c, 'state_off', off)),
            commandTopic,
            commandTemplateKey: 'command_template',
            commandValue: val => (isOn(val) ? on : off),
            optimistic: c.optimistic === true || stateTopic === undefined,
        }),
    ];
}

function number(ctx: EntityContext): StatePlan[] | string {
    const c = ctx.config;
    const commandTopic = str(c, 'command_topic');
    if (commandTopic === undefined) {
        return 'command_topic is missing';
    }
    const common: CommonSpec = {
        name: ctx.name,
        role: str(c, 'device_class') === 'temperature' ? 'level.temperature' : 'level',
        type: 'number',
        min: num(c, 'min', 1),
        max: num(c, 'max', 100),
        step: num(c, 'step', 1),
    };
    const unit = str(c, 'unit_of_measurement');
    if (unit !== undefined) {
        common.unit = unit;
    }
    return [
        buildState(ctx, {
            key: 'state',
            common,
            stateTopic: str(c, 'state_topic'),
            valueTemplateKey: 'value_template',
            fromValue: numberFrom,
            commandTopic,
            commandTemplateKey: 'command_template',
            commandValue: val => (typeof val === 'number' && Number.isFinite(val) ? val : undefined),
            optimistic: c.optimistic === true || str(c, 'state_topic') === undefined,
        }),
    ];
}

function select(ctx: EntityContext): StatePlan[] | string {
    const c = ctx.config;
    const commandTopic = str(c, 'command_topic');
    const options = strList(c, 'options');
    if (commandTopic === undefined || options === undefined) {
        return 'command_topic or options is missing';
    }
    const known = (value: unknown): string | undefined => (options.includes(text(value)) ? text(value) : undefined);
    return [
        buildState(ctx, {
            key: 'state',
            common: { name: ctx.name, role: 'state', type: 'string', states: statesOf(options) },
            stateTopic: str(c, 'state_topic'),
            valueTemplateKey: 'value_template',
            fromValue: known,
            commandTopic,
            commandTemplateKey: 'command_template',
            commandValue: known,
        }),
    ];
}

function button(ctx: EntityContext): StatePlan[] | string {
    const c = ctx.config;
    const commandTopic = str(c, 'command_topic');
    if (commandTopic === undefined) {
        return 'command_topic is missing';
    }
    const press = payload(c, 'payload_press', 'PRESS');
    return [
        buildState(ctx, {
            key: 'press',
            common: { name: ctx.name, role: 'button', type: 'boolean' },
            commandTopic,
            commandTemplateKey: 'command_template',
            commandValue: () => press,
            optimistic: true,
        }),
    ];
}

function textComponent(ctx: EntityContext): StatePlan[] | string {
    const c = ctx.config;
    const commandTopic = str(c, 'command_topic');
    if (commandTopic === undefined) {
        return 'command_topic is missing';
    }
    const min = num(c, 'min', 0);
    const max = num(c, 'max', 255);
    return [
        buildState(ctx, {
            key: 'state',
            common: { name: ctx.name, role: 'text', type: 'string' },
            stateTopic: str(c, 'state_topic'),
            valueTemplateKey: 'value_template',
            fromValue: text,
            commandTopic,
            commandTemplateKey: 'command_template',
            commandValue: val => {
                const value = val === null ? '' : text(val);
                return value.length >= min && value.length <= max ? value : undefined;
            },
        }),
    ];
}

/** The `event_type` of an event message: a JSON object (text or already parsed) with a listed `event_type`. */
function eventType(types: string[] | undefined): (value: unknown) => string | undefined {
    return (value: unknown) => {
        let object: unknown = value;
        if (typeof value === 'string') {
            try {
                object = JSON.parse(value);
            } catch {
                return undefined;
            }
        }
        const type =
            typeof object === 'object' && object !== null ? (object as Record<string, unknown>).event_type : undefined;
        return typeof type === 'string' && (types === undefined || types.includes(type)) ? type : undefined;
    };
}

function event(ctx: EntityContext): StatePlan[] | string {
    const c = ctx.config;
    const stateTopic = str(c, 'state_topic');
    const types = strList(c, 'event_types');
    if (stateTopic === undefined || types === undefined) {
        return 'state_topic or event_types is missing';
    }
    return [
        buildState(ctx, {
            key: 'event_type',
            common: { name: ctx.name, role: 'text', type: 'string', states: statesOf(types) },
            stateTopic,
            valueTemplateKey: 'value_template',
            fromValue: eventType(types),
        }),
    ];
}

function lock(ctx: EntityContext): StatePlan[] | string {
    const c = ctx.config;
    const commandTopic = str(c, 'command_topic');
    if (commandTopic === undefined) {
        return 'command_topic is missing';
    }
    const stateTopic = str(c, 'state_topic');
    const unlockPayload = payload(c, 'payload_unlock', 'UNLOCK');
    const lockPayload = payload(c, 'payload_lock', 'LOCK');
    const states = [
        buildState(ctx, {
            key: 'state',
            common: { name: `${ctx.name} (true = unlocked)`, role: 'switch.lock', type: 'boolean' },
            stateTopic,
            valueTemplateKey: 'value_template',
            fromValue: booleanFrom(payload(c, 'state_unlocked', 'UNLOCKED'), payload(c, 'state_locked', 'LOCKED')),
            commandTopic,
            commandTemplateKey: 'command_template',
            commandValue: val => (isOn(val) ? unlockPayload : lockPayload),
            optimistic: c.optimistic === true || stateTopic === undefined,
        }),
    ];
    const open = payload(c, 'payload_open');
    if (open !== undefined) {
        states.push(
            buildState(ctx, {
                key: 'open',
                common: { name: `${ctx.name} open`, role: 'button', type: 'boolean' },
                commandTopic,
                commandTemplateKey: 'command_template',
                commandValue: () => open,
                optimistic: true,
            }),
        );
    }
    return states;
}

function deviceTracker(ctx: EntityContext): StatePlan[] | string {
    const c = ctx.config;
    const stateTopic = str(c, 'state_topic');
    if (stateTopic === undefined) {
        return 'state_topic is missing (trackers reporting only GPS attributes are not supported)';
    }
    const home = payload(c, 'payload_home', 'home');
    const notHome = payload(c, 'payload_not_home', 'not_home');
    const reset = payload(c, 'payload_reset', 'None');
    const location = (value: unknown): string | null => {
        const t = text(value);
        return t === reset ? null : t === home ? 'home' : t === notHome ? 'not_home' : t;
    };
    return [
        buildState(ctx, {
            key: 'state',
            common: { name: `${ctx.name} location`, role: 'text', type: 'string' },
            stateTopic,
            valueTemplateKey: 'value_template',
            fromValue: location,
        }),
        buildState(ctx, {
            key: 'home',
            common: { name: `${ctx.name} at home`, role: 'indicator', type: 'boolean' },
            stateTopic,
            valueTemplateKey: 'value_template',
            fromValue: value => {
                const where = location(value);
                return where === null ? null : where === 'home';
            },
        }),
    ];
}

export const BASIC_COMPONENTS: Readonly<Record<string, ComponentBuilder>> = {
    sensor,
    binary_sensor: binarySensor,
    switch: switchComponent,
    number,
    select,
    button,
    text: textComponent,
    event,
    lock,
    device_tracker: deviceTracker,
};
