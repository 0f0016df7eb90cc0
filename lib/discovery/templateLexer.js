"use strict";
/**
 * The tokens of one Jinja tag (`{{ … }}` or `{% … %}`): names, numbers, quoted strings and operators, up to the
 * closing delimiter and its optional `-` whitespace control. Pure.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.TemplateSyntaxError = void 0;
exports.lexTag = lexTag;
class TemplateSyntaxError extends Error {
}
exports.TemplateSyntaxError = TemplateSyntaxError;
const OPERATORS = ['//', '**', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '~', '(', ')', '[', ']', '.', ',', '|', '=']; // prettier-ignore
const ESCAPES = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };
/** Reads a quoted string starting at `start` (the quote); returns its value and the index after it. */
function lexString(source, start) {
    const quote = source[start];
    let value = '';
    let i = start + 1;
    while (i < source.length && source[i] !== quote) {
        const c = source[i];
        if (c === '\\' && i + 1 < source.length) {
            const next = source[i + 1];
            value += ESCAPES[next] ?? `\\${next}`;
            i += 2;
        }
        else {
            value += c;
            i++;
        }
    }
    if (i >= source.length) {
        throw new TemplateSyntaxError('unterminated string literal');
    }
    return { value, end: i + 1 };
}
/** The tokens of one tag, from `start` up to its closing `}}` or `%}`. */
function lexTag(source, start, closer) {
    const tokens = [];
    let i = start;
    while (i < source.length) {
        const c = source[i];
        if (/\s/.test(c)) {
            i++;
        }
        else if (source.startsWith(`-${closer}`, i)) {
            return { tokens, end: i + 3, trimAfter: true };
        }
        else if (source.startsWith(closer, i)) {
            return { tokens, end: i + 2, trimAfter: false };
        }
        else if (c === '"' || c === "'") {
            const { value, end } = lexString(source, i);
            tokens.push({ k: 'str', v: value });
            i = end;
        }
        else if (/[0-9]/.test(c)) {
            const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(source.slice(i));
            tokens.push({ k: 'num', v: m[0] });
            i += m[0].length;
        }
        else if (/[A-Za-z_]/.test(c)) {
            const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
            tokens.push({ k: 'name', v: m[0] });
            i += m[0].length;
        }
        else {
            const op = OPERATORS.find(o => source.startsWith(o, i));
            if (op === undefined) {
                throw new TemplateSyntaxError(`unsupported character '${c}'`);
            }
            tokens.push({ k: 'op', v: op });
            i += op.length;
        }
    }
    throw new TemplateSyntaxError(`missing '${closer}'`);
}
