/**
 * Server mode's view of connected clients in ioBroker: `info.clientCount`, `info.clientList` and, unless
 * `doNotCreateClientObjects`, one `info.clients.<id>` state per client (true while connected).
 * Client ids are chosen by the clients (up to 65,535 characters): what they make in ioBroker is bounded.
 */
import { createHash } from 'node:crypto';
import { FORBIDDEN_ID_CHARS } from '../mapping/filter';
import type { ConnectedClient } from '../broker/brokerService';
import { errorText } from '../errorText';
import { clip } from '../rateLog';
import { timers, type Timer } from '../timers';
import { KeyedQueue } from '../keyedQueue';

const UPDATES = 'clients';

export interface ClientObjectsOptions {
    namespace: string;
    createObjects: boolean;
    /** Minutes an offline client's object is kept; -1 forever, 0 removed at once. */
    keepOfflineMin: number;
}

/** Characters of a client id level at most: a 65,535-character id made a 65,563-character object id (issue #16). */
export const MAX_CLIENT_LEVEL = 100;
/** `info.clientList` names at most this many clients, in at most this many characters, then "… and K more". */
export const CLIENT_LIST_MAX_IDS = 100;
export const CLIENT_LIST_MAX_CHARS = 4000;
/** `info.clientList` and `info.clientCount` are written at most once in this time (300 connects, not 300 writes). */
export const CLIENT_LIST_INTERVAL_MS = 1000;

/**
 * A client id as one ioBroker id level. A longer one is cut and ends in a hash of the whole id, so ids that differ
 * only after the cut still get their own objects.
 */
export function clientIdToLevel(clientId: string): string {
    const level = clientId.replace(FORBIDDEN_ID_CHARS, '_').replace(/[.\s]/g, '_');
    if (level.length > MAX_CLIENT_LEVEL) {
        const hash = createHash('sha256').update(clientId).digest('hex').slice(0, 12);
        return `${level.slice(0, MAX_CLIENT_LEVEL - hash.length - 1)}_${hash}`;
    }
    return level === '' ? '_' : level;
}

/** `info.clientList`: sorted ids, each clipped, the list bounded in count and length. */
export function clientListText(clientIds: Iterable<string>): string {
    const ids = [...clientIds].sort();
    const shown: string[] = [];
    let length = 0;
    for (const id of ids) {
        const text = clip(id, MAX_CLIENT_LEVEL);
        if (shown.length >= CLIENT_LIST_MAX_IDS || length + text.length + 1 > CLIENT_LIST_MAX_CHARS) {
            break;
        }
        shown.push(text);
        length += text.length + 1;
    }
    const more = ids.length - shown.length;
    return more > 0 ? `${shown.join(',')},… and ${more} more` : shown.join(',');
}

/** The whole object of a client's state: written before its state, so no object exists without `type`. */
function clientObject(clientId: string, native: Record<string, unknown>): ioBroker.SettableStateObject {
    return {
        type: 'state',
        common: {
            name: clip(clientId, MAX_CLIENT_LEVEL),
            type: 'boolean',
            role: 'indicator.reachable',
            read: true,
            write: false,
        },
        native: { clientId: clip(clientId, 1000), ...native },
    };
}

export class ClientObjects {
    private readonly connected = new Map<string, ConnectedClient>();
    private timer: Timer | undefined;
    /** Updates of the client states, one after another (one key: they all share the list). */
    private readonly updates = new KeyedQueue();
    private listTimer: Timer | undefined;
    private listWrittenAt = 0;

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
            this.timer = timers.setInterval(() => this.serial(() => this.removeExpired()), 60_000);
        }
    }

    stop(): Promise<void> {
        timers.clearInterval(this.timer);
        if (this.listTimer) {
            // the last change is written, not dropped: the clients left when the broker stopped
            timers.clearTimeout(this.listTimer);
            this.listTimer = undefined;
            this.serial(() => this.publishList());
        }
        return this.updates.idle(UPDATES);
    }

    /** Runs updates one after another, so a fast reconnect cannot overtake its disconnect. */
    private serial(task: () => Promise<void>): void {
        this.updates.run(UPDATES, task).catch((err: unknown) => {
            this.adapter.log.warn(`Cannot update client states: ${errorText(err)}`);
        });
    }

    onConnected(client: ConnectedClient): void {
        this.connected.set(client.id, client);
        this.listChanged();
        if (this.options.createObjects) {
            this.serial(async () => {
                const id = `info.clients.${clientIdToLevel(client.id)}`;
                await this.adapter.extendObjectAsync(
                    id,
                    clientObject(client.id, { ip: client.ip ?? '', port: client.port ?? 0, lastSeen: Date.now() }),
                );
                await this.adapter.setStateAsync(id, true, true);
            });
        }
    }

    /** Only for a client reported connected before (the broker reports no other, see openClients.ts). */
    onDisconnected(clientId: string): void {
        if (!this.connected.delete(clientId)) {
            return;
        }
        this.listChanged();
        if (this.options.createObjects) {
            this.serial(async () => {
                const id = `info.clients.${clientIdToLevel(clientId)}`;
                if (this.options.keepOfflineMin === 0) {
                    await this.adapter.delObjectAsync(id).catch(() => undefined);
                    return;
                }
                // the whole definition again: the object may have been removed meanwhile (storeClientsTime)
                await this.adapter.extendObjectAsync(id, clientObject(clientId, { lastSeen: Date.now() }));
                await this.adapter.setStateAsync(id, false, true);
            });
        }
    }

    /** Coalesces the list's writes: at once after a quiet second, else at most once a second. */
    private listChanged(): void {
        if (this.listTimer) {
            return;
        }
        const waitMs = Math.max(0, this.listWrittenAt + CLIENT_LIST_INTERVAL_MS - Date.now());
        this.listTimer = timers.setTimeout(() => {
            this.listTimer = undefined;
            this.listWrittenAt = Date.now();
            this.serial(() => this.publishList());
        }, waitMs);
    }

    private async publishList(): Promise<void> {
        await this.adapter.setStateChangedAsync('info.clientCount', this.connected.size, true);
        await this.adapter.setStateChangedAsync('info.clientList', clientListText(this.connected.keys()), true);
    }

    /** Removes objects of clients offline longer than keepOfflineMin. */
    private async removeExpired(): Promise<void> {
        if (this.options.keepOfflineMin < 0) {
            return;
        }
        const limit = Date.now() - this.options.keepOfflineMin * 60_000;
        const prefix = `${this.options.namespace}.info.clients.`;
        const objects = await this.adapter.getForeignObjectsAsync(`${prefix}*`, 'state');
        // by object id: native.clientId is clipped for long ids
        const online = new Set([...this.connected.keys()].map(clientIdToLevel));
        for (const [id, obj] of Object.entries(objects)) {
            const lastSeen = Number((obj.native as { lastSeen?: number }).lastSeen ?? 0);
            if (online.has(id.slice(prefix.length))) {
                continue;
            }
            if (lastSeen < limit) {
                await this.adapter.delForeignObjectAsync(id);
            }
        }
    }
}
