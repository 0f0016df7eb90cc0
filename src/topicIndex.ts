/**
 * The publisher's index of ids whose topic is not the one the topic itself names (a `native.topic` that maps
 * elsewhere, `removePrefix`, JSON fields): their topic → ids, so that an exact filter or a retained message finds its
 * states without a pass over every state.
 */
import { idToTopic, topicToId } from './mapping/topic';
import { jsonCommandTopic, type MessageOptions, type TopicInfo } from './outgoing';

export class TopicIndex {
    private readonly otherTopics = new Map<string, Set<string>>();
    private readonly otherTopicOf = new Map<string, string>();

    constructor(private readonly options: MessageOptions) {}

    /** Keeps the index in step for one id: `info` of a kept state, undefined when the id has none. */
    update(id: string, info: TopicInfo | undefined): void {
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
            ? jsonCommandTopic(info.json, this.options)
            : idToTopic(id, this.options, { nativeTopic: info.nativeTopic });
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
    candidatesFor(topic: string): Set<string> {
        const candidates = new Set<string>();
        const target = topicToId(topic, this.options);
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
    private spells(topic: string, id: string): boolean {
        const target = topicToId(topic, this.options);
        return target !== undefined && (target.ownId === id || target.foreignId === id);
    }
}
