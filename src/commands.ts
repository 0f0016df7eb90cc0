/**
 * The sendTo commands of both modes: `createCommand`, `sendMessage2Client`, `sendState2Client`, `request`. Parsing is
 * in messages.ts and requests.ts; a new command is one more entry here.
 */
import type { Ingest } from './ingest';
import { buildStateMessage, parseSendMessage } from './messages';
import type { Publisher } from './publisher';
import { Requests } from './requests';
import type { Settings } from './settings';
import type { Transport, TransportMessage } from './transport';
import { errorText } from './errorText';

export type Answer = Record<string, unknown>;

/** What the commands work with; undefined parts are not started yet. */
export interface CommandTargets {
    ingest(): Ingest | undefined;
    publisher(): Publisher | undefined;
    transport: Transport;
    /** Publishes (counted) through the transport. */
    send(message: TransportMessage): void;
}

export class Commands {
    private requests: Requests | undefined;
    private readonly table: Record<string, (message: unknown) => Promise<Answer>> = {
        createCommand: message => this.createCommand(message),
        sendMessage2Client: message => this.sendMessage(message),
        sendState2Client: message => this.sendState(message),
        request: message => this.request(message),
    };

    constructor(
        private readonly settings: Pick<Settings, 'defaultQoS' | 'retain'>,
        private readonly targets: CommandTargets,
    ) {}

    /** The answer to a command; undefined when it is not one of these. */
    async handle(command: string, message: unknown): Promise<Answer | undefined> {
        const run = Object.hasOwn(this.table, command) ? this.table[command] : undefined;
        return run?.(message);
    }

    /** `{topic, type, role?}` → `{result: {id}}` or `{error}`. */
    private async createCommand(message: unknown): Promise<Answer> {
        const ingest = this.targets.ingest();
        if (!ingest) {
            return { error: 'not started' };
        }
        const m = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
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
        } catch (err) {
            return { error: errorText(err) };
        }
    }

    private async request(message: unknown): Promise<Answer> {
        const transport = this.targets.transport;
        const requestTransport = transport.requests;
        // the transport is prepared before the publisher is built
        if (!requestTransport || !this.targets.publisher()) {
            return { error: 'not started' };
        }
        if (!transport.connected) {
            return { error: 'not connected to the broker' };
        }
        this.requests ??= new Requests(requestTransport, this.settings.defaultQoS);
        return this.requests.request(message);
    }

    /** `{topic, message, retain?, qos?, binary?}`: published as it is. */
    // eslint-disable-next-line @typescript-eslint/require-await -- one signature for every command
    private async sendMessage(message: unknown): Promise<Answer> {
        if (!this.targets.publisher()) {
            return { error: 'not started' };
        }
        const parsed = parseSendMessage(message, this.settings.defaultQoS);
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
    private async sendState(message: unknown): Promise<Answer> {
        const publisher = this.targets.publisher();
        if (!publisher) {
            return { error: 'not started' };
        }
        const built = await buildStateMessage(message, publisher);
        if ('error' in built) {
            return built;
        }
        this.targets.send({ ...built, retain: this.settings.retain });
        return { result: true };
    }
}
