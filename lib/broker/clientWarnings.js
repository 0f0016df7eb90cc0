"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ClientWarnings = void 0;
exports.streamAddress = streamAddress;
exports.remoteAddress = remoteAddress;
const rateLog_1 = require("../rateLog");
const PROTOCOL_NAMES = { 3: 'MQTT 3.1', 4: 'MQTT 3.1.1', 5: 'MQTT 5' };
class ClientWarnings {
    /** Warnings about clients' bad input. */
    warnings;
    /** Connections refused for their protocol version: info lines, bounded like the warnings. */
    refusals;
    constructor(log) {
        this.warnings = new rateLog_1.RateLimitedLog(log);
        this.refusals = new rateLog_1.RateLimitedLog({
            warn: message => log.info(message),
            debug: message => log.debug(message),
        });
    }
    /** Warnings about a client's bad input: `cause` is the kind, `key` what it is about (see rateLog.ts). */
    warnOnce(cause, key, message) {
        this.warnings.warn(cause, key, message);
    }
    /** One info line (rate-limited, keyed by address: a client chooses its id) for a refused protocol version. */
    refuseProtocol(clientId, address, level) {
        const version = PROTOCOL_NAMES[level] ?? `protocol level ${level}`;
        const why = level === 5
            ? 'MQTT 5 is switched off (option mqtt5), CONNACK 0x84'
            : 'this broker speaks MQTT 3.1, 3.1.1 and 5, CONNACK 0x01';
        this.refusals.warn(`protocol-${level}`, address ?? 'unknown', `Client '${clientId}' from ${address ?? 'unknown'} was refused: it speaks ${version}; ${why}`);
    }
    /** A packet against the protocol from this client: logged (bounded), its connection is closed by aedes. */
    refuseMalformed(client, violation, clientId = client.id) {
        const address = remoteAddress(client).ip ?? 'unknown';
        this.warnings.warn('malformed', address, `Connection from ${address} (client '${(0, rateLog_1.clip)(clientId ?? '')}') closed: ${violation}`);
    }
}
exports.ClientWarnings = ClientWarnings;
/** The address of a stream that has no client yet (the packet guard's findings). */
function streamAddress(stream, request) {
    return request?.socket?.remoteAddress ?? stream.remoteAddress ?? 'unknown';
}
/** The address of a client's connection (its WebSocket request's socket, or the TCP/TLS socket itself). */
function remoteAddress(client) {
    const conn = client.conn;
    const req = client.req;
    const socket = req?.socket ?? conn;
    return { ip: socket?.remoteAddress, port: socket?.remotePort };
}
