"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ClientObjects = void 0;
exports.clientIdToLevel = clientIdToLevel;
/**
 * Server mode's view of connected clients in ioBroker: `info.clientCount`, `info.clientList` and, unless
 * `doNotCreateClientObjects`, one `info.clients.<id>` state per client (true while connected).
 */
const filter_1 = require("../mapping/filter");
const errorText_1 = require("../errorText");
/** A client id as one ioBroker id level. */
function clientIdToLevel(clientId) {
    const level = clientId.replace(filter_1.FORBIDDEN_ID_CHARS, '_').replace(/[.\s]/g, '_');
    return level === '' ? '_' : level;
}
class ClientObjects {
    adapter;
    options;
    connected = new Map();
    timer;
    queue = Promise.resolve();
    constructor(adapter, options) {
        this.adapter = adapter;
        this.options = options;
    }
    async start() {
        await this.publishList();
        if (this.options.createObjects) {
            // clients that were connected when the instance stopped are offline now
            const states = await this.adapter.getStatesAsync('info.clients.*');
            for (const [id, state] of Object.entries(states)) {
                if (state?.val === true) {
                    await this.adapter.setForeignStateAsync(id, false, true);
                }
            }
            await this.removeExpired();
            this.timer = setInterval(() => this.serial(() => this.removeExpired()), 60_000);
        }
    }
    stop() {
        clearInterval(this.timer);
        return this.queue;
    }
    /** Runs updates one after another, so a fast reconnect cannot overtake its disconnect. */
    serial(task) {
        this.queue = this.queue.then(task).catch((err) => {
            this.adapter.log.warn(`Cannot update client states: ${(0, errorText_1.errorText)(err)}`);
        });
    }
    connectedIds() {
        return [...this.connected.keys()];
    }
    onConnected(client) {
        this.connected.set(client.id, client);
        this.serial(async () => {
            await this.publishList();
            if (this.options.createObjects) {
                const id = `info.clients.${clientIdToLevel(client.id)}`;
                await this.adapter.extendObjectAsync(id, {
                    type: 'state',
                    common: {
                        name: client.id,
                        type: 'boolean',
                        role: 'indicator.reachable',
                        read: true,
                        write: false,
                    },
                    native: { clientId: client.id, ip: client.ip ?? '', port: client.port ?? 0, lastSeen: Date.now() },
                });
                await this.adapter.setStateAsync(id, true, true);
            }
        });
    }
    onDisconnected(clientId) {
        this.connected.delete(clientId);
        this.serial(async () => {
            await this.publishList();
            if (this.options.createObjects) {
                const id = `info.clients.${clientIdToLevel(clientId)}`;
                if (this.options.keepOfflineMin === 0) {
                    await this.adapter.delObjectAsync(id).catch(() => undefined);
                    return;
                }
                await this.adapter.extendObjectAsync(id, { native: { lastSeen: Date.now() } });
                await this.adapter.setStateAsync(id, false, true);
            }
        });
    }
    async publishList() {
        const ids = [...this.connected.keys()].sort();
        await this.adapter.setStateChangedAsync('info.clientCount', ids.length, true);
        await this.adapter.setStateChangedAsync('info.clientList', ids.join(','), true);
    }
    /** Removes objects of clients offline longer than keepOfflineMin. */
    async removeExpired() {
        if (this.options.keepOfflineMin < 0) {
            return;
        }
        const limit = Date.now() - this.options.keepOfflineMin * 60_000;
        const objects = await this.adapter.getForeignObjectsAsync(`${this.options.namespace}.info.clients.*`, 'state');
        for (const [id, obj] of Object.entries(objects)) {
            const clientId = obj.native.clientId;
            const lastSeen = Number(obj.native.lastSeen ?? 0);
            if (clientId !== undefined && this.connected.has(clientId)) {
                continue;
            }
            if (lastSeen < limit) {
                await this.adapter.delForeignObjectAsync(id);
            }
        }
    }
}
exports.ClientObjects = ClientObjects;
