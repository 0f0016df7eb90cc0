"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Ingest = exports.DEFAULT_BACKLOG = void 0;
/**
 * One write path for everything that enters from MQTT, in both modes. A message becomes rows — a plain message one
 * row, a jsonTopics payload one row per field — and every row takes the same steps:
 * topic → filters → rows → target (resolve, objects.ts) → value (rows.ts) → type `mixed` or object created → echo
 * hook + setState. Backpressure (backpressure.ts) counts every message from the moment it is taken.
 */
const filter_1 = require("./mapping/filter");
const topic_1 = require("./mapping/topic");
const rateLog_1 = require("./rateLog");
const errorText_1 = require("./errorText");
const keyedQueue_1 = require("./keyedQueue");
const backpressure_1 = require("./ingest/backpressure");
Object.defineProperty(exports, "DEFAULT_BACKLOG", { enumerable: true, get: function () { return backpressure_1.DEFAULT_BACKLOG; } });
const objects_1 = require("./ingest/objects");
const rows_1 = require("./ingest/rows");
/** ioBroker quality 0x40: a substitute value from the device or instance (a cleared retained message). */
const SUBSTITUTE = 0x40;
class Ingest {
    options;
    store;
    log;
    hooks;
    /** Messages refused by a limit or a filter. */
    dropped = 0;
    /** Warnings about messages from outside: once per cause and topic, bounded (see rateLog.ts). */
    warnings;
    objects;
    backpressure;
    /** Per-topic chains while a topic is being resolved or its object created: keeps order, loses nothing. */
    inflight = new keyedQueue_1.KeyedQueue();
    valueContext;
    constructor(options, store, log, hooks = {}, backlog = backpressure_1.DEFAULT_BACKLOG) {
        this.options = options;
        this.store = store;
        this.log = log;
        this.hooks = hooks;
        this.warnings = new rateLog_1.RateLimitedLog(log);
        this.objects = new objects_1.IngestObjects(options, store, log);
        this.backpressure = new backpressure_1.Backpressure(backlog);
        this.valueContext = {
            namespace: options.namespace,
            parseCharCodes: options.parseCharCodes,
            warnings: this.warnings,
        };
    }
    /** Messages taken and not yet written (or dropped). */
    get pendingWrites() {
        return this.backpressure.pending;
    }
    /** The instance stops: lets every held message in and holds none from now on. */
    close() {
        this.backpressure.close();
    }
    /**
     * Asked by the broker (server mode) or the MQTT client (client mode) before it takes the next message from a
     * connection: undefined means now; a promise means once the messages in flight are down to the low mark (see
     * Backpressure).
     */
    admit() {
        return this.backpressure.admit();
    }
    /**
     * Handles one message; `contentType` is its MQTT 5 Content Type (JSON: see rows.ts `rowValue`). Never throws:
     * failures are logged and reported as dropped.
     */
    handle(topic, payload, contentType) {
        const pre = this.precheck(topic);
        if (pre) {
            return Promise.resolve(pre);
        }
        const row = { kind: 'payload', topic, payload, contentType };
        const isJson = this.options.jsonTopics !== undefined && (0, filter_1.matchesAnyFilter)(this.options.jsonTopics, topic);
        const known = isJson || this.inflight.busy(topic) ? undefined : this.objects.known(row);
        if (known) {
            // the hot path: a known topic, nothing ahead of it
            return this.backpressure.track(this.writeRow(row, known).catch(err => this.failed(topic, err)));
        }
        return this.backpressure.track(this.inflight.run(topic, () => this.writeMessage(row, isJson)));
    }
    /**
     * An empty retained message cleared the topic's retained copy. The state keeps its last value, with ack=true and
     * q=0x40 (a substitute value: the last one known, no longer asserted by a retained message) — never `null`, which
     * would be offered as the text `null` (SPEC §8). No state is created for it.
     */
    async cleared(topic) {
        const pre = this.precheck(topic);
        if (pre) {
            return pre;
        }
        try {
            const id = await this.objects.clearedState(topic);
            if (!id) {
                return { status: 'ignored', reason: 'no state for a cleared topic' };
            }
            const current = (await this.store.getStates(id))[id];
            if (!current || current.val === null || current.q === SUBSTITUTE) {
                return { status: 'ignored', reason: 'nothing to mark' };
            }
            await this.set(id, { val: current.val, ack: true, q: SUBSTITUTE });
            return { status: 'written', id, val: current.val, ack: true };
        }
        catch (err) {
            return this.failed(topic, err);
        }
    }
    /** sendTo `createCommand`: a writable state for a topic no device publishes to (see ObjectCreator.commandState). */
    createCommandState(topic, type, role) {
        return this.objects.commandState(topic, type, role);
    }
    /** Keeps what the ingest knows about objects true when they change or disappear (no restart needed). */
    onObjectChange(id, obj) {
        this.objects.onObjectChange(id, obj);
    }
    precheck(topic) {
        const unwritable = (0, topic_1.unwritableTopicReason)(topic, this.options.namespace);
        if (unwritable) {
            return { status: 'ignored', reason: unwritable };
        }
        if (this.options.maxTopicLength > 0 && topic.length > this.options.maxTopicLength) {
            return this.drop('length', topic, 'maxTopicLength', `Topic '${topic.slice(0, 60)}…' (${topic.length} characters) is longer than maxTopicLength (${this.options.maxTopicLength}): not written`);
        }
        if ((0, filter_1.matchesAnyFilter)(this.options.ignoredTopics, topic)) {
            return { status: 'ignored', reason: 'ignoredTopics' };
        }
        return undefined;
    }
    /**
     * A message as rows, each resolved and written in turn. On a jsonTopics topic a JSON payload gives one row per
     * field below the topic's channel (the result names the channel); any other payload is the message's one row.
     */
    async writeMessage(message, isJson) {
        const { topic } = message;
        try {
            const json = isJson ? (0, rows_1.expandJsonPayload)(topic, message.payload) : undefined;
            if (json && 'status' in json) {
                return this.notWritten(topic, json);
            }
            const parent = json ? await this.objects.jsonParent(topic) : undefined;
            if (parent && 'status' in parent) {
                return this.notWritten(topic, parent);
            }
            let result = { status: 'ignored', reason: 'no field written' };
            for (const row of parent && json ? (0, rows_1.fieldRows)(json.batches, parent) : [message]) {
                const target = this.objects.known(row) ?? (await this.objects.resolve(row));
                if (target === undefined) {
                    continue; // a read-only field
                }
                if ('status' in target) {
                    return this.notWritten(topic, target);
                }
                result = await this.writeRow(row, target);
            }
            return parent ? { status: 'written', id: parent.id, val: null, ack: !parent.isCommand } : result;
        }
        catch (err) {
            return this.failed(topic, err);
        }
    }
    /** One row: its value, the state's type `mixed` or its object created, then the write. */
    async writeRow(row, target) {
        if (target.binary && row.kind === 'payload') {
            await this.store.writeFile(this.options.namespace, row.topic, row.payload);
        }
        const value = (0, rows_1.rowValue)(row, target, this.valueContext);
        // only the owning adapter acknowledges its states; a command is never acknowledged by its sender
        const ack = !target.foreign && !target.isCommand && (value.ack ?? true);
        if (value.becomesMixed && target.type !== undefined) {
            this.log.info(`State '${target.id}' (type ${target.type}) received ${(0, rows_1.rowValueName)(row)} it cannot hold: its type becomes mixed`);
            await this.objects.becomeMixed(row, target);
        }
        if (target.type === undefined) {
            await this.objects.create(row, target, value.type);
        }
        const state = { val: value.val, ack };
        if (value.ts !== undefined) {
            state.ts = value.ts;
        }
        if (value.q !== undefined) {
            state.q = value.q;
        }
        await this.set(target.id, state);
        return { status: 'written', id: target.id, val: value.val, ack };
    }
    /** The write itself, announced to the echo hook first. */
    set(id, state) {
        this.hooks.beforeWrite?.(id, state.val, state.ack);
        return this.store.setState(id, state);
    }
    /** A message not written: ignored, or dropped (counted and warned about). */
    notWritten(topic, refusal) {
        if (refusal.status === 'ignored') {
            return refusal;
        }
        return this.drop(refusal.cause, topic, refusal.reason, refusal.message);
    }
    /** A message refused: counted, and warned about once per cause and topic (rate-limited, see rateLog.ts). */
    drop(cause, topic, reason, message) {
        this.dropped++;
        this.warnings.warn(cause, topic, message);
        return { status: 'dropped', reason };
    }
    failed(topic, err) {
        const message = (0, errorText_1.errorText)(err);
        return this.drop('error', topic, 'error', `Message on '${topic}' could not be written: ${message}`);
    }
}
exports.Ingest = Ingest;
