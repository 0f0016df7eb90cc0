"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.str = str;
exports.num = num;
exports.payload = payload;
exports.strList = strList;
exports.sanitizeKey = sanitizeKey;
exports.statesOf = statesOf;
exports.toNumber = toNumber;
exports.templateOption = templateOption;
exports.buildState = buildState;
exports.booleanFrom = booleanFrom;
exports.isOn = isOn;
exports.numberFrom = numberFrom;
exports.scale = scale;
const template_1 = require("./template");
/** A non-empty string option. */
function str(config, key) {
    const value = config[key];
    return typeof value === 'string' && value !== '' ? value : undefined;
}
function num(config, key, fallback) {
    const value = config[key];
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}
function payload(config, key, fallback) {
    const value = config[key];
    if (value === undefined) {
        return fallback;
    }
    return value === null ? undefined : (0, template_1.toPythonString)(value);
}
/** A list of strings option. */
function strList(config, key) {
    const value = config[key];
    return Array.isArray(value) ? value.map(v => (0, template_1.toPythonString)(v)) : undefined;
}
/** An id segment: lower-case, `[a-z0-9_]`, no leading or trailing `_`. */
function sanitizeKey(text) {
    return text
        .toLowerCase()
        .replace(/[^a-z0-9_]+/g, '_')
        .replace(/_+/g, '_')
        .replace(/^_|_$/g, '');
}
/** `common.states` listing each option as itself. */
function statesOf(options) {
    return Object.fromEntries(options.map(o => [o, o]));
}
/** Text → number (`"21.5"`, `" 7 "`); `null` for Home Assistant's unknown values; undefined when not numeric. */
function toNumber(value) {
    if (typeof value === 'number') {
        return Number.isFinite(value) ? value : undefined;
    }
    if (typeof value === 'boolean') {
        return value ? 1 : 0;
    }
    if (value === null) {
        return null;
    }
    if (typeof value !== 'string') {
        return undefined;
    }
    const text = value.trim();
    if (text === '' || /^(none|null|unknown|unavailable)$/i.test(text)) {
        return null;
    }
    const n = Number(text);
    return Number.isFinite(n) ? n : undefined;
}
/** Compiles an optional template option; a template outside the subset adds a warning and gives `false`. */
function templateOption(ctx, key, consequence) {
    const source = str(ctx.config, key);
    if (source === undefined) {
        return undefined;
    }
    const compiled = (0, template_1.compileTemplate)(source);
    if (compiled.ok) {
        return compiled.template;
    }
    const warning = `${ctx.component} '${ctx.name}' (${ctx.configTopic}): ${key} "${source}" is outside the supported template subset (${compiled.error}); ${consequence}`;
    if (!ctx.warnings.includes(warning)) {
        ctx.warnings.push(warning);
    }
    return false;
}
/** The reader of a state: the value template (if any) over the payload, then `fromValue`. */
function makeReader(template, fromValue) {
    return (payloadText) => {
        try {
            if (template === undefined) {
                return fromValue(payloadText);
            }
            const result = template.evaluate((0, template_1.payloadVariables)(payloadText));
            return result.ok && result.value !== undefined ? fromValue(result.value) : undefined;
        }
        catch {
            return undefined;
        }
    };
}
function makeBuilder(topic, template, spec) {
    return (val) => {
        try {
            const value = spec.commandValue ? spec.commandValue(val) : val;
            if (value === undefined) {
                return undefined;
            }
            const vars = { value, ...spec.commandVars?.(val) };
            const text = template === undefined ? (0, template_1.toPythonString)(value) : template.render(vars);
            return text === undefined ? undefined : { topic, payload: text };
        }
        catch {
            return undefined;
        }
    };
}
/** A `StatePlan` from its spec; templates outside the subset degrade it (raw, read-only) with a warning. */
function buildState(ctx, spec) {
    const common = { read: false, write: false, ...spec.common };
    const plan = { key: spec.key, common };
    let raw = false;
    if (spec.stateTopic !== undefined) {
        const template = spec.valueTemplateKey
            ? templateOption(ctx, spec.valueTemplateKey, `the state '${spec.key}' holds the raw payload, read-only`)
            : undefined;
        raw = template === false;
        const fromValue = raw ? (v) => (0, template_1.toPythonString)(v) : (spec.fromValue ?? (v => (0, template_1.toPythonString)(v)));
        plan.source = { topic: spec.stateTopic, read: makeReader(template || undefined, fromValue) };
        common.read = true;
    }
    if (raw) {
        Object.assign(common, { type: 'string', role: 'text', write: false });
        for (const key of ['min', 'max', 'step', 'unit', 'states']) {
            delete common[key];
        }
        return plan;
    }
    if (spec.commandTopic !== undefined) {
        const template = spec.commandTemplateKey
            ? templateOption(ctx, spec.commandTemplateKey, `the state '${spec.key}' cannot be written`)
            : undefined;
        if (template !== false) {
            const optimistic = spec.optimistic ?? spec.stateTopic === undefined;
            plan.command = {
                build: makeBuilder(spec.commandTopic, template, spec),
                qos: ctx.qos,
                retain: ctx.retain,
                optimistic,
            };
            common.write = true;
            common.read = common.read || (optimistic && common.role?.startsWith('button') !== true);
        }
    }
    return plan;
}
/** A boolean reader: `on` → true, `off` → false, anything else ignored. */
function booleanFrom(on, off) {
    return (value) => {
        const text = (0, template_1.toPythonString)(value);
        return text === on ? true : text === off ? false : undefined;
    };
}
/** Whether a written value means on: `true`, `'true'` or `1`. */
function isOn(val) {
    return val === true || val === 'true' || val === 1;
}
/** A number converter: `null` for unknown, undefined for text that is not a number. */
function numberFrom(value) {
    return toNumber(value);
}
/** Scales `value` from [fromMin, fromMax] to [toMin, toMax]. */
function scale(value, fromMin, fromMax, toMin, toMax) {
    if (fromMax === fromMin) {
        return toMin;
    }
    return toMin + ((value - fromMin) * (toMax - toMin)) / (fromMax - fromMin);
}
