/**
 * `storeClientsTime`: how long the session of an offline persistent client (its subscriptions and queued QoS 1/2
 * messages) is kept. -1 forever, 0 dropped at disconnect, otherwise minutes. Last-seen times live in a small JSON
 * file next to the broker's store, so the clock keeps running across adapter restarts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { timers, type Timer } from '../timers';

export interface SessionExpiryOptions {
    /** JSON file for last-seen times; undefined keeps them in memory. */
    file: string | undefined;
    keepMin: number;
    /** Removes the stored session of a client. */
    expire(clientId: string): Promise<void>;
    /**
     * Whether a client with this id is connected right now, here or (with a shared broker) on another instance:
     * a takeover must never lose the new session.
     */
    isOnline(clientId: string): boolean | Promise<boolean>;
    now?: () => number;
    /** A write of the file failed (disk full, folder gone): reported, never thrown from a timer. */
    onError?: (err: unknown) => void;
}

export class SessionExpiry {
    /** client id → last seen (ms); 0 while connected. */
    private sessions: Record<string, number> = {};
    private readonly now: () => number;

    constructor(private readonly options: SessionExpiryOptions) {
        this.now = options.now ?? Date.now;
        if (options.file) {
            try {
                const parsed: unknown = JSON.parse(readFileSync(options.file, 'utf8'));
                if (parsed && typeof parsed === 'object') {
                    this.sessions = parsed as Record<string, number>;
                }
            } catch {
                // no file yet, or unreadable: start empty
            }
        }
        // whoever was connected when the instance stopped is offline since then
        const now = this.now();
        for (const [id, lastSeen] of Object.entries(this.sessions)) {
            if (lastSeen === 0) {
                this.sessions[id] = now;
            }
        }
    }

    private saveTimer: Timer | undefined;
    private dirty = false;

    private closed = false;

    /** Writes the file at most once a second (a connect storm must not write it once per client). */
    private save(): void {
        if (!this.options.file || this.closed) {
            return;
        }
        this.dirty = true;
        this.saveTimer ??= timers.setTimeout(() => {
            try {
                this.flush();
            } catch (err) {
                this.options.onError?.(err);
            }
        }, 1000);
    }

    /**
     * Writes pending changes and stops writing: the broker is stopping (clients it disconnects now count as
     * connected at the stop, i.e. offline from the next start).
     */
    close(): void {
        try {
            this.flush();
        } catch (err) {
            this.options.onError?.(err);
        }
        this.closed = true;
    }

    /** Writes pending changes now. */
    flush(): void {
        timers.clearTimeout(this.saveTimer);
        this.saveTimer = undefined;
        if (this.dirty && this.options.file) {
            this.dirty = false;
            writeFileSync(this.options.file, JSON.stringify(this.sessions));
        }
    }

    /**
     * Per recorded session: a number that is new at every connect, so a check that awaited something sees whether
     * the client came back meanwhile. Kept only while the session is recorded (clean sessions never are).
     */
    private readonly generations = new Map<string, number>();
    private connects = 0;
    private sweeping = false;

    /** Drops the record of a session. */
    private drop(clientId: string): void {
        delete this.sessions[clientId];
        this.generations.delete(clientId);
    }

    connected(clientId: string, clean: boolean): void {
        if (clean) {
            if (!(clientId in this.sessions)) {
                return; // a clean session was never recorded: nothing changes
            }
            this.drop(clientId);
        } else {
            this.sessions[clientId] = 0;
            this.generations.set(clientId, ++this.connects);
        }
        this.save();
    }

    /**
     * A shared broker: the client connected to another instance, which keeps its session time from now on; this
     * instance forgets its own (older) record, so it never expires the session on that record.
     */
    forget(clientId: string): void {
        if (clientId in this.sessions) {
            this.drop(clientId);
            this.save();
        }
    }

    async disconnected(clientId: string): Promise<void> {
        const generation = this.generations.get(clientId);
        if (!(clientId in this.sessions) || (await this.options.isOnline(clientId))) {
            return;
        }
        if (this.generations.get(clientId) !== generation || !(clientId in this.sessions)) {
            return; // it came back (or moved away) while isOnline was answered
        }
        if (this.options.keepMin === 0) {
            this.drop(clientId);
            this.save();
            await this.options.expire(clientId);
            return;
        }
        this.sessions[clientId] = this.now();
        this.save();
    }

    /** Removes sessions offline for longer than keepMin; returns the client ids removed. */
    async sweep(): Promise<string[]> {
        if (this.options.keepMin < 0 || this.sweeping) {
            return []; // a sweep still waiting for answers (e.g. Redis away) is not joined by another one
        }
        this.sweeping = true;
        try {
            const limit = this.now() - this.options.keepMin * 60_000;
            const due = Object.entries(this.sessions).filter(([, lastSeen]) => lastSeen > 0 && lastSeen <= limit);
            const expired: string[] = [];
            for (const [id, lastSeen] of due) {
                if ((await this.options.isOnline(id)) || this.sessions[id] !== lastSeen) {
                    continue; // connected (here or elsewhere), or it came back while we asked
                }
                expired.push(id);
                this.drop(id);
                await this.options.expire(id);
            }
            if (expired.length > 0) {
                this.save();
            }
            return expired;
        } finally {
            this.sweeping = false;
        }
    }
}
