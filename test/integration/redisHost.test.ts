/**
 * ioBroker on Redis, and a broker shared by several instances through Redis, on a real host:
 * js-controller 7.2.3 built and started by scripts/start.mjs (the `npm start` code) with its objects and states
 * databases in a redis-server (MQTT_GATEWAY_DB=redis), three instances of this adapter — .0 and .1 in server mode
 * sharing a second redis-server (`persistence: redis`), .2 in client mode against a real mosquitto — and real
 * mqtt.js clients. The host's databases are read and written with js-controller's own clients.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DevHost } from '../lib/devHost';
import { openHostDatabases, type HostObjects, type HostStates } from '../lib/hostDb';
import { Mosquitto } from '../lib/mosquitto';
import { reconnectingSubscriber, TestClient } from '../lib/mqttClient';
import { RedisServer } from '../lib/redis';
import { hasCommand, portOpen, skipWithReason } from '../lib/tools';
import { until } from '../lib/wait';

const HOST_DIR = path.join(__dirname, '../../.redis-host');
const DB_PORT = 25379; // the host's objects and states databases
const BROKER_REDIS_PORT = 25380; // the Redis the broker instances share
const DOWN_PORT = 25381; // a Redis that is not there yet
const MQTT = [25883, 25884];
const MOSQUITTO_PORT = 25885;

describe('ioBroker on Redis with a broker shared by two instances', function () {
    this.timeout(60000);
    let host: DevHost | undefined;
    let brokerRedis: RedisServer | undefined;
    let downRedis: RedisServer | undefined;
    let mosquitto: Mosquitto | undefined;
    let db: { states: HostStates; objects: HostObjects } | undefined;
    const changes: { id: string; val: unknown; ack: boolean }[] = [];
    const clients: TestClient[] = [];

    before(async function () {
        this.timeout(420000);
        if (!hasCommand('redis-server')) {
            skipWithReason(this, 'redis-server is not installed (apt-get install redis-server)');
        }
        if (!hasCommand('mosquitto')) {
            skipWithReason(this, 'mosquitto is not installed (apt-get install mosquitto)');
        }
        brokerRedis = new RedisServer(BROKER_REDIS_PORT);
        await brokerRedis.start();
        mosquitto = new Mosquitto({ port: MOSQUITTO_PORT });
        await mosquitto.start();
        host = new DevHost({
            dir: HOST_DIR,
            objectsPort: DB_PORT,
            statesPort: DB_PORT,
            adminPort: 25881, // not started (MQTT_GATEWAY_ADMIN=0)
            mqttPort: MQTT[0]!,
            timeoutMs: 360000,
            env: { MQTT_GATEWAY_DB: 'redis', MQTT_GATEWAY_ADMIN: '0' },
        });
        await host.start();
        db = await openHostDatabases(HOST_DIR, (id, state) => {
            if (state) {
                changes.push({ id, val: state.val, ack: state.ack });
            }
        });
        await db.states.subscribe('mqtt-gateway.*');

        for (const n of [1, 2]) {
            if (!(await db.objects.getObject(`system.adapter.mqtt-gateway.${n}`))) {
                await host.cli('add', 'mqtt-gateway', String(n), '--enabled', 'false');
            }
        }
        // publish '' too: a run stopped half-way leaves its masks in this host's databases
        const shared = {
            type: 'server',
            bind: '127.0.0.1',
            persistence: 'redis',
            redisUrl: brokerRedis.url,
            publish: '',
        };
        await configure(0, { ...shared, port: MQTT[0] });
        await configure(1, { ...shared, port: MQTT[1] });
        await configure(2, { type: 'client', url: '127.0.0.1', port: MOSQUITTO_PORT, patterns: 'garage/#' });
        await until(
            async () => (await connected(0)) && (await connected(1)) && (await connected(2)),
            60000,
            'the three instances connected',
        );
    });

    after(async function () {
        this.timeout(60000);
        for (const c of clients.splice(0)) {
            c.client.end(true);
        }
        await db?.states.destroy();
        await db?.objects.destroy();
        await host?.stop();
        await mosquitto?.dispose();
        await brokerRedis?.dispose();
        await downRedis?.dispose();
    });

    /**
     * Today's host log. The dated file itself, not `iobroker.current.log`: the log writer replaces that link when it
     * opens the file again (a controller restart), and a read in between finds no file.
     */
    function logFile(): string {
        const dir = path.join(HOST_DIR, 'log');
        const dated = readdirSync(dir)
            .filter(f => /^iobroker\.\d{4}-\d\d-\d\d\.log$/.test(f))
            .sort()
            .pop();
        return path.join(dir, dated ?? 'iobroker.current.log');
    }

    /** How far the host log is written now (a mark for newLog). */
    function logLength(): number {
        return readFileSync(logFile(), 'utf8').length;
    }

    /** Host log lines written since the mark. */
    function newLog(from: number): string {
        return readFileSync(logFile(), 'utf8').slice(from);
    }

    /** Saves native settings the way admin does: the controller (re)starts the instance. */
    async function configure(n: number, native: Record<string, unknown>): Promise<void> {
        const id = `system.adapter.mqtt-gateway.${n}`;
        const obj = (await db!.objects.getObject(id)) as ioBroker.InstanceObject;
        obj.native = { ...obj.native, ...native };
        obj.common.enabled = true;
        await db!.states.setState(`mqtt-gateway.${n}.info.connection`, { val: false, ack: true });
        await db!.objects.setObject(id, obj);
    }

    async function connected(n: number): Promise<boolean> {
        return (await db!.states.getState(`mqtt-gateway.${n}.info.connection`))?.val === true;
    }

    async function client(port: number, options: Parameters<typeof TestClient.connect>[1] = {}): Promise<TestClient> {
        const c = await TestClient.connect(port, options);
        clients.push(c);
        return c;
    }

    it('server mode on Redis databases: a message becomes a typed state, a command becomes a message', async () => {
        const sub = await client(MQTT[0]!);
        await sub.subscribe('kitchen/#', 1);
        const pub = await client(MQTT[0]!);
        await pub.publish('kitchen/light', '42');
        await until(
            async () => (await db!.states.getState('mqtt-gateway.0.kitchen.light'))?.val === 42,
            10000,
            'mqtt-gateway.0.kitchen.light = 42',
        );
        const obj = await db!.objects.getObject('mqtt-gateway.0.kitchen.light');
        assert.equal(obj?.common.type, 'number');
        await db!.states.setState('mqtt-gateway.0.kitchen.light', { val: 7, ack: false });
        assert.equal((await sub.waitFor(m => m.topic === 'kitchen/light' && m.payload.toString() === '7')).qos, 0);
    });

    it('client mode on Redis databases: mosquitto → state and state command → mosquitto', async () => {
        const outside = await client(MOSQUITTO_PORT);
        await outside.subscribe('garage/#', 1);
        await outside.publish('garage/door', 'open');
        await until(
            async () => (await db!.states.getState('mqtt-gateway.2.garage.door'))?.val === 'open',
            10000,
            'mqtt-gateway.2.garage.door = open',
        );
        await db!.states.setState('mqtt-gateway.2.garage.door', { val: 'close', ack: false });
        await outside.waitFor(m => m.topic === 'garage/door' && m.payload.toString() === 'close');
    });

    it('a client on .0 receives what a client on .1 publishes; only .1 writes it to ioBroker, once', async () => {
        const onA = await client(MQTT[0]!, { clientId: 'listener-a' });
        await onA.subscribe('shared/#', 2);
        const onB = await client(MQTT[1]!, { clientId: 'writer-b' });
        changes.length = 0;
        for (const qos of [0, 1, 2] as const) {
            await onB.publish(`shared/q${qos}`, `${qos}`, { qos });
        }
        await until(() => onA.messages.length >= 3, 10000, 'three messages through the shared broker');
        await until(
            async () => (await db!.states.getState('mqtt-gateway.1.shared.q2'))?.val === 2,
            10000,
            'mqtt-gateway.1.shared.q2 = 2',
        );
        await new Promise(resolve => setTimeout(resolve, 1000));
        assert.deepEqual(onA.messages.map(m => `${m.topic}=${m.payload.toString()}`).sort(), [
            'shared/q0=0',
            'shared/q1=1',
            'shared/q2=2',
        ]);
        const written = changes.filter(c => /\.shared\.q\d$/.test(c.id)).map(c => `${c.id}=${String(c.val)}`);
        assert.deepEqual(written.sort(), [
            'mqtt-gateway.1.shared.q0=0',
            'mqtt-gateway.1.shared.q1=1',
            'mqtt-gateway.1.shared.q2=2',
        ]);
        assert.equal(await db!.objects.getObject('mqtt-gateway.0.shared.q0'), null);

        // a command to .0's state reaches a subscriber on .1
        const onB2 = await client(MQTT[1]!);
        await onB2.subscribe('kitchen/#', 1);
        await db!.states.setState('mqtt-gateway.0.kitchen.light', { val: 9, ack: false });
        await onB2.waitFor(m => m.topic === 'kitchen/light' && m.payload.toString() === '9');
    });

    it('Redis lost while running: info.connection false, clients stay, recovery without restart, nothing twice', async () => {
        // a persistent subscriber that reconnects by itself, as devices do
        const { client: sub, got: all } = await reconnectingSubscriber(MQTT[1]!, 'outage-sub', 'outage/#');
        const got = (): string[] => all.filter(m => m.startsWith('outage/x=')).map(m => m.slice('outage/x='.length));
        const pub = await client(MQTT[0]!, { clientId: 'outage-pub' });
        changes.length = 0;
        const mark = logLength();

        await brokerRedis!.stop();
        await until(async () => !(await connected(0)) && !(await connected(1)), 15000, 'info.connection false');
        const during = Promise.all(Array.from({ length: 5 }, (_, i) => pub.publish('outage/x', `${i}`, { qos: 1 })));
        await new Promise(resolve => setTimeout(resolve, 1000));
        assert.equal(sub.connected && pub.client.connected, true, 'clients stay connected');
        await brokerRedis!.start();
        await until(async () => (await connected(0)) && (await connected(1)), 20000, 'info.connection true again');
        await during;
        await until(() => got().length >= 5, 15000, 'the 5 messages sent during the outage');
        await until(
            async () => (await db!.states.getState('mqtt-gateway.0.outage.x'))?.val === 4,
            10000,
            'mqtt-gateway.0.outage.x = 4',
        );
        await new Promise(resolve => setTimeout(resolve, 1000));
        sub.end(true);
        assert.deepEqual(got(), ['0', '1', '2', '3', '4']);
        const writes = changes.filter(c => c.id.endsWith('.outage.x') && c.ack).map(c => `${c.id}=${String(c.val)}`);
        assert.deepEqual(
            writes,
            [0, 1, 2, 3, 4].map(v => `mqtt-gateway.0.outage.x=${v}`),
        );
        assert.match(newLog(mark), /mqtt-gateway\.0 .*Lost the connection to Redis redis:\/\/127\.0\.0\.1:25380/);
        assert.match(newLog(mark), /mqtt-gateway\.1 .*Redis redis:\/\/127\.0\.0\.1:25380\/? is back/);
    });

    it('warns when two instances of one shared broker publish overlapping masks', async () => {
        const mark = logLength();
        await configure(1, { publish: 'mqtt-gateway.1.*,0_userdata.0.*' });
        await until(() => connected(1), 30000, 'mqtt-gateway.1 restarted');
        // .0 publishes only its own states so far: nothing to warn about
        assert.doesNotMatch(newLog(mark), /shares this broker/);
        await configure(0, { publish: 'mqtt-gateway.0.*,0_userdata.0.lamps.*' });
        await until(
            () =>
                /mqtt-gateway\.0 .*mqtt-gateway\.1 shares this broker .* overlaps '0_userdata\.0\.lamps\.\*'/.test(
                    newLog(mark),
                ),
            30000,
            'the warning of mqtt-gateway.0 naming .1 and the mask',
        );
        await until(() => connected(0), 30000, 'mqtt-gateway.0 running');
        await configure(0, { publish: '' });
        await configure(1, { publish: '' });
        await until(async () => (await connected(0)) && (await connected(1)), 30000, 'both back with their own masks');
    });

    it('Redis unavailable at start: one clear error naming redisUrl, retries with backoff, starts when it comes', async function () {
        this.timeout(90000);
        const mark = logLength();
        await configure(1, { redisUrl: `redis://127.0.0.1:${DOWN_PORT}` });
        await until(
            () => /mqtt-gateway\.1.*option 'redisUrl'.*is not reachable/.test(newLog(mark)),
            30000,
            'the error line of mqtt-gateway.1',
        );
        const errorLine = newLog(mark)
            .split('\n')
            .find(l => /mqtt-gateway\.1.*option 'redisUrl'/.test(l));
        assert.match(errorLine ?? '', /error/);
        assert.match(errorLine ?? '', /next try in 5 s/);
        const waiting = logLength();
        assert.equal(await connected(1), false);
        assert.equal((await db!.states.getState('system.adapter.mqtt-gateway.1.alive'))?.val, true, 'still running');
        assert.equal(await portOpen(MQTT[1]!), false, 'no listener without Redis');

        downRedis = new RedisServer(DOWN_PORT);
        await downRedis.start();
        await until(() => connected(1), 45000, 'mqtt-gateway.1 connected once Redis answers');
        assert.equal(await portOpen(MQTT[1]!), true);
        const restarts = newLog(waiting).match(/mqtt-gateway\.1.*(terminated|exited)/g) ?? [];
        assert.deepEqual(restarts, [], 'the instance never exited while waiting');
    });
});
