"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.light = light;
const haCommon_1 = require("../haCommon");
const template_1 = require("../template");
const color_1 = require("./color");
const COLOR_MODES_WITH_BRIGHTNESS = ['brightness', 'color_temp', 'hs', 'xy', 'rgb', 'rgbw', 'rgbww', 'white'];
function dimmerCommon(ctx) {
    return {
        name: `${ctx.name} brightness`,
        role: 'level.dimmer',
        type: 'number',
        unit: '%',
        min: 0,
        max: 100,
        step: 1,
    };
}
function colorTempCommon(ctx) {
    const kelvin = ctx.config.color_temp_kelvin === true;
    return {
        name: `${ctx.name} colour temperature`,
        role: 'level.color.temperature',
        type: 'number',
        unit: kelvin ? 'K' : 'mired',
        min: kelvin ? (0, haCommon_1.num)(ctx.config, 'min_kelvin', 2000) : (0, haCommon_1.num)(ctx.config, 'min_mireds', 153),
        max: kelvin ? (0, haCommon_1.num)(ctx.config, 'max_kelvin', 6535) : (0, haCommon_1.num)(ctx.config, 'max_mireds', 500),
    };
}
function rgbCommon(ctx) {
    return { name: `${ctx.name} colour`, role: 'level.color.rgb', type: 'string' };
}
/** Percent (0–100) → device brightness (1…scale); 0 % is off. */
function toDeviceBrightness(val, scaleMax) {
    const pct = (0, haCommon_1.toNumber)(val);
    if (pct === null || pct === undefined) {
        return undefined;
    }
    return pct <= 0 ? 0 : Math.max(1, Math.round((Math.min(pct, 100) / 100) * scaleMax));
}
function toPercent(value, scaleMax) {
    const n = (0, haCommon_1.toNumber)(value);
    return n === null || n === undefined ? undefined : Math.round((n / scaleMax) * 100);
}
function hexOf(val) {
    return typeof val === 'string' ? (0, color_1.hexToRgb)(val) : undefined;
}
/** The JSON `color` object for a colour in the device's colour mode. */
function colorObject(rgb, kind) {
    if (kind === 'xy') {
        return (0, color_1.rgbToXy)(rgb);
    }
    return kind === 'hs' ? (0, color_1.rgbToHs)(rgb) : { ...rgb };
}
/** The colour kind a JSON light speaks, from `supported_color_modes` or the legacy flags. */
function jsonColorKind(ctx, modes) {
    if (modes.some(m => m === 'rgb' || m === 'rgbw' || m === 'rgbww') || ctx.config.rgb === true) {
        return 'rgb';
    }
    if (modes.includes('xy') || ctx.config.xy === true) {
        return 'xy';
    }
    return modes.includes('hs') || ctx.config.hs === true ? 'hs' : undefined;
}
function parseObject(text) {
    try {
        const value = JSON.parse(text);
        return typeof value === 'object' && value !== null && !Array.isArray(value)
            ? value
            : undefined;
    }
    catch {
        return undefined;
    }
}
/** One state of a JSON light: read from the JSON state message, written as a JSON command. */
function jsonState(wiring, key, common, read, body) {
    const { ctx, commandTopic, stateTopic, optimistic } = wiring;
    const state = {
        key,
        common: { ...common, read: stateTopic !== undefined || optimistic, write: true },
        command: {
            build: val => {
                const message = body(val);
                return message === undefined ? undefined : { topic: commandTopic, payload: JSON.stringify(message) };
            },
            qos: ctx.qos,
            retain: ctx.retain,
            optimistic,
        },
    };
    if (stateTopic !== undefined) {
        state.source = {
            topic: stateTopic,
            read: text => {
                const message = parseObject(text);
                return message === undefined ? undefined : read(message);
            },
        };
    }
    return state;
}
function jsonLight(ctx) {
    const c = ctx.config;
    const commandTopic = (0, haCommon_1.str)(c, 'command_topic');
    if (commandTopic === undefined) {
        return 'command_topic is missing';
    }
    const stateTopic = (0, haCommon_1.str)(c, 'state_topic');
    const modes = (0, haCommon_1.strList)(c, 'supported_color_modes') ?? [];
    const scaleMax = (0, haCommon_1.num)(c, 'brightness_scale', 255);
    const optimistic = c.optimistic === true || stateTopic === undefined;
    const wiring = { ctx, commandTopic, stateTopic, optimistic };
    const plan = (key, common, read, body) => jsonState(wiring, key, common, read, body);
    const states = [
        plan('state', { name: ctx.name, role: 'switch.light', type: 'boolean' }, m => (m.state === 'ON' ? true : m.state === 'OFF' ? false : m.state === null ? null : undefined), val => ({ state: (0, haCommon_1.isOn)(val) ? 'ON' : 'OFF' })),
    ];
    if (c.brightness === true || modes.some(m => COLOR_MODES_WITH_BRIGHTNESS.includes(m))) {
        states.push(plan('brightness', dimmerCommon(ctx), m => toPercent(m.brightness, scaleMax), val => {
            const b = toDeviceBrightness(val, scaleMax);
            return b === undefined ? undefined : b === 0 ? { state: 'OFF' } : { state: 'ON', brightness: b };
        }));
    }
    if (modes.includes('color_temp') || c.color_temp === true) {
        states.push(plan('color_temp', colorTempCommon(ctx), m => (typeof m.color_temp === 'number' ? m.color_temp : undefined), val => {
            const n = (0, haCommon_1.toNumber)(val);
            return typeof n === 'number' ? { state: 'ON', color_temp: Math.round(n) } : undefined;
        }));
    }
    const kind = jsonColorKind(ctx, modes);
    if (kind !== undefined) {
        states.push(plan('rgb', rgbCommon(ctx), m => {
            const rgb = typeof m.color === 'object' && m.color !== null
                ? (0, color_1.colorObjectToRgb)(m.color)
                : undefined;
            return rgb && (0, color_1.rgbToHex)(rgb);
        }, val => {
            const rgb = hexOf(val);
            return rgb && { state: 'ON', color: colorObject(rgb, kind) };
        }));
    }
    return states;
}
function basicColor(ctx) {
    const c = ctx.config;
    const kind = ['rgb', 'xy', 'hs'].find(k => (0, haCommon_1.str)(c, `${k}_state_topic`) || (0, haCommon_1.str)(c, `${k}_command_topic`));
    if (kind === undefined) {
        return undefined;
    }
    const vars = (rgb) => {
        if (kind === 'rgb') {
            return { red: rgb.r, green: rgb.g, blue: rgb.b };
        }
        const o = colorObject(rgb, kind);
        return kind === 'xy' ? { x: o.x, y: o.y } : { hue: o.h, sat: o.s };
    };
    return (0, haCommon_1.buildState)(ctx, {
        key: 'rgb',
        common: rgbCommon(ctx),
        stateTopic: (0, haCommon_1.str)(c, `${kind}_state_topic`),
        valueTemplateKey: `${kind}_value_template`,
        fromValue: v => {
            const rgb = (0, color_1.listToRgb)((0, template_1.toPythonString)(v), kind);
            return rgb && (0, color_1.rgbToHex)(rgb);
        },
        commandTopic: (0, haCommon_1.str)(c, `${kind}_command_topic`),
        commandTemplateKey: `${kind}_command_template`,
        commandValue: val => {
            const rgb = hexOf(val);
            return rgb && Object.values(vars(rgb)).join(',');
        },
        commandVars: val => {
            const rgb = hexOf(val);
            return rgb ? vars(rgb) : {};
        },
    });
}
function basicLight(ctx) {
    const c = ctx.config;
    const commandTopic = (0, haCommon_1.str)(c, 'command_topic');
    if (commandTopic === undefined) {
        return 'command_topic is missing';
    }
    const on = (0, haCommon_1.payload)(c, 'payload_on', 'ON');
    const off = (0, haCommon_1.payload)(c, 'payload_off', 'OFF');
    const scaleMax = (0, haCommon_1.num)(c, 'brightness_scale', 255);
    const states = [
        (0, haCommon_1.buildState)(ctx, {
            key: 'state',
            common: { name: ctx.name, role: 'switch.light', type: 'boolean' },
            stateTopic: (0, haCommon_1.str)(c, 'state_topic'),
            valueTemplateKey: 'state_value_template',
            fromValue: (0, haCommon_1.booleanFrom)(on, off),
            commandTopic,
            commandValue: val => ((0, haCommon_1.isOn)(val) ? on : off),
        }),
    ];
    if ((0, haCommon_1.str)(c, 'brightness_state_topic') || (0, haCommon_1.str)(c, 'brightness_command_topic')) {
        states.push((0, haCommon_1.buildState)(ctx, {
            key: 'brightness',
            common: dimmerCommon(ctx),
            stateTopic: (0, haCommon_1.str)(c, 'brightness_state_topic'),
            valueTemplateKey: 'brightness_value_template',
            fromValue: v => toPercent(v, scaleMax),
            commandTopic: (0, haCommon_1.str)(c, 'brightness_command_topic'),
            commandTemplateKey: 'brightness_command_template',
            commandValue: val => toDeviceBrightness(val, scaleMax),
        }));
    }
    if ((0, haCommon_1.str)(c, 'color_temp_state_topic') || (0, haCommon_1.str)(c, 'color_temp_command_topic')) {
        states.push((0, haCommon_1.buildState)(ctx, {
            key: 'color_temp',
            common: colorTempCommon(ctx),
            stateTopic: (0, haCommon_1.str)(c, 'color_temp_state_topic'),
            valueTemplateKey: 'color_temp_value_template',
            fromValue: v => (0, haCommon_1.toNumber)(v) ?? undefined,
            commandTopic: (0, haCommon_1.str)(c, 'color_temp_command_topic'),
            commandTemplateKey: 'color_temp_command_template',
            commandValue: val => {
                const n = (0, haCommon_1.toNumber)(val);
                return typeof n === 'number' ? Math.round(n) : undefined;
            },
        }));
    }
    const color = basicColor(ctx);
    return color === undefined ? states : [...states, color];
}
/** `schema: template`: on/off and brightness through `command_on_template` / `command_off_template`. */
function templateLight(ctx) {
    const c = ctx.config;
    const commandTopic = (0, haCommon_1.str)(c, 'command_topic');
    const onTpl = (0, haCommon_1.templateOption)(ctx, 'command_on_template', 'the light cannot be switched');
    const offTpl = (0, haCommon_1.templateOption)(ctx, 'command_off_template', 'the light cannot be switched');
    if (commandTopic === undefined || !onTpl || !offTpl) {
        return 'command_topic, command_on_template or command_off_template is missing or unsupported';
    }
    const stateTopic = (0, haCommon_1.str)(c, 'state_topic');
    const send = (text) => text === undefined ? undefined : { topic: commandTopic, payload: text };
    const states = [
        (0, haCommon_1.buildState)(ctx, {
            key: 'state',
            common: { name: ctx.name, role: 'switch.light', type: 'boolean' },
            stateTopic,
            valueTemplateKey: 'state_template',
            fromValue: (0, haCommon_1.booleanFrom)('on', 'off'),
        }),
        (0, haCommon_1.buildState)(ctx, {
            key: 'brightness',
            common: dimmerCommon(ctx),
            stateTopic: (0, haCommon_1.str)(c, 'brightness_template') === undefined ? undefined : stateTopic,
            valueTemplateKey: 'brightness_template',
            fromValue: v => toPercent(v, 255),
        }),
    ];
    const optimistic = c.optimistic === true || stateTopic === undefined;
    const [state, brightness] = states;
    state.command = {
        build: val => send((0, haCommon_1.isOn)(val) ? onTpl.render({ state: 'on' }) : offTpl.render({ state: 'off' })),
        qos: ctx.qos,
        retain: ctx.retain,
        optimistic,
    };
    brightness.command = {
        build: val => {
            const b = toDeviceBrightness(val, 255);
            return b === undefined
                ? undefined
                : send(b === 0 ? offTpl.render({ state: 'off' }) : onTpl.render({ state: 'on', brightness: b }));
        },
        qos: ctx.qos,
        retain: ctx.retain,
        optimistic,
    };
    for (const s of states) {
        s.common.write = true;
        s.common.read = s.common.read || optimistic;
    }
    return states;
}
function light(ctx) {
    const schema = (0, haCommon_1.str)(ctx.config, 'schema') ?? 'default';
    if (schema === 'json') {
        return jsonLight(ctx);
    }
    return schema === 'template' ? templateLight(ctx) : basicLight(ctx);
}
