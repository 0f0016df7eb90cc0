import assert from 'node:assert/strict';
import sinon from 'sinon';
import { Requests, type RequestTransport } from '../../src/requests';

/** An in-memory transport: published requests are recorded; tests deliver answers to the current listeners. */
function transport(): RequestTransport & {
    listeners: Set<(t: string, p: Buffer, c?: Buffer) => void>;
    published: { topic: string; payload: string | Buffer; correlation: Buffer }[];
    deliver(topic: string, payload: string, correlation?: Buffer): void;
} {
    const listeners = new Set<(t: string, p: Buffer, c?: Buffer) => void>();
    const published: { topic: string; payload: string | Buffer; correlation: Buffer }[] = [];
    return {
        listeners,
        published,
        listen(_filter, onMessage) {
            listeners.add(onMessage);
            return Promise.resolve(() => {
                listeners.delete(onMessage);
                return Promise.resolve();
            });
        },
        publish(m) {
            published.push(m);
        },
        deliver(topic, payload, correlation) {
            for (const l of [...listeners]) {
                l(topic, Buffer.from(payload), correlation);
            }
        },
    };
}

async function tick(): Promise<void> {
    for (let i = 0; i < 5; i++) {
        await new Promise(resolve => setImmediate(resolve));
    }
}

describe('Requests (sendTo request)', () => {
    it('answers with the first message on the response filter, skipping the request itself', async () => {
        const t = transport();
        const requests = new Requests(t, 0);
        const answer = requests.request({ topic: 'dev/rx/request', message: 'ping', responseTopic: 'dev/rx/+' });
        await tick();
        t.deliver('dev/rx/request', 'ping'); // our own request, seen by a broker-side listener
        t.deliver('other/topic', 'x');
        t.deliver('dev/rx/response', 'pong');
        assert.deepEqual(await answer, { result: { topic: 'dev/rx/response', message: 'pong' } });
        assert.equal(t.listeners.size, 0, 'stopped listening');
    });

    it('runs requests on the same response topic one after another', async () => {
        const t = transport();
        const requests = new Requests(t, 1);
        const first = requests.request({ topic: 'a', message: '1', responseTopic: 'r' });
        const second = requests.request({ topic: 'a', message: '2', responseTopic: 'r' });
        await tick();
        assert.equal(t.published.length, 1, 'the second waits for the first');
        t.deliver('r', 'answer-1');
        assert.deepEqual(await first, { result: { topic: 'r', message: 'answer-1' } });
        await tick();
        assert.equal(t.published.length, 2);
        t.deliver('r', 'answer-2');
        assert.deepEqual(await second, { result: { topic: 'r', message: 'answer-2' } });
    });

    it('ignores answers with someone else’s correlation data', async () => {
        const t = transport();
        const requests = new Requests(t, 0);
        const answer = requests.request({ topic: 'a', message: 'x', responseTopic: 'r' });
        await tick();
        t.deliver('r', 'not mine', Buffer.from('other'));
        t.deliver('r', 'mine', t.published[0]!.correlation);
        assert.deepEqual(await answer, { result: { topic: 'r', message: 'mine' } });
    });

    it('times out, and refuses invalid topics and QoS', async () => {
        const requests = new Requests(transport(), 0);
        const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        try {
            let answered = false;
            const answer = requests.request({ topic: 'a', message: 'x', responseTopic: 'r', timeout: 20 });
            void answer.then(() => (answered = true));
            await clock.tickAsync(19);
            assert.equal(answered, false, 'not before the timeout');
            await clock.tickAsync(1);
            assert.deepEqual(await answer, { error: 'timeout' });
        } finally {
            clock.restore();
        }
        assert.deepEqual(await requests.request({ topic: 'a/#', responseTopic: 'r' }), {
            error: "topic contains a wildcard ('+' or '#')",
        });
        assert.deepEqual(await requests.request({ topic: 'a', responseTopic: 'r/#/x' }), {
            error: "responseTopic '#' must be a whole level at the end (level 2: '#')",
        });
        assert.deepEqual(await requests.request({ topic: 'a', responseTopic: 'r', qos: 3 }), {
            error: 'qos must be 0, 1 or 2',
        });
    });
});
