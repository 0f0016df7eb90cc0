"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.testConnection = testConnection;
/** The admin's "Test connection" button: connect once with the form's values, answer within 5 s. */
const mqtt_1 = __importDefault(require("mqtt"));
const brokerUrl_1 = require("./brokerUrl");
const errorText_1 = require("../errorText");
const timers_1 = require("../timers");
const REASONS = {
    1: 'unacceptable protocol version',
    2: 'client id rejected',
    3: 'server unavailable',
    4: 'bad user name or password',
    5: 'not authorized',
    134: 'bad user name or password',
    135: 'not authorized',
    136: 'server unavailable',
};
async function testConnection(request, extra = {}, timeoutMs = 5000) {
    let href;
    try {
        href = (0, brokerUrl_1.resolveBrokerUrl)({
            url: typeof request.url === 'string' ? request.url : '',
            port: Number(request.port) || 1883,
            ssl: request.ssl === true || request.ssl === 'true',
        }).href;
    }
    catch (err) {
        return { error: `url: ${(0, errorText_1.errorText)(err)}` };
    }
    const version = Number(request.protocolVersion) === 4 ? 4 : 5;
    return new Promise(resolve => {
        const client = mqtt_1.default.connect(href, {
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
        let timer = undefined;
        const finish = (answer) => {
            if (settled) {
                return;
            }
            settled = true;
            timers_1.timers.clearTimeout(timer);
            client.removeAllListeners();
            client.on('error', () => undefined);
            client.end(true);
            resolve(answer);
        };
        timer = timers_1.timers.setTimeout(() => finish({ error: `timeout: no answer from ${href} within ${timeoutMs / 1000} s` }), timeoutMs);
        client.on('connect', () => finish({ result: 'connected' }));
        client.on('error', (err) => {
            if (version === 5 && request.protocolVersion !== 5 && (err.code === 1 || err.code === 132)) {
                // auto: the broker speaks 3.1.1 only; try again with it
                settled = true;
                timers_1.timers.clearTimeout(timer);
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
