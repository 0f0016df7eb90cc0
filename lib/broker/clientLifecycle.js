"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.ClientLifecycle = void 0;
/**
 * Clients coming and going: aedes' events turned into the adapter's (clientConnected/-Disconnected once per present
 * connection, see openClients.ts; clientPublish), the session times of storeClientsTime (sessions.ts) swept every
 * minute, and with `persistence: redis` the record of which instance has which client (redisLink.ts).
 */
const node_path_1 = __importDefault(require("node:path"));
const aedesInternals_1 = require("./aedesInternals");
const clientWarnings_1 = require("./clientWarnings");
const sessions_1 = require("./sessions");
const errorText_1 = require("../errorText");
const rateLog_1 = require("../rateLog");
const timers_1 = require("../timers");
class ClientLifecycle {
    broker;
    events;
    log;
    persistence;
    presence;
    open;
    sessions;
    sweepTimer;
    constructor(broker, options, events, log, persistence, 
    /** `persistence: redis`: which instance has which client. */
    presence, 
    /** The connections present now (shared with the broker service, which counts them). */
    open) {
        this.broker = broker;
        this.events = events;
        this.log = log;
        this.persistence = persistence;
        this.presence = presence;
        this.open = open;
        this.sessions = new sessions_1.SessionExpiry({
            file: options.persistence === 'memory' ? undefined : node_path_1.default.join(options.persistenceDir, 'sessions.json'),
            keepMin: options.storeClientsTimeMin,
            expire: clientId => persistence.endSession(clientId),
            onError: err => log.warn(`Cannot save the session times: ${(0, errorText_1.errorText)(err)}`),
            isOnline: clientId => (0, aedesInternals_1.isConnectedHere)(broker, clientId) || (presence?.elsewhere(clientId) ?? false),
        });
    }
    /** Follows the broker's events; expires the sessions that are due now, and from then on every minute. */
    async start() {
        const { broker, presence, sessions } = this;
        // aedes reports store failures (queueing for offline sessions, wills) as 'error' events
        broker.on('error', (err) => this.log.warn(`Broker: ${err.message}`));
        broker.on('publish', (packet, client) => {
            // client is null for messages the broker itself publishes ($SYS, the adapter's own)
            if (client && !(0, aedesInternals_1.isDropped)(packet)) {
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
            broker.subscribe('$SYS/+/new/clients', (packet, done) => {
                if (packet.topic.split('/')[1] !== broker.id) {
                    sessions.forget(packet.payload.toString());
                }
                done();
            }, () => undefined);
        }
        await sessions.sweep();
        this.sweepTimer = timers_1.timers.setInterval(() => {
            sessions.sweep().then(expired => expired.forEach(id => this.log.info(`Session of '${id}' expired (storeClientsTime)`)), (err) => this.log.warn(`Cannot expire sessions: ${(0, errorText_1.errorText)(err)}`));
        }, 60_000);
        broker.on('clientReady', client => {
            const conn = client.conn;
            // a client that dropped during the handshake is reported ready after its disconnect (issue #16)
            if (client.closed || conn.destroyed || !this.open.ready(client, client.id)) {
                return;
            }
            // the connection's own end as well: aedes does not report every close (see openClients.ts)
            conn.once('close', () => this.left(client));
            sessions.connected(client.id, client.clean);
            const address = (0, clientWarnings_1.remoteAddress)(client);
            this.events.clientConnected?.({ id: client.id, ip: address.ip, port: address.port, clean: client.clean }, client);
        });
        broker.on('clientDisconnect', client => {
            this.left(client);
            if (client.clean) {
                this.persistence.endIncoming(client.id).catch(() => undefined);
            }
            (presence ? presence.release(client.id) : Promise.resolve())
                .then(() => sessions.disconnected(client.id))
                .catch((err) => this.log.warn(`Cannot drop the session of '${(0, rateLog_1.clip)(client.id)}': ${(0, errorText_1.errorText)(err)}`));
        });
        broker.on('clientError', (client, err) => this.log.debug(`Client '${(0, rateLog_1.clip)(client.id)}' error: ${err.message}`));
        broker.on('connectionError', (client, err) => this.log.debug(`Connection of '${(0, rateLog_1.clip)(client.id ?? '?')}' refused: ${err.message}`));
    }
    /** No more sweeps (the broker is stopping). */
    stopSweeping() {
        timers_1.timers.clearInterval(this.sweepTimer);
    }
    /** Writes the session times a last time (after the listeners closed). */
    close() {
        this.sessions.close();
    }
    /** A present connection ended: the client id is gone when it was its last connection. */
    left(client) {
        if (this.open.closed(client, client.id)) {
            this.events.clientDisconnected?.(client.id);
        }
    }
    /** A Redis write whose failure is only worth a warning. */
    redisCall(call, what) {
        call.catch((err) => this.log.warn(`Redis: cannot ${what}: ${(0, errorText_1.errorText)(err)}`));
    }
}
exports.ClientLifecycle = ClientLifecycle;
