"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ACCEPTED_UNUSED_OPTIONS = exports.redisUrlForLog = exports.redisUrlError = exports.formatSettingsErrors = void 0;
exports.parseSettings = parseSettings;
const filter_1 = require("./mapping/filter");
const settingsReader_1 = require("./settingsReader");
var settingsReader_2 = require("./settingsReader");
Object.defineProperty(exports, "formatSettingsErrors", { enumerable: true, get: function () { return settingsReader_2.formatSettingsErrors; } });
Object.defineProperty(exports, "redisUrlError", { enumerable: true, get: function () { return settingsReader_2.redisUrlError; } });
Object.defineProperty(exports, "redisUrlForLog", { enumerable: true, get: function () { return settingsReader_2.redisUrlForLog; } });
/**
 * Options io-package.json declares (and configs exported from iobroker.mqtt carry) that are checked and accepted,
 * but mean nothing here: the broker retransmits on reconnect, as MQTT 3.1.1 and 5 require.
 */
exports.ACCEPTED_UNUSED_OPTIONS = ['retransmitInterval', 'retransmitCount'];
/** Parses `native` into typed settings, or every error found (each naming its option). */
function parseSettings(native, namespace) {
    const r = new settingsReader_1.Reader(native);
    const type = r.choice('type', 'server', ['server', 'client']);
    const bind = r.string('bind', '0.0.0.0').trim();
    const bindProblem = (0, settingsReader_1.bindError)(bind);
    if (bindProblem) {
        r.errors.push({ option: 'bind', message: bindProblem });
    }
    const port = r.integer('port', 1883, 1, settingsReader_1.PORT_MAX);
    const ssl = r.boolean('ssl', false);
    const certPublic = r.string('certPublic', '').trim();
    const certPrivate = r.string('certPrivate', '').trim();
    const certChained = r.string('certChained', '').trim();
    const webSocket = r.boolean('webSocket', false);
    const wsPortOption = r.integer('wsPort', 0, 0, settingsReader_1.PORT_MAX);
    let wsPort = wsPortOption === 0 ? port + 1 : wsPortOption;
    if (type === 'server' && webSocket && wsPort > settingsReader_1.PORT_MAX) {
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
        const error = redisUrl === '' ? 'is empty: name the Redis server (redis://host:port)' : (0, settingsReader_1.redisUrlError)(redisUrl);
        if (error) {
            r.errors.push({
                option: 'redisUrl',
                message: redisUrl === '' ? error : `'${(0, settingsReader_1.redisUrlForLog)(redisUrl)}' ${error}`,
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
    const users = (0, settingsReader_1.parseUsers)(native.users, r.errors);
    if (users.some(u => u.user === r.string('user', '').trim()) && r.string('user', '').trim() !== '') {
        r.errors.push({
            option: 'users',
            message: `user '${r.string('user', '').trim()}' is also the single 'user' option`,
        });
    }
    // every option is checked in both modes (a config stays valid when the mode is switched); only the chosen
    // mode's part is kept
    const server = {
        users,
        bind,
        certPublic,
        certPrivate,
        certChained,
        webSocket,
        wsPort,
        forceCleanSession: r.choice('forceCleanSession', 'no', ['no', 'clean', 'keep']),
        persistence,
        redisUrl,
        storeClientsTimeMin: r.integer('storeClientsTime', settingsReader_1.DAY_MIN, -1, 365 * settingsReader_1.DAY_MIN),
        publishOnSubscribe: r.boolean('publishOnSubscribe', true),
        doNotCreateClientObjects: r.boolean('doNotCreateClientObjects', false),
        doNotCheckPublicIP: r.boolean('doNotCheckPublicIP', false),
        maxPayloadSizeBytes: r.integer('maxPayloadSize', 1048576, 1, 268435455),
        maxClients: r.integer('maxClients', 1000, 1, 1000000),
        maxSubscriptions: r.integer('maxSubscriptions', 10000, 1, 1000000),
        mqtt5: r.boolean('mqtt5', true),
    };
    const noRetain = r.boolean('noRetain', false);
    const maxQueuedMessages = r.integer('maxQueuedMessages', 1000, 0, 10000000);
    // ACCEPTED_UNUSED_OPTIONS: checked, then dropped
    r.integer('retransmitInterval', 2000, 0, 3600000);
    r.integer('retransmitCount', 10, 0, 1000);
    const client = {
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
        doNotSubscribeOwnStates: r.boolean('doNotSubscribeOwnStates', false),
    };
    const retainOption = r.boolean('retain', false);
    const shared = {
        namespace,
        port,
        ssl,
        user: r.string('user', '').trim(),
        pass: r.string('pass', ''),
        maxQueuedMessages,
        retain: type === 'server' ? !noRetain : retainOption,
        noEchoIntervalMs: r.integer('noEchoInterval', 2000, 0, 3600000),
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
        discoveryPrefix: (0, settingsReader_1.discoveryPrefix)(r),
        discoveryKeepRaw: r.boolean('discoveryKeepRaw', false),
        debug: r.boolean('debug', false),
    };
    if (r.errors.length > 0) {
        return { ok: false, errors: r.errors };
    }
    const settings = type === 'server' ? { ...shared, type, ...server } : { ...shared, type, ...client };
    return { ok: true, settings };
}
