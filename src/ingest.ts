/**
 * One pipeline for everything that enters from MQTT, in both modes:
 * topic → id → filters → object (resolve or create) → value → setState.
 */
import { matchesAnyFilter, matchesAnyMask, type IdMask, type TopicFilter } from './mapping/filter';
import { payloadToValue, type CommonType, type Value } from './mapping/payload';
import { topicToId, unwritableTopicReason, type TopicOptions } from './mapping/topic';
import { OnceLogger, type Logger, type SettableState, type Store } from './iobroker/store';

export interface IngestOptions extends TopicOptions {
    /** 0 = no limit. */
    maxTopicLength: number;
    ignoredTopics: readonly TopicFilter[];
    binaryTopics: readonly TopicFilter[];
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

export class Ingest {
    private readonly once: OnceLogger;
    /** topic → where it is written; follows object changes. */
    private readonly cache = new Map<string, Resolved>();
    /** id → topics cached for it, to invalidate on object changes. */
    private readonly topicsById = new Map<string, Set<string>>();
    /** Per-topic chains while a topic is being resolved or its object created: keeps order, loses nothing. */
    private readonly inflight = new Map<string, Promise<IngestResult>>();
    /** Parent ids known to have an object. */
    private readonly knownParents = new Set<string>();
    private readonly watchedForeign = new Set<string>();
    /** Messages refused by a limit or a filter. */
    dropped = 0;

    constructor(
        private readonly options: IngestOptions,
        private readonly store: Store,
        private readonly log: Logger,
        private readonly hooks: IngestHooks = {},
    ) {
        this.once = new OnceLogger(log);
    }

    /** Handles one message. Never throws: failures are logged and reported as dropped. */
    handle(topic: string, payload: Buffer): Promise<IngestResult> {
        const pre = this.precheck(topic);
        if (pre) {
            return Promise.resolve(pre);
        }
        const cached = this.cache.get(topic);
        const pending = this.inflight.get(topic);
        if (cached && !pending) {
            return this.write(topic, cached, payload);
        }
        const run = (pending ?? Promise.resolve(undefined)).then(() => this.resolveAndWrite(topic, payload));
        this.inflight.set(topic, run);
        void run.then(() => {
            if (this.inflight.get(topic) === run) {
                this.inflight.delete(topic);
            }
        });
        return run;
    }

    /** Keeps the cache true when objects change or disappear (no restart needed). */
    onObjectChange(id: string, obj: ioBroker.Object | null | undefined): void {
        if (!obj) {
            this.knownParents.delete(id);
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

    private drop(key: string, reason: string, message: string): IngestResult {
        this.dropped++;
        this.once.warn(key, message);
        return { status: 'dropped', reason };
    }

    private precheck(topic: string): IngestResult | undefined {
        const unwritable = unwritableTopicReason(topic, this.options.namespace);
        if (unwritable) {
            return { status: 'ignored', reason: unwritable };
        }
        if (this.options.maxTopicLength > 0 && topic.length > this.options.maxTopicLength) {
            return this.drop(
                `length:${topic}`,
                'maxTopicLength',
                `Topic '${topic.slice(0, 60)}…' (${topic.length} characters) is longer than maxTopicLength (${this.options.maxTopicLength}): not written`,
            );
        }
        if (matchesAnyFilter(this.options.ignoredTopics, topic)) {
            return { status: 'ignored', reason: 'ignoredTopics' };
        }
        return undefined;
    }

    private async resolveAndWrite(topic: string, payload: Buffer): Promise<IngestResult> {
        try {
            const cached = this.cache.get(topic);
            if (cached) {
                return await this.write(topic, cached, payload);
            }
            const resolution = await this.resolve(topic);
            if (!resolution.ok) {
                return resolution.result;
            }
            return await this.write(topic, resolution.target, payload);
        } catch (err) {
            return this.failed(topic, err);
        }
    }

    private failed(topic: string, err: unknown): IngestResult {
        const message = err instanceof Error ? err.message : String(err);
        return this.drop(`error:${topic}`, 'error', `Message on '${topic}' could not be written: ${message}`);
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
                    `readonly:${topic}`,
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
                    `kind:${topic}`,
                    'not a state',
                    `Topic '${topic}' maps to '${target.ownId}', which is a ${own.type}, not a state: not written`,
                ),
            };
        }
        if (!own && target.ownId.startsWith(`${this.options.namespace}.info.`)) {
            return {
                ok: false,
                result: this.drop(
                    `readonly:${topic}`,
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
                    `refused:${topic}`,
                    'not a state',
                    `Topic '${topic}' names '${id}', which is not a state: not written`,
                ),
            };
        }
        if (obj.common.write === false) {
            return {
                ok: false,
                result: this.drop(
                    `refused:${topic}`,
                    'read-only',
                    `Topic '${topic}' names the read-only state '${id}': not written`,
                ),
            };
        }
        if (id.startsWith('system.') || !matchesAnyMask(this.options.writableMask, id)) {
            return {
                ok: false,
                result: this.drop(
                    `refused:${topic}`,
                    'not writable',
                    `Topic '${topic}' would write the foreign state '${id}', which writableMask does not allow: not written`,
                ),
            };
        }
        const resolved: Resolved = { id, foreign: true, type: obj.common.type, binary: false, ...base };
        this.remember(topic, resolved);
        return { ok: true, target: resolved };
    }

    private async write(topic: string, target: Resolved, payload: Buffer): Promise<IngestResult> {
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
                });
                if (converted.invalidUtf8) {
                    this.once.warn(
                        `utf8:${topic}`,
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
