"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.BASIC_COMPONENTS = void 0;
const haCommon_1 = require("../haCommon");
const roles_1 = require("../roles");
const template_1 = require("../template");
function text(value) {
    return (0, template_1.toPythonString)(value);
}
function sensor(ctx) {
    const c = ctx.config;
    const stateTopic = (0, haCommon_1.str)(c, 'state_topic');
    if (stateTopic === undefined) {
        return 'state_topic is missing';
    }
    const deviceClass = (0, haCommon_1.str)(c, 'device_class');
    const unit = (0, haCommon_1.str)(c, 'unit_of_measurement');
    const numeric = (0, roles_1.isNumericSensor)(deviceClass, unit, c.state_class);
    const options = deviceClass === 'enum' ? (0, haCommon_1.strList)(c, 'options') : undefined;
    const common = {
        name: ctx.name,
        role: (0, roles_1.sensorRole)(deviceClass, numeric),
        type: numeric ? 'number' : 'string',
    };
    if (unit !== undefined) {
        common.unit = unit;
    }
    if (options !== undefined) {
        common.states = (0, haCommon_1.statesOf)(options);
    }
    const fromValue = numeric ? haCommon_1.numberFrom : text;
    return [(0, haCommon_1.buildState)(ctx, { key: 'state', common, stateTopic, valueTemplateKey: 'value_template', fromValue })];
}
function binarySensor(ctx) {
    const c = ctx.config;
    const stateTopic = (0, haCommon_1.str)(c, 'state_topic');
    if (stateTopic === undefined) {
        return 'state_topic is missing';
    }
    const fromValue = (0, haCommon_1.booleanFrom)((0, haCommon_1.payload)(c, 'payload_on', 'ON'), (0, haCommon_1.payload)(c, 'payload_off', 'OFF'));
    const role = (0, roles_1.binarySensorRole)((0, haCommon_1.str)(c, 'device_class'));
    return [
        (0, haCommon_1.buildState)(ctx, {
            key: 'state',
            common: { name: ctx.name, role, type: 'boolean' },
            stateTopic,
            valueTemplateKey: 'value_template',
            fromValue,
        }),
    ];
}
function switchComponent(ctx) {
    const c = ctx.config;
    const stateTopic = (0, haCommon_1.str)(c, 'state_topic');
    const commandTopic = (0, haCommon_1.str)(c, 'command_topic');
    if (stateTopic === undefined && commandTopic === undefined) {
        return 'neither state_topic nor command_topic is given';
    }
    const on = (0, haCommon_1.payload)(c, 'payload_on', 'ON');
    const off = (0, haCommon_1.payload)(c, 'payload_off', 'OFF');
    return [
        (0, haCommon_1.buildState)(ctx, {
            key: 'state',
            common: { name: ctx.name, role: 'switch', type: 'boolean' },
            stateTopic,
            valueTemplateKey: 'value_template',
            fromValue: (0, haCommon_1.booleanFrom)((0, haCommon_1.payload)(c, 'state_on', on), (0, haCommon_1.payload)(c, 'state_off', off)),
            commandTopic,
            commandTemplateKey: 'command_template',
            commandValue: val => ((0, haCommon_1.isOn)(val) ? on : off),
            optimistic: c.optimistic === true || stateTopic === undefined,
        }),
    ];
}
function number(ctx) {
    const c = ctx.config;
    const commandTopic = (0, haCommon_1.str)(c, 'command_topic');
    if (commandTopic === undefined) {
        return 'command_topic is missing';
    }
    const common = {
        name: ctx.name,
        role: (0, haCommon_1.str)(c, 'device_class') === 'temperature' ? 'level.temperature' : 'level',
        type: 'number',
        min: (0, haCommon_1.num)(c, 'min', 1),
        max: (0, haCommon_1.num)(c, 'max', 100),
        step: (0, haCommon_1.num)(c, 'step', 1),
    };
    const unit = (0, haCommon_1.str)(c, 'unit_of_measurement');
    if (unit !== undefined) {
        common.unit = unit;
    }
    return [
        (0, haCommon_1.buildState)(ctx, {
            key: 'state',
            common,
            stateTopic: (0, haCommon_1.str)(c, 'state_topic'),
            valueTemplateKey: 'value_template',
            fromValue: haCommon_1.numberFrom,
            commandTopic,
            commandTemplateKey: 'command_template',
            commandValue: val => (typeof val === 'number' && Number.isFinite(val) ? val : undefined),
            optimistic: c.optimistic === true || (0, haCommon_1.str)(c, 'state_topic') === undefined,
        }),
    ];
}
function select(ctx) {
    const c = ctx.config;
    const commandTopic = (0, haCommon_1.str)(c, 'command_topic');
    const options = (0, haCommon_1.strList)(c, 'options');
    if (commandTopic === undefined || options === undefined) {
        return 'command_topic or options is missing';
    }
    const known = (value) => (options.includes(text(value)) ? text(value) : undefined);
    return [
        (0, haCommon_1.buildState)(ctx, {
            key: 'state',
            common: { name: ctx.name, role: 'state', type: 'string', states: (0, haCommon_1.statesOf)(options) },
            stateTopic: (0, haCommon_1.str)(c, 'state_topic'),
            valueTemplateKey: 'value_template',
            fromValue: known,
            commandTopic,
            commandTemplateKey: 'command_template',
            commandValue: known,
        }),
    ];
}
function button(ctx) {
    const c = ctx.config;
    const commandTopic = (0, haCommon_1.str)(c, 'command_topic');
    if (commandTopic === undefined) {
        return 'command_topic is missing';
    }
    const press = (0, haCommon_1.payload)(c, 'payload_press', 'PRESS');
    return [
        (0, haCommon_1.buildState)(ctx, {
            key: 'press',
            common: { name: ctx.name, role: 'button', type: 'boolean' },
            commandTopic,
            commandTemplateKey: 'command_template',
            commandValue: () => press,
            optimistic: true,
        }),
    ];
}
function textComponent(ctx) {
    const c = ctx.config;
    const commandTopic = (0, haCommon_1.str)(c, 'command_topic');
    if (commandTopic === undefined) {
        return 'command_topic is missing';
    }
    const min = (0, haCommon_1.num)(c, 'min', 0);
    const max = (0, haCommon_1.num)(c, 'max', 255);
    return [
        (0, haCommon_1.buildState)(ctx, {
            key: 'state',
            common: { name: ctx.name, role: 'text', type: 'string' },
            stateTopic: (0, haCommon_1.str)(c, 'state_topic'),
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
function eventType(types) {
    return (value) => {
        let object = value;
        if (typeof value === 'string') {
            try {
                object = JSON.parse(value);
            }
            catch {
                return undefined;
            }
        }
        const type = typeof object === 'object' && object !== null ? object.event_type : undefined;
        return typeof type === 'string' && (types === undefined || types.includes(type)) ? type : undefined;
    };
}
function event(ctx) {
    const c = ctx.config;
    const stateTopic = (0, haCommon_1.str)(c, 'state_topic');
    const types = (0, haCommon_1.strList)(c, 'event_types');
    if (stateTopic === undefined || types === undefined) {
        return 'state_topic or event_types is missing';
    }
    return [
        (0, haCommon_1.buildState)(ctx, {
            key: 'event_type',
            common: { name: ctx.name, role: 'text', type: 'string', states: (0, haCommon_1.statesOf)(types) },
            stateTopic,
            valueTemplateKey: 'value_template',
            fromValue: eventType(types),
        }),
    ];
}
function lock(ctx) {
    const c = ctx.config;
    const commandTopic = (0, haCommon_1.str)(c, 'command_topic');
    if (commandTopic === undefined) {
        return 'command_topic is missing';
    }
    const stateTopic = (0, haCommon_1.str)(c, 'state_topic');
    const unlockPayload = (0, haCommon_1.payload)(c, 'payload_unlock', 'UNLOCK');
    const lockPayload = (0, haCommon_1.payload)(c, 'payload_lock', 'LOCK');
    const states = [
        (0, haCommon_1.buildState)(ctx, {
            key: 'state',
            common: { name: `${ctx.name} (true = unlocked)`, role: 'switch.lock', type: 'boolean' },
            stateTopic,
            valueTemplateKey: 'value_template',
            fromValue: (0, haCommon_1.booleanFrom)((0, haCommon_1.payload)(c, 'state_unlocked', 'UNLOCKED'), (0, haCommon_1.payload)(c, 'state_locked', 'LOCKED')),
            commandTopic,
            commandTemplateKey: 'command_template',
            commandValue: val => ((0, haCommon_1.isOn)(val) ? unlockPayload : lockPayload),
            optimistic: c.optimistic === true || stateTopic === undefined,
        }),
    ];
    const open = (0, haCommon_1.payload)(c, 'payload_open');
    if (open !== undefined) {
        states.push((0, haCommon_1.buildState)(ctx, {
            key: 'open',
            common: { name: `${ctx.name} open`, role: 'button', type: 'boolean' },
            commandTopic,
            commandTemplateKey: 'command_template',
            commandValue: () => open,
            optimistic: true,
        }));
    }
    return states;
}
function deviceTracker(ctx) {
    const c = ctx.config;
    const stateTopic = (0, haCommon_1.str)(c, 'state_topic');
    if (stateTopic === undefined) {
        return 'state_topic is missing (trackers reporting only GPS attributes are not supported)';
    }
    const home = (0, haCommon_1.payload)(c, 'payload_home', 'home');
    const notHome = (0, haCommon_1.payload)(c, 'payload_not_home', 'not_home');
    const reset = (0, haCommon_1.payload)(c, 'payload_reset', 'None');
    const location = (value) => {
        const t = text(value);
        return t === reset ? null : t === home ? 'home' : t === notHome ? 'not_home' : t;
    };
    return [
        (0, haCommon_1.buildState)(ctx, {
            key: 'state',
            common: { name: `${ctx.name} location`, role: 'text', type: 'string' },
            stateTopic,
            valueTemplateKey: 'value_template',
            fromValue: location,
        }),
        (0, haCommon_1.buildState)(ctx, {
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
exports.BASIC_COMPONENTS = {
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
