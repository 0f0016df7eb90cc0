"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Publisher = void 0;
/**
 * Decides what leaves ioBroker: masks, ack policy, on-change, echo suppression, pacing (what a message looks like:
 * outgoing.ts). Hands its messages to an injected sink, so it is tested with fake timers and no broker.
 */
const filter_1 = require("./mapping/filter");
const outgoing_1 = require("./outgoing");
const topicIndex_1 = require("./topicIndex");
const errorText_1 = require("./errorText");
const timers_1 = require("./timers");
const keyedQueue_1 = require("./keyedQueue");
const echoGuard_1 = require("./echoGuard");
class Publisher {
    options;
    store;
    sink;
    log;
    /** Last known state of every published id, kept small: only what a message is built from. */
    states = new Map();
    topicInfo = new Map();
    index;
    /** The kept states whose value was sent since it last changed (onchange in publishAllOnStart). */
    sent = new WeakSet();
    echoes;
    /** Per-id chains while an object is read for its topic: keeps the order of changes. */
    pending = new keyedQueue_1.KeyedQueue();
    patterns;
    /** `from` of the states this instance writes (values that came from MQTT). */
    ownFrom;
    pacing;
    stopped = false;
    constructor(options, store, sink, log, now = Date.now) {
        this.options = options;
        this.store = store;
        this.sink = sink;
        this.log = log;
        const patterns = options.publish.map(m => m.mask);
        if (options.includeOwnStates && !options.publish.some(m => m.matches(`${options.namespace}.x`))) {
            patterns.push(`${options.namespace}.*`);
        }
        this.patterns = patterns;
        this.ownFrom = `system.adapter.${options.namespace}`;
        this.echoes = (0, echoGuard_1.stateEchoGuard)(options.noEchoIntervalMs, now);
        this.index = new topicIndex_1.TopicIndex(options);
    }
    /** Subscribes the masks and loads current values (one states read per mask, no per-state object reads). */
    async start() {
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
    stop() {
        this.stopped = true;
        this.cancelPublishAll();
    }
    /** Stops a running publishAllOnStart (the connection dropped). */
    cancelPublishAll() {
        this.pacing?.cancel();
        this.pacing = undefined;
    }
    /** Whether an id is inside the publish masks and is not excluded. */
    isPublished(id) {
        if (id.endsWith('.messagebox') ||
            id.startsWith(`${this.options.namespace}.info.`) ||
            this.options.excluded?.(id) === true) {
            return false;
        }
        if ((0, filter_1.matchesAnyMask)(this.options.publish, id)) {
            return true;
        }
        return this.options.includeOwnStates && id.startsWith(`${this.options.namespace}.`);
    }
    /** The ingest pipeline is about to write this value from MQTT: do not send it back. */
    noteFromMqtt(id, val) {
        this.echoes.remember(id, val);
    }
    onObjectChange(id, obj) {
        if (obj) {
            this.rememberObject(id, obj);
        }
        else {
            this.topicInfo.delete(id);
            this.indexTopic(id);
        }
    }
    /** A state changed in ioBroker. */
    onStateChange(id, state) {
        if (this.stopped || !this.isPublished(id)) {
            return;
        }
        const previous = this.states.get(id);
        if (state) {
            this.states.set(id, this.keep(state));
        }
        else {
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
    async currentMessages(wanted) {
        const result = [];
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
    publishAll() {
        this.pacing?.cancel();
        let cancelled = false;
        let timer;
        // statuses (with sendAckToo) and, only with retainCommands, commands; never values that came from MQTT;
        // with onchange not a value that was already sent since it last changed
        const wanted = (state) => this.isOffered(state) && !(this.options.onchange && this.sent.has(state));
        const ids = [...this.states.entries()].filter(([, state]) => wanted(state)).map(([id]) => id);
        let index = 0;
        const next = () => {
            if (cancelled || this.stopped) {
                return;
            }
            // with sendInterval 0, send in batches so the event loop still breathes
            const batch = this.options.sendIntervalMs > 0 ? 1 : 100;
            for (let i = 0; i < batch && index < ids.length; i++, index++) {
                const id = ids[index];
                const state = this.states.get(id);
                if (state && wanted(state)) {
                    this.send(id, state);
                }
            }
            if (index < ids.length) {
                timer = timers_1.timers.setTimeout(next, this.options.sendIntervalMs);
            }
            else {
                this.log.debug(`publishAllOnStart: ${ids.length} states sent`);
            }
        };
        timer = timers_1.timers.setTimeout(next, this.options.sendOnStartIntervalMs);
        this.pacing = {
            cancel: () => {
                cancelled = true;
                timers_1.timers.clearTimeout(timer);
            },
        };
    }
    /**
     * onchange: the same value and ack as before. Without a previous value (values not loaded at start, or a state
     * new to the mask) the update is sent: js-controller's `lc` follows the value only, not the ack, and a script may
     * write a stale `lc`, so it cannot stand in for the previous state.
     */
    unchanged(state, previous) {
        return previous !== undefined && previous.val === state.val && previous.ack === state.ack;
    }
    /** The part of a state that is kept between changes. */
    keep(state) {
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
    isOffered(state) {
        if (state.fromMqtt) {
            return false;
        }
        return state.ack ? this.options.sendAckToo : this.options.retainCommands;
    }
    /**
     * Only the change our own write caused is an echo: same value, written by this instance (`from`), within
     * noEchoInterval. A user's or script's change with the same value is a new command and is published.
     */
    isEcho(id, state) {
        return state.from === this.ownFrom && this.echoes.isEcho(id, state.val);
    }
    rememberObject(id, obj) {
        this.topicInfo.set(id, (0, outgoing_1.topicInfoOf)(obj));
        this.indexTopic(id);
    }
    /** Keeps the topic index in step for one id (its object or its membership in `states` changed). */
    indexTopic(id) {
        this.index.update(id, this.states.has(id) ? (this.topicInfo.get(id) ?? outgoing_1.NO_INFO) : undefined);
    }
    /**
     * One truth (SPEC §8): what the retained copy on `topic` must be, for a topic the adapter publishes to.
     * `owned: false` — no published state whose value was set in ioBroker is on this topic (or its value came from
     * MQTT): the retained copy is the device's and is left alone. `owned: true` with `message` — the copy must be this
     * (a status with sendAckToo and `retain`, a command with `retainCommands`); without `message` — there must be none.
     * Synchronous, so a retained message is judged in the order it arrived.
     */
    retainedWanted(topic) {
        let owned = false;
        for (const id of this.index.candidatesFor(topic)) {
            const state = this.states.get(id);
            const info = this.topicInfo.get(id) ?? outgoing_1.NO_INFO;
            if (!state || !this.isPublished(id) || info.binary || info.json) {
                continue;
            }
            const forms = [true, false].map(ack => (0, outgoing_1.topicOf)(id, { ...state, ack }, info, this.options));
            if (!forms.includes(topic)) {
                continue;
            }
            if (state.fromMqtt) {
                return { owned: false }; // the device's value is the truth on this topic
            }
            owned = true;
            const message = (0, outgoing_1.textMessage)(id, state, info, this.options);
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
    async currentMessagesForTopic(topic) {
        const candidates = this.index.candidatesFor(topic);
        const result = [];
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
    send(id, state) {
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
            .catch((err) => this.log.warn(`Cannot publish '${id}': ${(0, errorText_1.errorText)(err)}`));
    }
    async info(id) {
        const known = this.topicInfo.get(id);
        if (known) {
            return known;
        }
        const obj = await this.store.getObject(id);
        if (obj) {
            this.rememberObject(id, obj);
        }
        return this.topicInfo.get(id) ?? outgoing_1.NO_INFO;
    }
    /** The message a state would be published as, without any filter (sendState2Client). */
    async buildMessage(id, state) {
        const info = await this.info(id);
        return this.toMessage(id, state, info);
    }
    async toMessage(id, state, info) {
        if (!info.binary || !state || typeof state.val !== 'string') {
            return (0, outgoing_1.textMessage)(id, state, info, this.options);
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
            topic: (0, outgoing_1.topicOf)(id, state, info, this.options),
            payload: data,
            qos: this.options.defaultQoS,
            retain: (0, outgoing_1.retains)(state, this.options),
        };
    }
    async emit(id, state, info) {
        // text payloads leave synchronously, so changes of one id keep their order
        const message = info.binary
            ? await this.toMessage(id, state, info)
            : (0, outgoing_1.textMessage)(id, state, info, this.options);
        if (message && !this.stopped) {
            this.sink(message);
        }
    }
}
exports.Publisher = Publisher;
