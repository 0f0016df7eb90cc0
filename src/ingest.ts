/**
 * One write path for everything that enters from MQTT, in both modes. A message becomes rows — a plain message one
 * row, a jsonTopics payload one row per field — and every row takes the same steps:
 * topic → filters → rows → target (resolve, objects.ts) → value (rows.ts) → type `mixed` or object created → echo
 * hook + setState. Backpressure (backpressure.ts) counts every message from the moment it is taken.
 */
import { matchesAnyFilter, type TopicFilter } from './mapping/filter';
import type { Value } from './mapping/payload';
import { unwritableTopicReason } from './mapping/topic';
import type { Logger, SettableState, Store } from './iobroker/store';
import { RateLimitedLog } from './rateLog';
import { errorText } from './errorText';
import { KeyedQueue } from './keyedQueue';
import { Backpressure, DEFAULT_BACKLOG, type BacklogLimits } from './ingest/backpressure';
import { IngestObjects, type ObjectOptions } from './ingest/objects';
import {
    expandJsonPayload,
    fieldRows,
    rowValue,
    rowValueName,
    type Refusal,
    type Row,
    type Target,
} from './ingest/rows';

export { DEFAULT_BACKLOG, type BacklogLimits };

export interface IngestOptions extends ObjectOptions {
    /** 0 = no limit. */
    maxTopicLength: number;
    ignoredTopics: readonly TopicFilter[];
    /** JSON object payloads on these topics become one state per field. */
    jsonTopics?: readonly TopicFilter[];
    parseCharCodes: boolean;
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

/** ioBroker quality 0x40: a substitute value from the device or instance (a cleared retained message). */
const SUBSTITUTE = 0x40;

export class Ingest {
    /** Messages refused by a limit or a filter. */
    dropped = 0;
    /** Warnings about messages from outside: once per cause and topic, bounded (see rateLog.ts). */
    private readonly warnings: RateLimitedLog;
    private readonly objects: IngestObjects;
    private readonly backpressure: Backpressure;
    /** Per-topic chains while a topic is being resolved or its object created: keeps order, loses nothing. */
    private readonly inflight = new KeyedQueue();
    private readonly valueContext: Parameters<typeof rowValue>[2];

    constructor(
        private readonly options: IngestOptions,
        private readonly store: Store,
        private readonly log: Logger,
        private readonly hooks: IngestHooks = {},
        backlog: BacklogLimits = DEFAULT_BACKLOG,
    ) {
        this.warnings = new RateLimitedLog(log);
        this.objects = new IngestObjects(options, store, log);
        this.backpressure = new Backpressure(backlog);
        this.valueContext = {
            namespace: options.namespace,
            parseCharCodes: options.parseCharCodes,
            warnings: this.warnings,
        };
    }

    /** Messages taken and not yet written (or dropped). */
    get pendingWrites(): number {
        return this.backpressure.pending;
    }

    /** The instance stops: lets every held message in and holds none from now on. */
    close(): void {
        this.backpressure.close();
    }

    /**
     * Asked by the broker (server mode) or the MQTT client (client mode) before it takes the next message from a
     * connection: undefined means now; a promise means once the messages in flight are down to the low mark (see
     * Backpressure).
     */
    admit(): Promise<void> | undefined {
        return this.backpressure.admit();
    }

    /**
     * Handles one message; `contentType` is its MQTT 5 Content Type (JSON: see rows.ts `rowValue`). Never throws:
     * failures are logged and reported as dropped.
     */
    handle(topic: string, payload: Buffer, contentType?: string): Promise<IngestResult> {
        const pre = this.precheck(topic);
        if (pre) {
            return Promise.resolve(pre);
        }
        const row: Row = { kind: 'payload', topic, payload, contentType };
        const isJson = this.options.jsonTopics !== undefined && matchesAnyFilter(this.options.jsonTopics, topic);
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
    async cleared(topic: string): Promise<IngestResult> {
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
        } catch (err) {
            return this.failed(topic, err);
        }
    }

    /** sendTo `createCommand`: a writable state for a topic no device publishes to (see ObjectCreator.commandState). */
    createCommandState(topic: string, type: string, role: string | undefined): Promise<{ id: string }> {
        return this.objects.commandState(topic, type, role);
    }

    /** Keeps what the ingest knows about objects true when they change or disappear (no restart needed). */
    onObjectChange(id: string, obj: ioBroker.Object | null | undefined): void {
        this.objects.onObjectChange(id, obj);
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

    /**
     * A message as rows, each resolved and written in turn. On a jsonTopics topic a JSON payload gives one row per
     * field below the topic's channel (the result names the channel); any other payload is the message's one row.
     */
    private async writeMessage(message: Row & { kind: 'payload' }, isJson: boolean): Promise<IngestResult> {
        const { topic } = message;
        try {
            const json = isJson ? expandJsonPayload(topic, message.payload) : undefined;
            if (json && 'status' in json) {
                return this.notWritten(topic, json);
            }
            const parent = json ? await this.objects.jsonParent(topic) : undefined;
            if (parent && 'status' in parent) {
                return this.notWritten(topic, parent);
            }
            let result: IngestResult = { status: 'ignored', reason: 'no field written' };
            for (const row of parent && json ? fieldRows(json.batches, parent) : [message]) {
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
        } catch (err) {
            return this.failed(topic, err);
        }
    }

    /** One row: its value, the state's type `mixed` or its object created, then the write. */
    private async writeRow(row: Row, target: Target): Promise<IngestResult> {
        if (target.binary && row.kind === 'payload') {
            await this.store.writeFile(this.options.namespace, row.topic, row.payload);
        }
        const value = rowValue(row, target, this.valueContext);
        // only the owning adapter acknowledges its states; a command is never acknowledged by its sender
        const ack = !target.foreign && !target.isCommand && (value.ack ?? true);
        if (value.becomesMixed && target.type !== undefined) {
            this.log.info(
                `State '${target.id}' (type ${target.type}) received ${rowValueName(row)} it cannot hold: its type becomes mixed`,
            );
            await this.objects.becomeMixed(row, target);
        }
        if (target.type === undefined) {
            await this.objects.create(row, target, value.type);
        }
        const state: SettableState = { val: value.val, ack };
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
    private set(id: string, state: SettableState): Promise<void> {
        this.hooks.beforeWrite?.(id, state.val, state.ack);
        return this.store.setState(id, state);
    }

    /** A message not written: ignored, or dropped (counted and warned about). */
    private notWritten(topic: string, refusal: Refusal): IngestResult {
        if (refusal.status === 'ignored') {
            return refusal;
        }
        return this.drop(refusal.cause, topic, refusal.reason, refusal.message);
    }

    /** A message refused: counted, and warned about once per cause and topic (rate-limited, see rateLog.ts). */
    private drop(cause: string, topic: string, reason: string, message: string): IngestResult {
        this.dropped++;
        this.warnings.warn(cause, topic, message);
        return { status: 'dropped', reason };
    }

    private failed(topic: string, err: unknown): IngestResult {
        const message = errorText(err);
        return this.drop('error', topic, 'error', `Message on '${topic}' could not be written: ${message}`);
    }
}
