/**
 * One broker instance for scripts/bench/scaleOut.ts, in a process of its own: BrokerService (the adapter's embedded
 * broker, without ioBroker) on a loopback port. IPC: sends {event: 'ready', port}; {cmd: 'count'} → {event:
 * 'count', count} (messages its own clients published, i.e. what the instance would write to ioBroker);
 * {cmd: 'stop'} stops it and exits.
 * argv: port persistence(memory|disk|redis) redisUrl dataDir [maxClients (10000)]
 * Also used by bench/stress.ts, with the adapter's default limits.
 */
import { BrokerService } from '../../src/broker/brokerService';
import type { Persistence } from '../../src/settings';

const [port, persistence, redisUrl, dir, maxClients] = process.argv.slice(2);
const quiet = {
    info: (): void => undefined,
    warn: (m: string): void => console.error(m),
    debug: (): void => undefined,
};
let count = 0;

const broker = new BrokerService(
    {
        listeners: { bind: '127.0.0.1', port: Number(port), tls: undefined, webSocket: false, wsPort: 0 },
        persistence: persistence as Persistence,
        persistenceDir: dir!,
        redisUrl,
        user: '',
        pass: '',
        maxClients: Number(maxClients ?? 10000),
        maxPayloadSizeBytes: 1048576,
        forceCleanSession: 'no',
        storeClientsTimeMin: 60,
        maxQueuedMessages: 1000,
    },
    { clientPublish: () => count++ },
    quiet,
);

process.on('message', (message: { cmd: string }) => {
    if (message.cmd === 'count') {
        const cpu = process.cpuUsage();
        process.send!({ event: 'count', count, cpuMs: (cpu.user + cpu.system) / 1000 });
    } else if (message.cmd === 'stop') {
        void broker.stop().then(() => process.exit(0));
    }
});

void broker.start().then(() => process.send!({ event: 'ready', port: broker.boundPort }));
