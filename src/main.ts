/**
 * Glue only: the ioBroker adapter class. On ready it parses the settings, builds the services and starts them;
 * on unload it stops them in reverse order and always calls the callback. Owns `info.connection`.
 */
import * as utils from '@iobroker/adapter-core';
import { BrokerService } from './broker/brokerService';
import { Ingest } from './ingest';
import { AdapterStore } from './iobroker/adapterStore';
import { Publisher } from './publisher';
import { formatSettingsErrors, parseSettings, type Settings } from './settings';

interface Service {
    stop(): Promise<void> | void;
}

export class MqttGateway extends utils.Adapter {
    private readonly services: Service[] = [];
    private settings: Settings | undefined;
    private ingest: Ingest | undefined;
    private publisher: Publisher | undefined;

    public constructor(options: Partial<utils.AdapterOptions> = {}) {
        super({ ...options, name: 'mqtt-gateway' });
        this.on('ready', () => void this.onReady());
        this.on('unload', callback => void this.onUnload(callback));
        this.on('message', obj => void this.onMessage(obj));
        this.on('stateChange', (id, state) => this.publisher?.onStateChange(id, state));
        this.on('objectChange', (id, obj) => {
            this.ingest?.onObjectChange(id, obj);
            this.publisher?.onObjectChange(id, obj);
        });
    }

    private async onReady(): Promise<void> {
        await this.setState('info.connection', false, true);
        const parsed = parseSettings(this.config as unknown as Record<string, unknown>, this.namespace);
        if (!parsed.ok) {
            this.stopForConfig(formatSettingsErrors(parsed.errors));
            return;
        }
        const settings = parsed.settings;
        this.settings = settings;

        if (settings.type === 'server') {
            await this.startServer(settings);
        } else {
            // Client mode is built in its own issue; until then say so instead of pretending to connect.
            this.log.warn(`Client mode is not implemented yet: the instance stays idle`);
        }
    }

    private async startServer(settings: Settings): Promise<void> {
        const store = new AdapterStore(this);
        const broker = new BrokerService({ bind: settings.bind, port: settings.port }, this.log);
        const publisher = new Publisher(
            {
                ...settings,
                includeOwnStates: false,
                noEchoIntervalMs: settings.noEchoIntervalMs,
                retain: !settings.noRetain,
            },
            store,
            message => broker.publish(message),
            this.log,
        );
        const ingest = new Ingest(settings, store, this.log, {
            beforeWrite: (id, val) => publisher.noteFromMqtt(id, val),
        });
        this.ingest = ingest;
        this.publisher = publisher;
        await this.subscribeObjectsAsync('*');
        await publisher.start();
        this.services.push({ stop: () => publisher.stop() });

        broker.onClientPublish((topic, payload, clientId) => {
            if (settings.debug) {
                this.log.debug(`Client '${clientId}' published '${topic}' (${payload.length} bytes)`);
            }
            void ingest.handle(topic, payload);
        });
        try {
            await broker.start();
        } catch (err) {
            await broker.stop();
            const reason = err instanceof Error ? err.message : String(err);
            this.stopForConfig(`Cannot listen on ${settings.bind}:${settings.port} (options 'bind'/'port'): ${reason}`);
            return;
        }
        this.services.push(broker);
        await this.setState('info.connection', true, true);
    }

    /**
     * A configuration error: one clear message, then the instance stops and is not restarted
     * by the controller until the configuration changes (no crash loop).
     */
    private stopForConfig(message: string): void {
        this.log.error(message);
        if (typeof this.terminate === 'function') {
            this.terminate(message, utils.EXIT_CODES.ADAPTER_REQUESTED_TERMINATION);
        } else {
            process.exit(utils.EXIT_CODES.ADAPTER_REQUESTED_TERMINATION);
        }
    }

    private async onMessage(obj: ioBroker.Message): Promise<void> {
        if (!obj.callback) {
            return;
        }
        this.sendTo(obj.from, obj.command, { error: `Unknown command '${obj.command}'` }, obj.callback);
        await Promise.resolve();
    }

    private async onUnload(callback: () => void): Promise<void> {
        try {
            while (this.services.length > 0) {
                const service = this.services.pop();
                await service?.stop();
            }
            if (this.settings) {
                await this.setState('info.connection', false, true);
            }
        } catch (err) {
            this.log.warn(`Error while stopping: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
            callback();
        }
    }
}

if (require.main !== module) {
    // compact mode
    module.exports = (options: Partial<utils.AdapterOptions> | undefined) => new MqttGateway(options);
} else {
    (() => new MqttGateway())();
}
