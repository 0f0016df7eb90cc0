/**
 * Clients coming and going: aedes' events turned into the adapter's (clientConnected/-Disconnected once per present
 * connection, see openClients.ts; clientPublish), the session times of storeClientsTime (sessions.ts) swept every
 * minute, and with `persistence: redis` the record of which instance has which client (redisLink.ts).
 */
import path from 'node:path';
import type { Aedes, AedesPublishPacket, Client } from 'aedes';
import { isConnectedHere, isDropped } from './aedesInternals';
import type { BrokerEvents, BrokerLogger, BrokerServiceOptions } from './brokerTypes';
import { remoteAddress } from './clientWarnings';
import type { OpenClients } from './openClients';
import type { BrokerPersistence } from './persistence';
import type { ClusterPresence } from './redisLink';
import { SessionExpiry } from './sessions';
import { errorText } from '../errorText';
import { clip } from '../rateLog';
import { timers, type Timer } from '../timers';

export type ClientLifecycleOptions = Pick<
    BrokerServiceOptions,
    'persistence' | 'persistenceDir' | 'storeClientsTimeMin'
>;

export class ClientLifecycle {
    private readonly sessions: SessionExpiry;
    private sweepTimer: Timer | undefined;

    constructor(
        private readonly broker: Aedes,
        options: ClientLifecycleOptions,
        private readonly events: Pick<BrokerEvents, 'clientPublish' | 'clientConnected' | 'clientDisconnected'>,
        private readonly log: BrokerLogger,
        private readonly persistence: BrokerPersistence,
        /** `persistence: redis`: which instance has which client. */
        private readonly presence: ClusterPresence | undefined,
        /** The connections present now (shared with the broker service, which counts them). */
        private readonly open: OpenClients<Client>,
    ) {
        this.sessions = new SessionExpiry({
            file: options.persistence === 'memory' ? undefined : path.join(options.persistenceDir, 'sessions.json'),
            keepMin: options.storeClientsTimeMin,
            expire: clientId => persistence.endSession(clientId),
            onError: err => log.warn(`Cannot save the session times: ${errorText(err)}`),
            isOnline: clientId => isConnectedHere(broker, clientId) || (presence?.elsewhere(clientId) ?? false),
        });
    }

    /** Follows the broker's events; expires the sessions that are due now, and from then on every minute. */
    async start(): Promise<void> {
        const { broker, presence, sessions } = this;
        // aedes reports store failures (queueing for offline sessions, wills) as 'error' events
        (broker as unknown as NodeJS.EventEmitter).on('error', (err: Error) => this.log.warn(`Broker: ${err.message}`));
        broker.on('publish', (packet: AedesPublishPacket, client: Client | null) => {
            // client is null for messages the broker itself publishes ($SYS, the adapter's own)
            if (client && !isDropped(packet)) {
                const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
                const contentType = packet.properties?.contentType;
                this.events.clientPublish?.(packet.topic, payload, client.id, packet.retain, contentType);
            }
        });
        if (presence) {
            presence.startHeartbeat();
            // recorded when aedes registers the client: before it tells the other instances to drop their copy
            broker.on('client', client => this.redisCall(presence.online(client.id), `record '${client.id}'`));
            // a client connected to another instance: that instance keeps its session time from now on
            broker.subscribe(
                '$SYS/+/new/clients',
                (packet: AedesPublishPacket, done: () => void) => {
                    if (packet.topic.split('/')[1] !== broker.id) {
                        sessions.forget(packet.payload.toString());
                    }
                    done();
                },
                () => undefined,
            );
        }
        await sessions.sweep();
        this.sweepTimer = timers.setInterval(() => {
            sessions.sweep().then(
                expired => expired.forEach(id => this.log.info(`Session of '${id}' expired (storeClientsTime)`)),
                (err: unknown) => this.log.warn(`Cannot expire sessions: ${errorText(err)}`),
            );
        }, 60_000);

        broker.on('clientReady', client => {
            const conn = client.conn as unknown as NodeJS.EventEmitter & { destroyed?: boolean };
            // a client that dropped during the handshake is reported ready after its disconnect (issue #16)
            if (client.closed || conn.destroyed || !this.open.ready(client, client.id)) {
                return;
            }
            // the connection's own end as well: aedes does not report every close (see openClients.ts)
            conn.once('close', () => this.left(client));
            sessions.connected(client.id, client.clean);
            const address = remoteAddress(client);
            this.events.clientConnected?.(
                { id: client.id, ip: address.ip, port: address.port, clean: client.clean },
                client,
            );
        });
        broker.on('clientDisconnect', client => {
            this.left(client);
            if (client.clean) {
                this.persistence.endIncoming(client.id).catch(() => undefined);
            }
            (presence ? presence.release(client.id) : Promise.resolve())
                .then(() => sessions.disconnected(client.id))
                .catch((err: unknown) =>
                    this.log.warn(`Cannot drop the session of '${clip(client.id)}': ${errorText(err)}`),
                );
        });
        broker.on('clientError', (client, err) => this.log.debug(`Client '${clip(client.id)}' error: ${err.message}`));
        broker.on('connectionError', (client, err) =>
            this.log.debug(`Connection of '${clip(client.id ?? '?')}' refused: ${err.message}`),
        );
    }

    /** No more sweeps (the broker is stopping). */
    stopSweeping(): void {
        timers.clearInterval(this.sweepTimer);
    }

    /** Writes the session times a last time (after the listeners closed). */
    close(): void {
        this.sessions.close();
    }

    /** A present connection ended: the client id is gone when it was its last connection. */
    private left(client: Client): void {
        if (this.open.closed(client, client.id)) {
            this.events.clientDisconnected?.(client.id);
        }
    }

    /** A Redis write whose failure is only worth a warning. */
    private redisCall(call: Promise<unknown>, what: string): void {
        call.catch((err: unknown) => this.log.warn(`Redis: cannot ${what}: ${errorText(err)}`));
    }
}
