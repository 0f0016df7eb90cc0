/**
 * The upper reference for the MQTT leg of the comparison: a bare aedes broker (the version this project uses, with
 * its default in-memory persistence), no ioBroker. Started by scripts/bench/compare.ts as a child process with IPC:
 *   {cmd: 'expect', prefix, count}   → answers {event: 'received', count} once `count` client messages whose topic
 *                                      starts with `prefix` have reached the broker
 *   {cmd: 'publish', prefix, count, base} → the broker publishes `count` messages (payloads base, base+1, …) itself
 *                                      (fan-out); answers {event: 'sent'}
 *   {cmd: 'rss'}                     → answers {event: 'rss', bytes}
 */
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(root, 'package.json'));
const { Aedes } = require('aedes');

const port = Number(process.argv[2]);
const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
let expectation;

broker.on('publish', (packet, client) => {
    if (!client || !expectation || !packet.topic.startsWith(expectation.prefix)) {
        return;
    }
    expectation.seen++;
    if (expectation.seen === expectation.count) {
        process.send({ event: 'received', count: expectation.seen });
        expectation = undefined;
    }
});

process.on('message', message => {
    if (message.cmd === 'expect') {
        expectation = { prefix: message.prefix, count: message.count, seen: 0 };
        process.send({ event: 'expecting' });
    } else if (message.cmd === 'publish') {
        for (let i = 0; i < message.count; i++) {
            broker.publish(
                {
                    cmd: 'publish',
                    topic: `${message.prefix}${i % 1000}`,
                    payload: Buffer.from(String(message.base + i)),
                    qos: 0,
                    retain: false,
                    dup: false,
                },
                () => undefined,
            );
        }
        process.send({ event: 'sent' });
    } else if (message.cmd === 'rss') {
        global.gc?.();
        process.send({ event: 'rss', bytes: process.memoryUsage().rss });
    } else if (message.cmd === 'stop') {
        server.close();
        broker.close(() => process.exit(0));
    }
});

server.listen(port, '127.0.0.1', () => process.send({ event: 'listening' }));
