/**
 * The only door, besides main.ts, to ioBroker's objects and states. The pipelines depend on these interfaces,
 * so unit tests can use a small in-memory fake while integration tests use the real databases.
 */

import type { Quality } from '../mapping/payload';

export interface SettableState {
    val: string | number | boolean | null;
    ack: boolean;
    ts?: number;
    q?: Quality;
}

export interface Store {
    getObject(id: string): Promise<ioBroker.Object | null | undefined>;
    /** Creates the object unless one exists already (never overwrites a user's object). */
    createObjectIfMissing(id: string, obj: ioBroker.SettableObject): Promise<void>;
    /** Replaces an object completely. */
    setObject(id: string, obj: ioBroker.SettableObject): Promise<void>;
    extendObject(id: string, partial: ioBroker.PartialObject): Promise<void>;
    setState(id: string, state: SettableState): Promise<void>;
    writeFile(namespace: string, file: string, data: Buffer): Promise<void>;
    readFile(namespace: string, file: string): Promise<Buffer | undefined>;
    /** All states whose ids match an ioBroker pattern (`*` wildcard). */
    getStates(pattern: string): Promise<Record<string, ioBroker.State | null | undefined>>;
    /** Objects of type state with ids in [startkey, endkey]. */
    getStateObjects(startkey: string, endkey: string): Promise<ioBroker.Object[]>;
    subscribeStates(pattern: string): Promise<void>;
    /** Objects of these types (`device`, `channel`, `state`, …) with ids in [startkey, endkey]. */
    getObjectsOfTypes(types: readonly string[], startkey: string, endkey: string): Promise<ioBroker.Object[]>;
    /** Deletes an object and its state; no error when it does not exist. */
    deleteObject(id: string): Promise<void>;
    subscribeObjects(pattern: string): Promise<void>;
}
export interface Logger {
    debug(message: string): void;
    info(message: string): void;
    warn(message: string): void;
    error(message: string): void;
}
