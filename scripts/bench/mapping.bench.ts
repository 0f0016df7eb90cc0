/**
 * Micro-benchmark of the pure mapping: topicToId + payloadToValue per message, and idToTopic + valueToPayload
 * per published change. Prints conversions per second (median of 5 runs); asserts nothing.
 */
import { payloadToValue, valueToPayload } from '../../src/mapping/payload';
import { idToTopic, topicToId, type TopicOptions } from '../../src/mapping/topic';

const options: TopicOptions = {
    namespace: 'mqtt-gateway.0',
    prefix: '',
    removePrefix: '',
    extraSet: false,
    dotToUnderscore: false,
};
const N = 200_000;
const topics = Array.from({ length: 1000 }, (_, i) => `tele/device-${i % 100}/SENSOR/value${i}`);
const payloads = [
    Buffer.from('21.5'),
    Buffer.from('true'),
    Buffer.from('{"Temperature":21.5,"Humidity":40}'),
    Buffer.from('ON'),
    Buffer.from('+58,890'),
];
const types = [undefined, 'number', 'boolean', 'string', 'json'];

function run(label: string, fn: () => number): void {
    const rates: number[] = [];
    let sink = 0;
    for (let round = 0; round < 5; round++) {
        const start = process.hrtime.bigint();
        sink += fn();
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        rates.push(N / seconds);
    }
    rates.sort((a, b) => a - b);
    const median = rates[2]!;
    console.log(
        `${label.padEnd(36)} ${Math.round(median).toLocaleString('en-US').padStart(12)} /s  (min ${Math.round(rates[0]!).toLocaleString('en-US')}, max ${Math.round(rates[4]!).toLocaleString('en-US')}; checksum ${sink % 997})`,
    );
}

console.log(`mapping micro-benchmark, ${N.toLocaleString('en-US')} conversions per round, node ${process.version}`);
run('topicToId + payloadToValue (ingest)', () => {
    let n = 0;
    for (let i = 0; i < N; i++) {
        const target = topicToId(topics[i % topics.length]!, options);
        const value = payloadToValue(payloads[i % payloads.length]!, {
            existingType: types[i % types.length],
            parseCharCodes: false,
        });
        n += (target?.ownId.length ?? 0) + (value.val === null ? 0 : 1);
    }
    return n;
});
run('idToTopic + valueToPayload (publish)', () => {
    let n = 0;
    for (let i = 0; i < N; i++) {
        const topic = idToTopic(`mqtt-gateway.0.dev.d${i % 1000}.state`, options, { isCommand: true });
        const payload = valueToPayload({ val: i % 2 ? i : 'text', ack: false, ts: i }, { sendStateObject: false });
        n += topic.length + payload.length;
    }
    return n;
});
