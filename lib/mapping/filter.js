"use strict";
/**
 * MQTT topic filters (`+`, `#`) and ioBroker id masks (`*`), validated and compiled once into matchers.
 * Pure: no I/O.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.FORBIDDEN_ID_CHARS = void 0;
exports.splitList = splitList;
exports.topicFilterError = topicFilterError;
exports.textError = textError;
exports.topicNameError = topicNameError;
exports.compileTopicFilter = compileTopicFilter;
exports.matchesAnyFilter = matchesAnyFilter;
exports.idMaskError = idMaskError;
exports.compileIdMask = compileIdMask;
exports.matchesAnyMask = matchesAnyMask;
/** Splits a comma-separated option into trimmed, non-empty entries. */
function splitList(value) {
    return value
        .split(',')
        .map(entry => entry.trim())
        .filter(entry => entry.length > 0);
}
const HASH = 0x23;
const PLUS = 0x2b;
/**
 * Why `filter` is not a valid MQTT topic filter, or `undefined` when it is.
 * [MQTT-4.7.1-2] `#` must be the last character and occupy a whole level;
 * [MQTT-4.7.1-3] `+` must occupy a whole level; [MQTT-4.7.3-1] at least one character;
 * [MQTT-4.7.3-2] no U+0000; [MQTT-1.5.3-1] well-formed UTF-8.
 */
function topicFilterError(filter) {
    if (filter.length === 0) {
        return 'is empty';
    }
    const text = textError(filter);
    if (text) {
        return text;
    }
    // one pass over the levels, without splitting (a SUBSCRIBE may carry thousands of filters)
    for (let level = 1, start = 0; start <= filter.length; level++) {
        let end = filter.indexOf('/', start);
        if (end < 0) {
            end = filter.length;
        }
        let hash = false;
        let plus = false;
        for (let i = start; i < end; i++) {
            const code = filter.charCodeAt(i);
            hash ||= code === HASH;
            plus ||= code === PLUS;
        }
        const whole = end - start === 1;
        if (hash && (!whole || end !== filter.length)) {
            return `'#' must be a whole level at the end (level ${level}: '${filter.slice(start, end)}')`;
        }
        if (plus && !whole) {
            return `'+' must be a whole level (level ${level}: '${filter.slice(start, end)}')`;
        }
        start = end + 1;
    }
    return undefined;
}
/**
 * [MQTT-1.5.3-2] no U+0000; [MQTT-1.5.3-1] ill-formed UTF-8 (lone surrogates included) is a protocol error. A string
 * decoded from the wire has each ill-formed sequence replaced by U+FFFD, so U+FFFD stands for it (a topic that really
 * contains U+FFFD is refused as well: no device sends one on purpose).
 */
function textError(text) {
    if (text.includes('\u0000')) {
        return 'contains a NUL character';
    }
    if (text.includes('\uFFFD') || /[\uD800-\uDFFF]/u.test(text)) {
        return 'is not well-formed UTF-8';
    }
    return undefined;
}
/** Why `topic` is not a valid topic to publish to, or `undefined` when it is. [MQTT-4.7.3-1], [MQTT-3.3.2-2] */
function topicNameError(topic) {
    if (topic.length === 0) {
        return 'is empty';
    }
    const text = textError(topic);
    if (text) {
        return text;
    }
    if (topic.includes('+') || topic.includes('#')) {
        return "contains a wildcard ('+' or '#')";
    }
    return undefined;
}
/** Compiles a valid MQTT topic filter. Throws on an invalid one (validate first with `topicFilterError`). */
function compileTopicFilter(filter) {
    const error = topicFilterError(filter);
    if (error) {
        throw new Error(`Invalid topic filter '${filter}': ${error}`);
    }
    const levels = filter.split('/');
    const endsWithHash = levels[levels.length - 1] === '#';
    const fixed = endsWithHash ? levels.slice(0, -1) : levels;
    const startsWithWildcard = levels[0] === '#' || levels[0] === '+';
    return {
        filter,
        matches(topic) {
            // [MQTT-4.7.2-1] a filter starting with a wildcard does not match topics starting with '$'
            if (startsWithWildcard && topic.startsWith('$')) {
                return false;
            }
            const topicLevels = topic.split('/');
            if (endsWithHash) {
                // 'a/#' matches 'a' itself as well as everything below it [MQTT-4.7.1-2]
                if (topicLevels.length < fixed.length) {
                    return false;
                }
            }
            else if (topicLevels.length !== fixed.length) {
                return false;
            }
            for (let i = 0; i < fixed.length; i++) {
                const level = fixed[i];
                if (level !== '+' && level !== topicLevels[i]) {
                    return false;
                }
            }
            return true;
        },
    };
}
/** Matches a topic against any of several compiled filters. */
function matchesAnyFilter(filters, topic) {
    return filters.some(f => f.matches(topic));
}
/**
 * Characters ioBroker forbids in object ids: everything outside this set
 * (the same rule as js-controller's `FORBIDDEN_CHARS`).
 */
exports.FORBIDDEN_ID_CHARS = /[^._\-/ :!#$%&()+=@^{}|~\p{Ll}\p{Lu}\p{Nd}]+/gu;
/** Why `mask` is not a valid ioBroker id mask (`*` wildcard), or `undefined` when it is. */
function idMaskError(mask) {
    if (mask.length === 0) {
        return 'is empty';
    }
    if (/\s/.test(mask)) {
        return 'contains whitespace';
    }
    const withoutWildcards = mask.replace(/\*/g, '');
    const bad = withoutWildcards.match(exports.FORBIDDEN_ID_CHARS);
    if (bad) {
        return `contains characters not allowed in ioBroker ids: '${bad.join('')}'`;
    }
    if (/\.\./.test(withoutWildcards) || mask.startsWith('.')) {
        return 'contains an empty id level';
    }
    return undefined;
}
/** Compiles a valid ioBroker id mask; `*` matches any run of characters, including dots. */
function compileIdMask(mask) {
    const error = idMaskError(mask);
    if (error) {
        throw new Error(`Invalid id mask '${mask}': ${error}`);
    }
    if (!mask.includes('*')) {
        return { mask, matches: (id) => id === mask };
    }
    const source = mask
        .split('*')
        .map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*');
    const regex = new RegExp(`^${source}$`, 'u');
    return { mask, matches: (id) => regex.test(id) };
}
/** Matches an id against any of several compiled masks. */
function matchesAnyMask(masks, id) {
    return masks.some(m => m.matches(id));
}
