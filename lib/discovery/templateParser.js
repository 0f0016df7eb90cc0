"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.KNOWN_TESTS = exports.KNOWN_FUNCTIONS = exports.KNOWN_FILTERS = exports.TemplateSyntaxError = void 0;
exports.parseTemplate = parseTemplate;
/**
 * Parsing the Jinja subset of Home Assistant templates into a small syntax tree: literal text, `{{ expression }}`,
 * `{% if %}/{% elif %}/{% else %}/{% endif %}`, `{# comments #}` and the `-` whitespace control. Anything else
 * (other statements, method calls, dict literals, unknown filters, functions or tests) is a `TemplateSyntaxError`
 * naming what is not supported. Pure; no eval, no Function.
 */
const templateLexer_1 = require("./templateLexer");
Object.defineProperty(exports, "TemplateSyntaxError", { enumerable: true, get: function () { return templateLexer_1.TemplateSyntaxError; } });
/** The filters, functions and tests the evaluator knows; the parser refuses others. */
exports.KNOWN_FILTERS = new Set([
    'float', 'int', 'round', 'lower', 'upper', 'default', 'd', 'string', 'abs', 'bool', 'trim', 'replace', 'length',
    'count', 'tojson', 'to_json', 'from_json', 'iif', 'capitalize', 'min', 'max',
]); // prettier-ignore
exports.KNOWN_FUNCTIONS = new Set(['iif', 'float', 'int', 'bool', 'min', 'max']);
exports.KNOWN_TESTS = new Set([
    'defined', 'undefined', 'none', 'number', 'string', 'boolean', 'integer', 'mapping', 'true', 'false',
]); // prettier-ignore
const LITERALS = {
    true: true,
    True: true,
    false: false,
    False: false,
    none: null,
    None: null,
};
/** Recursive descent over the tokens of one tag, following Jinja's operator precedence. */
class ExprParser {
    tokens;
    pos = 0;
    constructor(tokens) {
        this.tokens = tokens;
    }
    peek(offset = 0) {
        return this.tokens[this.pos + offset];
    }
    isOp(v) {
        const t = this.peek();
        return t !== undefined && t.k === 'op' && t.v === v;
    }
    isName(v) {
        const t = this.peek();
        return t !== undefined && t.k === 'name' && t.v === v;
    }
    next() {
        const t = this.tokens[this.pos++];
        if (t === undefined) {
            throw new templateLexer_1.TemplateSyntaxError('unexpected end of expression');
        }
        return t;
    }
    expectOp(v) {
        const t = this.next();
        if (t.k !== 'op' || t.v !== v) {
            throw new templateLexer_1.TemplateSyntaxError(`expected '${v}' but found '${t.v}'`);
        }
    }
    atEnd() {
        return this.pos >= this.tokens.length;
    }
    name() {
        const t = this.next();
        if (t.k !== 'name') {
            throw new templateLexer_1.TemplateSyntaxError(`expected a name but found '${t.v}'`);
        }
        return t.v;
    }
    finish() {
        const t = this.peek();
        if (t !== undefined) {
            throw new templateLexer_1.TemplateSyntaxError(`unsupported syntax at '${t.v}'`);
        }
    }
    expression() {
        const value = this.or();
        if (this.isName('if')) {
            this.pos++;
            const test = this.or();
            let otherwise;
            if (this.isName('else')) {
                this.pos++;
                otherwise = this.expression();
            }
            return { t: 'cond', test, then: value, otherwise };
        }
        return value;
    }
    or() {
        let left = this.and();
        while (this.isName('or')) {
            this.pos++;
            left = { t: 'bin', op: 'or', left, right: this.and() };
        }
        return left;
    }
    and() {
        let left = this.not();
        while (this.isName('and')) {
            this.pos++;
            left = { t: 'bin', op: 'and', left, right: this.not() };
        }
        return left;
    }
    not() {
        if (this.isName('not')) {
            this.pos++;
            return { t: 'unary', op: 'not', arg: this.not() };
        }
        return this.compare();
    }
    compareOp() {
        const t = this.peek();
        if (t?.k === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
            this.pos++;
            return t.v;
        }
        if (this.isName('in')) {
            this.pos++;
            return 'in';
        }
        if (this.isName('not') && this.peek(1)?.k === 'name' && this.peek(1)?.v === 'in') {
            this.pos += 2;
            return 'not in';
        }
        return undefined;
    }
    compare() {
        const first = this.binary(0);
        const rest = [];
        for (let op = this.compareOp(); op !== undefined; op = this.compareOp()) {
            rest.push({ op, right: this.binary(0) });
        }
        return rest.length === 0 ? first : { t: 'cmp', first, rest };
    }
    /** Jinja's levels below comparison: `+ -`, then `~`, then `* / // %`, then `**`. */
    static LEVELS = [['+', '-'], ['~'], ['*', '/', '//', '%'], ['**']];
    binary(level) {
        const ops = ExprParser.LEVELS[level];
        if (ops === undefined) {
            return this.unary(true);
        }
        let left = this.binary(level + 1);
        for (let t = this.peek(); t?.k === 'op' && ops.includes(t.v); t = this.peek()) {
            this.pos++;
            left = { t: 'bin', op: t.v, left, right: this.binary(level + 1) };
        }
        return left;
    }
    unary(withFilter) {
        let node;
        if (this.isOp('-') || this.isOp('+')) {
            const op = this.next().v;
            node = { t: 'unary', op, arg: this.unary(false) };
        }
        else {
            node = this.postfix(this.primary());
        }
        return withFilter ? this.filters(node) : node;
    }
    primary() {
        const t = this.next();
        if (t.k === 'num') {
            return { t: 'lit', v: Number(t.v) };
        }
        if (t.k === 'str') {
            let v = t.v;
            while (this.peek()?.k === 'str') {
                v += this.next().v;
            }
            return { t: 'lit', v };
        }
        if (t.k === 'name') {
            return this.namePrimary(t.v);
        }
        if (t.v === '(') {
            const inner = this.expression();
            if (this.isOp(',')) {
                throw new templateLexer_1.TemplateSyntaxError('tuples are not supported');
            }
            this.expectOp(')');
            return inner;
        }
        if (t.v === '[') {
            const items = [];
            while (!this.isOp(']')) {
                items.push(this.expression());
                if (!this.isOp(']')) {
                    this.expectOp(',');
                }
            }
            this.pos++;
            return { t: 'list', items };
        }
        throw new templateLexer_1.TemplateSyntaxError(`unsupported syntax at '${t.v}'`);
    }
    namePrimary(name) {
        if (Object.prototype.hasOwnProperty.call(LITERALS, name)) {
            return { t: 'lit', v: LITERALS[name] };
        }
        if (this.isOp('(')) {
            if (!exports.KNOWN_FUNCTIONS.has(name)) {
                throw new templateLexer_1.TemplateSyntaxError(`function '${name}()' is not supported`);
            }
            return { t: 'call', name, args: this.callArgs() };
        }
        return { t: 'var', name };
    }
    postfix(node) {
        for (;;) {
            if (this.isOp('.')) {
                this.pos++;
                const t = this.next();
                if (t.k !== 'name' && t.k !== 'num') {
                    throw new templateLexer_1.TemplateSyntaxError(`unsupported syntax at '.${t.v}'`);
                }
                if (this.isOp('(')) {
                    throw new templateLexer_1.TemplateSyntaxError(`method call '.${t.v}()' is not supported`);
                }
                node = { t: 'get', obj: node, key: { t: 'lit', v: t.k === 'num' ? Number(t.v) : t.v } };
            }
            else if (this.isOp('[')) {
                this.pos++;
                const key = this.expression();
                if (this.isOp(':')) {
                    throw new templateLexer_1.TemplateSyntaxError('slices are not supported');
                }
                this.expectOp(']');
                node = { t: 'get', obj: node, key };
            }
            else if (this.isOp('(')) {
                throw new templateLexer_1.TemplateSyntaxError('calling a value is not supported');
            }
            else {
                return node;
            }
        }
    }
    filters(node) {
        for (;;) {
            if (this.isOp('|')) {
                this.pos++;
                const name = this.name();
                if (!exports.KNOWN_FILTERS.has(name)) {
                    throw new templateLexer_1.TemplateSyntaxError(`filter '${name}' is not supported`);
                }
                const args = this.isOp('(') ? this.callArgs() : { positional: [], named: {} };
                node = { t: 'filter', name, arg: node, args };
            }
            else if (this.isName('is')) {
                this.pos++;
                const negate = this.isName('not');
                if (negate) {
                    this.pos++;
                }
                const name = this.name();
                if (!exports.KNOWN_TESTS.has(name) || this.isOp('(')) {
                    throw new templateLexer_1.TemplateSyntaxError(`test 'is ${name}' is not supported`);
                }
                node = { t: 'test', name, arg: node, negate };
            }
            else {
                return node;
            }
        }
    }
    callArgs() {
        this.expectOp('(');
        const args = { positional: [], named: {} };
        while (!this.isOp(')')) {
            if (this.peek()?.k === 'name' && this.peek(1)?.k === 'op' && this.peek(1)?.v === '=') {
                const key = this.name();
                this.pos++;
                args.named[key] = this.expression();
            }
            else {
                args.positional.push(this.expression());
            }
            if (!this.isOp(')')) {
                this.expectOp(',');
            }
        }
        this.pos++;
        return args;
    }
}
/** Handles one `{% … %}` statement: if / elif / else / endif. */
function statement(tokens, stack, root) {
    const parser = new ExprParser(tokens);
    const keyword = parser.atEnd() ? '' : parser.name();
    const open = stack[stack.length - 1];
    if (keyword === 'if') {
        const test = parser.expression();
        parser.finish();
        const body = [];
        const node = { t: 'if', branches: [{ test, body }], otherwise: [] };
        (open?.body ?? root).push(node);
        stack.push({ node, body, inElse: false });
    }
    else if (keyword === 'elif' && open !== undefined && !open.inElse) {
        const test = parser.expression();
        parser.finish();
        open.body = [];
        open.node.branches.push({ test, body: open.body });
    }
    else if (keyword === 'else' && open !== undefined && !open.inElse) {
        parser.finish();
        open.body = open.node.otherwise;
        open.inElse = true;
    }
    else if (keyword === 'endif' && open !== undefined) {
        parser.finish();
        stack.pop();
    }
    else {
        throw new templateLexer_1.TemplateSyntaxError(`statement '{% ${keyword} %}' is not supported`);
    }
}
/** The syntax tree of a template; throws `TemplateSyntaxError`. */
function parseTemplate(source) {
    const root = [];
    const stack = [];
    let pos = 0;
    let trimNext = false;
    while (pos <= source.length) {
        const found = /\{[{%#]/.exec(source.slice(pos));
        let text = found === null ? source.slice(pos) : source.slice(pos, pos + found.index);
        const tagStart = found === null ? -1 : pos + found.index;
        const trimBefore = tagStart >= 0 && source[tagStart + 2] === '-';
        text = trimNext ? text.trimStart() : text;
        text = trimBefore ? text.trimEnd() : text;
        if (text !== '') {
            (stack[stack.length - 1]?.body ?? root).push({ t: 'text', text });
        }
        if (found === null) {
            break;
        }
        const kind = found[0];
        const contentStart = tagStart + 2 + (trimBefore ? 1 : 0);
        if (kind === '{#') {
            const end = source.indexOf('#}', contentStart);
            if (end < 0) {
                throw new templateLexer_1.TemplateSyntaxError("missing '#}'");
            }
            trimNext = source[end - 1] === '-';
            pos = end + 2;
            continue;
        }
        const tag = (0, templateLexer_1.lexTag)(source, contentStart, kind === '{{' ? '}}' : '%}');
        if (kind === '{{') {
            const parser = new ExprParser(tag.tokens);
            const expr = parser.expression();
            parser.finish();
            (stack[stack.length - 1]?.body ?? root).push({ t: 'out', expr });
        }
        else {
            statement(tag.tokens, stack, root);
        }
        trimNext = tag.trimAfter;
        pos = tag.end;
    }
    if (stack.length > 0) {
        throw new templateLexer_1.TemplateSyntaxError("missing '{% endif %}'");
    }
    return root;
}
