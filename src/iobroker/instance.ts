/**
 * The instance's own calls to ioBroker besides the objects/states of the pipelines (store.ts): the instance object,
 * system certificates, notifications, the data folder, own info states. With adapterStore.ts and clientObjects.ts
 * the only place, besides main.ts, that calls the adapter API (an eslint fence keeps it so).
 */
import path from 'node:path';
import * as utils from '@iobroker/adapter-core';
import { ConfigError } from '../errorText';
import { AdapterStore } from './adapterStore';
import { ClientObjects, type ClientObjectsOptions } from './clientObjects';
import type { Logger, Store } from './store';

/** TLS material of the broker's listeners. */
export interface Certificates {
    key: string;
    cert: string;
    ca?: string;
}

/** Another instance of this adapter, as its instance object says. */
export interface OtherInstance {
    id: string;
    native: Record<string, unknown> | undefined;
    enabled: boolean;
}

export class Instance {
    readonly store: Store;

    constructor(private readonly adapter: ioBroker.Adapter) {
        this.store = new AdapterStore(adapter);
    }

    get log(): Logger {
        return this.adapter.log;
    }

    get namespace(): string {
        return this.adapter.namespace;
    }

    /** A folder of the instance's data directory. */
    dataDir(name: string): string {
        return path.join(utils.getAbsoluteInstanceDataDir(this.adapter), name);
    }

    clientObjects(options: ClientObjectsOptions): ClientObjects {
        return new ClientObjects(this.adapter, options);
    }

    /** Object changes of the own namespace (the ingest's cache, the publisher's topics). */
    async subscribeOwnObjects(): Promise<void> {
        await this.adapter.subscribeObjectsAsync('*');
    }

    /** An own state (ack), written only when its value changes. */
    async setOwnStateChanged(id: string, val: ioBroker.StateValue): Promise<void> {
        await this.adapter.setStateChangedAsync(id, val, true);
    }

    async getOwnState(id: string): Promise<ioBroker.State | null | undefined> {
        return this.adapter.getStateAsync(id);
    }

    async setOwnState(id: string, val: ioBroker.StateValue): Promise<void> {
        await this.adapter.setStateAsync(id, val, true);
    }

    /**
     * PEM text of the system certificates named by options (`[option, name]`; empty names are skipped). A name that
     * does not exist is a configuration error naming its option — checked here, before js-controller's own lookup,
     * which would log an error of its own.
     */
    async namedCertificates(
        named: readonly (readonly [option: string, name: string])[],
    ): Promise<Record<string, string>> {
        const wanted = named.filter(([, name]) => name !== '');
        if (wanted.length === 0) {
            return {};
        }
        const system = await this.adapter.getForeignObjectAsync('system.certificates');
        const known = (system?.native as { certificates?: Record<string, string> } | undefined)?.certificates ?? {};
        const missing = wanted.filter(([, name]) => !known[name]);
        if (missing.length > 0) {
            throw new ConfigError(
                `Invalid configuration: ${missing.map(([option, name]) => `option '${option}' names the certificate '${name}', which is not among the system certificates`).join('; ')}`,
            );
        }
        return Object.fromEntries(wanted.map(([option, name]) => [option, known[name]!]));
    }

    /** js-controller's lookup of a certificate set (the broker's TLS listeners). */
    async certificates(publicName: string, privateName: string, chainedName: string): Promise<Certificates> {
        const result = await this.adapter.getCertificatesAsync(publicName, privateName, chainedName || undefined);
        const certs = Array.isArray(result) ? result[0] : result;
        if (!certs?.key || !certs.cert) {
            throw new Error('empty certificate');
        }
        const ca = (certs as { ca?: string | string[] }).ca;
        return { key: certs.key, cert: certs.cert, ca: Array.isArray(ca) ? ca.join('\n') : ca };
    }

    /** Replaces one option of the instance's `native` (the whole value: a deep merge would keep old table rows). */
    async replaceNativeOption(option: string, value: unknown): Promise<void> {
        const id = `system.adapter.${this.adapter.namespace}`;
        const instance = await this.adapter.getForeignObjectAsync(id);
        if (instance) {
            instance.native[option] = value;
            await this.adapter.setForeignObjectAsync(id, instance);
        }
    }

    /** The other instances of this adapter. */
    async otherInstances(): Promise<OtherInstance[]> {
        const view = await this.adapter.getObjectViewAsync('system', 'instance', {
            startkey: 'system.adapter.mqtt-gateway.',
            endkey: 'system.adapter.mqtt-gateway.\u9999',
        });
        return view.rows
            .filter(row => row.id !== `system.adapter.${this.adapter.namespace}`)
            .map(row => ({
                id: row.id,
                native: row.value?.native as Record<string, unknown> | undefined,
                enabled: row.value?.common.enabled !== false,
            }));
    }

    /** A system notification (js-controller >= 5), as far as the controller offers it. */
    notify(message: string): void {
        const notify = (
            this.adapter as unknown as {
                registerNotification?: (scope: string, category: string | null, message: string) => Promise<void>;
            }
        ).registerNotification;
        if (notify) {
            void notify.call(this.adapter, 'system', null, message).catch(() => undefined);
        }
    }
}
