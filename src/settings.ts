/**
 * Parses the instance's `native` configuration once, at start, into one typed, validated object: the part both modes
 * share plus the part of the chosen mode (a union discriminated by `type`). Normalised: every later module gets
 * values with units in their names, one meaning per idea (`retain`: statuses are published retained, in both modes),
 * and never looks at `native` again. The parsing helpers are in settingsReader.ts.
 */
import type { IdMask, TopicFilter } from './mapping/filter';
import { topicNameError } from './mapping/filter';
import {
    bindError,
    DAY_MIN,
    discoveryPrefix,
    parseUsers,
    PORT_MAX,
    Reader,
    redisUrlError,
    redisUrlForLog,
    type Native,
} from './settingsReader';

export { formatSettingsErrors, redisUrlError, redisUrlForLog } from './settingsReader';

export type Mode = 'server' | 'client';
export type QoS = 0 | 1 | 2;
export type ProtocolVersionSetting = 4 | 5 | 'auto';
export type ForceCleanSession = 'no' | 'clean' | 'keep';
/** Where the embedded broker keeps sessions, queues and retained messages. */
export type Persistence = 'memory' | 'disk' | 'redis';

/** One broker account of the `users` table (server mode). */
export interface UserSetting {
    user: string;
    /** Plain password as entered in admin; replaced by passHash at the first start. */
    pass: string;
    passHash: string;
    /** Filters (with %u, %c) the account may publish to / subscribe to. */
    publish: string[];
    subscribe: string[];
    readOnly: boolean;
    enabled: boolean;
}

/**
 * Options io-package.json declares (and configs exported from iobroker.mqtt carry) that are checked and accepted,
 * but mean nothing here: the broker retransmits on reconnect, as MQTT 3.1.1 and 5 require.
 */
export const ACCEPTED_UNUSED_OPTIONS = ['retransmitInterval', 'retransmitCount'] as const;

/** What both modes share: how topics and ids map, what is published and how. */
export interface SharedSettings {
    /** Own namespace, e.g. `mqtt-gateway.0`. */
    namespace: string;
    /** Server: the broker's port; client: the port of the broker when `url` names none. */
    port: number;
    /** Server: TLS listeners; client: mqtts:// when `url` names no scheme. */
    ssl: boolean;
    /** Server: the account with all rights; client: the login at the broker. */
    user: string;
    pass: string;
    /** Server: QoS 1/2 messages kept per offline session; client: messages queued while offline (0 = no limit). */
    maxQueuedMessages: number;
    /**
     * Statuses (ack=true) are published retained. Server mode: the option `noRetain` inverted; client mode: the
     * option `retain`. The one meaning of "retain" for the rest of the code.
     */
    retain: boolean;
    /** A value that came from MQTT is not sent back within this time (and, client mode, a copy of an own message). */
    noEchoIntervalMs: number;
    publish: IdMask[];
    writableMask: IdMask[];
    prefix: string;
    removePrefix: string;
    onchange: boolean;
    sendAckToo: boolean;
    /** Commands (ack=false) are retained too (devices that sleep and read their commands on waking). */
    retainCommands: boolean;
    extraSet: boolean;
    sendStateObject: boolean;
    publishAllOnStart: boolean;
    sendOnStartIntervalMs: number;
    sendIntervalMs: number;
    defaultQoS: QoS;
    /** 0 = no limit. */
    maxTopicLength: number;
    ignoredTopics: TopicFilter[];
    binaryTopics: TopicFilter[];
    /** Topic filters whose JSON object payloads become one state per field. */
    jsonTopics: TopicFilter[];
    /** Appended to the parent topic for commands of JSON fields ('' = the parent topic itself). */
    jsonCommandSuffix: string;
    ignoreNewObjects: boolean;
    parseCharCodes: boolean;
    dotToUnderscore: boolean;
    /** Home Assistant / Tasmota discovery builds devices (SPEC §12a). */
    discovery: boolean;
    /** Home Assistant's discovery prefix, one or more topic levels without a trailing '/'. */
    discoveryPrefix: string;
    /** The topics discovered entities use are mirrored as raw states too. */
    discoveryKeepRaw: boolean;
    debug: boolean;
}

/** Server mode: the embedded broker. */
export interface ServerOnlySettings {
    type: 'server';
    users: UserSetting[];
    bind: string;
    certPublic: string;
    certPrivate: string;
    certChained: string;
    webSocket: boolean;
    /** Resolved WebSocket port (`port + 1` when the option is 0). */
    wsPort: number;
    forceCleanSession: ForceCleanSession;
    persistence: Persistence;
    /** `persistence: redis`: the Redis server the broker instances share. */
    redisUrl: string;
    /** Minutes an offline persistent session is kept; -1 forever, 0 never. */
    storeClientsTimeMin: number;
    publishOnSubscribe: boolean;
    doNotCreateClientObjects: boolean;
    doNotCheckPublicIP: boolean;
    maxPayloadSizeBytes: number;
    maxClients: number;
    /** Subscriptions one client may hold; more are refused (SUBACK 0x80). */
    maxSubscriptions: number;
    /** The broker also speaks MQTT 5; false refuses MQTT 5 clients (CONNACK 0x84). */
    mqtt5: boolean;
}

/** Client mode: an mqtt.js connection to an external broker. */
export interface ClientOnlySettings {
    type: 'client';
    url: string;
    rejectUnauthorized: boolean;
    caCert: string;
    clientCert: string;
    clientKey: string;
    clientId: string;
    protocolVersion: ProtocolVersionSetting;
    keepaliveSec: number;
    reconnectPeriodSec: number;
    connectTimeoutSec: number;
    persistent: boolean;
    lwtTopic: string;
    lwtPayload: string;
    birthPayload: string;
    patterns: TopicFilter[];
    doNotSubscribeOwnStates: boolean;
}

export type ServerSettings = SharedSettings & ServerOnlySettings;
export type ClientSettings = SharedSettings & ClientOnlySettings;
export type Settings = ServerSettings | ClientSettings;

/** One invalid option and why. */
export interface SettingsError {
    option: string;
    message: string;
}

export type ParseResult = { ok: true; settings: Settings } | { ok: false; errors: SettingsError[] };

/** Parses `native` into typed settings, or every error found (each naming its option). */
export function parseSettings(native: Native, namespace: string): ParseResult {
    const r = new Reader(native);
    const type = r.choice<Mode>('type', 'server', ['server', 'client']);

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

    const persistence = r.choice<Persistence>('persistence', 'disk', ['memory', 'disk', 'redis']);
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
    const protocolVersion = r.choice<ProtocolVersionSetting>('protocolVersion', 'auto', [4, 5, 'auto']);
    const url = r.string('url', '127.0.0.1').trim();
    if (type === 'client') {
        if (url === '') {
            r.errors.push({ option: 'url', message: 'is empty: name the broker host or a full URL' });
        } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^(mqtt|mqtts|ws|wss|tcp|tls):\/\//i.test(url)) {
            r.errors.push({
                option: 'url',
                message: `'${url}' has an unsupported scheme: use mqtt://, mqtts://, ws:// or wss://`,
            });
        }
    }

    const lwtTopic = r.string('lwtTopic', '').trim();
    if (lwtTopic) {
        const error = topicNameError(lwtTopic);
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

    // every option is checked in both modes (a config stays valid when the mode is switched); only the chosen
    // mode's part is kept
    const server: Omit<ServerOnlySettings, 'type'> = {
        users,
        bind,
        certPublic,
        certPrivate,
        certChained,
        webSocket,
        wsPort,
        forceCleanSession: r.choice<ForceCleanSession>('forceCleanSession', 'no', ['no', 'clean', 'keep']),
        persistence,
        redisUrl,
        storeClientsTimeMin: r.integer('storeClientsTime', DAY_MIN, -1, 365 * DAY_MIN),
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

    const client: Omit<ClientOnlySettings, 'type'> = {
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

    const shared: SharedSettings = {
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
        defaultQoS: r.choice<QoS>('defaultQoS', 0, [0, 1, 2]),
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
    const settings: Settings = type === 'server' ? { ...shared, type, ...server } : { ...shared, type, ...client };
    return { ok: true, settings };
}
