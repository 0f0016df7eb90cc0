/** A real mqtt.js client for tests, with message collection and waits that time out. */
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';

export interface Received {
    topic: string;
    payload: Buffer;
    retain: boolean;
    qos: number;
    /** MQTT 5 properties of the PUBLISH as delivered (undefined for 3.1.1). */
    properties?: IPublishPacket['properties'];
}

export class TestClient {
    readonly messages: Received[] = [];
    private waiters: { match: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];

    private constructor(readonly client: MqttClient) {
        client.on('message', (topic, payload, packet) => {
            const message = { topic, payload, retain: packet.retain, qos: packet.qos, properties: packet.properties };
            this.messages.push(message);
            this.waiters = this.waiters.filter(w => {
                if (w.match(message)) {
                    w.resolve(message);
                    return false;
                }
                return true;
            });
        });
    }

    static connect(port: number, options: IClientOptions = {}): Promise<TestClient> {
        return TestClient.connectUrl(`mqtt://127.0.0.1:${port}`, options);
    }

    /** Any URL mqtt.js takes (ws://…/mqtt for the WebSocket listener). */
    static async connectUrl(url: string, options: IClientOptions = {}): Promise<TestClient> {
        const client = await mqtt.connectAsync(url, {
            reconnectPeriod: 0,
            connectTimeout: 5000,
            ...options,
        });
        return new TestClient(client);
    }

    async subscribe(filter: string, qos: 0 | 1 | 2 = 0): Promise<void> {
        await this.client.subscribeAsync(filter, { qos });
    }

    async publish(
        topic: string,
        payload: string | Buffer,
        options: { qos?: 0 | 1 | 2; retain?: boolean } = {},
    ): Promise<void> {
        await this.client.publishAsync(topic, payload, { qos: options.qos ?? 1, retain: options.retain ?? false });
    }

    /** Resolves with the first message (already received or future) that matches. */
    waitFor(match: (m: Received) => boolean, timeoutMs = 10000, description = 'a message'): Promise<Received> {
        const existing = this.messages.find(match);
        if (existing) {
            return Promise.resolve(existing);
        }
        return new Promise((resolve, reject) => {
            let timer: NodeJS.Timeout | undefined = undefined;
            const waiter = {
                match,
                resolve: (m: Received): void => {
                    clearTimeout(timer);
                    resolve(m);
                },
            };
            timer = setTimeout(() => {
                this.waiters = this.waiters.filter(w => w !== waiter);
                reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${description}`));
            }, timeoutMs);
            this.waiters.push(waiter);
        });
    }

    waitForTopic(topic: string, timeoutMs = 10000): Promise<Received> {
        return this.waitFor(m => m.topic === topic, timeoutMs, `topic '${topic}'`);
    }

    received(topic: string): Received[] {
        return this.messages.filter(m => m.topic === topic);
    }

    async end(): Promise<void> {
        await this.client.endAsync();
    }
}

/**
 * A persistent QoS 1 subscriber that reconnects by itself, as devices do: `got` lists what arrived as
 * `topic=payload`, `connects` counts its connections. The caller ends `client`.
 */
export async function reconnectingSubscriber(
    port: number,
    clientId: string,
    filter: string,
    options: IClientOptions = {},
): Promise<{ client: MqttClient; got: string[]; connects: number }> {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
        clientId,
        clean: false,
        reconnectPeriod: 300,
        ...options,
    });
    const result = { client, got: [] as string[], connects: 0 };
    client.on('message', (topic, payload) => result.got.push(`${topic}=${payload.toString()}`));
    client.on('connect', () => result.connects++);
    await new Promise(resolve => client.once('connect', resolve));
    await client.subscribeAsync(filter, { qos: 1 });
    return result;
}
