/**
 * The ingest pipeline (`Ingest.handle`) against an in-memory store, so only the pipeline's own cost is measured:
 * messages per second on the hot path (states exist and are cached) for plain payloads and for jsonTopics
 * (3 fields per message), per wall-clock second and per CPU second. Median of 5 rounds; asserts nothing.
 */
import { compileTopicFilter } from '../../src/mapping/filter';
import { Ingest } from '../../src/ingest';
import type { SettableState } from '../../src/iobroker/store';
import { FakeStore } from '../../test/lib/fakeStore';
import { ingestOptions } from '../../test/lib/pipelines';

/** Keeps only the last value per id (FakeStore records every write, which would measure the recording). */
class BenchStore extends FakeStore {
    override setState(id: string, state: SettableState): Promise<void> {
        this.states.set(id, state as ioBroker.State);
        return Promise.resolve();
    }
}

const quiet = {
    debug: (): void => undefined,
    info: (): void => undefined,
    warn: (): void => undefined,
    error: (): void => undefined,
};
const N = 100_000;
/** Messages in flight at a time (like a busy connection: the broker does not wait for each write). */
const WINDOW = 500;

const median = (values: number[]): number => values.sort((a, b) => a - b)[2]!;
const rate = (value: number): string => Math.round(value).toLocaleString('en-US').padStart(10);

/** Wall-clock and CPU-time rates (CPU time: steadier on a machine other processes use too). */
async function run(label: string, ingest: Ingest, topics: string[], payloads: Buffer[]): Promise<void> {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let round = 0; round < 5; round++) {
        const start = process.hrtime.bigint();
        const cpuStart = process.cpuUsage();
        let inflight: Promise<unknown>[] = [];
        for (let i = 0; i < N; i++) {
            inflight.push(ingest.handle(topics[i % topics.length]!, payloads[i % payloads.length]!));
            if (inflight.length >= WINDOW) {
                await Promise.all(inflight);
                inflight = [];
            }
        }
        await Promise.all(inflight);
        const used = process.cpuUsage(cpuStart);
        wall.push(N / (Number(process.hrtime.bigint() - start) / 1e9));
        cpu.push(N / ((used.user + used.system) / 1e6));
    }
    console.log(`${label.padEnd(36)} ${rate(median(wall))} msg/s, ${rate(median(cpu))} msg per CPU-second`);
}

async function main(): Promise<void> {
    console.log(`ingest micro-benchmark, ${N.toLocaleString('en-US')} messages per round, node ${process.version}`);
    const plainTopics = Array.from({ length: 1000 }, (_, i) => `tele/device-${i % 100}/SENSOR/value${i}`);
    const plain = new Ingest(ingestOptions(), new BenchStore(), quiet);
    const plainPayloads = [Buffer.from('21.5'), Buffer.from('22'), Buffer.from('23.25')];
    for (const topic of plainTopics) {
        await plain.handle(topic, plainPayloads[0]!); // warm-up: the states exist and are cached
    }
    await run('handle: plain payload (hot path)', plain, plainTopics, plainPayloads);

    const jsonTopics = Array.from({ length: 100 }, (_, i) => `zigbee/device-${i}`);
    const json = new Ingest(ingestOptions({ jsonTopics: [compileTopicFilter('zigbee/#')] }), new BenchStore(), quiet);
    const jsonPayloads = [
        Buffer.from('{"temperature":21.5,"humidity":40,"state":"ON"}'),
        Buffer.from('{"temperature":21.75,"humidity":41,"state":"OFF"}'),
    ];
    for (const topic of jsonTopics) {
        await json.handle(topic, jsonPayloads[0]!);
    }
    await run('handle: jsonTopics, 3 fields', json, jsonTopics, jsonPayloads);
}

void main();
