import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Gateway } from '../../src/gateway';
import { parseSettings, type Settings } from '../../src/settings';
import type {
    IncomingMessage,
    ModeProfile,
    Subscriber,
    Transport,
    TransportEvents,
    TransportMessage,
} from '../../src/transport';
import type { RequestTransport } from '../../src/requests';
import { FakeStore, memoryLogger } from '../lib/fakeStore';
import { NS } from '../lib/pipelines';

const ioPackage = JSON.parse(readFileSync(path.join(__dirname, '../../io-package.json'), 'utf8')) as {
    native: Record<string, unknown>;
};

function settingsOf(native: Record<string, unknown>): Settings {
    const parsed = parseSettings({ ...ioPackage.native, ...native }, NS);
    assert.ok(parsed.ok);
    return parsed.settings;
}

/** A transport that records what the gateway hands it and lets a test raise its events. */
class FakeTransport implements Transport {
    readonly published: TransportMessage[] = [];
    readonly subscribed: string[][] = [];
    events: TransportEvents | undefined;
    connected = true;
    requests: RequestTransport | undefined;

    constructor(
        readonly profile: ModeProfile,
        private readonly startsAs: 'online' | 'pending' = 'pending',
    ) {}

    prepare(events: TransportEvents): Promise<void> {
        this.events = events;
        this.requests = { listen: () => Promise.resolve(() => Promise.resolve()), publish: () => undefined };
        return Promise.resolve();
    }
    start(): Promise<'online' | 'pending' | 'stopped'> {
        return Promise.resolve(this.startsAs);
    }
    stop(): Promise<void> {
        return Promise.resolve();
    }
    publish(message: TransportMessage): void {
        this.published.push(message);
    }
    subscribe(topics: string[]): void {
        this.subscribed.push(topics);
    }
    message(m: Partial<Omit<IncomingMessage, 'payload'>> & { topic: string; payload: string }): void {
        this.events?.message({ retain: false, stored: false, ...m, payload: Buffer.from(m.payload) });
    }
}

const SERVER: ModeProfile = {
    includeOwnStates: false,
    keepValues: true,
    publishAllOnConnect: false,
    publishOnSubscribe: true,
};
const CLIENT: ModeProfile = { ...SERVER, includeOwnStates: true, publishAllOnConnect: true, publishOnSubscribe: false };

async function settle(): Promise<void> {
    for (let i = 0; i < 20; i++) {
        await new Promise(resolve => setImmediate(resolve));
    }
}

/** Gateways of the running test: stopped after it, failed or not (their counters run on an interval). */
const running: Gateway[] = [];

function setup(
    native: Record<string, unknown> = {},
    profile = SERVER,
    startsAs: 'online' | 'pending' = 'pending',
): {
    gateway: Gateway;
    transport: FakeTransport;
    store: FakeStore;
    connected: boolean[];
    info: Map<string, unknown>;
} {
    const store = new FakeStore();
    const log = memoryLogger();
    const info = new Map<string, unknown>();
    const connected: boolean[] = [];
    const transport = new FakeTransport(profile, startsAs);
    const host = {
        store,
        log,
        setOwnStateChanged: (id: string, val: ioBroker.StateValue) => {
            info.set(id, val);
            return Promise.resolve();
        },
        subscribeOwnObjects: () => Promise.resolve(),
    };
    const gateway = new Gateway(settingsOf(native), host, transport, up => {
        connected.push(up);
        return Promise.resolve();
    });
    running.push(gateway);
    return { gateway, transport, store, connected, info };
}

function subscriber(): Subscriber & { got: TransportMessage[] } {
    const got: TransportMessage[] = [];
    return { closed: false, deliver: m => got.push(m), got };
}

describe('Gateway (one gateway, two transports)', () => {
    afterEach(async () => {
        await Promise.all(running.splice(0).map(g => g.stop()));
    });

    it('device message → state: a message from the transport is written to its state', async () => {
        const { gateway, transport, store } = setup({ discovery: false });
        await gateway.start();
        transport.message({ topic: 'dev/temp', payload: '21.5' });
        await settle();
        assert.deepEqual(
            store.writes.map(w => [w.id, w.state.val, w.state.ack]),
            [[`${NS}.dev.temp`, 21.5, true]],
        );
    });

    it('a copy of an own message (client echo) and an empty retained message write nothing', async () => {
        const { gateway, transport, store } = setup({ discovery: false, type: 'client' }, CLIENT);
        await gateway.start();
        transport.message({ topic: 'dev/a', payload: '1', echo: true });
        transport.message({ topic: 'dev/b', payload: '', retain: true, stored: true });
        transport.message({ topic: 'dev/c', payload: '3' });
        await settle();
        assert.deepEqual(
            store.writes.map(w => w.id),
            [`${NS}.dev.c`],
        );
    });

    it('state change → device: a command goes to the transport once, with the settings retain rule', async () => {
        const { gateway, transport } = setup({ discovery: false });
        await gateway.start();
        gateway.onStateChange(`${NS}.lamp`, { val: 'ON', ack: false, ts: 1, lc: 1, from: 'user', q: 0 });
        await settle();
        assert.deepEqual(
            transport.published.map(m => [m.topic, String(m.payload), m.retain]),
            [['lamp', 'ON', false]],
        );
    });

    it('publishOnSubscribe is a publisher step fed by `subscribed`: the current value goes to that subscriber alone', async () => {
        const { gateway, transport, store } = setup({ discovery: false, sendAckToo: true });
        store.states.set(`${NS}.lamp`, { val: 'ON', ack: true, ts: 1, lc: 1, from: 'user', q: 0 });
        await gateway.start();
        const sub = subscriber();
        transport.events?.subscribed(sub, [{ topic: 'lamp', qos: 1 }]);
        await settle();
        assert.deepEqual(
            sub.got.map(m => [m.topic, String(m.payload), m.qos, m.retain]),
            [['lamp', 'ON', 0, true]],
        );
        assert.deepEqual(transport.published, [], 'nothing goes to every subscriber');
    });

    it('a subscription to the birth topic gets the birth message; publishOnSubscribe off sends no values', async () => {
        const { gateway, transport, store } = setup(
            { publishOnSubscribe: false, sendAckToo: true },
            { ...SERVER, publishOnSubscribe: false },
        );
        store.states.set(`${NS}.lamp`, { val: 'ON', ack: true, ts: 1, lc: 1, from: 'user', q: 0 });
        await gateway.start();
        const sub = subscriber();
        transport.events?.subscribed(sub, [
            { topic: 'homeassistant/status', qos: 0 },
            { topic: 'lamp', qos: 0 },
        ]);
        await settle();
        assert.deepEqual(
            sub.got.map(m => [m.topic, String(m.payload)]),
            [['homeassistant/status', 'online']],
        );
    });

    it('online: discovery birth, publishAllOnStart of client mode, then info.connection; offline clears it', async () => {
        const { gateway, transport, connected } = setup({ type: 'client' }, CLIENT);
        await gateway.start();
        assert.deepEqual(connected, [], 'a client is online only once it connects');
        transport.events?.online();
        await settle();
        assert.deepEqual(
            transport.published.map(m => m.topic),
            ['homeassistant/status'],
        );
        assert.deepEqual(connected, [true]);
        transport.events?.offline();
        assert.deepEqual(connected, [true, false]);
        assert.deepEqual(transport.subscribed, [['homeassistant/#', 'tasmota/discovery/#']]);
    });

    it('a transport that is online at start is made online by the start itself', async () => {
        const { gateway, connected } = setup({ discovery: false }, SERVER, 'online');
        await gateway.start();
        assert.deepEqual(connected, [true]);
    });

    it('sendTo commands: one set for both modes', async () => {
        const { gateway, transport } = setup({ discovery: false, type: 'client', retain: true }, CLIENT);
        assert.deepEqual(await gateway.handleMessage('sendMessage2Client', { topic: 'a', message: 'x' }), {
            error: 'not started',
        });
        assert.deepEqual(await gateway.handleMessage('createCommand', { topic: 'a', type: 'string' }), {
            error: 'not started',
        });
        assert.equal(await gateway.handleMessage('nonsense', {}), undefined);
        assert.equal(await gateway.handleMessage('toString', {}), undefined);
        await gateway.start();
        transport.connected = false;
        assert.deepEqual(await gateway.handleMessage('sendMessage2Client', { topic: 'a', message: 'x' }), {
            error: 'not connected to the broker',
        });
        assert.deepEqual(await gateway.handleMessage('request', { topic: 'a', responseTopic: 'b' }), {
            error: 'not connected to the broker',
        });
        assert.deepEqual(await gateway.handleMessage('sendMessage2Client', { topic: 'a', message: 'x', qos: 1 }), {
            result: true,
        });
        transport.connected = true;
        assert.deepEqual(
            await gateway.handleMessage('sendState2Client', { id: `${NS}.s`, state: { val: 1, ack: true } }),
            {
                result: true,
            },
        );
        assert.deepEqual(
            transport.published.map(m => [m.topic, String(m.payload), m.qos, m.retain]),
            [
                ['a', 'x', 1, false],
                ['s', '1', 0, true],
            ],
        );
    });
});
