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
 * Glue only: the ioBroker adapter class. On ready it parses the settings, builds the services and starts them;
 * on unload it stops them in reverse order and always calls the callback. Owns `info.connection`.
 */
const utils = __importStar(require("@iobroker/adapter-core"));
const brokerService_1 = require("./broker/brokerService");
const ingest_1 = require("./ingest");
const adapterStore_1 = require("./iobroker/adapterStore");
const publisher_1 = require("./publisher");
const settings_1 = require("./settings");
class MqttGateway extends utils.Adapter {
    services = [];
    settings;
    ingest;
    publisher;
    constructor(options = {}) {
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
    async onReady() {
        await this.setState('info.connection', false, true);
        const parsed = (0, settings_1.parseSettings)(this.config, this.namespace);
        if (!parsed.ok) {
            this.stopForConfig((0, settings_1.formatSettingsErrors)(parsed.errors));
            return;
        }
        const settings = parsed.settings;
        this.settings = settings;
        if (settings.type === 'server') {
            await this.startServer(settings);
        }
        else {
            // Client mode is built in its own issue; until then say so instead of pretending to connect.
            this.log.warn(`Client mode is not implemented yet: the instance stays idle`);
        }
    }
    async startServer(settings) {
        const store = new adapterStore_1.AdapterStore(this);
        const broker = new brokerService_1.BrokerService({ bind: settings.bind, port: settings.port }, this.log);
        const publisher = new publisher_1.Publisher({
            ...settings,
            includeOwnStates: false,
            noEchoIntervalMs: settings.noEchoIntervalMs,
            retain: !settings.noRetain,
        }, store, message => broker.publish(message), this.log);
        const ingest = new ingest_1.Ingest(settings, store, this.log, {
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
        }
        catch (err) {
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
    stopForConfig(message) {
        this.log.error(message);
        if (typeof this.terminate === 'function') {
            this.terminate(message, utils.EXIT_CODES.ADAPTER_REQUESTED_TERMINATION);
        }
        else {
            process.exit(utils.EXIT_CODES.ADAPTER_REQUESTED_TERMINATION);
        }
    }
    async onMessage(obj) {
        if (!obj.callback) {
            return;
        }
        this.sendTo(obj.from, obj.command, { error: `Unknown command '${obj.command}'` }, obj.callback);
        await Promise.resolve();
    }
    async onUnload(callback) {
        try {
            while (this.services.length > 0) {
                const service = this.services.pop();
                await service?.stop();
            }
            if (this.settings) {
                await this.setState('info.connection', false, true);
            }
        }
        catch (err) {
            this.log.warn(`Error while stopping: ${err instanceof Error ? err.message : String(err)}`);
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
