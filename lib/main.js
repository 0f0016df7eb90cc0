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
Object.defineProperty(exports, "__esModule", { value: true });
exports.MqttGateway = void 0;
/**
 * Glue only: the ioBroker adapter class. On ready it parses the settings, builds the gateway with the mode's
 * transport and starts it; on unload it stops it and always calls the callback. Owns `info.connection`.
 */
const utils = __importStar(require("@iobroker/adapter-core"));
const instance_1 = require("./iobroker/instance");
const adapterTimers_1 = require("./iobroker/adapterTimers");
const settings_1 = require("./settings");
const errorText_1 = require("./errorText");
const timers_1 = require("./timers");
class MqttGateway extends utils.Adapter {
    mode;
    started = false;
    constructor(options = {}) {
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
    async onReady() {
        (0, adapterTimers_1.useAdapterTimers)(this);
        await this.setState('info.connection', false, true);
        const parsed = (0, settings_1.parseSettings)(this.config, this.namespace);
        if (!parsed.ok) {
            this.stopForConfig((0, settings_1.formatSettingsErrors)(parsed.errors));
            return;
        }
        const settings = parsed.settings;
        this.started = true;
        const instance = new instance_1.Instance(this);
        const setConnected = (connected) => this.setConnected(connected);
        // each mode loads only its own libraries (aedes, level, ws vs. mqtt.js): less memory for either
        const transport = settings.type === 'server'
            ? new (await Promise.resolve().then(() => __importStar(require('./transports/serverTransport.js')))).ServerTransport(instance, settings)
            : new (await Promise.resolve().then(() => __importStar(require('./transports/clientTransport.js')))).ClientTransport(instance, settings);
        const mode = new (await Promise.resolve().then(() => __importStar(require('./gateway.js')))).Gateway(settings, instance, transport, setConnected);
        this.mode = mode;
        try {
            await mode.start();
        }
        catch (err) {
            await mode.stop();
            this.mode = undefined;
            if (err instanceof errorText_1.ConfigError) {
                this.stopForConfig(err.message);
                return;
            }
            throw err;
        }
    }
    async setConnected(connected) {
        await this.setStateChangedAsync('info.connection', connected, true);
    }
    /**
     * A configuration error: one clear message, then the instance stops and is not restarted
     * by the controller until the configuration changes (no crash loop).
     */
    stopForConfig(message) {
        this.log.error(message);
        // terminate() (js-controller >= 6, our minimum) ends only this instance: in compact mode the host process
        // runs other adapters too, so process.exit() is never right here
        this.terminate(message, utils.EXIT_CODES.ADAPTER_REQUESTED_TERMINATION);
    }
    async onMessage(obj) {
        let answer;
        try {
            answer =
                obj.command === 'test'
                    ? await (await Promise.resolve().then(() => __importStar(require('./client/testConnection.js')))).testConnection((obj.message ?? {}))
                    : await this.mode?.handleMessage(obj.command, obj.message);
        }
        catch (err) {
            answer = { error: (0, errorText_1.errorText)(err) };
        }
        if (obj.callback) {
            this.sendTo(obj.from, obj.command, answer ?? { error: `Unknown command '${obj.command}'` }, obj.callback);
        }
    }
    async onUnload(callback) {
        // while unloading, js-controller starts no timer (adapter.setTimeout returns nothing): stopping waits on
        // Node's own, and clears each one it started
        (0, timers_1.useNodeTimers)();
        try {
            await this.mode?.stop();
            if (this.started) {
                await this.setState('info.connection', false, true);
            }
        }
        catch (err) {
            this.log.warn(`Error while stopping: ${(0, errorText_1.errorText)(err)}`);
        }
        finally {
            callback();
        }
    }
}
exports.MqttGateway = MqttGateway;
if (require.main !== module) {
    // compact mode
    module.exports = (options) => new MqttGateway(options);
}
else {
    (() => new MqttGateway())();
}
