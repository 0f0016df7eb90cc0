"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DAY_MIN = exports.PORT_MAX = exports.Reader = void 0;
exports.discoveryPrefix = discoveryPrefix;
exports.bindError = bindError;
exports.parseUsers = parseUsers;
exports.redisUrlError = redisUrlError;
exports.redisUrlForLog = redisUrlForLog;
exports.formatSettingsErrors = formatSettingsErrors;
/** The parsing helpers of settings.ts: a reader of `native` options that collects errors, and the checks of single options. */
const filter_1 = require("./mapping/filter");
class Reader {
    native;
    errors = [];
    constructor(native) {
        this.native = native;
    }
    fail(option, message) {
        this.errors.push({ option, message });
    }
    raw(option, def) {
        const value = this.native[option];
        return value === undefined || value === null ? def : value;
    }
    string(option, def) {
        const value = this.raw(option, def);
        if (typeof value === 'string') {
            return value;
        }
        if (typeof value === 'number' || typeof value === 'boolean') {
            return String(value);
        }
        this.fail(option, `must be text, got ${typeof value}`);
        return def;
    }
    boolean(option, def) {
        const value = this.raw(option, def);
        if (typeof value === 'boolean') {
            return value;
        }
        // exported configs of iobroker.mqtt sometimes carry booleans as text or 0/1
        if (value === 'true' || value === 1 || value === '1') {
            return true;
        }
        if (value === 'false' || value === 0 || value === '0' || value === '') {
            return false;
        }
        this.fail(option, `must be true or false, got '${String(value)}'`);
        return def;
    }
    integer(option, def, min, max) {
        const value = this.raw(option, def);
        const num = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
        if (typeof num !== 'number' || !Number.isInteger(num)) {
            this.fail(option, `must be a whole number, got '${String(value)}'`);
            return def;
        }
        if (num < min || num > max) {
            this.fail(option, `must be between ${min} and ${max}, got ${num}`);
            return def;
        }
        return num;
    }
    choice(option, def, allowed) {
        const value = this.raw(option, def);
        const found = allowed.find(a => a === value || String(a) === String(value));
        if (found === undefined) {
            this.fail(option, `must be one of ${allowed.map(a => `'${String(a)}'`).join(', ')}, got '${String(value)}'`);
            return def;
        }
        return found;
    }
    topicFilters(option, def) {
        const result = [];
        for (const filter of (0, filter_1.splitList)(this.string(option, def))) {
            const error = (0, filter_1.topicFilterError)(filter);
            if (error) {
                this.fail(option, `topic filter '${filter}' ${error}`);
            }
            else {
                result.push((0, filter_1.compileTopicFilter)(filter));
            }
        }
        return result;
    }
    idMasks(option, value) {
        const result = [];
        for (const mask of (0, filter_1.splitList)(value)) {
            const error = (0, filter_1.idMaskError)(mask);
            if (error) {
                this.fail(option, `id mask '${mask}' ${error}`);
            }
            else {
                result.push((0, filter_1.compileIdMask)(mask));
            }
        }
        return result;
    }
    topicPart(option, def) {
        const value = this.string(option, def);
        if (value !== '' && (value.includes('+') || value.includes('#') || value.includes('\u0000'))) {
            this.fail(option, `must not contain '+', '#' or NUL, got '${value}'`);
            return def;
        }
        return value;
    }
}
exports.Reader = Reader;
/** `discoveryPrefix`: topic levels without wildcards, no leading or trailing '/', not empty. */
function discoveryPrefix(r) {
    const value = r.topicPart('discoveryPrefix', 'homeassistant').trim();
    if (value === '' || value.startsWith('/') || value.endsWith('/') || value.startsWith('$')) {
        r.fail('discoveryPrefix', `must be one or more topic levels like 'homeassistant' (no leading or trailing '/'), got '${value}'`);
        return 'homeassistant';
    }
    return value;
}
exports.PORT_MAX = 65535;
exports.DAY_MIN = 24 * 60;
/** Checks that `bind` is an IPv4 or IPv6 address literal or a host name. */
function bindError(bind) {
    if (bind === '') {
        return 'is empty';
    }
    const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(bind);
    if (ipv4) {
        return ipv4.slice(1).every(octet => Number(octet) <= 255) ? undefined : `'${bind}' is not an IPv4 address`;
    }
    if (bind.includes(':')) {
        return /^[0-9a-fA-F:.]+$/.test(bind) ? undefined : `'${bind}' is not an IPv6 address`;
    }
    return /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/.test(bind)
        ? undefined
        : `'${bind}' is neither an address nor a host name`;
}
/** `users`: an array of accounts; filters are checked with %u/%c filled in. */
function parseUsers(value, errors) {
    if (value === undefined || value === null || value === '') {
        return [];
    }
    // a table may come back from a deep merge as an object with keys 0, 1, …
    const isIndexed = (v) => typeof v === 'object' && v !== null && Object.keys(v).every(k => /^\d+$/.test(k));
    if (!Array.isArray(value) && !isIndexed(value)) {
        errors.push({ option: 'users', message: 'must be a table (array) of accounts' });
        return [];
    }
    const rows = Array.isArray(value)
        ? value
        : Object.keys(value)
            .sort((a, b) => Number(a) - Number(b))
            .map(k => value[k]);
    const seen = new Set();
    const result = [];
    rows.forEach((raw, index) => {
        const row = (raw ?? {});
        const where = `row ${index + 1}`;
        const user = typeof row.user === 'string' ? row.user.trim() : '';
        if (user === '') {
            errors.push({ option: 'users', message: `${where}: the user name is empty` });
            return;
        }
        if (seen.has(user)) {
            errors.push({ option: 'users', message: `${where}: user '${user}' appears twice` });
            return;
        }
        seen.add(user);
        const pass = typeof row.pass === 'string' ? row.pass : '';
        const passHash = typeof row.passHash === 'string' ? row.passHash : '';
        if (pass === '' && passHash === '') {
            errors.push({ option: 'users', message: `${where}: user '${user}' has no password` });
        }
        const filters = (key) => {
            const list = (0, filter_1.splitList)(typeof row[key] === 'string' ? row[key] : '');
            for (const filter of list) {
                const error = (0, filter_1.topicFilterError)(filter.replace(/%[uc]/g, 'x'));
                if (error) {
                    errors.push({ option: 'users', message: `${where}: ${key} filter '${filter}' ${error}` });
                }
            }
            return list;
        };
        result.push({
            user,
            pass,
            passHash,
            publish: filters('publish'),
            subscribe: filters('subscribe'),
            readOnly: row.readOnly === true,
            enabled: row.enabled !== false,
        });
    });
    return result;
}
/** `redisUrl`: why a Redis URL cannot be used, or undefined when it can. */
function redisUrlError(url) {
    let parsed;
    try {
        parsed = new URL(url);
    }
    catch {
        return 'is not a URL (expected redis://host:port or rediss://host:port)';
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
        return `has the scheme '${parsed.protocol.replace(/:$/, '')}': use redis:// or rediss://`;
    }
    if (!parsed.hostname) {
        return 'has no host';
    }
    const db = parsed.pathname.replace(/^\//, '');
    if (db !== '' && !/^\d+$/.test(db)) {
        return `names the database '${db}': it must be a number (redis://host:port/2)`;
    }
    return undefined;
}
/** The URL without its password, for log lines. */
function redisUrlForLog(url) {
    try {
        const parsed = new URL(url);
        if (parsed.password) {
            parsed.password = '***';
        }
        return parsed.toString();
    }
    catch {
        return url;
    }
}
/** One line naming every invalid option, for the log. */
function formatSettingsErrors(errors) {
    return `Invalid configuration: ${errors.map(e => `option '${e.option}' ${e.message}`).join('; ')}`;
}
