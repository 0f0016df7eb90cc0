import type { SettableState, Store } from './store';

/** The Store on top of a real adapter instance (objects and states databases of js-controller). */
export class AdapterStore implements Store {
    constructor(private readonly adapter: ioBroker.Adapter) {}

    getObject(id: string): Promise<ioBroker.Object | null | undefined> {
        return this.adapter.getForeignObjectAsync(id);
    }

    async createObjectIfMissing(id: string, obj: ioBroker.SettableObject): Promise<void> {
        await this.adapter.setForeignObjectNotExistsAsync(id, obj);
    }

    async setObject(id: string, obj: ioBroker.SettableObject): Promise<void> {
        await this.adapter.setForeignObjectAsync(id, obj);
    }

    async extendObject(id: string, partial: ioBroker.PartialObject): Promise<void> {
        await this.adapter.extendForeignObjectAsync(id, partial);
    }

    async setState(id: string, state: SettableState): Promise<void> {
        await this.adapter.setForeignStateAsync(id, state);
    }

    async writeFile(namespace: string, file: string, data: Buffer): Promise<void> {
        await this.adapter.writeFileAsync(namespace, file, data);
    }

    async readFile(namespace: string, file: string): Promise<Buffer | undefined> {
        try {
            const result = await this.adapter.readFileAsync(namespace, file);
            const data = result.file;
            return typeof data === 'string' ? Buffer.from(data) : data;
        } catch {
            return undefined;
        }
    }

    async getStates(pattern: string): Promise<Record<string, ioBroker.State | null | undefined>> {
        return await this.adapter.getForeignStatesAsync(pattern);
    }

    async getStateObjects(startkey: string, endkey: string): Promise<ioBroker.Object[]> {
        const view = await this.adapter.getObjectViewAsync('system', 'state', { startkey, endkey });
        return view.rows.map(row => row.value as ioBroker.Object);
    }

    async getObjectsOfTypes(types: readonly string[], startkey: string, endkey: string): Promise<ioBroker.Object[]> {
        const found: ioBroker.Object[] = [];
        for (const type of types) {
            const view = await this.adapter.getObjectViewAsync('system', type as 'state', { startkey, endkey });
            found.push(...view.rows.map(row => row.value as ioBroker.Object));
        }
        return found;
    }

    async deleteObject(id: string): Promise<void> {
        await this.adapter.delForeignObjectAsync(id);
    }

    async subscribeStates(pattern: string): Promise<void> {
        await this.adapter.subscribeForeignStatesAsync(pattern);
    }

    async subscribeObjects(pattern: string): Promise<void> {
        await this.adapter.subscribeForeignObjectsAsync(pattern);
    }
}
