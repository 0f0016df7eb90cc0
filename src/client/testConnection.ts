/** The admin's "Test connection" button: connect once with the form's values, answer within 5 s. */
import mqtt from 'mqtt';
import { resolveBrokerUrl } from './brokerUrl';
import { errorText } from '../errorText';
import { timers, type Timer } from '../timers';

export interface TestConnectionRequest {
    url?: unknown;
    port?: unknown;
    ssl?: unknown;
    user?: unknown;
    pass?: unknown;
    rejectUnauthorized?: unknown;
    protocolVersion?: unknown;
    clientId?: unknown;
}

const REASONS: Record<number, string> = {
    1: 'unacceptable protocol version',
    2: 'client id rejected',
    3: 'server unavailable',
    4: 'bad user name or password',
    5: 'not authorized',
    134: 'bad user name or password',
    135: 'not authorized',
    136: 'server unavailable',
};

export async function testConnection(
    request: TestConnectionRequest,
    extra: { ca?: string; cert?: string; key?: string } = {},
    timeoutMs = 5000,
): Promise<{ result: string } | { error: string }> {
    let href: string;
    try {
        href = resolveBrokerUrl({
            url: typeof request.url === 'string' ? request.url : '',
            port: Number(request.port) || 1883,
            ssl: request.ssl === true || request.ssl === 'true',
        }).href;
    } catch (err) {
        return { error: `url: ${errorText(err)}` };
    }
    const version = Number(request.protocolVersion) === 4 ? 4 : 5;
    return new Promise(resolve => {
        const client = mqtt.connect(href, {
            clientId: typeof request.clientId === 'string' && request.clientId ? `${request.clientId}-test` : undefined,
            username: typeof request.user === 'string' && request.user ? request.user : undefined,
            password: typeof request.pass === 'string' && request.user ? request.pass : undefined,
            protocolVersion: version,
            rejectUnauthorized: request.rejectUnauthorized !== false,
            reconnectPeriod: 0,
            // our own timer answers first, with a clearer message
            connectTimeout: timeoutMs + 1000,
            clean: true,
            ...extra,
        });
        let settled = false;
        let timer: Timer | undefined = undefined;
        const finish = (answer: { result: string } | { error: string }): void => {
            if (settled) {
                return;
            }
            settled = true;
            timers.clearTimeout(timer);
            client.removeAllListeners();
            client.on('error', () => undefined);
            client.end(true);
            resolve(answer);
        };
        timer = timers.setTimeout(
            () => finish({ error: `timeout: no answer from ${href} within ${timeoutMs / 1000} s` }),
            timeoutMs,
        );
        client.on('connect', () => finish({ result: 'connected' }));
        client.on('error', (err: Error & { code?: number | string }) => {
            if (version === 5 && request.protocolVersion !== 5 && (err.code === 1 || err.code === 132)) {
                // auto: the broker speaks 3.1.1 only; try again with it
                settled = true;
                timers.clearTimeout(timer);
                client.removeAllListeners();
                client.on('error', () => undefined);
                client.end(true);
                void testConnection({ ...request, protocolVersion: 4 }, extra, timeoutMs).then(resolve);
                return;
            }
            const reason = typeof err.code === 'number' && REASONS[err.code] ? REASONS[err.code] : err.message;
            finish({ error: `${href}: ${reason}` });
        });
        client.on('close', () => finish({ error: `${href}: connection closed before CONNACK` }));
    });
}
