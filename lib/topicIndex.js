"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.TopicIndex = void 0;
/**
 * The publisher's index of ids whose topic is not the one the topic itself names (a `native.topic` that maps
 * elsewhere, `removePrefix`, JSON fields): their topic → ids, so that an exact filter or a retained message finds its
 * states without a pass over every state.
 */
const topic_1 = require("./mapping/topic");
const outgoing_1 = require("./outgoing");
class TopicIndex {
    options;
    otherTopics = new Map();
    otherTopicOf = new Map();
    constructor(options) {
        this.options = options;
    }
    /** Keeps the index in step for one id: `info` of a kept state, undefined when the id has none. */
    update(id, info) {
        const previous = this.otherTopicOf.get(id);
        if (previous !== undefined) {
            this.otherTopicOf.delete(id);
            const ids = this.otherTopics.get(previous);
            ids?.delete(id);
            if (ids?.size === 0) {
                this.otherTopics.delete(previous);
            }
        }
        if (!info) {
            return;
        }
        const topic = info.json
            ? (0, outgoing_1.jsonCommandTopic)(info.json, this.options)
            : (0, topic_1.idToTopic)(id, this.options, { nativeTopic: info.nativeTopic });
        if (!info.json && this.spells(topic, id)) {
            return;
        }
        this.otherTopicOf.set(id, topic);
        let ids = this.otherTopics.get(topic);
        if (!ids) {
            ids = new Set();
            this.otherTopics.set(topic, ids);
        }
        ids.add(id);
    }
    /** Ids a topic may belong to: those it names, and those whose topic names something else. */
    candidatesFor(topic) {
        const candidates = new Set();
        const target = (0, topic_1.topicToId)(topic, this.options);
        for (const id of [target?.ownId, target?.foreignId]) {
            if (id !== undefined) {
                candidates.add(id);
            }
        }
        const status = this.options.extraSet && topic.endsWith('/set') ? topic.slice(0, -'/set'.length) : topic;
        for (const key of new Set([topic, status])) {
            for (const id of this.otherTopics.get(key) ?? []) {
                candidates.add(id);
            }
        }
        return candidates;
    }
    /** Whether the incoming rules map `topic` to `id` (SPEC §3). */
    spells(topic, id) {
        const target = (0, topic_1.topicToId)(topic, this.options);
        return target !== undefined && (target.ownId === id || target.foreignId === id);
    }
}
exports.TopicIndex = TopicIndex;
