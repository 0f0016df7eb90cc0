"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.AdapterStore = void 0;
/** The Store on top of a real adapter instance (objects and states databases of js-controller). */
class AdapterStore {
    adapter;
    constructor(adapter) {
        this.adapter = adapter;
    }
    getObject(id) {
        return this.adapter.getForeignObjectAsync(id);
    }
    async createObjectIfMissing(id, obj) {
        await this.adapter.setForeignObjectNotExistsAsync(id, obj);
    }
    async setObject(id, obj) {
        await this.adapter.setForeignObjectAsync(id, obj);
    }
    async extendObject(id, partial) {
        await this.adapter.extendForeignObjectAsync(id, partial);
    }
    async setState(id, state) {
        await this.adapter.setForeignStateAsync(id, state);
    }
    async writeFile(namespace, file, data) {
        await this.adapter.writeFileAsync(namespace, file, data);
    }
    async readFile(namespace, file) {
        try {
            const result = await this.adapter.readFileAsync(namespace, file);
            const data = result.file;
            return typeof data === 'string' ? Buffer.from(data) : data;
        }
        catch {
            return undefined;
        }
    }
    async getStates(pattern) {
        return await this.adapter.getForeignStatesAsync(pattern);
    }
    async getStateObjects(startkey, endkey) {
        const view = await this.adapter.getObjectViewAsync('system', 'state', { startkey, endkey });
        return view.rows.map(row => row.value);
    }
    async getObjectsOfTypes(types, startkey, endkey) {
        const found = [];
        for (const type of types) {
            const view = await this.adapter.getObjectViewAsync('system', type, { startkey, endkey });
            found.push(...view.rows.map(row => row.value));
        }
        return found;
    }
    async deleteObject(id) {
        await this.adapter.delForeignObjectAsync(id);
    }
    async subscribeStates(pattern) {
        await this.adapter.subscribeForeignStatesAsync(pattern);
    }
    async subscribeObjects(pattern) {
        await this.adapter.subscribeForeignObjectsAsync(pattern);
    }
}
exports.AdapterStore = AdapterStore;
