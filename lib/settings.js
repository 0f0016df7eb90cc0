"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.parseSettings = parseSettings;
exports.redisUrlError = redisUrlError;
exports.redisUrlForLog = redisUrlForLog;
exports.formatSettingsErrors = formatSettingsErrors;
/**
 * Parses the instance's `native` configuration once, at start, into one typed, validated object.
 * Pure: every later module gets values with units in their names and never looks at `native` again.
 */
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
/** `discoveryPrefix`: topic levels without wildcards, no leading or trailing '/', not empty. */
function discoveryPrefix(r) {
    const value = r.topicPart('discoveryPrefix', 'homeassistant').trim();
    if (value === '' || value.startsWith('/') || value.endsWith('/') || value.startsWith('$')) {
        r.fail('discoveryPrefix', `must be one or more topic levels like 'homeassistant' (no leading or trailing '/'), got '${value}'`);
        return 'homeassistant';
    }
    return value;
}
const PORT_MAX = 65535;
const DAY_MIN = 24 * 60;
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
/** Parses `native` into typed settings, or every error found (each naming its option). */
function parseSettings(native, namespace) {
    const r = new Reader(native);
    const type = r.choice('type', 'server', ['server', 'client']);
    const bind = r.string('bind', '0.0.0.0').trim();
    const bindProblem = bindError(bind);
    if (bindProblem) {
        r.errors.push({ option: 'bind', message: bindProblem });
    }
    const port = r.integer('port', 1883, 1, PORT_MAX);
    const ssl = r.boolean('ssl', false);
    const certPublic = r.string('certPublic', '').trim();
    const certPrivate = r.string('certPrivate', '').trim();
    const certChained = r.string('certChained', '').trim();
    const webSocket = r.boolean('webSocket', false);
    const wsPortOption = r.integer('wsPort', 0, 0, PORT_MAX);
    let wsPort = wsPortOption === 0 ? port + 1 : wsPortOption;
    if (type === 'server' && webSocket && wsPort > PORT_MAX) {
        r.errors.push({ option: 'wsPort', message: `port + 1 = ${wsPort} is out of range: set wsPort explicitly` });
        wsPort = 0;
    }
    if (type === 'server' && webSocket && wsPort === port) {
        r.errors.push({ option: 'wsPort', message: `must differ from port (${port})` });
    }
    if (type === 'server' && ssl) {
        if (!certPublic) {
            r.errors.push({ option: 'certPublic', message: 'ssl is on: choose a public certificate' });
        }
        if (!certPrivate) {
            r.errors.push({ option: 'certPrivate', message: 'ssl is on: choose a private key' });
        }
    }
    const persistence = r.choice('persistence', 'disk', ['memory', 'disk', 'redis']);
    const redisUrl = r.string('redisUrl', 'redis://127.0.0.1:6379').trim();
    if (type === 'server' && persistence === 'redis') {
        const error = redisUrl === '' ? 'is empty: name the Redis server (redis://host:port)' : redisUrlError(redisUrl);
        if (error) {
            r.errors.push({
                option: 'redisUrl',
                message: redisUrl === '' ? error : `'${redisUrlForLog(redisUrl)}' ${error}`,
            });
        }
    }
    const protocolVersion = r.choice('protocolVersion', 'auto', [4, 5, 'auto']);
    const url = r.string('url', '127.0.0.1').trim();
    if (type === 'client') {
        if (url === '') {
            r.errors.push({ option: 'url', message: 'is empty: name the broker host or a full URL' });
        }
        else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^(mqtt|mqtts|ws|wss|tcp|tls):\/\//i.test(url)) {
            r.errors.push({
                option: 'url',
                message: `'${url}' has an unsupported scheme: use mqtt://, mqtts://, ws:// or wss://`,
            });
        }
    }
    const lwtTopic = r.string('lwtTopic', '').trim();
    if (lwtTopic) {
        const error = (0, filter_1.topicNameError)(lwtTopic);
        if (error) {
            r.errors.push({ option: 'lwtTopic', message: `'${lwtTopic}' ${error}` });
        }
    }
    const publishText = r.string('publish', '').trim();
    const publish = r.idMasks('publish', publishText === '' ? `${namespace}.*` : publishText);
    const writableText = r.string('writableMask', '').trim();
    const writableMask = writableText === '' ? publish : r.idMasks('writableMask', writableText);
    const patterns = r.topicFilters('patterns', '#');
    if (type === 'client' && patterns.length === 0) {
        r.errors.push({ option: 'patterns', message: 'is empty: subscribe to at least one topic filter (e.g. #)' });
    }
    const users = parseUsers(native.users, r.errors);
    if (users.some(u => u.user === r.string('user', '').trim()) && r.string('user', '').trim() !== '') {
        r.errors.push({
            option: 'users',
            message: `user '${r.string('user', '').trim()}' is also the single 'user' option`,
        });
    }
    const settings = {
        type,
        users,
        namespace,
        bind,
        port,
        ssl,
        certPublic,
        certPrivate,
        certChained,
        webSocket,
        wsPort,
        forceCleanSession: r.choice('forceCleanSession', 'no', ['no', 'clean', 'keep']),
        persistence,
        redisUrl,
        storeClientsTimeMin: r.integer('storeClientsTime', DAY_MIN, -1, 365 * DAY_MIN),
        noRetain: r.boolean('noRetain', false),
        publishOnSubscribe: r.boolean('publishOnSubscribe', true),
        doNotCreateClientObjects: r.boolean('doNotCreateClientObjects', false),
        doNotCheckPublicIP: r.boolean('doNotCheckPublicIP', false),
        maxPayloadSizeBytes: r.integer('maxPayloadSize', 1048576, 1, 268435455),
        maxClients: r.integer('maxClients', 1000, 1, 1000000),
        maxSubscriptions: r.integer('maxSubscriptions', 10000, 1, 1000000),
        maxQueuedMessages: r.integer('maxQueuedMessages', 1000, 0, 10000000),
        mqtt5: r.boolean('mqtt5', true),
        retransmitIntervalMs: r.integer('retransmitInterval', 2000, 0, 3600000),
        retransmitCount: r.integer('retransmitCount', 10, 0, 1000),
        url,
        rejectUnauthorized: r.boolean('rejectUnauthorized', true),
        caCert: r.string('caCert', '').trim(),
        clientCert: r.string('clientCert', '').trim(),
        clientKey: r.string('clientKey', '').trim(),
        clientId: r.string('clientId', '').trim(),
        protocolVersion,
        keepaliveSec: r.integer('keepalive', 60, 0, 65535),
        reconnectPeriodSec: r.integer('reconnectPeriod', 10, 1, 86400),
        connectTimeoutSec: r.integer('connectTimeout', 30, 1, 3600),
        persistent: r.boolean('persistent', false),
        lwtTopic,
        lwtPayload: r.string('lwtPayload', 'offline'),
        birthPayload: r.string('birthPayload', 'online'),
        patterns,
        retain: r.boolean('retain', false),
        doNotSubscribeOwnStates: r.boolean('doNotSubscribeOwnStates', false),
        noEchoIntervalMs: r.integer('noEchoInterval', 2000, 0, 3600000),
        user: r.string('user', '').trim(),
        pass: r.string('pass', ''),
        publish,
        writableMask,
        prefix: r.topicPart('prefix', ''),
        removePrefix: r.string('removePrefix', ''),
        onchange: r.boolean('onchange', true),
        sendAckToo: r.boolean('sendAckToo', false),
        retainCommands: r.boolean('retainCommands', false),
        extraSet: r.boolean('extraSet', false),
        sendStateObject: r.boolean('sendStateObject', false),
        publishAllOnStart: r.boolean('publishAllOnStart', true),
        sendOnStartIntervalMs: r.integer('sendOnStartInterval', 2000, 0, 3600000),
        sendIntervalMs: r.integer('sendInterval', 10, 0, 60000),
        defaultQoS: r.choice('defaultQoS', 0, [0, 1, 2]),
        maxTopicLength: r.integer('maxTopicLength', 100, 0, 65535),
        ignoredTopics: r.topicFilters('ignoredTopics', ''),
        binaryTopics: r.topicFilters('binaryTopics', ''),
        jsonTopics: r.topicFilters('jsonTopics', ''),
        jsonCommandSuffix: r.topicPart('jsonCommandSuffix', '/set'),
        ignoreNewObjects: r.boolean('ignoreNewObjects', false),
        parseCharCodes: r.boolean('parseCharCodes', false),
        dotToUnderscore: r.boolean('dotToUnderscore', false),
        discovery: r.boolean('discovery', true),
        discoveryPrefix: discoveryPrefix(r),
        discoveryKeepRaw: r.boolean('discoveryKeepRaw', false),
        debug: r.boolean('debug', false),
    };
    if (r.errors.length > 0) {
        return { ok: false, errors: r.errors };
    }
    return { ok: true, settings };
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
