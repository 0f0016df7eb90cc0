/**
 * Who gets in: aedes' preConnect and authenticate hooks. The CONNECT's conformance, MQTT 5 on or off, the brute-force
 * guards per address and per account, the credentials, maxClients, forceCleanSession; MQTT 5 clients are refused with
 * the reason codes MQTT 3.1.1 does not have (Banned, Quota exceeded) before the login is looked at.
 */
import type { AedesOptions, Client } from 'aedes';
import { AccountGuard, BruteForceGuard } from './accessControl';
import { deliverAtHighestQos } from './aedesInternals';
import type { BrokerLogger, BrokerServiceOptions } from './brokerTypes';
import type { ClientRights } from './clientRights';
import { remoteAddress, type ClientWarnings } from './clientWarnings';
import { connectViolation } from './conformance';
import type { Listeners } from './listeners';
import { applyForceCleanSession, refuseConnectV5, repeatedProperty } from './mqtt5';
import { isReservedName } from './reservedNames';
import { clip } from '../rateLog';

type ConnectError = Error & { returnCode: number };

function connectError(returnCode: number, message: string): ConnectError {
    return Object.assign(new Error(message), { returnCode });
}

export type AdmissionOptions = Pick<
    BrokerServiceOptions,
    'maxClients' | 'mqtt5' | 'forceCleanSession' | 'bruteForce' | 'accountBruteForce'
>;

export class Admission {
    private readonly guard: BruteForceGuard;
    private readonly accountGuard: AccountGuard;
    private lockedLogins = 0;
    /** Clients that sent an empty client id with clean session off [MQTT-3.1.3-8]. */
    private readonly emptyIdUnclean = new WeakSet<Client>();
    /** The listeners the connections come through, while the broker runs (their places count maxClients). */
    private listeners: Listeners | undefined;

    constructor(
        private readonly options: AdmissionOptions,
        private readonly rights: ClientRights,
        private readonly warnings: ClientWarnings,
        private readonly log: BrokerLogger,
    ) {
        this.guard = new BruteForceGuard({
            maxFailures: 5,
            windowMs: 60_000,
            blockMs: 10_000,
            maxBlockMs: 600_000,
            ...options.bruteForce,
        });
        this.accountGuard = new AccountGuard({
            maxFailures: 20,
            windowMs: 60_000,
            blockMs: 10_000,
            maxBlockMs: 600_000,
            ...options.accountBruteForce,
        });
    }

    /** Logins refused because their address was blocked after repeated failures. */
    get blockedLogins(): number {
        return this.guard.refused;
    }

    /** Logins refused unchecked because their account was locked after repeated failures from anywhere. */
    get lockedAccountLogins(): number {
        return this.lockedLogins;
    }

    /** From now on connections come through these listeners. */
    attach(listeners: Listeners): void {
        this.listeners = listeners;
    }

    /** The broker is stopping: the listeners no longer count. */
    detach(): void {
        this.listeners = undefined;
    }

    /** aedes' preConnect hook. */
    readonly preConnect: NonNullable<AedesOptions['preConnect']> = (client, packet, done) => {
        // it sent a CONNECT: no longer an idle connection that a newcomer may push out (listeners.ts)
        this.listeners?.markConnected(client.conn);
        const violation = connectViolation(packet);
        if (violation) {
            this.warnings.refuseMalformed(client, violation, packet.clientId);
            done(new Error(violation), false);
            return;
        }
        const v5 = packet.protocolVersion === 5;
        if (v5 && this.options.mqtt5 === false) {
            this.warnings.refuseProtocol(clip(packet.clientId), remoteAddress(client).ip, 5);
            // aedes has no option to refuse MQTT 5 [MQTT-3.1.2-2]: 0x84 "Unsupported Protocol Version"
            refuseConnectV5(client, 0x84, 'MQTT 5 is switched off', done);
            return;
        }
        // aedes' authenticate can answer MQTT 5 clients only with the codes that MQTT 3.1.1 has (0x85–0x88);
        // "banned" and "quota exceeded" are answered here, before the login is looked at
        const repeated = v5 && (repeatedProperty(packet.properties) ?? repeatedProperty(packet.will?.properties));
        if (repeated) {
            refuseConnectV5(client, 0x82, `CONNECT with '${repeated}' twice`, done); // Protocol Error
            return;
        }
        if (v5 && this.isBlocked(client)) {
            refuseConnectV5(client, 0x8a, 'banned for a while: too many failed logins', done); // Banned
            return;
        }
        if (v5 && this.isFull(client)) {
            refuseConnectV5(client, 0x97, 'server unavailable', done); // Quota exceeded (maxClients)
            return;
        }
        deliverAtHighestQos(client);
        applyForceCleanSession(packet, this.options.forceCleanSession);
        if (!v5 && packet.clientId === '' && packet.clean === false) {
            this.emptyIdUnclean.add(client);
        }
        done(null, true);
    };

    /** aedes' authenticate hook. */
    readonly authenticate: NonNullable<AedesOptions['authenticate']> = (client, username, password, done) => {
        if (isReservedName(client.id)) {
            // GHSA-52qw-whmv-87c5: aedes 2.0.0-beta.1 keeps its clients in a plain object again, where an id
            // such as '__proto__' or 'constructor' finds the prototype's member and breaks the takeover:
            // CONNACK 2 (MQTT 5: 0x85 Client Identifier not valid) [MQTT-3.1.3-5 allows a server to refuse ids]
            this.warnings.warnOnce(
                'bad-client-id',
                remoteAddress(client).ip ?? 'unknown',
                `Client '${clip(client.id)}' was refused: the client id is a reserved name`,
            );
            done(connectError(2, 'client id not allowed'), false);
            return;
        }
        this.login(client, username, password).then(
            () => done(null, true),
            (err: ConnectError) => done(err, false),
        );
    };

    /**
     * Resolves when the client may connect, rejects with the CONNACK code. The checks in this order: the client id,
     * the address's block, the account's lock, the credentials, maxClients.
     */
    private async login(client: Client, username: string | undefined, password: Buffer | undefined): Promise<void> {
        if (this.emptyIdUnclean.has(client)) {
            // [MQTT-3.1.3-8] an empty client id needs clean session: CONNACK 2 (identifier rejected)
            throw connectError(2, 'empty client id with clean session off');
        }
        const address = remoteAddress(client).ip ?? 'unknown';
        if (this.guard.blockedFor(address) > 0) {
            this.guard.refused++;
            this.warnings.warnOnce(
                'blocked',
                address,
                `Logins from ${address} are refused for a while: too many failed attempts`,
            );
            throw connectError(4, 'bad user name or password');
        }
        const user = username ?? '';
        if (!this.rights.anonymousAllowed && this.accountGuard.lockedFor(user, address) > 0) {
            // not checked, so a guess made now tells nothing; the same answer as a wrong password. Counted against
            // the address too: hammering a locked account gets the address blocked as well.
            this.lockedLogins++;
            this.guard.failed(address);
            this.warnings.warnOnce(
                'account-locked',
                user,
                `Logins as '${clip(user)}' from addresses it never logged in from are refused for a while: too many failed attempts (last from ${address})`,
            );
            throw connectError(4, 'bad user name or password');
        }
        const result = await this.rights.authenticate(username, password);
        if (!result.ok) {
            const blockMs = result.returnCode === 4 ? this.guard.failed(address) : 0;
            const lockMs = result.returnCode === 4 ? this.accountGuard.failed(user) : 0;
            // keyed by address (and account), not by client id: an attacker chooses a new id per attempt
            this.warnings.warnOnce(
                'auth',
                `${address}:${user}`,
                result.returnCode === 4
                    ? `Client '${clip(client.id)}' from ${address} was refused: wrong user name or password`
                    : `Client '${clip(client.id)}' (user '${clip(user)}') was refused: the account is disabled`,
            );
            if (blockMs > 0) {
                this.log.warn(
                    `${address}: too many failed logins, refusing logins from it for ${Math.round(blockMs / 1000)} s`,
                );
            }
            if (lockMs > 0) {
                this.warnings.warnOnce(
                    'account-lock',
                    user,
                    `'${clip(user)}': too many failed logins from any address, refusing it from new addresses for ${Math.round(lockMs / 1000)} s`,
                );
            }
            throw connectError(
                result.returnCode,
                result.returnCode === 4 ? 'bad user name or password' : 'not authorized',
            );
        }
        this.guard.succeeded(address);
        if (result.account) {
            this.accountGuard.succeeded(user, address);
        }
        // counted from the moment the connection was accepted (listeners.ts): concurrent connects cannot slip past,
        // and aedes' own count goes wrong with clients that drop mid-handshake
        if (this.listeners && !this.listeners.hasPlace(client.conn)) {
            this.warnings.warnOnce(
                'full',
                address,
                `Client '${clip(client.id)}' was refused: maxClients (${this.options.maxClients}) reached`,
            );
            throw connectError(3, 'server unavailable');
        }
        this.rights.loggedIn(client, result.account);
    }

    /** Whether the client's address is blocked by the brute-force guard (counted and warned about). */
    private isBlocked(client: Client): boolean {
        const address = remoteAddress(client).ip ?? 'unknown';
        if (this.guard.blockedFor(address) <= 0) {
            return false;
        }
        this.guard.refused++;
        this.warnings.warnOnce(
            'blocked',
            address,
            `Logins from ${address} are refused for a while: too many failed attempts`,
        );
        return true;
    }

    /** Whether the connection came after maxClients others (counted from the moment it was accepted). */
    private isFull(client: Client): boolean {
        if (!this.listeners || this.listeners.hasPlace(client.conn)) {
            return false;
        }
        // counted from the moment the connection was accepted: concurrent connects cannot slip past
        this.warnings.warnOnce(
            'full',
            remoteAddress(client).ip ?? 'unknown',
            `Client '${clip(client.id ?? '')}' was refused: maxClients (${this.options.maxClients}) reached`,
        );
        return true;
    }
}
