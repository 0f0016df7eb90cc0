/**
 * Accounts and topic rights for the broker (mosquitto-style pattern ACLs): per user the publish and subscribe
 * filters it may use, with `%u` (user name) and `%c` (client id) placeholders, optional read-only, and brute-force
 * protection per remote address.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { compileTopicFilter, topicFilterError } from '../mapping/filter';
import { safeEqual } from './auth';

export interface Account {
    user: string;
    /** `scrypt$<salt hex>$<hash hex>`, or undefined for the legacy single user (plain `pass`). */
    passHash: string | undefined;
    pass: string | undefined;
    /** Filters with placeholders; empty = nothing. */
    publish: string[];
    subscribe: string[];
    readOnly: boolean;
    enabled: boolean;
    /** The legacy `user`/`pass` account: all rights. */
    full: boolean;
}

/** The stored form of a password: scrypt with a random salt. */
export function hashPassword(password: string, salt = randomBytes(16)): string {
    const hash = scryptSync(password, salt, 32);
    return `scrypt$${salt.toString('hex')}$${hash.toString('hex')}`;
}

export function verifyPassword(password: string | Buffer, stored: string): boolean {
    const [scheme, saltHex, hashHex] = stored.split('$');
    if (scheme !== 'scrypt' || !saltHex || !hashHex) {
        return false;
    }
    const hash = scryptSync(password, Buffer.from(saltHex, 'hex'), 32);
    return safeEqual(hash, Buffer.from(hashHex, 'hex'));
}

/** Whether every topic `inner` can match is matched by `outer` too (both valid filters). */
export function isFilterSubset(inner: string, outer: string): boolean {
    const s = inner.split('/');
    const a = outer.split('/');
    // [MQTT-4.7.2-1] a filter starting with a wildcard never covers $-topics
    if ((a[0] === '#' || a[0] === '+') && s[0]?.startsWith('$')) {
        return false;
    }
    for (let i = 0; i < s.length; i++) {
        const outerLevel = a[i];
        const innerLevel = s[i]!;
        if (outerLevel === '#') {
            return true;
        }
        if (outerLevel === undefined || innerLevel === '#') {
            return false;
        }
        if (innerLevel === '+' ? outerLevel !== '+' : outerLevel !== '+' && outerLevel !== innerLevel) {
            return false;
        }
    }
    // 'a/#' also covers 'a'
    return a.length === s.length || (a.length === s.length + 1 && a[s.length] === '#');
}

/** Fills %u and %c; undefined when a value would widen the filter (it contains '/', '+' or '#'). */
function expand(pattern: string, user: string, clientId: string): string | undefined {
    const unsafe = (value: string): boolean =>
        value === '' || value.includes('/') || value.includes('+') || value.includes('#') || value.includes('\u0000');
    if (pattern.includes('%u') && unsafe(user)) {
        return undefined;
    }
    if (pattern.includes('%c') && unsafe(clientId)) {
        return undefined;
    }
    const filter = pattern.replace(/%u/g, user).replace(/%c/g, clientId);
    return topicFilterError(filter) ? undefined : filter;
}

export type AuthResult = { ok: true; account: Account | undefined } | { ok: false; returnCode: 4 | 5 };

export class AccessControl {
    private readonly byUser = new Map<string, Account>();

    constructor(accounts: readonly Account[]) {
        for (const account of accounts) {
            this.byUser.set(account.user, account);
        }
    }

    /** Anonymous clients are allowed only when no account exists at all. */
    get anonymousAllowed(): boolean {
        return this.byUser.size === 0;
    }

    authenticate(username: string | undefined, password: Buffer | undefined): AuthResult {
        if (this.anonymousAllowed) {
            return { ok: true, account: undefined };
        }
        const account = username !== undefined ? this.byUser.get(username) : undefined;
        // compare even for unknown users, so timing does not tell which user names exist
        const given = password ?? Buffer.alloc(0);
        const passwordOk = account?.passHash
            ? verifyPassword(given, account.passHash)
            : safeEqual(given, account?.pass ?? `\u0000no-such-user-${randomBytes(8).toString('hex')}`);
        if (!account || !passwordOk) {
            return { ok: false, returnCode: 4 };
        }
        if (!account.enabled) {
            return { ok: false, returnCode: 5 };
        }
        return { ok: true, account };
    }

    canPublish(account: Account | undefined, clientId: string, topic: string): boolean {
        if (!account || account.full) {
            return true;
        }
        if (account.readOnly) {
            return false;
        }
        return account.publish.some(pattern => {
            const filter = expand(pattern, account.user, clientId);
            return filter !== undefined && compileTopicFilter(filter).matches(topic);
        });
    }

    /** A subscription is allowed only if it is inside an allowed filter; a wider one is refused, not narrowed. */
    canSubscribe(account: Account | undefined, clientId: string, filter: string): boolean {
        if (!account || account.full) {
            return true;
        }
        return account.subscribe.some(pattern => {
            const allowed = expand(pattern, account.user, clientId);
            return allowed !== undefined && isFilterSubset(filter, allowed);
        });
    }

    canRead(account: Account | undefined, clientId: string, topic: string): boolean {
        if (!account || account.full) {
            return true;
        }
        return account.subscribe.some(pattern => {
            const filter = expand(pattern, account.user, clientId);
            return filter !== undefined && compileTopicFilter(filter).matches(topic);
        });
    }
}

export interface BruteForceOptions {
    /** Failures within `windowMs` from one address before it is blocked. */
    maxFailures: number;
    windowMs: number;
    /** First block; it doubles with every further failure, up to maxBlockMs. */
    blockMs: number;
    maxBlockMs: number;
    now?: () => number;
}

/** Counts failed logins per remote address and blocks an address for a growing delay. */
export class BruteForceGuard {
    private readonly failures = new Map<string, number[]>();
    private readonly blocks = new Map<string, { until: number; level: number }>();
    private readonly now: () => number;
    refused = 0;

    constructor(private readonly options: BruteForceOptions) {
        this.now = options.now ?? Date.now;
    }

    /** ms the address is still blocked (0 = may try). */
    blockedFor(address: string): number {
        const block = this.blocks.get(address);
        const left = block ? block.until - this.now() : 0;
        return left > 0 ? left : 0;
    }

    /** Records a failure; returns the new block in ms when this failure starts or extends one, else 0. */
    failed(address: string): number {
        const now = this.now();
        const recent = (this.failures.get(address) ?? []).filter(t => now - t < this.options.windowMs);
        recent.push(now);
        this.failures.set(address, recent);
        if (this.failures.size > 10_000) {
            this.failures.clear();
        }
        if (recent.length < this.options.maxFailures) {
            return 0;
        }
        const level = (this.blocks.get(address)?.level ?? -1) + 1;
        const ms = Math.min(this.options.blockMs * 2 ** level, this.options.maxBlockMs);
        this.blocks.set(address, { until: now + ms, level });
        return ms;
    }

    succeeded(address: string): void {
        this.failures.delete(address);
        this.blocks.delete(address);
    }
}
