/**
 * Decides what leaves ioBroker: masks, ack policy, on-change, echo suppression, pacing (what a message looks like:
 * outgoing.ts). Hands its messages to an injected sink, so it is tested with fake timers and no broker.
 */
import { matchesAnyMask, type IdMask } from './mapping/filter';
import type { OutgoingState, Value } from './mapping/payload';
import {
    NO_INFO,
    retains,
    textMessage,
    topicInfoOf,
    topicOf,
    type MessageOptions,
    type OutgoingMessage,
    type TopicInfo,
} from './outgoing';
import { TopicIndex } from './topicIndex';
import type { Logger, Store } from './iobroker/store';
import { errorText } from './errorText';
import { timers, type Timer } from './timers';
import { KeyedQueue } from './keyedQueue';
import { stateEchoGuard, type EchoGuard } from './echoGuard';

export type { JsonProperties, OutgoingMessage } from './outgoing';

export interface PublisherOptions extends MessageOptions {
    publish: readonly IdMask[];
    /** Client mode: own states are published too (unless doNotSubscribeOwnStates). */
    includeOwnStates: boolean;
    sendAckToo: boolean;
    onchange: boolean;
    noEchoIntervalMs: number;
    sendOnStartIntervalMs: number;
    sendIntervalMs: number;
    /**
     * Load the current value of every published state at start (default true): needed by publishOnSubscribe and
     * publishAllOnStart. Without them nothing is loaded — with 100,000 states in the mask that is most of the
     * instance's memory — and `onchange` learns each state's value at its first update, which is always sent.
     */
    keepValues?: boolean;
    /** States that are never published by the mirror rules (discovered entities: discovery sends their commands). */
    excluded?: (id: string) => boolean;
}

/** Where the publisher's messages go (the gateway: counted, then the transport). */
export type MessageSink = (message: OutgoingMessage) => void;

export class Publisher {
    /** Last known state of every published id, kept small: only what a message is built from. */
    private readonly states = new Map<string, OutgoingState>();
    private readonly topicInfo = new Map<string, TopicInfo>();
    private readonly index: TopicIndex;
    /** The kept states whose value was sent since it last changed (onchange in publishAllOnStart). */
    private readonly sent = new WeakSet<OutgoingState>();
    private readonly echoes: EchoGuard<Value>;
    /** Per-id chains while an object is read for its topic: keeps the order of changes. */
    private readonly pending = new KeyedQueue();
    private readonly patterns: string[];
    /** `from` of the states this instance writes (values that came from MQTT). */
    private readonly ownFrom: string;
    private pacing: { cancel(): void } | undefined;
    private stopped = false;

    constructor(
        private readonly options: PublisherOptions,
        private readonly store: Store,
        private readonly sink: MessageSink,
        private readonly log: Logger,
        now: () => number = Date.now,
    ) {
        const patterns = options.publish.map(m => m.mask);
        if (options.includeOwnStates && !options.publish.some(m => m.matches(`${options.namespace}.x`))) {
            patterns.push(`${options.namespace}.*`);
        }
        this.patterns = patterns;
        this.ownFrom = `system.adapter.${options.namespace}`;
        this.echoes = stateEchoGuard(options.noEchoIntervalMs, now);
        this.index = new TopicIndex(options);
    }

    /** Subscribes the masks and loads current values (one states read per mask, no per-state object reads). */
    async start(): Promise<void> {
        const ns = this.options.namespace;
        for (const obj of await this.store.getStateObjects(`${ns}.`, `${ns}.\u9999`)) {
            this.rememberObject(obj._id, obj);
        }
        for (const pattern of this.patterns) {
            await this.store.subscribeStates(pattern);
            await this.store.subscribeObjects(pattern);
            if (this.options.keepValues === false) {
                continue;
            }
            const states = await this.store.getStates(pattern);
            for (const [id, state] of Object.entries(states)) {
                if (state && this.isPublished(id)) {
                    this.states.set(id, this.keep(state));
                    if (this.options.removePrefix || this.topicInfo.has(id)) {
                        this.indexTopic(id); // only ids whose topic may not name them
                    }
                }
            }
        }
    }

    stop(): void {
        this.stopped = true;
        this.cancelPublishAll();
    }

    /** Stops a running publishAllOnStart (the connection dropped). */
    cancelPublishAll(): void {
        this.pacing?.cancel();
        this.pacing = undefined;
    }

    /** Whether an id is inside the publish masks and is not excluded. */
    isPublished(id: string): boolean {
        if (
            id.endsWith('.messagebox') ||
            id.startsWith(`${this.options.namespace}.info.`) ||
            this.options.excluded?.(id) === true
        ) {
            return false;
        }
        if (matchesAnyMask(this.options.publish, id)) {
            return true;
        }
        return this.options.includeOwnStates && id.startsWith(`${this.options.namespace}.`);
    }

    /** The ingest pipeline is about to write this value from MQTT: do not send it back. */
    noteFromMqtt(id: string, val: Value): void {
        this.echoes.remember(id, val);
    }

    onObjectChange(id: string, obj: ioBroker.Object | null | undefined): void {
        if (obj) {
            this.rememberObject(id, obj);
        } else {
            this.topicInfo.delete(id);
            this.indexTopic(id);
        }
    }

    /** A state changed in ioBroker. */
    onStateChange(id: string, state: ioBroker.State | null | undefined): void {
        if (this.stopped || !this.isPublished(id)) {
            return;
        }
        const previous = this.states.get(id);
        if (state) {
            this.states.set(id, this.keep(state));
        } else {
            this.states.delete(id);
        }
        if ((previous === undefined) !== (state === null || state === undefined)) {
            this.indexTopic(id);
        }
        if (state && this.isEcho(id, state)) {
            return;
        }
        if (state && state.ack && !this.options.sendAckToo) {
            return;
        }
        // a command is an intent: every one is sent; only an unchanged status is not sent again (SPEC §8)
        if (state && state.ack && this.options.onchange && this.unchanged(state, previous)) {
            return;
        }
        this.send(id, state ?? null);
    }

    /** Current messages of every published state whose topic `wanted` accepts (publishOnSubscribe). */
    async currentMessages(wanted: (topic: string) => boolean): Promise<OutgoingMessage[]> {
        const result: OutgoingMessage[] = [];
        let count = 0;
        for (const [id, state] of [...this.states]) {
            if (++count % 1000 === 0) {
                // a pass over 100,000 states takes a while: other clients' messages go through in between
                await new Promise(resolve => setImmediate(resolve));
            }
            if (!this.isOffered(state)) {
                continue;
            }
            const message = await this.buildMessage(id, state);
            if (message && wanted(message.topic)) {
                result.push(message);
            }
        }
        return result;
    }

    /**
     * publishAllOnStart: after `sendOnStartIntervalMs`, sends every published state that passes the ack policy,
     * one every `sendIntervalMs`. A new call (a reconnect) cancels the previous run.
     */
    publishAll(): void {
        this.pacing?.cancel();
        let cancelled = false;
        let timer: Timer | undefined;
        // statuses (with sendAckToo) and, only with retainCommands, commands; never values that came from MQTT;
        // with onchange not a value that was already sent since it last changed
        const wanted = (state: OutgoingState): boolean =>
            this.isOffered(state) && !(this.options.onchange && this.sent.has(state));
        const ids = [...this.states.entries()].filter(([, state]) => wanted(state)).map(([id]) => id);
        let index = 0;
        const next = (): void => {
            if (cancelled || this.stopped) {
                return;
            }
            // with sendInterval 0, send in batches so the event loop still breathes
            const batch = this.options.sendIntervalMs > 0 ? 1 : 100;
            for (let i = 0; i < batch && index < ids.length; i++, index++) {
                const id = ids[index]!;
                const state = this.states.get(id);
                if (state && wanted(state)) {
                    this.send(id, state);
                }
            }
            if (index < ids.length) {
                timer = timers.setTimeout(next, this.options.sendIntervalMs);
            } else {
                this.log.debug(`publishAllOnStart: ${ids.length} states sent`);
            }
        };
        timer = timers.setTimeout(next, this.options.sendOnStartIntervalMs);
        this.pacing = {
            cancel: () => {
                cancelled = true;
                timers.clearTimeout(timer);
            },
        };
    }

    /**
     * onchange: the same value and ack as before. Without a previous value (values not loaded at start, or a state
     * new to the mask) the update is sent: js-controller's `lc` follows the value only, not the ack, and a script may
     * write a stale `lc`, so it cannot stand in for the previous state.
     */
    private unchanged(state: ioBroker.State, previous: OutgoingState | undefined): boolean {
        return previous !== undefined && previous.val === state.val && previous.ack === state.ack;
    }

    /** The part of a state that is kept between changes. */
    private keep(state: ioBroker.State): OutgoingState {
        const fromMqtt = state.from === this.ownFrom;
        return this.options.sendStateObject
            ? { val: state.val, ack: state.ack, ts: state.ts, q: state.q, lc: state.lc, fromMqtt }
            : { val: state.val, ack: state.ack, ts: state.ts, fromMqtt };
    }

    /**
     * What the live rules would publish of a state set in ioBroker, and so what may be offered again (publishOnSubscribe,
     * publishAllOnStart) and kept retained: a status with sendAckToo, a command only with retainCommands. A value that
     * arrived from MQTT is never offered again: MQTT's own retained semantics decide who gets it.
     */
    private isOffered(state: OutgoingState): boolean {
        if (state.fromMqtt) {
            return false;
        }
        return state.ack ? this.options.sendAckToo : this.options.retainCommands;
    }

    /**
     * Only the change our own write caused is an echo: same value, written by this instance (`from`), within
     * noEchoInterval. A user's or script's change with the same value is a new command and is published.
     */
    private isEcho(id: string, state: ioBroker.State): boolean {
        return state.from === this.ownFrom && this.echoes.isEcho(id, state.val);
    }

    private rememberObject(id: string, obj: ioBroker.Object): void {
        this.topicInfo.set(id, topicInfoOf(obj));
        this.indexTopic(id);
    }

    /** Keeps the topic index in step for one id (its object or its membership in `states` changed). */
    private indexTopic(id: string): void {
        this.index.update(id, this.states.has(id) ? (this.topicInfo.get(id) ?? NO_INFO) : undefined);
    }

    /**
     * One truth (SPEC §8): what the retained copy on `topic` must be, for a topic the adapter publishes to.
     * `owned: false` — no published state whose value was set in ioBroker is on this topic (or its value came from
     * MQTT): the retained copy is the device's and is left alone. `owned: true` with `message` — the copy must be this
     * (a status with sendAckToo and `retain`, a command with `retainCommands`); without `message` — there must be none.
     * Synchronous, so a retained message is judged in the order it arrived.
     */
    retainedWanted(topic: string): { owned: false } | { owned: true; message?: OutgoingMessage } {
        let owned = false;
        for (const id of this.index.candidatesFor(topic)) {
            const state = this.states.get(id);
            const info = this.topicInfo.get(id) ?? NO_INFO;
            if (!state || !this.isPublished(id) || info.binary || info.json) {
                continue;
            }
            const forms = [true, false].map(ack => topicOf(id, { ...state, ack }, info, this.options));
            if (!forms.includes(topic)) {
                continue;
            }
            if (state.fromMqtt) {
                return { owned: false }; // the device's value is the truth on this topic
            }
            owned = true;
            const message = textMessage(id, state, info, this.options);
            const live = state.ack ? this.options.sendAckToo : true;
            if (message && message.topic === topic && message.retain && live) {
                return { owned: true, message };
            }
        }
        return owned ? { owned: true } : { owned: false };
    }

    /**
     * publishOnSubscribe of a filter without wildcards: the current messages on exactly this topic, found by the ids
     * the topic names (and `otherTopics`) instead of a pass over every published state.
     */
    async currentMessagesForTopic(topic: string): Promise<OutgoingMessage[]> {
        const candidates = this.index.candidatesFor(topic);
        const result: OutgoingMessage[] = [];
        for (const id of candidates) {
            const state = this.states.get(id);
            if (!state || !this.isPublished(id) || !this.isOffered(state)) {
                continue;
            }
            const message = await this.buildMessage(id, state);
            if (message && message.topic === topic) {
                result.push(message);
            }
        }
        return result;
    }

    private send(id: string, state: OutgoingState | null): void {
        const kept = this.states.get(id);
        if (kept) {
            this.sent.add(kept);
        }
        const info = this.topicInfo.get(id);
        if (info && !this.pending.busy(id)) {
            void this.emit(id, state, info);
            return;
        }
        // first change of a foreign id: read its object once (native.topic), keep later changes in order
        this.pending
            .run(id, async () => this.emit(id, state, await this.info(id)))
            .catch((err: unknown) => this.log.warn(`Cannot publish '${id}': ${errorText(err)}`));
    }

    private async info(id: string): Promise<TopicInfo> {
        const known = this.topicInfo.get(id);
        if (known) {
            return known;
        }
        const obj = await this.store.getObject(id);
        if (obj) {
            this.rememberObject(id, obj);
        }
        return this.topicInfo.get(id) ?? NO_INFO;
    }

    /** The message a state would be published as, without any filter (sendState2Client). */
    async buildMessage(id: string, state: OutgoingState | null): Promise<OutgoingMessage | undefined> {
        const info = await this.info(id);
        return this.toMessage(id, state, info);
    }

    private async toMessage(
        id: string,
        state: OutgoingState | null,
        info: TopicInfo,
    ): Promise<OutgoingMessage | undefined> {
        if (!info.binary || !state || typeof state.val !== 'string') {
            return textMessage(id, state, info, this.options);
        }
        // a binary state holds '/files/<namespace>/<file>': its bytes are the payload
        const prefix = `/files/${this.options.namespace}/`;
        const file = state.val.startsWith(prefix) ? state.val.slice(prefix.length) : undefined;
        const data = file ? await this.store.readFile(this.options.namespace, file) : undefined;
        if (!data) {
            return undefined;
        }
        return {
            id,
            topic: topicOf(id, state, info, this.options),
            payload: data,
            qos: this.options.defaultQoS,
            retain: retains(state, this.options),
        };
    }

    private async emit(id: string, state: OutgoingState | null, info: TopicInfo): Promise<void> {
        // text payloads leave synchronously, so changes of one id keep their order
        const message = info.binary
            ? await this.toMessage(id, state, info)
            : textMessage(id, state, info, this.options);
        if (message && !this.stopped) {
            this.sink(message);
        }
    }
}
