/**
 * `url` + `port` + `ssl` → the URL mqtt.js connects to. Pure.
 * A bare host gets `mqtt://` (or `mqtts://` with ssl) and `port`. A full URL keeps its scheme, host and path; its
 * port wins, else `port` is used. `tcp://` and `tls://` are accepted as `mqtt://` and `mqtts://`.
 */
export interface BrokerUrlOptions {
    url: string;
    port: number;
    ssl: boolean;
}

export interface BrokerUrl {
    href: string;
    protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss';
    host: string;
    port: number;
    path: string;
    secure: boolean;
}

const ALIASES: Record<string, BrokerUrl['protocol']> = {
    mqtt: 'mqtt',
    tcp: 'mqtt',
    mqtts: 'mqtts',
    tls: 'mqtts',
    ws: 'ws',
    wss: 'wss',
};

export function resolveBrokerUrl(options: BrokerUrlOptions): BrokerUrl {
    const text = options.url.trim();
    const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
    let protocol: BrokerUrl['protocol'];
    let host: string;
    let port: number;
    let path = '';
    if (schemeMatch) {
        const scheme = schemeMatch[1]!.toLowerCase();
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
    } else {
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
