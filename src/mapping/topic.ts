/**
 * Topic ⇄ id rules (SPEC §3, §4). Pure: the caller decides, with the objects database, whether a foreign
 * candidate really exists.
 */
import { FORBIDDEN_ID_CHARS } from './filter';

export interface TopicOptions {
    /** Own namespace, e.g. `mqtt-gateway.0`. */
    namespace: string;
    /** Added to outgoing topics, stripped from incoming ones. */
    prefix: string;
    /** Stripped from the start of an id before it becomes a topic. */
    removePrefix: string;
    /** Commands travel on `<topic>/set`. */
    extraSet: boolean;
    /** `.` inside a topic level becomes `_`. */
    dotToUnderscore: boolean;
}

/** Where an incoming topic may be written. */
export interface IncomingTarget {
    /** The own state id this topic maps to (`<namespace>.<levels>`). */
    ownId: string;
    /**
     * The id the levels spell when they start with another adapter's namespace (`adapter.N.…`): written only
     * if that object exists and the write is allowed.
     */
    foreignId: string | undefined;
    /** A command (`/set` with extraSet): written with ack=false. */
    isCommand: boolean;
    /** The topic as received, without prefix handling and without the `/set` level: stored as `native.topic`. */
    nativeTopic: string;
}

/** Why a topic is never written to a state, or undefined when it may be. */
export function unwritableTopicReason(topic: string, namespace: string): string | undefined {
    if (topic === '' || topic === '/') {
        return 'empty topic';
    }
    if (topic.startsWith('$')) {
        return 'system topic ($…)';
    }
    if (topic.includes('+') || topic.includes('#')) {
        return 'wildcard in topic';
    }
    const trimmed = topic.replace(/^\//, '').replace(/\/$/, '');
    if (trimmed.replace(/\//g, '.') === namespace) {
        return 'the namespace itself';
    }
    return undefined;
}

const WHITESPACE = /\s/gu;
/** Levels made only of these characters need no sanitizing (the common case, checked cheaply first). */
const PLAIN_LEVEL = /^[A-Za-z0-9_-]+$/;

/** Makes one topic level usable as one or more id levels. */
export function sanitizeLevel(level: string, dotToUnderscore: boolean): string {
    if (level === '') {
        return '_';
    }
    if (PLAIN_LEVEL.test(level)) {
        return level;
    }
    let result = dotToUnderscore ? level.replace(/\./g, '_') : level;
    result = result.replace(WHITESPACE, '_').replace(FORBIDDEN_ID_CHARS, '_');
    // a level of dots would make empty id levels ('a..b'): fill them
    return result
        .split('.')
        .map(part => (part === '' ? '_' : part))
        .join('.');
}

/** Maps an incoming topic to its target ids, or undefined when the topic is never written to a state. */
export function topicToId(topic: string, options: TopicOptions): IncomingTarget | undefined {
    if (unwritableTopicReason(topic, options.namespace)) {
        return undefined;
    }
    let rest = topic;
    if (options.prefix && rest.startsWith(options.prefix)) {
        rest = rest.slice(options.prefix.length);
    }
    let isCommand = false;
    let nativeTopic = topic;
    if (options.extraSet && (rest === 'set' || rest.endsWith('/set'))) {
        isCommand = true;
        rest = rest.slice(0, rest.length - 'set'.length).replace(/\/$/, '');
        nativeTopic = topic.slice(0, topic.length - 'set'.length).replace(/\/$/, '');
    }
    const levels = rest.split('/');
    if (levels.length > 1 && levels[0] === '') {
        levels.shift();
    }
    if (levels.length > 1 && levels[levels.length - 1] === '') {
        levels.pop();
    }
    if (levels.length === 1 && levels[0] === '') {
        return undefined; // only a prefix, or only '/set'
    }
    const joined = levels.map(level => sanitizeLevel(level, options.dotToUnderscore)).join('.');
    const ns = options.namespace;
    if (joined === ns) {
        return undefined;
    }
    if (joined.startsWith(`${ns}.`)) {
        return { ownId: joined, foreignId: undefined, isCommand, nativeTopic };
    }
    // `adapter/0/…` names a state of another adapter instance; `system/…` is named so that it can be refused
    const foreignId = /^(?:[^.]+\.\d+\.[^.]|system\.)/.test(joined) ? joined : undefined;
    return { ownId: `${ns}.${joined}`, foreignId, isCommand, nativeTopic };
}

/** Maps a state id to the topic it is published on. */
export function idToTopic(
    id: string,
    options: TopicOptions,
    extra: { nativeTopic?: string; isCommand?: boolean } = {},
): string {
    let topic: string;
    if (extra.nativeTopic) {
        topic = extra.nativeTopic;
    } else {
        let rest = id;
        if (options.removePrefix && rest.startsWith(options.removePrefix)) {
            rest = rest.slice(options.removePrefix.length).replace(/^\./, '');
        }
        if (rest.startsWith(`${options.namespace}.`)) {
            rest = rest.slice(options.namespace.length + 1);
        }
        topic = options.prefix + rest.replace(/\./g, '/').replace(/[+#]/g, '_');
    }
    if (options.extraSet && extra.isCommand) {
        topic += '/set';
    }
    return topic;
}
