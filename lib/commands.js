"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Commands = void 0;
const messages_1 = require("./messages");
const requests_1 = require("./requests");
const errorText_1 = require("./errorText");
class Commands {
    settings;
    targets;
    requests;
    table = {
        createCommand: message => this.createCommand(message),
        sendMessage2Client: message => this.sendMessage(message),
        sendState2Client: message => this.sendState(message),
        request: message => this.request(message),
    };
    constructor(settings, targets) {
        this.settings = settings;
        this.targets = targets;
    }
    /** The answer to a command; undefined when it is not one of these. */
    async handle(command, message) {
        const run = Object.hasOwn(this.table, command) ? this.table[command] : undefined;
        return run?.(message);
    }
    /** `{topic, type, role?}` → `{result: {id}}` or `{error}`. */
    async createCommand(message) {
        const ingest = this.targets.ingest();
        if (!ingest) {
            return { error: 'not started' };
        }
        const m = (typeof message === 'object' && message !== null ? message : {});
        if (typeof m.topic !== 'string' || m.topic === '') {
            return { error: "'topic' is missing: the MQTT topic the device listens to, e.g. cmnd/plug1/POWER" };
        }
        if (typeof m.type !== 'string') {
            return { error: "'type' is missing: string, number, boolean, json or mixed" };
        }
        if (m.role !== undefined && typeof m.role !== 'string') {
            return { error: "'role' must be a text, e.g. switch" };
        }
        try {
            return { result: await ingest.createCommandState(m.topic, m.type, m.role) };
        }
        catch (err) {
            return { error: (0, errorText_1.errorText)(err) };
        }
    }
    async request(message) {
        const transport = this.targets.transport;
        const requestTransport = transport.requests;
        // the transport is prepared before the publisher is built
        if (!requestTransport || !this.targets.publisher()) {
            return { error: 'not started' };
        }
        if (!transport.connected) {
            return { error: 'not connected to the broker' };
        }
        this.requests ??= new requests_1.Requests(requestTransport, this.settings.defaultQoS);
        return this.requests.request(message);
    }
    /** `{topic, message, retain?, qos?, binary?}`: published as it is. */
    // eslint-disable-next-line @typescript-eslint/require-await -- one signature for every command
    async sendMessage(message) {
        if (!this.targets.publisher()) {
            return { error: 'not started' };
        }
        const parsed = (0, messages_1.parseSendMessage)(message, this.settings.defaultQoS);
        if ('error' in parsed) {
            return parsed;
        }
        if (!this.targets.transport.connected && parsed.qos === 0) {
            return { error: 'not connected to the broker' };
        }
        this.targets.send(parsed);
        return { result: true };
    }
    /** `{id, state}`: published as the state would be (its topic rules), retained like a status. */
    async sendState(message) {
        const publisher = this.targets.publisher();
        if (!publisher) {
            return { error: 'not started' };
        }
        const built = await (0, messages_1.buildStateMessage)(message, publisher);
        if ('error' in built) {
            return built;
        }
        this.targets.send({ ...built, retain: this.settings.retain });
        return { result: true };
    }
}
exports.Commands = Commands;
