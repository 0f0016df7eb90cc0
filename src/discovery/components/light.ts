/**
 * Home Assistant lights in all three schemas: `json` (one JSON message `{"state":"ON","brightness":…,"color":…}`
 * each way), the default schema (separate topics per feature) and `template`. ioBroker states: `state`
 * (`switch.light`), `brightness` (`level.dimmer`, 0–100 % whatever the device's `brightness_scale`), `color_temp`
 * (`level.color.temperature`, mired or K as the unit says) and `rgb` (`level.color.rgb`, `#rrggbb`, converted from
 * and to xy or hs when the device speaks those). Pure.
 */
import type { StatePlan } from '../model';
import {
    booleanFrom,
    buildState,
    type CommonSpec,
    type EntityContext,
    isOn,
    num,
    payload,
    str,
    strList,
    templateOption,
    toNumber,
} from '../haCommon';
import { toPythonString } from '../template';
import { colorObjectToRgb, hexToRgb, listToRgb, type Rgb, rgbToHex, rgbToHs, rgbToXy } from './color';

type ColorKind = 'rgb' | 'xy' | 'hs';

const COLOR_MODES_WITH_BRIGHTNESS = ['brightness', 'color_temp', 'hs', 'xy', 'rgb', 'rgbw', 'rgbww', 'white'];

function dimmerCommon(ctx: EntityContext): CommonSpec {
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

function colorTempCommon(ctx: EntityContext): CommonSpec {
    const kelvin = ctx.config.color_temp_kelvin === true;
    return {
        name: `${ctx.name} colour temperature`,
        role: 'level.color.temperature',
        type: 'number',
        unit: kelvin ? 'K' : 'mired',
        min: kelvin ? num(ctx.config, 'min_kelvin', 2000) : num(ctx.config, 'min_mireds', 153),
        max: kelvin ? num(ctx.config, 'max_kelvin', 6535) : num(ctx.config, 'max_mireds', 500),
    };
}

function rgbCommon(ctx: EntityContext): CommonSpec {
    return { name: `${ctx.name} colour`, role: 'level.color.rgb', type: 'string' };
}

/** Percent (0–100) → device brightness (1…scale); 0 % is off. */
function toDeviceBrightness(val: ioBroker.StateValue, scaleMax: number): number | undefined {
    const pct = toNumber(val);
    if (pct === null || pct === undefined) {
        return undefined;
    }
    return pct <= 0 ? 0 : Math.max(1, Math.round((Math.min(pct, 100) / 100) * scaleMax));
}

function toPercent(value: unknown, scaleMax: number): number | undefined {
    const n = toNumber(value);
    return n === null || n === undefined ? undefined : Math.round((n / scaleMax) * 100);
}

function hexOf(val: ioBroker.StateValue): Rgb | undefined {
    return typeof val === 'string' ? hexToRgb(val) : undefined;
}

/** The JSON `color` object for a colour in the device's colour mode. */
function colorObject(rgb: Rgb, kind: ColorKind): Record<string, number> {
    if (kind === 'xy') {
        return rgbToXy(rgb);
    }
    return kind === 'hs' ? rgbToHs(rgb) : { ...rgb };
}

/** The colour kind a JSON light speaks, from `supported_color_modes` or the legacy flags. */
function jsonColorKind(ctx: EntityContext, modes: string[]): ColorKind | undefined {
    if (modes.some(m => m === 'rgb' || m === 'rgbw' || m === 'rgbww') || ctx.config.rgb === true) {
        return 'rgb';
    }
    if (modes.includes('xy') || ctx.config.xy === true) {
        return 'xy';
    }
    return modes.includes('hs') || ctx.config.hs === true ? 'hs' : undefined;
}

function parseObject(text: string): Record<string, unknown> | undefined {
    try {
        const value: unknown = JSON.parse(text);
        return typeof value === 'object' && value !== null && !Array.isArray(value)
            ? (value as Record<string, unknown>)
            : undefined;
    } catch {
        return undefined;
    }
}

interface JsonWiring {
    ctx: EntityContext;
    commandTopic: string;
    stateTopic: string | undefined;
    optimistic: boolean;
}

/** One state of a JSON light: read from the JSON state message, written as a JSON command. */
function jsonState(
    wiring: JsonWiring,
    key: string,
    common: CommonSpec,
    read: (message: Record<string, unknown>) => ioBroker.StateValue | undefined,
    body: (val: ioBroker.StateValue) => Record<string, unknown> | undefined,
): StatePlan {
    const { ctx, commandTopic, stateTopic, optimistic } = wiring;
    const state: StatePlan = {
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

function jsonLight(ctx: EntityContext): StatePlan[] | string {
    const c = ctx.config;
    const commandTopic = str(c, 'command_topic');
    if (commandTopic === undefined) {
        return 'command_topic is missing';
    }
    const stateTopic = str(c, 'state_topic');
    const modes = strList(c, 'supported_color_modes') ?? [];
    const scaleMax = num(c, 'brightness_scale', 255);
    const optimistic = c.optimistic === true || stateTopic === undefined;
    const wiring: JsonWiring = { ctx, commandTopic, stateTopic, optimistic };
    const plan = (
        key: string,
        common: CommonSpec,
        read: (m: Record<string, unknown>) => ioBroker.StateValue | undefined,
        body: (val: ioBroker.StateValue) => Record<string, unknown> | undefined,
    ): StatePlan => jsonState(wiring, key, common, read, body);
    const states = [
        plan(
            'state',
            { name: ctx.name, role: 'switch.light', type: 'boolean' },
            m => (m.state === 'ON' ? true : m.state === 'OFF' ? false : m.state === null ? null : undefined),
            val => ({ state: isOn(val) ? 'ON' : 'OFF' }),
        ),
    ];
    if (c.brightness === true || modes.some(m => COLOR_MODES_WITH_BRIGHTNESS.includes(m))) {
        states.push(
            plan(
                'brightness',
                dimmerCommon(ctx),
                m => toPercent(m.brightness, scaleMax),
                val => {
                    const b = toDeviceBrightness(val, scaleMax);
                    return b === undefined ? undefined : b === 0 ? { state: 'OFF' } : { state: 'ON', brightness: b };
                },
            ),
        );
    }
    if (modes.includes('color_temp') || c.color_temp === true) {
        states.push(
            plan(
                'color_temp',
                colorTempCommon(ctx),
                m => (typeof m.color_temp === 'number' ? m.color_temp : undefined),
                val => {
                    const n = toNumber(val);
                    return typeof n === 'number' ? { state: 'ON', color_temp: Math.round(n) } : undefined;
                },
            ),
        );
    }
    const kind = jsonColorKind(ctx, modes);
    if (kind !== undefined) {
        states.push(
            plan(
                'rgb',
                rgbCommon(ctx),
                m => {
                    const rgb =
                        typeof m.color === 'object' && m.color !== null
                            ? colorObjectToRgb(m.color as Record<string, unknown>)
                            : undefined;
                    return rgb && rgbToHex(rgb);
                },
                val => {
                    const rgb = hexOf(val);
                    return rgb && { state: 'ON', color: colorObject(rgb, kind) };
                },
            ),
        );
    }
    return states;
}

function basicColor(ctx: EntityContext): StatePlan | undefined {
    const c = ctx.config;
    const kind = (['rgb', 'xy', 'hs'] as const).find(k => str(c, `${k}_state_topic`) || str(c, `${k}_command_topic`));
    if (kind === undefined) {
        return undefined;
    }
    const vars = (rgb: Rgb): Record<string, unknown> => {
        if (kind === 'rgb') {
            return { red: rgb.r, green: rgb.g, blue: rgb.b };
        }
        const o = colorObject(rgb, kind);
        return kind === 'xy' ? { x: o.x, y: o.y } : { hue: o.h, sat: o.s };
    };
    return buildState(ctx, {
        key: 'rgb',
        common: rgbCommon(ctx),
        stateTopic: str(c, `${kind}_state_topic`),
        valueTemplateKey: `${kind}_value_template`,
        fromValue: v => {
            const rgb = listToRgb(toPythonString(v), kind);
            return rgb && rgbToHex(rgb);
        },
        commandTopic: str(c, `${kind}_command_topic`),
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

function basicLight(ctx: EntityContext): StatePlan[] | string {
    const c = ctx.config;
    const commandTopic = str(c, 'command_topic');
    if (commandTopic === undefined) {
        return 'command_topic is missing';
    }
    const on = payload(c, 'payload_on', 'ON');
    const off = payload(c, 'payload_off', 'OFF');
    const scaleMax = num(c, 'brightness_scale', 255);
    const states = [
        buildState(ctx, {
            key: 'state',
            common: { name: ctx.name, role: 'switch.light', type: 'boolean' },
            stateTopic: str(c, 'state_topic'),
            valueTemplateKey: 'state_value_template',
            fromValue: booleanFrom(on, off),
            commandTopic,
            commandValue: val => (isOn(val) ? on : off),
        }),
    ];
    if (str(c, 'brightness_state_topic') || str(c, 'brightness_command_topic')) {
        states.push(
            buildState(ctx, {
                key: 'brightness',
                common: dimmerCommon(ctx),
                stateTopic: str(c, 'brightness_state_topic'),
                valueTemplateKey: 'brightness_value_template',
                fromValue: v => toPercent(v, scaleMax),
                commandTopic: str(c, 'brightness_command_topic'),
                commandTemplateKey: 'brightness_command_template',
                commandValue: val => toDeviceBrightness(val, scaleMax),
            }),
        );
    }
    if (str(c, 'color_temp_state_topic') || str(c, 'color_temp_command_topic')) {
        states.push(
            buildState(ctx, {
                key: 'color_temp',
                common: colorTempCommon(ctx),
                stateTopic: str(c, 'color_temp_state_topic'),
                valueTemplateKey: 'color_temp_value_template',
                fromValue: v => toNumber(v) ?? undefined,
                commandTopic: str(c, 'color_temp_command_topic'),
                commandTemplateKey: 'color_temp_command_template',
                commandValue: val => {
                    const n = toNumber(val);
                    return typeof n === 'number' ? Math.round(n) : undefined;
                },
            }),
        );
    }
    const color = basicColor(ctx);
    return color === undefined ? states : [...states, color];
}

/** `schema: template`: on/off and brightness through `command_on_template` / `command_off_template`. */
function templateLight(ctx: EntityContext): StatePlan[] | string {
    const c = ctx.config;
    const commandTopic = str(c, 'command_topic');
    const onTpl = templateOption(ctx, 'command_on_template', 'the light cannot be switched');
    const offTpl = templateOption(ctx, 'command_off_template', 'the light cannot be switched');
    if (commandTopic === undefined || !onTpl || !offTpl) {
        return 'command_topic, command_on_template or command_off_template is missing or unsupported';
    }
    const stateTopic = str(c, 'state_topic');
    const send = (text: string | undefined): { topic: string; payload: string } | undefined =>
        text === undefined ? undefined : { topic: commandTopic, payload: text };
    const states: StatePlan[] = [
        buildState(ctx, {
            key: 'state',
            common: { name: ctx.name, role: 'switch.light', type: 'boolean' },
            stateTopic,
            valueTemplateKey: 'state_template',
            fromValue: booleanFrom('on', 'off'),
        }),
        buildState(ctx, {
            key: 'brightness',
            common: dimmerCommon(ctx),
            stateTopic: str(c, 'brightness_template') === undefined ? undefined : stateTopic,
            valueTemplateKey: 'brightness_template',
            fromValue: v => toPercent(v, 255),
        }),
    ];
    const optimistic = c.optimistic === true || stateTopic === undefined;
    const [state, brightness] = states as [StatePlan, StatePlan];
    state.command = {
        build: val => send(isOn(val) ? onTpl.render({ state: 'on' }) : offTpl.render({ state: 'off' })),
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

export function light(ctx: EntityContext): StatePlan[] | string {
    const schema = str(ctx.config, 'schema') ?? 'default';
    if (schema === 'json') {
        return jsonLight(ctx);
    }
    return schema === 'template' ? templateLight(ctx) : basicLight(ctx);
}
