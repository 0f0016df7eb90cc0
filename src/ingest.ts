/**
 * One pipeline for everything that enters from MQTT, in both modes:
 * topic → id → filters → object (resolve or create) → value → setState.
 */
import { matchesAnyFilter, matchesAnyMask, topicNameError, type IdMask, type TopicFilter } from './mapping/filter';
import { expandJson, type JsonBatch } from './mapping/json';
import { convertValue, isJsonContentType, payloadToValue, type CommonType, type Value } from './mapping/payload';
import { topicToId, unwritableTopicReason, type TopicOptions } from './mapping/topic';
import type { Logger, SettableState, Store } from './iobroker/store';
import { RateLimitedLog, clip } from './rateLog';
import { errorText } from './errorText';
import { timers, type Timer } from './timers';
import { KeyedQueue } from './keyedQueue';

export interface IngestOptions extends TopicOptions {
    /** 0 = no limit. */
    maxTopicLength: number;
    ignoredTopics: readonly TopicFilter[];
    binaryTopics: readonly TopicFilter[];
    /** JSON object payloads on these topics become one state per field. */
    jsonTopics?: readonly TopicFilter[];
    ignoreNewObjects: boolean;
    parseCharCodes: boolean;
    /** Foreign states MQTT messages may write. */
    writableMask: readonly IdMask[];
}

/** What happened to one message. */
export type IngestResult =
    | { status: 'written'; id: string; val: Value; ack: boolean }
    | { status: 'ignored'; reason: string }
    | { status: 'dropped'; reason: string };

export interface IngestHooks {
    /** Called right before a state is written from MQTT (echo suppression in the publisher). */
    beforeWrite?(id: string, val: Value, ack: boolean): void;
}

/**
 * Backpressure. With `high` messages being written, `admit()` makes the next messages wait until no more than `low`
 * are left (or `maxWaitMs` passed, so a stalled database cannot hold a connection forever).
 */
export interface BacklogLimits {
    high: number;
    low: number;
    maxWaitMs: number;
}

export const DEFAULT_BACKLOG: BacklogLimits = { high: 1000, low: 500, maxWaitMs: 2000 };

interface Resolved {
    id: string;
    foreign: boolean;
    /** The object's `common.type`; undefined while the object still has to be created. */
    type: string | undefined;
    binary: boolean;
    isCommand: boolean;
    nativeTopic: string;
}

type Resolution = { ok: true; target: Resolved } | { ok: false; result: IngestResult };

/** A JSON payload with more fields is not expanded (a warning, nothing written). */
const MAX_JSON_FIELDS = 1000;

/** `common.type`s a command state may have. */
const COMMAND_TYPES = ['string', 'number', 'boolean', 'json', 'mixed'];

/** ioBroker quality 0x40: a substitute value from the device or instance (a cleared retained message). */
const SUBSTITUTE = 0x40;

export class Ingest {
    /** Warnings about messages from outside: once per cause and topic, bounded (see rateLog.ts). */
    private readonly warnings: RateLimitedLog;
    /** topic → where it is written; follows object changes. */
    private readonly cache = new Map<string, Resolved>();
    /** id → topics cached for it, to invalidate on object changes. */
    private readonly topicsById = new Map<string, Set<string>>();
    /** Per-topic chains while a topic is being resolved or its object created: keeps order, loses nothing. */
    private readonly inflight = new KeyedQueue();
    /** Parent ids known to have an object. */
    private readonly knownParents = new Set<string>();
    private readonly watchedForeign = new Set<string>();
    /** Messages refused by a limit or a filter. */
    dropped = 0;
    /** JSON field state id → its common.type (undefined: not known yet). */
    private readonly jsonTypes = new Map<string, string>();
    private readonly knownChannels = new Set<string>();
    /** Messages taken (past the filters) and not yet written or dropped. */
    private writing = 0;
    /** After close(): nothing is held any more (the instance is stopping). */
    private closed = false;
    /** Messages held back by `admit()`, in arrival order. */
    private readonly held: (() => void)[] = [];
    private holdTimer: Timer | undefined;

    constructor(
        private readonly options: IngestOptions,
        private readonly store: Store,
        private readonly log: Logger,
        private readonly hooks: IngestHooks = {},
        private readonly backlog: BacklogLimits = DEFAULT_BACKLOG,
    ) {
        this.warnings = new RateLimitedLog(log);
    }

    /** Messages taken and not yet written (or dropped). */
    get pendingWrites(): number {
        return this.writing;
    }

    /** The instance stops: lets every held message in and holds none from now on. */
    close(): void {
        this.closed = true;
        this.release();
    }

    /**
     * Asked by the broker (server mode) or the MQTT client (client mode) before it takes the next message from a
     * connection: undefined means now; a promise means once the messages in flight are down to the low mark. Meanwhile
     * the connection is not read, so a flood waits in the sender's socket instead of piling up here as pending
     * database work without bound. Promises resolve in the order they were handed out, so messages keep their order.
     */
    admit(): Promise<void> | undefined {
        if (this.closed || (this.writing < this.backlog.high && this.held.length === 0)) {
            return undefined;
        }
        return new Promise<void>(resolve => {
            this.held.push(resolve);
            if (!this.holdTimer) {
                this.holdTimer = timers.setTimeout(() => this.release(), this.backlog.maxWaitMs);
            }
        });
    }

    private release(): void {
        timers.clearTimeout(this.holdTimer);
        this.holdTimer = undefined;
        for (const resolve of this.held.splice(0)) {
            resolve();
        }
    }

    /** Counts a taken message until it is written or dropped (new topics too: their objects are created first). */
    private track(result: Promise<IngestResult>): Promise<IngestResult> {
        this.writing++;
        const settled = (): void => {
            this.writing--;
            if (this.held.length > 0 && this.writing <= this.backlog.low) {
                this.release();
            }
        };
        void result.then(settled, settled);
        return result;
    }

    /**
     * Handles one message; `contentType` is its MQTT 5 Content Type (JSON: see `write`). Never throws: failures are
     * logged and reported as dropped.
     */
    handle(topic: string, payload: Buffer, contentType?: string): Promise<IngestResult> {
        const pre = this.precheck(topic);
        if (pre) {
            return Promise.resolve(pre);
        }
        const cached = this.cache.get(topic);
        const isJson = this.options.jsonTopics !== undefined && matchesAnyFilter(this.options.jsonTopics, topic);
        if (cached && !this.inflight.busy(topic) && !isJson) {
            return this.track(this.write(topic, cached, payload, contentType));
        }
        return this.track(this.inflight.run(topic, () => this.resolveAndWrite(topic, payload, contentType)));
    }

    /**
     * An empty retained message cleared the topic's retained copy. The state keeps its last value, with ack=true and
     * q=0x40 (a substitute value: the last one known, no longer asserted by a retained message) — never `null`, which
     * would be offered as the text `null` (SPEC §8). No state is created for it.
     */
    async cleared(topic: string): Promise<IngestResult> {
        const pre = this.precheck(topic);
        if (pre) {
            return pre;
        }
        try {
            const target = topicToId(topic, this.options);
            let id = this.cache.get(topic)?.id;
            if (!id && target) {
                for (const candidate of [target.foreignId, target.ownId]) {
                    const obj = candidate ? await this.store.getObject(candidate) : undefined;
                    if (candidate && obj?.type === 'state' && obj.common.write !== false) {
                        id = candidate;
                        break;
                    }
                }
            }
            if (!id || (id !== target?.ownId && !matchesAnyMask(this.options.writableMask, id))) {
                return { status: 'ignored', reason: 'no state for a cleared topic' };
            }
            const current = (await this.store.getStates(id))[id];
            if (!current || current.val === null || current.q === SUBSTITUTE) {
                return { status: 'ignored', reason: 'nothing to mark' };
            }
            this.hooks.beforeWrite?.(id, current.val, true);
            await this.store.setState(id, { val: current.val, ack: true, q: SUBSTITUTE });
            return { status: 'written', id, val: current.val, ack: true };
        } catch (err) {
            return this.failed(topic, err);
        }
    }

    /**
     * sendTo `createCommand`: a writable state for a topic that no device publishes to (`cmnd/plug1/POWER`), so a
     * script can command a device that only listens. The id follows the rules for incoming topics; an existing state
     * is kept. Its `native.topic` is the topic, so commands go exactly there.
     */
    async createCommandState(topic: string, type: string, role: string | undefined): Promise<{ id: string }> {
        const unwritable = unwritableTopicReason(topic, this.options.namespace) ?? topicNameError(topic);
        if (unwritable) {
            throw new Error(`topic '${topic}' ${unwritable}`);
        }
        if (!COMMAND_TYPES.includes(type)) {
            throw new Error(`type '${type}' is not one of ${COMMAND_TYPES.join(', ')}`);
        }
        const target = topicToId(topic, this.options);
        if (!target) {
            throw new Error(`topic '${topic}' maps to no state id`);
        }
        if (target.foreignId) {
            const foreign = await this.store.getObject(target.foreignId);
            if (foreign) {
                if (foreign.type !== 'state') {
                    throw new Error(`'${target.foreignId}' exists and is a ${foreign.type}, not a state`);
                }
                return { id: target.foreignId };
            }
        }
        const existing = await this.store.getObject(target.ownId);
        if (existing) {
            if (existing.type !== 'state') {
                throw new Error(`'${target.ownId}' exists and is a ${existing.type}, not a state`);
            }
            return { id: target.ownId };
        }
        await this.createParents(target.ownId);
        await this.store.createObjectIfMissing(target.ownId, {
            type: 'state',
            common: {
                name: target.nativeTopic,
                role: role ?? 'state',
                type: type as ioBroker.CommonType,
                read: true,
                write: true,
            },
            native: { topic: target.nativeTopic, command: true },
        });
        this.log.info(`Created the command state '${target.ownId}' (${type}) for topic '${target.nativeTopic}'`);
        return { id: target.ownId };
    }

    /** Keeps the cache true when objects change or disappear (no restart needed). */
    onObjectChange(id: string, obj: ioBroker.Object | null | undefined): void {
        if (!obj) {
            this.knownParents.delete(id);
            this.knownChannels.delete(id);
        }
        if (this.jsonTypes.has(id)) {
            if (obj?.type === 'state') {
                this.jsonTypes.set(id, obj.common.type);
            } else {
                this.jsonTypes.delete(id);
            }
        }
        const topics = this.topicsById.get(id);
        if (!topics) {
            return;
        }
        for (const topic of topics) {
            const entry = this.cache.get(topic);
            if (!entry) {
                continue;
            }
            if (obj && obj.type === 'state') {
                entry.type = obj.common.type;
                entry.binary = !entry.foreign && obj.native?.binary === true;
            } else {
                this.cache.delete(topic);
            }
        }
        if (!obj || obj.type !== 'state') {
            this.topicsById.delete(id);
        }
    }

    /** A message refused: counted, and warned about once per cause and topic (rate-limited, see rateLog.ts). */
    private drop(cause: string, topic: string, reason: string, message: string): IngestResult {
        this.dropped++;
        this.warnings.warn(cause, topic, message);
        return { status: 'dropped', reason };
    }

    private precheck(topic: string): IngestResult | undefined {
        const unwritable = unwritableTopicReason(topic, this.options.namespace);
        if (unwritable) {
            return { status: 'ignored', reason: unwritable };
        }
        if (this.options.maxTopicLength > 0 && topic.length > this.options.maxTopicLength) {
            return this.drop(
                'length',
                topic,
                'maxTopicLength',
                `Topic '${topic.slice(0, 60)}…' (${topic.length} characters) is longer than maxTopicLength (${this.options.maxTopicLength}): not written`,
            );
        }
        if (matchesAnyFilter(this.options.ignoredTopics, topic)) {
            return { status: 'ignored', reason: 'ignoredTopics' };
        }
        return undefined;
    }

    private async resolveAndWrite(topic: string, payload: Buffer, contentType?: string): Promise<IngestResult> {
        try {
            if (this.options.jsonTopics && matchesAnyFilter(this.options.jsonTopics, topic)) {
                const handled = await this.writeJson(topic, payload);
                if (handled) {
                    return handled;
                }
            }
            const cached = this.cache.get(topic);
            if (cached) {
                return await this.write(topic, cached, payload, contentType);
            }
            const resolution = await this.resolve(topic);
            if (!resolution.ok) {
                return resolution.result;
            }
            return await this.write(topic, resolution.target, payload, contentType);
        } catch (err) {
            return this.failed(topic, err);
        }
    }

    private failed(topic: string, err: unknown): IngestResult {
        const message = errorText(err);
        return this.drop('error', topic, 'error', `Message on '${topic}' could not be written: ${message}`);
    }

    private remember(topic: string, target: Resolved): void {
        this.cache.set(topic, target);
        let topics = this.topicsById.get(target.id);
        if (!topics) {
            topics = new Set();
            this.topicsById.set(target.id, topics);
        }
        topics.add(topic);
    }

    private async resolve(topic: string): Promise<Resolution> {
        const target = topicToId(topic, this.options);
        if (!target) {
            return { ok: false, result: { status: 'ignored', reason: 'not a state topic' } };
        }
        const base = { isCommand: target.isCommand, nativeTopic: target.nativeTopic };

        if (target.foreignId) {
            const foreign = await this.store.getObject(target.foreignId);
            if (foreign) {
                return this.resolveForeign(topic, target.foreignId, foreign, base);
            }
        }

        const own = await this.store.getObject(target.ownId);
        const binary = matchesAnyFilter(this.options.binaryTopics, topic);
        if (own && own.type === 'state' && own.common.write === false) {
            // read-only states (the adapter's own info.*, for one) are never written from MQTT
            return {
                ok: false,
                result: this.drop(
                    'readonly',
                    topic,
                    'read-only',
                    `Topic '${topic}' maps to the read-only state '${target.ownId}': not written`,
                ),
            };
        }
        if (own && own.type === 'state') {
            const resolved: Resolved = {
                id: target.ownId,
                foreign: false,
                type: own.common.type,
                binary: binary || own.native?.binary === true,
                ...base,
            };
            this.remember(topic, resolved);
            return { ok: true, target: resolved };
        }
        if (own && !isOwnFolder(own)) {
            return {
                ok: false,
                result: this.drop(
                    'kind',
                    topic,
                    'not a state',
                    `Topic '${topic}' maps to '${target.ownId}', which is a ${own.type}, not a state: not written`,
                ),
            };
        }
        if (!own && target.ownId.startsWith(`${this.options.namespace}.info.`)) {
            return {
                ok: false,
                result: this.drop(
                    'readonly',
                    topic,
                    'read-only',
                    `Topic '${topic}' maps into the adapter's own info channel: not written`,
                ),
            };
        }
        if (!own && this.options.ignoreNewObjects) {
            return { ok: false, result: { status: 'ignored', reason: 'ignoreNewObjects' } };
        }
        // no state yet (or only a folder we created for deeper topics): created on first write
        return { ok: true, target: { id: target.ownId, foreign: false, type: undefined, binary, ...base } };
    }

    private resolveForeign(
        topic: string,
        id: string,
        obj: ioBroker.Object,
        base: Pick<Resolved, 'isCommand' | 'nativeTopic'>,
    ): Resolution {
        if (!this.watchedForeign.has(id)) {
            this.watchedForeign.add(id);
            void this.store.subscribeObjects(id).catch(() => undefined);
        }
        if (obj.type !== 'state') {
            return {
                ok: false,
                result: this.drop(
                    'refused',
                    topic,
                    'not a state',
                    `Topic '${topic}' names '${id}', which is not a state: not written`,
                ),
            };
        }
        if (obj.common.write === false) {
            return {
                ok: false,
                result: this.drop(
                    'refused',
                    topic,
                    'read-only',
                    `Topic '${topic}' names the read-only state '${id}': not written`,
                ),
            };
        }
        if (id.startsWith('system.') || !matchesAnyMask(this.options.writableMask, id)) {
            return {
                ok: false,
                result: this.drop(
                    'refused',
                    topic,
                    'not writable',
                    `Topic '${topic}' would write the foreign state '${id}', which writableMask does not allow: not written`,
                ),
            };
        }
        const resolved: Resolved = { id, foreign: true, type: obj.common.type, binary: false, ...base };
        this.remember(topic, resolved);
        return { ok: true, target: resolved };
    }

    /**
     * Writes one message to its state. A Content Type that says JSON (`application/json`, `…+json`): a JSON string
     * is stored without its quotes and `null` as null; objects and arrays as on any topic; a payload that is not
     * valid JSON gets a warning and is converted as a plain payload.
     */
    private async write(topic: string, target: Resolved, payload: Buffer, contentType?: string): Promise<IngestResult> {
        try {
            let val: Value;
            let type: CommonType | undefined;
            let ack = !target.isCommand;
            let extra: Pick<SettableState, 'ts' | 'q'> = {};
            if (target.binary) {
                await this.store.writeFile(this.options.namespace, topic, payload);
                val = `/files/${this.options.namespace}/${topic}`;
                type = 'string';
            } else {
                const converted = payloadToValue(payload, {
                    existingType: target.type,
                    parseCharCodes: this.options.parseCharCodes,
                    json: contentType !== undefined && isJsonContentType(contentType),
                });
                if (converted.invalidJson) {
                    this.warnings.warn(
                        'contenttype',
                        topic,
                        `Payload on '${topic}' has content type '${clip(contentType ?? '', 60)}' but is not valid JSON: written as a plain payload`,
                    );
                }
                if (converted.invalidUtf8) {
                    this.warnings.warn(
                        'utf8',
                        topic,
                        `Payload on '${topic}' is not valid UTF-8: stored as text with replacement characters; add the topic to binaryTopics to keep its bytes`,
                    );
                }
                val = converted.val;
                type = converted.type;
                if (converted.ack !== undefined && !target.isCommand) {
                    ack = converted.ack;
                }
                extra = {
                    ...(converted.ts !== undefined ? { ts: converted.ts } : {}),
                    ...(converted.q !== undefined ? { q: converted.q } : {}),
                };
                if (converted.becomesMixed && target.type !== undefined) {
                    this.log.info(
                        `State '${target.id}' (type ${target.type}) received '${topic}' payload it cannot hold: its type becomes mixed`,
                    );
                    await this.store.extendObject(target.id, { common: { type: 'mixed' } });
                    target.type = 'mixed';
                }
            }
            if (target.foreign) {
                // only the owning adapter acknowledges its states
                ack = false;
            }
            if (target.type === undefined) {
                await this.createState(topic, target, type ?? 'mixed');
            }
            this.hooks.beforeWrite?.(target.id, val, ack);
            await this.store.setState(target.id, { val, ack, ...extra });
            return { status: 'written', id: target.id, val, ack };
        } catch (err) {
            return this.failed(topic, err);
        }
    }

    /**
     * jsonTopics: a JSON object (or telemetry `{ts, values}`, or an array of those) becomes one state per field
     * below the topic's id, which becomes a channel. Returns undefined for a payload that is not JSON at all (it is
     * then written as one state, like on any topic).
     */
    private async writeJson(topic: string, payload: Buffer): Promise<IngestResult | undefined> {
        const text = payload.toString('utf8');
        const batches = expandJson(text);
        if (!batches) {
            if (/^\s*[[{]/.test(text)) {
                return this.drop(
                    'json',
                    topic,
                    'malformed JSON',
                    `Payload on '${topic}' (jsonTopics) is not valid JSON: not written`,
                );
            }
            return undefined;
        }
        const fields = batches.reduce((n, b) => n + b.rows.length, 0);
        if (fields > MAX_JSON_FIELDS) {
            return this.drop(
                'jsonsize',
                topic,
                'too many JSON fields',
                `Payload on '${topic}' (jsonTopics) has ${fields} fields, more than ${MAX_JSON_FIELDS}: not written`,
            );
        }
        const target = topicToId(topic, this.options);
        if (!target) {
            return { status: 'ignored', reason: 'not a state topic' };
        }
        const parentId = target.ownId;
        if (parentId.startsWith(`${this.options.namespace}.info.`)) {
            return this.drop(
                'readonly',
                topic,
                'read-only',
                `Topic '${topic}' maps into the adapter's own info channel: not written`,
            );
        }
        await this.ensureChannel(parentId, target.nativeTopic, { topic: target.nativeTopic, json: true });
        const ack = !target.isCommand;
        for (const batch of batches) {
            await this.writeJsonBatch(parentId, target.nativeTopic, batch, ack);
        }
        return { status: 'written', id: parentId, val: null, ack };
    }

    private async writeJsonBatch(parentId: string, parentTopic: string, batch: JsonBatch, ack: boolean): Promise<void> {
        for (const row of batch.rows) {
            const id = `${parentId}.${row.path.join('.')}`;
            let type = this.jsonTypes.get(id);
            if (type === undefined) {
                const existing = await this.store.getObject(id);
                if (existing?.type === 'state') {
                    if (existing.common.write === false) {
                        continue;
                    }
                    type = existing.common.type;
                }
            }
            const converted = row.isJsonText
                ? { val: row.value, type: (type ?? 'json') as CommonType, becomesMixed: false }
                : convertValue(row.value, type, false);
            if (type === undefined) {
                for (let i = 1; i < row.path.length; i++) {
                    const channelId = `${parentId}.${row.path.slice(0, i).join('.')}`;
                    await this.ensureChannel(channelId, row.keys[i - 1] ?? channelId, {
                        jsonKeys: row.keys.slice(0, i),
                    });
                }
                await this.store.createObjectIfMissing(id, {
                    type: 'state',
                    common: {
                        name: row.keys.join('.'),
                        role: 'state',
                        type: converted.type as ioBroker.CommonType,
                        read: true,
                        write: true,
                    },
                    native: { jsonParent: parentTopic, jsonKeys: row.keys },
                });
                type = converted.type;
            } else if (converted.becomesMixed) {
                this.log.info(
                    `State '${id}' (type ${type}) received a JSON value it cannot hold: its type becomes mixed`,
                );
                await this.store.extendObject(id, { common: { type: 'mixed' } });
                type = 'mixed';
            }
            this.jsonTypes.set(id, type);
            this.hooks.beforeWrite?.(id, converted.val, ack);
            await this.store.setState(id, {
                val: converted.val,
                ack,
                ...(batch.ts !== undefined ? { ts: batch.ts } : {}),
            });
        }
    }

    private async ensureChannel(id: string, name: string, native: Record<string, unknown>): Promise<void> {
        if (this.knownChannels.has(id)) {
            return;
        }
        await this.createParents(id);
        let existing = await this.store.getObject(id);
        if (existing?.type === 'state' && (existing.native as { topic?: unknown } | undefined)?.topic === name) {
            // the topic was mirrored as one text state before it became a JSON topic: that state becomes the
            // channel of the field states (no state with children, no frozen old value)
            await this.store.deleteObject(id);
            existing = undefined;
            this.log.info(
                `'${name}' is a JSON topic now (jsonTopics): its state '${id}' became a channel with one state per field`,
            );
        }
        if (!existing || isOwnFolder(existing)) {
            await this.store.setObject(id, {
                type: 'channel',
                common: { name },
                native: { ...native, autoCreated: true },
            });
        }
        this.knownChannels.add(id);
        this.knownParents.add(id);
    }

    private async createState(topic: string, target: Resolved, type: CommonType): Promise<void> {
        await this.createParents(target.id);
        const obj: ioBroker.SettableObject = {
            type: 'state',
            common: {
                name: target.nativeTopic,
                role: target.binary ? 'url' : 'state',
                // js-controller accepts 'json' (text values), its typings do not list it yet
                type: (type === 'file' ? 'string' : type) as ioBroker.CommonType,
                read: true,
                write: true,
            },
            native: target.binary ? { topic: target.nativeTopic, binary: true } : { topic: target.nativeTopic },
        };
        const existing = await this.store.getObject(target.id);
        if (existing && isOwnFolder(existing)) {
            // a deeper topic came first (zigbee2mqtt: 'lamp/availability' before 'lamp'): the folder becomes a state
            await this.store.setObject(target.id, obj);
        } else {
            await this.store.createObjectIfMissing(target.id, obj);
        }
        const created = await this.store.getObject(target.id);
        target.type = created?.type === 'state' ? created.common.type : type;
        this.remember(topic, target);
        this.log.debug(`Created state '${target.id}' (${target.type}) for topic '${topic}'`);
    }

    private async createParents(id: string): Promise<void> {
        const ns = this.options.namespace;
        const levels = id.slice(ns.length + 1).split('.');
        let parent = ns;
        for (let i = 0; i < levels.length - 1; i++) {
            parent = `${parent}.${levels[i]}`;
            if (this.knownParents.has(parent)) {
                continue;
            }
            await this.store.createObjectIfMissing(parent, {
                type: 'folder',
                common: { name: levels[i] ?? parent },
                native: { autoCreated: true },
            });
            this.knownParents.add(parent);
        }
    }
}

/** A folder this adapter created for a deeper topic. */
function isOwnFolder(obj: ioBroker.Object): boolean {
    return obj.type === 'folder' && obj.native?.autoCreated === true;
}
