/**
 * What every Home Assistant component shares: reading typed options from an expanded config, turning a
 * declarative state description (topics, templates, converters) into a `StatePlan` with its reader and command
 * builder, and the warnings for templates outside the supported subset (the state then holds the raw payload,
 * read-only). Pure.
 */
import type { StatePlan } from './model';
import type { ConfigObject } from './abbreviations';
import {
    type CompiledTemplate,
    compileTemplate,
    payloadVariables,
    type TemplateVars,
    toPythonString,
} from './template';

/** One entity being built: its expanded config and where its warnings go. */
export interface EntityContext {
    configTopic: string;
    component: string;
    /** Display name of the entity, for warnings and state names. */
    name: string;
    config: ConfigObject;
    warnings: string[];
    qos: 0 | 1 | 2;
    retain: boolean;
}

/** A non-empty string option. */
export function str(config: ConfigObject, key: string): string | undefined {
    const value = config[key];
    return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A numeric option (a numeric string counts), else the fallback. */
export function num(config: ConfigObject, key: string, fallback: number): number;
export function num(config: ConfigObject, key: string, fallback?: number): number | undefined;
export function num(config: ConfigObject, key: string, fallback?: number): number | undefined {
    const value = config[key];
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

/** A payload option as Home Assistant compares it: its Python text (`false` → `False`), else the default. */
export function payload(config: ConfigObject, key: string, fallback: string): string;
export function payload(config: ConfigObject, key: string, fallback?: string): string | undefined;
export function payload(config: ConfigObject, key: string, fallback?: string): string | undefined {
    const value = config[key];
    if (value === undefined) {
        return fallback;
    }
    return value === null ? undefined : toPythonString(value);
}

/** A list of strings option. */
export function strList(config: ConfigObject, key: string): string[] | undefined {
    const value = config[key];
    return Array.isArray(value) ? value.map(v => toPythonString(v)) : undefined;
}

/** An id segment: lower-case, `[a-z0-9_]`, no leading or trailing `_`. */
export function sanitizeKey(text: string): string {
    return text
        .toLowerCase()
        .replace(/[^a-z0-9_]+/g, '_')
        .replace(/_+/g, '_')
        .replace(/^_|_$/g, '');
}

/** `common.states` listing each option as itself. */
export function statesOf(options: string[]): Record<string, string> {
    return Object.fromEntries(options.map(o => [o, o]));
}

/** Text → number (`"21.5"`, `" 7 "`); `null` for Home Assistant's unknown values; undefined when not numeric. */
export function toNumber(value: unknown): number | null | undefined {
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
export function templateOption(
    ctx: EntityContext,
    key: string,
    consequence: string,
): CompiledTemplate | undefined | false {
    const source = str(ctx.config, key);
    if (source === undefined) {
        return undefined;
    }
    const compiled = compileTemplate(source);
    if (compiled.ok) {
        return compiled.template;
    }
    const warning = `${ctx.component} '${ctx.name}' (${ctx.configTopic}): ${key} "${source}" is outside the supported template subset (${compiled.error}); ${consequence}`;
    if (!ctx.warnings.includes(warning)) {
        ctx.warnings.push(warning);
    }
    return false;
}

/** `common` of a state before read/write are known. */
export type CommonSpec = Pick<ioBroker.StateCommon, 'name' | 'role' | 'type'> & Partial<ioBroker.StateCommon>;

/** How one state of an entity is wired. */
export interface StateSpec {
    key: string;
    common: CommonSpec;
    stateTopic?: string;
    /** Config key of the value template applied to incoming payloads. */
    valueTemplateKey?: string;
    /** The state value for the template's result (or the raw payload without template); undefined = ignore. */
    fromValue?: (value: unknown) => ioBroker.StateValue | undefined;
    commandTopic?: string;
    /** Config key of the command template. */
    commandTemplateKey?: string;
    /** The template's `value` for a written state value (also the payload without template); undefined = cannot send. */
    commandValue?: (val: ioBroker.StateValue) => unknown;
    /** Further template variables for a written value (e.g. `red`, `green`, `blue`). */
    commandVars?: (val: ioBroker.StateValue) => TemplateVars;
    /** Default: no state topic. */
    optimistic?: boolean;
}

/** The reader of a state: the value template (if any) over the payload, then `fromValue`. */
function makeReader(
    template: CompiledTemplate | undefined,
    fromValue: (value: unknown) => ioBroker.StateValue | undefined,
): (payloadText: string) => ioBroker.StateValue | undefined {
    return (payloadText: string) => {
        try {
            if (template === undefined) {
                return fromValue(payloadText);
            }
            const result = template.evaluate(payloadVariables(payloadText));
            return result.ok && result.value !== undefined ? fromValue(result.value) : undefined;
        } catch {
            return undefined;
        }
    };
}

function makeBuilder(
    topic: string,
    template: CompiledTemplate | undefined,
    spec: StateSpec,
): (val: ioBroker.StateValue) => { topic: string; payload: string } | undefined {
    return (val: ioBroker.StateValue) => {
        try {
            const value = spec.commandValue ? spec.commandValue(val) : val;
            if (value === undefined) {
                return undefined;
            }
            const vars: TemplateVars = { value, ...spec.commandVars?.(val) };
            const text = template === undefined ? toPythonString(value) : template.render(vars);
            return text === undefined ? undefined : { topic, payload: text };
        } catch {
            return undefined;
        }
    };
}

/** A `StatePlan` from its spec; templates outside the subset degrade it (raw, read-only) with a warning. */
export function buildState(ctx: EntityContext, spec: StateSpec): StatePlan {
    const common: ioBroker.StateCommon = { read: false, write: false, ...spec.common };
    const plan: StatePlan = { key: spec.key, common };
    let raw = false;
    if (spec.stateTopic !== undefined) {
        const template = spec.valueTemplateKey
            ? templateOption(ctx, spec.valueTemplateKey, `the state '${spec.key}' holds the raw payload, read-only`)
            : undefined;
        raw = template === false;
        const fromValue = raw ? (v: unknown) => toPythonString(v) : (spec.fromValue ?? (v => toPythonString(v)));
        plan.source = { topic: spec.stateTopic, read: makeReader(template || undefined, fromValue) };
        common.read = true;
    }
    if (raw) {
        Object.assign(common, { type: 'string', role: 'text', write: false });
        for (const key of ['min', 'max', 'step', 'unit', 'states'] as const) {
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
export function booleanFrom(on: string | undefined, off: string | undefined): (value: unknown) => boolean | undefined {
    return (value: unknown) => {
        const text = toPythonString(value);
        return text === on ? true : text === off ? false : undefined;
    };
}

/** Whether a written value means on: `true`, `'true'` or `1`. */
export function isOn(val: ioBroker.StateValue): boolean {
    return val === true || val === 'true' || val === 1;
}

/** A number converter: `null` for unknown, undefined for text that is not a number. */
export function numberFrom(value: unknown): number | null | undefined {
    return toNumber(value);
}

/** Scales `value` from [fromMin, fromMax] to [toMin, toMax]. */
export function scale(value: number, fromMin: number, fromMax: number, toMin: number, toMax: number): number {
    if (fromMax === fromMin) {
        return toMin;
    }
    return toMin + ((value - fromMin) * (toMax - toMin)) / (fromMax - fromMin);
}
