"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.Instance = void 0;
/**
 * The instance's own calls to ioBroker besides the objects/states of the pipelines (store.ts): the instance object,
 * system certificates, notifications, the data folder, own info states. With adapterStore.ts and clientObjects.ts
 * the only place, besides main.ts, that calls the adapter API (an eslint fence keeps it so).
 */
const node_path_1 = __importDefault(require("node:path"));
const utils = __importStar(require("@iobroker/adapter-core"));
const errorText_1 = require("../errorText");
const adapterStore_1 = require("./adapterStore");
const clientObjects_1 = require("./clientObjects");
class Instance {
    adapter;
    store;
    constructor(adapter) {
        this.adapter = adapter;
        this.store = new adapterStore_1.AdapterStore(adapter);
    }
    get log() {
        return this.adapter.log;
    }
    get namespace() {
        return this.adapter.namespace;
    }
    /** A folder of the instance's data directory. */
    dataDir(name) {
        return node_path_1.default.join(utils.getAbsoluteInstanceDataDir(this.adapter), name);
    }
    clientObjects(options) {
        return new clientObjects_1.ClientObjects(this.adapter, options);
    }
    /** Object changes of the own namespace (the ingest's cache, the publisher's topics). */
    async subscribeOwnObjects() {
        await this.adapter.subscribeObjectsAsync('*');
    }
    /** An own state (ack), written only when its value changes. */
    async setOwnStateChanged(id, val) {
        await this.adapter.setStateChangedAsync(id, val, true);
    }
    async getOwnState(id) {
        return this.adapter.getStateAsync(id);
    }
    async setOwnState(id, val) {
        await this.adapter.setStateAsync(id, val, true);
    }
    /**
     * PEM text of the system certificates named by options (`[option, name]`; empty names are skipped). A name that
     * does not exist is a configuration error naming its option — checked here, before js-controller's own lookup,
     * which would log an error of its own.
     */
    async namedCertificates(named) {
        const wanted = named.filter(([, name]) => name !== '');
        if (wanted.length === 0) {
            return {};
        }
        const system = await this.adapter.getForeignObjectAsync('system.certificates');
        const known = system?.native?.certificates ?? {};
        const missing = wanted.filter(([, name]) => !known[name]);
        if (missing.length > 0) {
            throw new errorText_1.ConfigError(`Invalid configuration: ${missing.map(([option, name]) => `option '${option}' names the certificate '${name}', which is not among the system certificates`).join('; ')}`);
        }
        return Object.fromEntries(wanted.map(([option, name]) => [option, known[name]]));
    }
    /** js-controller's lookup of a certificate set (the broker's TLS listeners). */
    async certificates(publicName, privateName, chainedName) {
        const result = await this.adapter.getCertificatesAsync(publicName, privateName, chainedName || undefined);
        const certs = Array.isArray(result) ? result[0] : result;
        if (!certs?.key || !certs.cert) {
            throw new Error('empty certificate');
        }
        const ca = certs.ca;
        return { key: certs.key, cert: certs.cert, ca: Array.isArray(ca) ? ca.join('\n') : ca };
    }
    /** Replaces one option of the instance's `native` (the whole value: a deep merge would keep old table rows). */
    async replaceNativeOption(option, value) {
        const id = `system.adapter.${this.adapter.namespace}`;
        const instance = await this.adapter.getForeignObjectAsync(id);
        if (instance) {
            instance.native[option] = value;
            await this.adapter.setForeignObjectAsync(id, instance);
        }
    }
    /** The other instances of this adapter. */
    async otherInstances() {
        const view = await this.adapter.getObjectViewAsync('system', 'instance', {
            startkey: 'system.adapter.mqtt-gateway.',
            endkey: 'system.adapter.mqtt-gateway.\u9999',
        });
        return view.rows
            .filter(row => row.id !== `system.adapter.${this.adapter.namespace}`)
            .map(row => ({
            id: row.id,
            native: row.value?.native,
            enabled: row.value?.common.enabled !== false,
        }));
    }
    /** A system notification (js-controller >= 5), as far as the controller offers it. */
    notify(message) {
        const notify = this.adapter.registerNotification;
        if (notify) {
            void notify.call(this.adapter, 'system', null, message).catch(() => undefined);
        }
    }
}
exports.Instance = Instance;
