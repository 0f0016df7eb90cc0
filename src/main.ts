/**
 * Glue only: the ioBroker adapter class. On ready it parses the settings, builds the gateway with the mode's
 * transport and starts it; on unload it stops it and always calls the callback. Owns `info.connection`.
 */
import * as utils from '@iobroker/adapter-core';
import type { Gateway } from './gateway';
import { Instance } from './iobroker/instance';
import { useAdapterTimers } from './iobroker/adapterTimers';
import { formatSettingsErrors, parseSettings } from './settings';
import { ConfigError, errorText } from './errorText';
import { useNodeTimers } from './timers';

export class MqttGateway extends utils.Adapter {
    private mode: Gateway | undefined;
    private started = false;

    public constructor(options: Partial<utils.AdapterOptions> = {}) {
        // strictObjectChecks off: js-controller would read the object of every state on every write to check its
        // type; the ingest already knows each state's object (cached, kept true by object subscriptions) and converts
        // values to its type itself. (measured in scripts/bench/compare.ts, see README Performance).
        super({ strictObjectChecks: false, ...options, name: 'mqtt-gateway' });
        this.on('ready', () => void this.onReady());
        this.on('unload', callback => void this.onUnload(callback));
        this.on('message', obj => void this.onMessage(obj));
        this.on('stateChange', (id, state) => this.mode?.onStateChange(id, state));
        this.on('objectChange', (id, obj) => this.mode?.onObjectChange(id, obj));
    }

    private async onReady(): Promise<void> {
        useAdapterTimers(this);
        await this.setState('info.connection', false, true);
        const parsed = parseSettings(this.config as unknown as Record<string, unknown>, this.namespace);
        if (!parsed.ok) {
            this.stopForConfig(formatSettingsErrors(parsed.errors));
            return;
        }
        const settings = parsed.settings;
        this.started = true;

        const instance = new Instance(this);
        const setConnected = (connected: boolean): Promise<void> => this.setConnected(connected);
        // each mode loads only its own libraries (aedes, level, ws vs. mqtt.js): less memory for either
        const transport =
            settings.type === 'server'
                ? new (await import('./transports/serverTransport.js')).ServerTransport(instance, settings)
                : new (await import('./transports/clientTransport.js')).ClientTransport(instance, settings);
        const mode = new (await import('./gateway.js')).Gateway(settings, instance, transport, setConnected);
        this.mode = mode;
        try {
            await mode.start();
        } catch (err) {
            await mode.stop();
            this.mode = undefined;
            if (err instanceof ConfigError) {
                this.stopForConfig(err.message);
                return;
            }
            throw err;
        }
    }

    private async setConnected(connected: boolean): Promise<void> {
        await this.setStateChangedAsync('info.connection', connected, true);
    }

    /**
     * A configuration error: one clear message, then the instance stops and is not restarted
     * by the controller until the configuration changes (no crash loop).
     */
    private stopForConfig(message: string): void {
        this.log.error(message);
        // terminate() (js-controller >= 6, our minimum) ends only this instance: in compact mode the host process
        // runs other adapters too, so process.exit() is never right here
        this.terminate(message, utils.EXIT_CODES.ADAPTER_REQUESTED_TERMINATION);
    }

    private async onMessage(obj: ioBroker.Message): Promise<void> {
        let answer: Record<string, unknown> | undefined;
        try {
            answer =
                obj.command === 'test'
                    ? await (
                          await import('./client/testConnection.js')
                      ).testConnection((obj.message ?? {}) as Record<string, unknown>)
                    : await this.mode?.handleMessage(obj.command, obj.message);
        } catch (err) {
            answer = { error: errorText(err) };
        }
        if (obj.callback) {
            this.sendTo(obj.from, obj.command, answer ?? { error: `Unknown command '${obj.command}'` }, obj.callback);
        }
    }

    private async onUnload(callback: () => void): Promise<void> {
        // while unloading, js-controller starts no timer (adapter.setTimeout returns nothing): stopping waits on
        // Node's own, and clears each one it started
        useNodeTimers();
        try {
            await this.mode?.stop();
            if (this.started) {
                await this.setState('info.connection', false, true);
            }
        } catch (err) {
            this.log.warn(`Error while stopping: ${errorText(err)}`);
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
