"use strict";
/**
 * The filters and functions of the template subset (`float`, `int`, `round`, `default`, `iif`, …) with Home
 * Assistant's semantics: a conversion that fails without a default fails the render (`RenderError`), as in Home
 * Assistant. Pure helpers for `template.ts`.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.RenderError = void 0;
exports.truthy = truthy;
exports.toNumberStrict = toNumberStrict;
exports.parseFloatPython = parseFloatPython;
exports.roundPython = roundPython;
exports.applyFilter = applyFilter;
exports.callFunction = callFunction;
class RenderError extends Error {
}
exports.RenderError = RenderError;
/** Python truthiness. */
function truthy(value) {
    if (value === undefined || value === null || value === false || value === 0 || value === '') {
        return false;
    }
    if (Array.isArray(value)) {
        return value.length > 0;
    }
    if (typeof value === 'number') {
        return !Number.isNaN(value);
    }
    return typeof value !== 'object' || Object.keys(value).length > 0;
}
/** A number for arithmetic: numbers and booleans only, as in Python. */
function toNumberStrict(value) {
    if (typeof value === 'number') {
        return value;
    }
    if (typeof value === 'boolean') {
        return value ? 1 : 0;
    }
    throw new RenderError(`not a number: ${typeof value}`);
}
const FLOAT_TEXT = /^[+-]?(\d+(_\d+)*(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
/** Python's `float()` of a value, undefined when it fails. */
function parseFloatPython(value) {
    if (typeof value === 'number') {
        return value;
    }
    if (typeof value === 'boolean') {
        return value ? 1 : 0;
    }
    if (typeof value !== 'string') {
        return undefined;
    }
    const text = value.trim().toLowerCase();
    if (/^[+-]?(inf|infinity)$/.test(text)) {
        return text.startsWith('-') ? -Infinity : Infinity;
    }
    if (/^[+-]?nan$/.test(text)) {
        return NaN;
    }
    return FLOAT_TEXT.test(text) ? Number(text.replace(/_/g, '')) : undefined;
}
/** Jinja's `int` filter: an integer text, else a float text truncated; undefined when it fails. */
function parseIntPython(value, base) {
    if (typeof value === 'string' && base !== 10) {
        const digits = value.trim().replace(/^0[xob]/i, '');
        const n = parseInt(digits, base);
        return Number.isNaN(n) ? undefined : n;
    }
    const f = parseFloatPython(value);
    return f === undefined || !Number.isFinite(f) ? undefined : Math.trunc(f);
}
/**
 * Python's `round(x, n)`: rounds the exact binary value (2.675 is 2.67499…, so 2.67) and exact ties to even
 * (0.125 → 0.12, 2.5 → 2).
 */
function roundPython(x, precision) {
    if (!Number.isFinite(x) || Math.abs(x) >= 1e21 || precision < 0 || precision > 60) {
        const factor = 10 ** precision;
        return Math.round(x * factor) / factor;
    }
    const exact = Math.abs(x).toFixed(precision + 30);
    const [whole = '0', fraction = ''] = exact.split('.');
    const kept = fraction.slice(0, precision);
    const tie = /^50*$/.test(fraction.slice(precision));
    const lastDigit = Number((whole + kept).slice(-1));
    const magnitude = tie && lastDigit % 2 === 0 ? Number(`${whole}.${kept}`) : Number(Math.abs(x).toFixed(precision));
    return x < 0 ? -magnitude : magnitude;
}
function roundFilter(value, precision, method, fallback, hasDefault) {
    const x = parseFloatPython(value);
    if (x === undefined) {
        if (hasDefault) {
            return fallback;
        }
        throw new RenderError('round of a non-number');
    }
    const digits = precision === undefined ? 0 : Math.trunc(toNumberStrict(precision));
    const factor = 10 ** digits;
    switch (method ?? 'common') {
        case 'common':
            return roundPython(x, digits);
        case 'ceil':
            return Math.ceil(x * factor) / factor;
        case 'floor':
            return Math.floor(x * factor) / factor;
        case 'half':
            return roundPython(x * 2, 0) / 2;
        default:
            throw new RenderError('unknown round method');
    }
}
/** Positional and keyword arguments matched to parameter names. */
function bind(args, names) {
    const values = names.map((name, i) => (i < args.positional.length ? args.positional[i] : args.named[name]));
    const given = names.map((name, i) => i < args.positional.length || name in args.named);
    return { values, given };
}
const TRUE_WORDS = new Set(['true', 'yes', 'on', 'enable', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', 'disable', '0']);
function toBool(value, fallback, hasDefault) {
    if (typeof value === 'boolean') {
        return value;
    }
    if (typeof value === 'number' && (value === 0 || value === 1)) {
        return value === 1;
    }
    const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
    if (text !== undefined && TRUE_WORDS.has(text)) {
        return true;
    }
    if (text !== undefined && FALSE_WORDS.has(text)) {
        return false;
    }
    if (hasDefault) {
        return fallback;
    }
    throw new RenderError('not a boolean');
}
function iif(value, args) {
    const { values, given } = bind(args, ['if_true', 'if_false', 'if_none']);
    if (value === null && given[2]) {
        return values[2];
    }
    if (truthy(value)) {
        return given[0] ? values[0] : true;
    }
    return given[1] ? values[1] : false;
}
function converted(result, values, given, what) {
    if (result !== undefined) {
        return result;
    }
    if (given[0]) {
        return values[0];
    }
    throw new RenderError(`cannot convert to ${what}`);
}
function extreme(value, pick) {
    if (!Array.isArray(value) || value.length === 0) {
        throw new RenderError('min/max of an empty or non-list value');
    }
    return value.map(toNumberStrict).reduce((a, b) => pick(a, b));
}
function toText(value) {
    if (typeof value === 'string') {
        return value;
    }
    if (value === undefined) {
        return '';
    }
    if (value === null) {
        return 'None';
    }
    if (typeof value === 'boolean') {
        return value ? 'True' : 'False';
    }
    return typeof value === 'number' ? String(value) : JSON.stringify(value);
}
/** One filter applied to `value`. */
function applyFilter(name, value, args) {
    switch (name) {
        case 'float': {
            const { values, given } = bind(args, ['default']);
            return converted(parseFloatPython(value), values, given, 'float');
        }
        case 'int': {
            const { values, given } = bind(args, ['default', 'base']);
            const base = given[1] ? toNumberStrict(values[1]) : 10;
            return converted(parseIntPython(value, base), values, given, 'int');
        }
        case 'round': {
            const { values, given } = bind(args, ['precision', 'method', 'default']);
            return roundFilter(value, values[0], values[1], values[2], given[2] === true);
        }
        case 'default':
        case 'd': {
            const { values } = bind(args, ['default_value', 'boolean']);
            const missing = value === undefined || (truthy(values[1]) && !truthy(value));
            return missing ? (values[0] ?? '') : value;
        }
        case 'bool': {
            const { values, given } = bind(args, ['default']);
            return toBool(value, values[0], given[0] === true);
        }
        case 'iif':
            return iif(value, args);
        case 'lower':
            return toText(value).toLowerCase();
        case 'upper':
            return toText(value).toUpperCase();
        case 'capitalize': {
            const text = toText(value);
            return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
        }
        case 'string':
            return toText(value);
        case 'trim':
            return toText(value).trim();
        case 'replace': {
            const { values } = bind(args, ['old', 'new']);
            return toText(value).split(toText(values[0])).join(toText(values[1]));
        }
        case 'abs':
            return Math.abs(toNumberStrict(value));
        case 'length':
        case 'count':
            return lengthOf(value);
        case 'tojson':
        case 'to_json':
            return JSON.stringify(value ?? null);
        case 'from_json':
            return fromJson(value);
        case 'min':
            return extreme(value, Math.min);
        default:
            return extreme(value, Math.max);
    }
}
function lengthOf(value) {
    if (typeof value === 'string' || Array.isArray(value)) {
        return value.length;
    }
    if (typeof value === 'object' && value !== null) {
        return Object.keys(value).length;
    }
    throw new RenderError('length of a value without length');
}
function fromJson(value) {
    try {
        return JSON.parse(toText(value));
    }
    catch {
        throw new RenderError('invalid JSON');
    }
}
/** A global function: `iif(x, a, b)`, `float(x, d)`, `int(x, d)`, `bool(x, d)`, `min(…)`, `max(…)`. */
function callFunction(name, args) {
    const [first, ...rest] = args.positional;
    const shifted = { positional: rest, named: args.named };
    if (name === 'min' || name === 'max') {
        const list = args.positional.length === 1 ? first : args.positional;
        return applyFilter(name, list, { positional: [], named: {} });
    }
    return applyFilter(name, first, shifted);
}
