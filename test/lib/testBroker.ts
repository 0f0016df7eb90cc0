/** The embedded broker (BrokerService on aedes) started on a free loopback port, for tests on real sockets. */
import {
    BrokerService,
    type BrokerEvents,
    type BrokerLogger,
    type BrokerServiceOptions,
} from '../../src/broker/brokerService';

/** The bound port of a broker's WebSocket listener (the second listener when `webSocket` is on). */
export function webSocketPort(broker: BrokerService): number {
    const listeners = (broker as unknown as { listeners: { servers: { address(): { port: number } }[] } }).listeners;
    return listeners.servers[1]!.address().port;
}

export const quiet = { info: (): void => undefined, warn: (): void => undefined, debug: (): void => undefined };

export interface Started {
    broker: BrokerService;
    port: number;
    published: { topic: string; payload: Buffer; clientId: string }[];
    dropped: string[];
}

export async function startBroker(
    options: Partial<BrokerServiceOptions> = {},
    events: BrokerEvents = {},
    log: BrokerLogger = quiet,
): Promise<Started> {
    const published: Started['published'] = [];
    const dropped: string[] = [];
    const broker = new BrokerService(
        {
            listeners: { bind: '127.0.0.1', port: 0, tls: undefined, webSocket: false, wsPort: 0 },
            persistence: 'memory',
            persistenceDir: '',
            user: '',
            pass: '',
            maxClients: 1000,
            maxPayloadSizeBytes: 1048576,
            forceCleanSession: 'no',
            storeClientsTimeMin: -1,
            maxQueuedMessages: 1000,
            ...options,
        },
        {
            clientPublish: (topic, payload, clientId) => published.push({ topic, payload, clientId }),
            dropped: reason => dropped.push(reason),
            ...events,
        },
        log,
    );
    await broker.start();
    return { broker, port: broker.boundPort!, published, dropped };
}
