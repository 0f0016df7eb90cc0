/**
 * The states and objects databases of a real host (test/lib/devHost.ts), opened with js-controller's own clients
 * from the host's node_modules. Both the jsonl servers and Redis speak the Redis protocol, so the redis clients
 * serve either kind.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface HostStates {
    setState(id: string, state: { val: unknown; ack: boolean }): Promise<unknown>;
    getState(id: string): Promise<{ val: unknown; ack: boolean; ts: number } | null>;
    subscribe(pattern: string): Promise<unknown>;
    unsubscribe(pattern: string): Promise<unknown>;
    destroy(): Promise<void>;
}
export interface HostObjects {
    getObject(id: string): Promise<ioBroker.Object | null | undefined>;
    setObject(id: string, obj: unknown): Promise<unknown>;
    destroy(): Promise<void>;
}
export type StateChangeHandler = (id: string, state: { val: unknown; ack: boolean } | null) => void;

export async function openHostDatabases(
    hostDir: string,
    onChange: StateChangeHandler,
    log: (line: string) => void = () => undefined,
): Promise<{ states: HostStates; objects: HostObjects }> {
    const req = createRequire(path.join(hostDir, 'package.json'));
    const config = JSON.parse(readFileSync(path.join(hostDir, 'iobroker-data', 'iobroker.json'), 'utf8'));
    const logger = {
        silly: () => undefined,
        debug: () => undefined,
        info: () => undefined,
        warn: (m: string) => log(`db warn: ${m}`),
        error: (m: string) => log(`db error: ${m}`),
    };
    /** One of js-controller's clients, resolved once it is connected. */
    const open = <T>(pkg: string, connection: unknown, change?: StateChangeHandler): Promise<T> => {
        const { Client } = req(pkg) as { Client: new (options: Record<string, unknown>) => T };
        return new Promise<T>(resolve => {
            const client: T = new Client({
                namespace: 'test',
                connection,
                logger,
                connected: () => resolve(client),
                change,
            });
        });
    };
    const states = await open<HostStates>('@iobroker/db-states-redis', config.states, onChange);
    const objects = await open<HostObjects>('@iobroker/db-objects-redis', config.objects);
    return { states, objects };
}
