"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ObjectCreator = void 0;
exports.isOwnFolder = isOwnFolder;
const topic_1 = require("../mapping/topic");
const filter_1 = require("../mapping/filter");
/** `common.type`s a command state may have. */
const COMMAND_TYPES = ['string', 'number', 'boolean', 'json', 'mixed'];
/** A folder this adapter created for a deeper topic. */
function isOwnFolder(obj) {
    return obj.type === 'folder' && obj.native?.autoCreated === true;
}
class ObjectCreator {
    store;
    log;
    namespace;
    /** Parent ids known to have an object. */
    knownParents = new Set();
    knownChannels = new Set();
    constructor(store, log, namespace) {
        this.store = store;
        this.log = log;
        this.namespace = namespace;
    }
    /** An object was deleted: it is created again when needed. */
    forget(id) {
        this.knownParents.delete(id);
        this.knownChannels.delete(id);
    }
    /** The state of a plain topic (a folder it created for deeper topics becomes that state); sets `target.type`. */
    async topicState(topic, target, type) {
        await this.parents(target.id);
        const obj = {
            type: 'state',
            common: {
                name: target.nativeTopic,
                role: target.binary ? 'url' : 'state',
                // js-controller accepts 'json' (text values), its typings do not list it yet
                type: (type === 'file' ? 'string' : type),
                read: true,
                write: true,
            },
            native: target.binary ? { topic: target.nativeTopic, binary: true } : { topic: target.nativeTopic },
        };
        const existing = await this.store.getObject(target.id);
        if (existing && isOwnFolder(existing)) {
            // a deeper topic came first (zigbee2mqtt: 'lamp/availability' before 'lamp'): the folder becomes a state
            await this.store.setObject(target.id, obj);
        }
        else {
            await this.store.createObjectIfMissing(target.id, obj);
        }
        const created = await this.store.getObject(target.id);
        target.type = created?.type === 'state' ? created.common.type : type;
        this.log.debug(`Created state '${target.id}' (${target.type}) for topic '${topic}'`);
    }
    /** The channel of a JSON topic (with its parent folders). */
    async jsonChannel(parent) {
        await this.channel(parent.id, parent.nativeTopic, { topic: parent.nativeTopic, json: true });
    }
    /** The state of a JSON field, with a channel per level between it and its topic's channel; sets `target.type`. */
    async fieldState(parent, field, target, type) {
        for (let i = 1; i < field.path.length; i++) {
            const channelId = `${parent.id}.${field.path.slice(0, i).join('.')}`;
            await this.channel(channelId, field.keys[i - 1] ?? channelId, { jsonKeys: field.keys.slice(0, i) });
        }
        await this.store.createObjectIfMissing(target.id, {
            type: 'state',
            common: {
                name: field.keys.join('.'),
                role: 'state',
                type: type,
                read: true,
                write: true,
            },
            native: { jsonParent: parent.nativeTopic, jsonKeys: field.keys },
        });
        target.type = type;
    }
    /**
     * sendTo `createCommand`: a writable state for a topic that no device publishes to (`cmnd/plug1/POWER`), so a
     * script can command a device that only listens. The id follows the rules for incoming topics; an existing state
     * is kept. Its `native.topic` is the topic, so commands go exactly there.
     */
    async commandState(topic, type, role, options) {
        const unwritable = (0, topic_1.unwritableTopicReason)(topic, options.namespace) ?? (0, filter_1.topicNameError)(topic);
        if (unwritable) {
            throw new Error(`topic '${topic}' ${unwritable}`);
        }
        if (!COMMAND_TYPES.includes(type)) {
            throw new Error(`type '${type}' is not one of ${COMMAND_TYPES.join(', ')}`);
        }
        const target = (0, topic_1.topicToId)(topic, options);
        if (!target) {
            throw new Error(`topic '${topic}' maps to no state id`);
        }
        for (const id of target.foreignId ? [target.foreignId, target.ownId] : [target.ownId]) {
            const existing = await this.store.getObject(id);
            if (existing) {
                if (existing.type !== 'state') {
                    throw new Error(`'${id}' exists and is a ${existing.type}, not a state`);
                }
                return { id };
            }
        }
        await this.parents(target.ownId);
        await this.store.createObjectIfMissing(target.ownId, {
            type: 'state',
            common: {
                name: target.nativeTopic,
                role: role ?? 'state',
                type: type,
                read: true,
                write: true,
            },
            native: { topic: target.nativeTopic, command: true },
        });
        this.log.info(`Created the command state '${target.ownId}' (${type}) for topic '${target.nativeTopic}'`);
        return { id: target.ownId };
    }
    async channel(id, name, native) {
        if (this.knownChannels.has(id)) {
            return;
        }
        await this.parents(id);
        let existing = await this.store.getObject(id);
        if (existing?.type === 'state' && existing.native?.topic === name) {
            // the topic was mirrored as one text state before it became a JSON topic: that state becomes the
            // channel of the field states (no state with children, no frozen old value)
            await this.store.deleteObject(id);
            existing = undefined;
            this.log.info(`'${name}' is a JSON topic now (jsonTopics): its state '${id}' became a channel with one state per field`);
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
    /** The folders above `id` in the own namespace (created once each). */
    async parents(id) {
        const levels = id.slice(this.namespace.length + 1).split('.');
        let parent = this.namespace;
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
exports.ObjectCreator = ObjectCreator;
