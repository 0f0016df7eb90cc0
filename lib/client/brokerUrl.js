"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.resolveBrokerUrl = resolveBrokerUrl;
const ALIASES = {
    mqtt: 'mqtt',
    tcp: 'mqtt',
    mqtts: 'mqtts',
    tls: 'mqtts',
    ws: 'ws',
    wss: 'wss',
};
function resolveBrokerUrl(options) {
    const text = options.url.trim();
    const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
    let protocol;
    let host;
    let port;
    let path = '';
    if (schemeMatch) {
        const scheme = schemeMatch[1].toLowerCase();
        const mapped = ALIASES[scheme];
        if (!mapped) {
            throw new Error(`unsupported scheme '${scheme}://': use mqtt://, mqtts://, ws:// or wss://`);
        }
        protocol = mapped;
        // URL() does not know mqtt:// defaults; parse as http to read host, port and path
        const parsed = new URL(text.replace(schemeMatch[0], 'http://'));
        host = parsed.hostname;
        port = parsed.port ? Number(parsed.port) : options.port;
        path = parsed.pathname === '/' && !text.endsWith('/') ? '' : parsed.pathname + parsed.search;
    }
    else {
        protocol = options.ssl ? 'mqtts' : 'mqtt';
        host = text;
        port = options.port;
    }
    if (host === '') {
        throw new Error('no host');
    }
    const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return {
        href: `${protocol}://${hostPart}:${port}${path}`,
        protocol,
        host: host.replace(/^\[|\]$/g, ''),
        port,
        path,
        secure: protocol === 'mqtts' || protocol === 'wss',
    };
}
