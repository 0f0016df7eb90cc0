/**
 * Server mode's view of connected clients in ioBroker: `info.clientCount`, `info.clientList` and, unless
 * `doNotCreateClientObjects`, one `info.clients.<id>` state per client (true while connected).
 */
import { FORBIDDEN_ID_CHARS } from '../mapping/filter';
import type { ConnectedClient } from '../broker/brokerService';
import { errorText } from '../errorText';

export interface ClientObjectsOptions {
    namespace: string;
    createObjects: boolean;
    /** Minutes an offline client's object is kept; -1 forever, 0 removed at once. */
    keepOfflineMin: number;
}

/** A client id as one ioBroker id level. */
export function clientIdToLevel(clientId: string): string {
    const level = clientId.replace(FORBIDDEN_ID_CHARS, '_').replace(/[.\s]/g, '_');
    return level === '' ? '_' : level;
}

export class ClientObjects {
    private readonly connected = new Map<string, ConnectedClient>();
    private timer: NodeJS.Timeout | undefined;
    private queue: Promise<void> = Promise.resolve();

    constructor(
        private readonly adapter: ioBroker.Adapter,
        private readonly options: ClientObjectsOptions,
    ) {}

    async start(): Promise<void> {
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

    stop(): Promise<void> {
        clearInterval(this.timer);
        return this.queue;
    }

    /** Runs updates one after another, so a fast reconnect cannot overtake its disconnect. */
    private serial(task: () => Promise<void>): void {
        this.queue = this.queue.then(task).catch((err: unknown) => {
            this.adapter.log.warn(`Cannot update client states: ${errorText(err)}`);
        });
    }

    connectedIds(): string[] {
        return [...this.connected.keys()];
    }

    onConnected(client: ConnectedClient): void {
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

    onDisconnected(clientId: string): void {
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

    private async publishList(): Promise<void> {
        const ids = [...this.connected.keys()].sort();
        await this.adapter.setStateChangedAsync('info.clientCount', ids.length, true);
        await this.adapter.setStateChangedAsync('info.clientList', ids.join(','), true);
    }

    /** Removes objects of clients offline longer than keepOfflineMin. */
    private async removeExpired(): Promise<void> {
        if (this.options.keepOfflineMin < 0) {
            return;
        }
        const limit = Date.now() - this.options.keepOfflineMin * 60_000;
        const objects = await this.adapter.getForeignObjectsAsync(`${this.options.namespace}.info.clients.*`, 'state');
        for (const [id, obj] of Object.entries(objects)) {
            const clientId = (obj.native as { clientId?: string }).clientId;
            const lastSeen = Number((obj.native as { lastSeen?: number }).lastSeen ?? 0);
            if (clientId !== undefined && this.connected.has(clientId)) {
                continue;
            }
            if (lastSeen < limit) {
                await this.adapter.delForeignObjectAsync(id);
            }
        }
    }
}
