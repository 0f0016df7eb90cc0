/** The two pipelines on the in-memory FakeStore, with the options every unit test starts from. */
import { compileIdMask } from '../../src/mapping/filter';
import { Ingest, type BacklogLimits, type IngestOptions } from '../../src/ingest';
import type { PublisherOptions } from '../../src/publisher';
import { FakeStore, memoryLogger } from './fakeStore';

export const NS = 'mqtt-gateway.0';

/** How topics and ids map in both pipelines by default. */
const TOPICS = { namespace: NS, prefix: '', removePrefix: '', extraSet: false, dotToUnderscore: false };

/** Ingest options of a fresh instance (own namespace writable, nothing ignored), `overrides` on top. */
export function ingestOptions(overrides: Partial<IngestOptions> = {}): IngestOptions {
    return {
        ...TOPICS,
        maxTopicLength: 100,
        ignoredTopics: [],
        binaryTopics: [],
        ignoreNewObjects: false,
        parseCharCodes: false,
        writableMask: [compileIdMask(`${NS}.*`)],
        ...overrides,
    };
}

/** An Ingest on a FakeStore; `echoes` records what it announces through `beforeWrite` (the publisher's echo hook). */
export function ingestSetup(
    overrides: Partial<IngestOptions> = {},
    backlog?: BacklogLimits,
): {
    store: FakeStore;
    log: ReturnType<typeof memoryLogger>;
    ingest: Ingest;
    echoes: { id: string; val: unknown }[];
} {
    const store = new FakeStore();
    const log = memoryLogger();
    const echoes: { id: string; val: unknown }[] = [];
    const ingest = new Ingest(
        ingestOptions(overrides),
        store,
        log,
        { beforeWrite: (id, val) => echoes.push({ id, val }) },
        backlog,
    );
    return { store, log, ingest, echoes };
}

/** Publisher options: the own namespace published, commands only, on change, `overrides` on top. */
export function publisherOptions(overrides: Partial<PublisherOptions> = {}): PublisherOptions {
    return {
        ...TOPICS,
        publish: [compileIdMask(`${NS}.*`)],
        includeOwnStates: false,
        sendAckToo: false,
        retainCommands: false,
        onchange: true,
        sendStateObject: false,
        noEchoIntervalMs: 2000,
        defaultQoS: 1,
        retain: true,
        sendOnStartIntervalMs: 2000,
        sendIntervalMs: 10,
        ...overrides,
    };
}
