/** An in-memory Store for unit tests of pure pipeline logic (integration tests use the real databases). */
import type { SettableState, Store } from '../../src/iobroker/store';

export class FakeStore implements Store {
    readonly objects = new Map<string, ioBroker.Object>();
    readonly states = new Map<string, ioBroker.State>();
    readonly files = new Map<string, Buffer>();
    readonly writes: { id: string; state: SettableState }[] = [];
    readonly subscribedStates: string[] = [];
    readonly subscribedObjects: string[] = [];
    objectReads = 0;
    /** Makes every object call wait a macrotask, like a real database round trip. */
    slow = false;

    private async tick(): Promise<void> {
        if (this.slow) {
            await new Promise(resolve => setImmediate(resolve));
        }
    }

    addObject(id: string, obj: Partial<ioBroker.Object> & { type: ioBroker.ObjectType }): void {
        this.objects.set(id, { _id: id, common: {}, native: {}, ...obj } as ioBroker.Object);
    }

    async getObject(id: string): Promise<ioBroker.Object | null | undefined> {
        this.objectReads++;
        await this.tick();
        const obj = this.objects.get(id);
        return obj ? structuredClone(obj) : null;
    }

    async createObjectIfMissing(id: string, obj: ioBroker.SettableObject): Promise<void> {
        await this.tick();
        if (!this.objects.has(id)) {
            this.objects.set(id, { ...structuredClone(obj), _id: id } as ioBroker.Object);
        }
    }

    async setObject(id: string, obj: ioBroker.SettableObject): Promise<void> {
        await this.tick();
        this.objects.set(id, { ...structuredClone(obj), _id: id } as ioBroker.Object);
    }

    async extendObject(id: string, partial: ioBroker.PartialObject): Promise<void> {
        await this.tick();
        const obj = this.objects.get(id);
        if (!obj) {
            throw new Error(`no object ${id}`);
        }
        Object.assign(obj.common, partial.common ?? {});
    }

    setState(id: string, state: SettableState): Promise<void> {
        this.writes.push({ id, state });
        this.states.set(id, {
            val: state.val,
            ack: state.ack,
            ts: state.ts ?? 1,
            lc: 1,
            q: state.q ?? 0,
            from: 'test',
        });
        return Promise.resolve();
    }

    writeFile(namespace: string, file: string, data: Buffer): Promise<void> {
        this.files.set(`${namespace}/${file}`, Buffer.from(data));
        return Promise.resolve();
    }

    readFile(namespace: string, file: string): Promise<Buffer | undefined> {
        return Promise.resolve(this.files.get(`${namespace}/${file}`));
    }

    getStates(pattern: string): Promise<Record<string, ioBroker.State | null | undefined>> {
        const regex = new RegExp(
            `^${pattern
                .split('*')
                .map(p => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
                .join('.*')}$`,
        );
        const result: Record<string, ioBroker.State> = {};
        for (const [id, state] of this.states) {
            if (regex.test(id)) {
                result[id] = { ...state }; // a fresh object, like a real database answer
            }
        }
        return Promise.resolve(result);
    }

    getStateObjects(startkey: string, endkey: string): Promise<ioBroker.Object[]> {
        return Promise.resolve(
            [...this.objects.values()].filter(o => o.type === 'state' && o._id >= startkey && o._id <= endkey),
        );
    }

    getObjectsOfTypes(types: readonly string[], startkey: string, endkey: string): Promise<ioBroker.Object[]> {
        return Promise.resolve(
            [...this.objects.values()].filter(o => types.includes(o.type) && o._id >= startkey && o._id <= endkey),
        );
    }

    deleteObject(id: string): Promise<void> {
        this.objects.delete(id);
        this.states.delete(id);
        return Promise.resolve();
    }

    subscribeStates(pattern: string): Promise<void> {
        this.subscribedStates.push(pattern);
        return Promise.resolve();
    }

    subscribeObjects(pattern: string): Promise<void> {
        this.subscribedObjects.push(pattern);
        return Promise.resolve();
    }
}

export interface LogLine {
    level: 'debug' | 'info' | 'warn' | 'error';
    message: string;
}

export function memoryLogger(): {
    lines: LogLine[];
    debug(m: string): void;
    info(m: string): void;
    warn(m: string): void;
    error(m: string): void;
} {
    const lines: LogLine[] = [];
    return {
        lines,
        debug: m => lines.push({ level: 'debug', message: m }),
        info: m => lines.push({ level: 'info', message: m }),
        warn: m => lines.push({ level: 'warn', message: m }),
        error: m => lines.push({ level: 'error', message: m }),
    };
}
