"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.IngestObjects = void 0;
/**
 * Object resolution for the ingest: which state a row is written to, whether it may be written, and creating it on
 * the first write (through ObjectCreator). Keeps what it learned (topic → target, JSON field → type) true when objects
 * change or disappear, so nothing needs a restart.
 */
const filter_1 = require("../mapping/filter");
const topic_1 = require("../mapping/topic");
const creator_1 = require("./creator");
const rows_1 = require("./rows");
/** The state id of a JSON field: below its topic's channel. */
function fieldId(row) {
    return `${row.parent.id}.${row.field.path.join('.')}`;
}
const NOT_A_STATE_TOPIC = { status: 'ignored', reason: 'not a state topic' };
class IngestObjects {
    options;
    store;
    log;
    /** topic → where it is written; follows object changes. */
    cache = new Map();
    /** id → topics cached for it, to invalidate on object changes. */
    topicsById = new Map();
    /** JSON field state id → its common.type (only once known). */
    fieldTypes = new Map();
    watchedForeign = new Set();
    creator;
    /** Ids in the adapter's own info channel start with this. */
    infoPrefix;
    constructor(options, store, log) {
        this.options = options;
        this.store = store;
        this.log = log;
        this.creator = new creator_1.ObjectCreator(store, log, options.namespace);
        this.infoPrefix = `${options.namespace}.info.`;
    }
    /** Where a row goes, if known already (no object read): the hot path. */
    known(row) {
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
    async resolve(row) {
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
    async jsonParent(topic) {
        const target = (0, topic_1.topicToId)(topic, this.options);
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
    async create(row, target, type) {
        if (row.kind === 'field') {
            await this.creator.fieldState(row.parent, row.field, target, type);
            this.fieldTypes.set(target.id, type);
        }
        else {
            await this.creator.topicState(row.topic, target, type);
            this.remember(row.topic, target);
        }
    }
    /** The state's type becomes `mixed` (it received a value its type cannot hold). */
    async becomeMixed(row, target) {
        await this.store.extendObject(target.id, { common: { type: 'mixed' } });
        target.type = 'mixed';
        if (row.kind === 'field') {
            this.fieldTypes.set(target.id, 'mixed');
        }
    }
    /** The state a cleared retained message marks: a known or existing writable state of the topic. */
    async clearedState(topic) {
        const target = (0, topic_1.topicToId)(topic, this.options);
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
        if (!id || (id !== target?.ownId && !(0, filter_1.matchesAnyMask)(this.options.writableMask, id))) {
            return undefined;
        }
        return id;
    }
    /** sendTo `createCommand` (see ObjectCreator.commandState). */
    commandState(topic, type, role) {
        return this.creator.commandState(topic, type, role, this.options);
    }
    /** Keeps what was learned true when objects change or disappear. */
    onObjectChange(id, obj) {
        if (!obj) {
            this.creator.forget(id);
        }
        if (this.fieldTypes.has(id)) {
            if (obj?.type === 'state') {
                this.fieldTypes.set(id, obj.common.type);
            }
            else {
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
            }
            else {
                this.cache.delete(topic);
            }
        }
        if (!obj || obj.type !== 'state') {
            this.topicsById.delete(id);
        }
    }
    /** The adapter's own info channel is off limits for MQTT: its states are the adapter's own status. */
    offLimits(topic, id) {
        if (!id.startsWith(this.infoPrefix)) {
            return undefined;
        }
        return (0, rows_1.refused)('readonly', 'read-only', `Topic '${topic}' maps into the adapter's own info channel: not written`);
    }
    fieldTarget(parent, id, type) {
        return {
            id,
            foreign: false,
            type,
            binary: false,
            isCommand: parent.isCommand,
            nativeTopic: parent.nativeTopic,
        };
    }
    async resolveTopic(topic) {
        const target = (0, topic_1.topicToId)(topic, this.options);
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
        const binary = (0, filter_1.matchesAnyFilter)(this.options.binaryTopics, topic);
        if (own?.type === 'state') {
            if (own.common.write === false) {
                // read-only states (the adapter's own info.*, for one) are never written from MQTT
                return (0, rows_1.refused)('readonly', 'read-only', `Topic '${topic}' maps to the read-only state '${id}': not written`);
            }
            const resolved = {
                id,
                foreign: false,
                type: own.common.type,
                binary: binary || own.native?.binary === true,
                ...base,
            };
            this.remember(topic, resolved);
            return resolved;
        }
        if (own && !(0, creator_1.isOwnFolder)(own)) {
            const message = `Topic '${topic}' maps to '${id}', which is a ${own.type}, not a state: not written`;
            return (0, rows_1.refused)('kind', 'not a state', message);
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
    resolveForeign(topic, id, obj, base) {
        if (!this.watchedForeign.has(id)) {
            this.watchedForeign.add(id);
            void this.store.subscribeObjects(id).catch(() => undefined);
        }
        if (obj.type !== 'state') {
            return (0, rows_1.refused)('refused', 'not a state', `Topic '${topic}' names '${id}', which is not a state: not written`);
        }
        if (obj.common.write === false) {
            return (0, rows_1.refused)('refused', 'read-only', `Topic '${topic}' names the read-only state '${id}': not written`);
        }
        if (id.startsWith('system.') || !(0, filter_1.matchesAnyMask)(this.options.writableMask, id)) {
            const message = `Topic '${topic}' would write the foreign state '${id}', which writableMask does not allow: not written`;
            return (0, rows_1.refused)('refused', 'not writable', message);
        }
        const resolved = { id, foreign: true, type: obj.common.type, binary: false, ...base };
        this.remember(topic, resolved);
        return resolved;
    }
    remember(topic, target) {
        this.cache.set(topic, target);
        let topics = this.topicsById.get(target.id);
        if (!topics) {
            topics = new Set();
            this.topicsById.set(target.id, topics);
        }
        topics.add(topic);
    }
}
exports.IngestObjects = IngestObjects;
