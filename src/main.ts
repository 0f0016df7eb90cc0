/**
 * Glue only: the ioBroker adapter class. On ready it parses the settings, builds the services and starts them;
 * on unload it stops them in reverse order and always calls the callback. Owns `info.connection`.
 */
import * as utils from '@iobroker/adapter-core';
import { BrokerService } from './broker/brokerService';
import { formatSettingsErrors, parseSettings, type Settings } from './settings';

interface Service {
    stop(): Promise<void>;
}

export class MqttGateway extends utils.Adapter {
    private readonly services: Service[] = [];
    private settings: Settings | undefined;

    public constructor(options: Partial<utils.AdapterOptions> = {}) {
        super({ ...options, name: 'mqtt-gateway' });
        this.on('ready', () => void this.onReady());
        this.on('unload', callback => void this.onUnload(callback));
        this.on('message', obj => void this.onMessage(obj));
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
            const broker = new BrokerService({ bind: settings.bind, port: settings.port }, this.log);
            try {
                await broker.start();
            } catch (err) {
                await broker.stop();
                const reason = err instanceof Error ? err.message : String(err);
                this.stopForConfig(
                    `Cannot listen on ${settings.bind}:${settings.port} (options 'bind'/'port'): ${reason}`,
                );
                return;
            }
            this.services.push(broker);
            await this.setState('info.connection', true, true);
        } else {
            // Client mode is built in its own issue; until then say so instead of pretending to connect.
            this.log.warn(`Client mode is not implemented yet: the instance stays idle`);
        }
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
