"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.toPythonString = toPythonString;
exports.payloadVariables = payloadVariables;
exports.compileTemplate = compileTemplate;
/**
 * A safe evaluator for the Jinja subset Home Assistant devices send in `value_template`, `command_template` & co.
 * (no eval, no Function): compile once with `compileTemplate`, render many times with a variables map (`value`,
 * `value_json`, and for commands e.g. `brightness`, `red`). A template outside the subset is refused at compile
 * time with an error naming what is unsupported; a failure while rendering (e.g. `'abc' | float`) gives
 * `undefined`, never an exception. Values print like Python's `str()`: `True`, `False`, `None`; numbers print
 * without a trailing `.0`.
 */
const templateParser_1 = require("./templateParser");
const templateFilters_1 = require("./templateFilters");
/** Python's `str()` of a value, the way Jinja prints it. */
function toPythonString(value) {
    if (value === undefined) {
        return '';
    }
    if (typeof value === 'string') {
        return value;
    }
    return repr(value);
}
function numberToString(n) {
    if (Number.isNaN(n)) {
        return 'nan';
    }
    if (!Number.isFinite(n)) {
        return n > 0 ? 'inf' : '-inf';
    }
    return String(n);
}
function repr(value) {
    if (value === null || value === undefined) {
        return 'None';
    }
    if (typeof value === 'boolean') {
        return value ? 'True' : 'False';
    }
    if (typeof value === 'number') {
        return numberToString(value);
    }
    if (typeof value === 'string') {
        return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    }
    if (Array.isArray(value)) {
        return `[${value.map(repr).join(', ')}]`;
    }
    if (typeof value === 'object') {
        const entries = Object.entries(value).map(([k, v]) => `${repr(k)}: ${repr(v)}`);
        return `{${entries.join(', ')}}`;
    }
    return '';
}
/** `value` and `value_json` for a payload: `value_json` is the parsed JSON, undefined when it is not JSON. */
function payloadVariables(payload) {
    let json;
    try {
        json = JSON.parse(payload);
    }
    catch {
        json = undefined;
    }
    return { value: payload, value_json: json };
}
function getItem(obj, key) {
    if (obj === undefined || obj === null) {
        return undefined;
    }
    if ((Array.isArray(obj) || typeof obj === 'string') && typeof key === 'number' && Number.isInteger(key)) {
        const index = key < 0 ? obj.length + key : key;
        return obj[index];
    }
    if (typeof obj === 'object' && !Array.isArray(obj) && (typeof key === 'string' || typeof key === 'number')) {
        const record = obj;
        const name = String(key);
        return Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
    }
    return undefined;
}
function arithmetic(op, a, b) {
    if (op === '+' && typeof a === 'string' && typeof b === 'string') {
        return a + b;
    }
    if (op === '+' && Array.isArray(a) && Array.isArray(b)) {
        return [...a, ...b];
    }
    const x = (0, templateFilters_1.toNumberStrict)(a);
    const y = (0, templateFilters_1.toNumberStrict)(b);
    switch (op) {
        case '+':
            return x + y;
        case '-':
            return x - y;
        case '*':
            return x * y;
        case '**':
            return x ** y;
    }
    if (y === 0) {
        throw new templateFilters_1.RenderError('division by zero');
    }
    if (op === '/') {
        return x / y;
    }
    return op === '//' ? Math.floor(x / y) : x - y * Math.floor(x / y);
}
function equals(a, b) {
    if (typeof a === 'boolean' || typeof b === 'boolean') {
        return (typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'boolean')
            ? Number(a) === Number(b)
            : false;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
        return a.length === b.length && a.every((item, i) => equals(item, b[i]));
    }
    return a === b || (a === undefined && b === null) || (a === null && b === undefined);
}
function compare(op, a, b) {
    switch (op) {
        case '==':
            return equals(a, b);
        case '!=':
            return !equals(a, b);
        case 'in':
            return contains(b, a);
        case 'not in':
            return !contains(b, a);
    }
    let x;
    let y;
    if (typeof a === 'string' && typeof b === 'string') {
        [x, y] = [a, b];
    }
    else {
        [x, y] = [(0, templateFilters_1.toNumberStrict)(a), (0, templateFilters_1.toNumberStrict)(b)];
    }
    return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}
function contains(container, item) {
    if (typeof container === 'string') {
        if (typeof item !== 'string') {
            throw new templateFilters_1.RenderError("'in <string>' needs a string");
        }
        return container.includes(item);
    }
    if (Array.isArray(container)) {
        return container.some(element => equals(element, item));
    }
    if (typeof container === 'object' && container !== null && typeof item === 'string') {
        return Object.prototype.hasOwnProperty.call(container, item);
    }
    throw new templateFilters_1.RenderError("'in' needs a string, list or mapping");
}
function test(name, value) {
    switch (name) {
        case 'defined':
            return value !== undefined;
        case 'undefined':
            return value === undefined;
        case 'none':
            return value === null;
        case 'number':
            return typeof value === 'number' || typeof value === 'boolean';
        case 'integer':
            return typeof value === 'number' && Number.isInteger(value);
        case 'string':
            return typeof value === 'string';
        case 'boolean':
            return typeof value === 'boolean';
        case 'mapping':
            return typeof value === 'object' && value !== null && !Array.isArray(value);
        case 'true':
            return value === true;
        default:
            return value === false;
    }
}
class Evaluator {
    vars;
    constructor(vars) {
        this.vars = vars;
    }
    args(args) {
        const named = {};
        for (const [key, expr] of Object.entries(args.named)) {
            named[key] = this.eval(expr);
        }
        return { positional: args.positional.map(e => this.eval(e)), named };
    }
    eval(e) {
        switch (e.t) {
            case 'lit':
                return e.v;
            case 'var':
                return Object.prototype.hasOwnProperty.call(this.vars, e.name) ? this.vars[e.name] : undefined;
            case 'get':
                return getItem(this.eval(e.obj), this.eval(e.key));
            case 'list':
                return e.items.map(item => this.eval(item));
            case 'unary':
                return this.unary(e.op, this.eval(e.arg));
            case 'bin':
                return this.binary(e.op, e.left, e.right);
            case 'cmp':
                return this.chain(e.first, e.rest);
            case 'cond':
                return (0, templateFilters_1.truthy)(this.eval(e.test)) ? this.eval(e.then) : e.otherwise && this.eval(e.otherwise);
            case 'filter':
                return (0, templateFilters_1.applyFilter)(e.name, this.eval(e.arg), this.args(e.args));
            case 'call':
                return (0, templateFilters_1.callFunction)(e.name, this.args(e.args));
            case 'test':
                return test(e.name, this.eval(e.arg)) !== e.negate;
        }
    }
    unary(op, value) {
        if (op === 'not') {
            return !(0, templateFilters_1.truthy)(value);
        }
        const n = (0, templateFilters_1.toNumberStrict)(value);
        return op === '-' ? -n : n;
    }
    binary(op, left, right) {
        if (op === 'and') {
            const l = this.eval(left);
            return (0, templateFilters_1.truthy)(l) ? this.eval(right) : l;
        }
        if (op === 'or') {
            const l = this.eval(left);
            return (0, templateFilters_1.truthy)(l) ? l : this.eval(right);
        }
        const a = this.eval(left);
        const b = this.eval(right);
        if (op === '~') {
            return toPythonString(a) + toPythonString(b);
        }
        return arithmetic(op, a, b);
    }
    chain(first, rest) {
        let left = this.eval(first);
        for (const { op, right } of rest) {
            const r = this.eval(right);
            if (!compare(op, left, r)) {
                return false;
            }
            left = r;
        }
        return true;
    }
    render(nodes) {
        let out = '';
        for (const node of nodes) {
            if (node.t === 'text') {
                out += node.text;
            }
            else if (node.t === 'out') {
                out += toPythonString(this.eval(node.expr));
            }
            else {
                const branch = node.branches.find(b => (0, templateFilters_1.truthy)(this.eval(b.test)));
                out += this.render(branch ? branch.body : node.otherwise);
            }
        }
        return out;
    }
}
class Template {
    source;
    nodes;
    constructor(source, nodes) {
        this.source = source;
        this.nodes = nodes;
    }
    single() {
        const outs = this.nodes.filter(n => !(n.t === 'text' && n.text.trim() === ''));
        const only = outs[0];
        return outs.length === 1 && only?.t === 'out' ? only.expr : undefined;
    }
    render(vars) {
        try {
            return new Evaluator(vars).render(this.nodes);
        }
        catch {
            return undefined;
        }
    }
    evaluate(vars) {
        try {
            const expr = this.single();
            const evaluator = new Evaluator(vars);
            return { ok: true, value: expr ? evaluator.eval(expr) : evaluator.render(this.nodes) };
        }
        catch {
            return { ok: false };
        }
    }
}
/** Compiles a template once; `{ ok: false, error }` names what is outside the supported subset. */
function compileTemplate(source) {
    try {
        return { ok: true, template: new Template(source, (0, templateParser_1.parseTemplate)(source)) };
    }
    catch (error) {
        const message = error instanceof templateParser_1.TemplateSyntaxError ? error.message : String(error);
        return { ok: false, error: message };
    }
}
