/**
 * What the broker logs about clients' bad input (refused logins, malformed packets, refused protocol versions, filters
 * and publishes out of bounds), bounded in memory and in log lines (see rateLog.ts), and the client's address that
 * those lines are keyed by: a client chooses its id, not its address.
 */
import type { Client } from 'aedes';
import type { BrokerLogger } from './brokerTypes';
import { clip, RateLimitedLog } from '../rateLog';

const PROTOCOL_NAMES: Record<number, string> = { 3: 'MQTT 3.1', 4: 'MQTT 3.1.1', 5: 'MQTT 5' };

export class ClientWarnings {
    /** Warnings about clients' bad input. */
    private readonly warnings: RateLimitedLog;
    /** Connections refused for their protocol version: info lines, bounded like the warnings. */
    private readonly refusals: RateLimitedLog;

    constructor(log: BrokerLogger) {
        this.warnings = new RateLimitedLog(log);
        this.refusals = new RateLimitedLog({
            warn: message => log.info(message),
            debug: message => log.debug(message),
        });
    }

    /** Warnings about a client's bad input: `cause` is the kind, `key` what it is about (see rateLog.ts). */
    warnOnce(cause: string, key: string, message: string): void {
        this.warnings.warn(cause, key, message);
    }

    /** One info line (rate-limited, keyed by address: a client chooses its id) for a refused protocol version. */
    refuseProtocol(clientId: string, address: string | undefined, level: number): void {
        const version = PROTOCOL_NAMES[level] ?? `protocol level ${level}`;
        const why =
            level === 5
                ? 'MQTT 5 is switched off (option mqtt5), CONNACK 0x84'
                : 'this broker speaks MQTT 3.1, 3.1.1 and 5, CONNACK 0x01';
        this.refusals.warn(
            `protocol-${level}`,
            address ?? 'unknown',
            `Client '${clientId}' from ${address ?? 'unknown'} was refused: it speaks ${version}; ${why}`,
        );
    }

    /** A packet against the protocol from this client: logged (bounded), its connection is closed by aedes. */
    refuseMalformed(client: Client, violation: string, clientId: string | undefined = client.id): void {
        const address = remoteAddress(client).ip ?? 'unknown';
        this.warnings.warn(
            'malformed',
            address,
            `Connection from ${address} (client '${clip(clientId ?? '')}') closed: ${violation}`,
        );
    }
}

/** The address of a stream that has no client yet (the packet guard's findings). */
export function streamAddress(stream: unknown, request: { socket?: { remoteAddress?: string } } | undefined): string {
    return request?.socket?.remoteAddress ?? (stream as { remoteAddress?: string }).remoteAddress ?? 'unknown';
}

/** The address of a client's connection (its WebSocket request's socket, or the TCP/TLS socket itself). */
export function remoteAddress(client: Client): { ip: string | undefined; port: number | undefined } {
    const conn = client.conn as { remoteAddress?: string; remotePort?: number } | undefined;
    const req = client.req;
    const socket = req?.socket ?? conn;
    return { ip: socket?.remoteAddress, port: socket?.remotePort };
}
