/**
 * Object resolution for the ingest: which state a row is written to, whether it may be written, and creating it on
 * the first write (through ObjectCreator). Keeps what it learned (topic → target, JSON field → type) true when objects
 * change or disappear, so nothing needs a restart.
 */
import { matchesAnyFilter, matchesAnyMask, type IdMask, type TopicFilter } from '../mapping/filter';
import type { CommonType } from '../mapping/payload';
import { topicToId, type TopicOptions } from '../mapping/topic';
import type { Logger, Store } from '../iobroker/store';
import { ObjectCreator, isOwnFolder } from './creator';
import { refused, type JsonParent, type Refusal, type Row, type Target } from './rows';

export interface ObjectOptions extends TopicOptions {
    binaryTopics: readonly TopicFilter[];
    ignoreNewObjects: boolean;
    /** Foreign states MQTT messages may write. */
    writableMask: readonly IdMask[];
}

/** The state id of a JSON field: below its topic's channel. */
function fieldId(row: Row & { kind: 'field' }): string {
    return `${row.parent.id}.${row.field.path.join('.')}`;
}

const NOT_A_STATE_TOPIC: Refusal = { status: 'ignored', reason: 'not a state topic' };

export class IngestObjects {
    /** topic → where it is written; follows object changes. */
    private readonly cache = new Map<string, Target>();
    /** id → topics cached for it, to invalidate on object changes. */
    private readonly topicsById = new Map<string, Set<string>>();
    /** JSON field state id → its common.type (only once known). */
    private readonly fieldTypes = new Map<string, string>();
    private readonly watchedForeign = new Set<string>();
    private readonly creator: ObjectCreator;
    /** Ids in the adapter's own info channel start with this. */
    private readonly infoPrefix: string;

    constructor(
        private readonly options: ObjectOptions,
        private readonly store: Store,
        private readonly log: Logger,
    ) {
        this.creator = new ObjectCreator(store, log, options.namespace);
        this.infoPrefix = `${options.namespace}.info.`;
    }

    /** Where a row goes, if known already (no object read): the hot path. */
    known(row: Row): Target | undefined {
        if (row.kind === 'payload') {
            return this.cache.get(row.topic);
        }
        const id = fieldId(row);
        const type = this.fieldTypes.get(id);
        return type === undefined ? undefined : this.fieldTarget(row.parent, id, type);
    }

    /**
     * Where a row goes that is not `known`, with the object reads that takes. A plain topic: a foreign state the mask
     * allows, or the own state (existing, or to be created). A JSON field: its state (existing, or to be created);
     * undefined for a read-only field (skipped quietly).
     */
    async resolve(row: Row): Promise<Target | Refusal | undefined> {
        if (row.kind === 'payload') {
            return this.resolveTopic(row.topic);
        }
        const id = fieldId(row);
        const existing = await this.store.getObject(id);
        if (existing?.type !== 'state') {
            return this.fieldTarget(row.parent, id, undefined);
        }
        if (existing.common.write === false) {
            return undefined;
        }
        this.fieldTypes.set(id, existing.common.type);
        return this.fieldTarget(row.parent, id, existing.common.type);
    }

    /** The channel of a jsonTopics topic, created if missing. */
    async jsonParent(topic: string): Promise<JsonParent | Refusal> {
        const target = topicToId(topic, this.options);
        if (!target) {
            return NOT_A_STATE_TOPIC;
        }
        const parent = { id: target.ownId, nativeTopic: target.nativeTopic, isCommand: target.isCommand };
        const offLimits = this.offLimits(topic, parent.id);
        if (offLimits) {
            return offLimits;
        }
        await this.creator.jsonChannel(parent);
        return parent;
    }

    /** Creates the object of a target that has none yet (`target.type` undefined) and learns its type. */
    async create(row: Row, target: Target, type: CommonType): Promise<void> {
        if (row.kind === 'field') {
            await this.creator.fieldState(row.parent, row.field, target, type);
            this.fieldTypes.set(target.id, type);
        } else {
            await this.creator.topicState(row.topic, target, type);
            this.remember(row.topic, target);
        }
    }

    /** The state's type becomes `mixed` (it received a value its type cannot hold). */
    async becomeMixed(row: Row, target: Target): Promise<void> {
        await this.store.extendObject(target.id, { common: { type: 'mixed' } });
        target.type = 'mixed';
        if (row.kind === 'field') {
            this.fieldTypes.set(target.id, 'mixed');
        }
    }

    /** The state a cleared retained message marks: a known or existing writable state of the topic. */
    async clearedState(topic: string): Promise<string | undefined> {
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
            return undefined;
        }
        return id;
    }

    /** sendTo `createCommand` (see ObjectCreator.commandState). */
    commandState(topic: string, type: string, role: string | undefined): Promise<{ id: string }> {
        return this.creator.commandState(topic, type, role, this.options);
    }

    /** Keeps what was learned true when objects change or disappear. */
    onObjectChange(id: string, obj: ioBroker.Object | null | undefined): void {
        if (!obj) {
            this.creator.forget(id);
        }
        if (this.fieldTypes.has(id)) {
            if (obj?.type === 'state') {
                this.fieldTypes.set(id, obj.common.type);
            } else {
                this.fieldTypes.delete(id);
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

    /** The adapter's own info channel is off limits for MQTT: its states are the adapter's own status. */
    private offLimits(topic: string, id: string): Refusal | undefined {
        if (!id.startsWith(this.infoPrefix)) {
            return undefined;
        }
        return refused(
            'readonly',
            'read-only',
            `Topic '${topic}' maps into the adapter's own info channel: not written`,
        );
    }

    private fieldTarget(parent: JsonParent, id: string, type: string | undefined): Target {
        return {
            id,
            foreign: false,
            type,
            binary: false,
            isCommand: parent.isCommand,
            nativeTopic: parent.nativeTopic,
        };
    }

    private async resolveTopic(topic: string): Promise<Target | Refusal> {
        const target = topicToId(topic, this.options);
        if (!target) {
            return NOT_A_STATE_TOPIC;
        }
        const base = { isCommand: target.isCommand, nativeTopic: target.nativeTopic };
        if (target.foreignId) {
            const foreign = await this.store.getObject(target.foreignId);
            if (foreign) {
                return this.resolveForeign(topic, target.foreignId, foreign, base);
            }
        }
        const id = target.ownId;
        const own = await this.store.getObject(id);
        const binary = matchesAnyFilter(this.options.binaryTopics, topic);
        if (own?.type === 'state') {
            if (own.common.write === false) {
                // read-only states (the adapter's own info.*, for one) are never written from MQTT
                return refused(
                    'readonly',
                    'read-only',
                    `Topic '${topic}' maps to the read-only state '${id}': not written`,
                );
            }
            const resolved: Target = {
                id,
                foreign: false,
                type: own.common.type,
                binary: binary || own.native?.binary === true,
                ...base,
            };
            this.remember(topic, resolved);
            return resolved;
        }
        if (own && !isOwnFolder(own)) {
            const message = `Topic '${topic}' maps to '${id}', which is a ${own.type}, not a state: not written`;
            return refused('kind', 'not a state', message);
        }
        if (!own) {
            const offLimits = this.offLimits(topic, id);
            if (offLimits) {
                return offLimits;
            }
            if (this.options.ignoreNewObjects) {
                return { status: 'ignored', reason: 'ignoreNewObjects' };
            }
        }
        // no state yet (or only a folder we created for deeper topics): created on first write
        return { id, foreign: false, type: undefined, binary, ...base };
    }

    private resolveForeign(
        topic: string,
        id: string,
        obj: ioBroker.Object,
        base: Pick<Target, 'isCommand' | 'nativeTopic'>,
    ): Target | Refusal {
        if (!this.watchedForeign.has(id)) {
            this.watchedForeign.add(id);
            void this.store.subscribeObjects(id).catch(() => undefined);
        }
        if (obj.type !== 'state') {
            return refused(
                'refused',
                'not a state',
                `Topic '${topic}' names '${id}', which is not a state: not written`,
            );
        }
        if (obj.common.write === false) {
            return refused('refused', 'read-only', `Topic '${topic}' names the read-only state '${id}': not written`);
        }
        if (id.startsWith('system.') || !matchesAnyMask(this.options.writableMask, id)) {
            const message = `Topic '${topic}' would write the foreign state '${id}', which writableMask does not allow: not written`;
            return refused('refused', 'not writable', message);
        }
        const resolved: Target = { id, foreign: true, type: obj.common.type, binary: false, ...base };
        this.remember(topic, resolved);
        return resolved;
    }

    private remember(topic: string, target: Target): void {
        this.cache.set(topic, target);
        let topics = this.topicsById.get(target.id);
        if (!topics) {
            topics = new Set();
            this.topicsById.set(target.id, topics);
        }
        topics.add(topic);
    }
}
