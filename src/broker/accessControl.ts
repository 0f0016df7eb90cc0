/**
 * Accounts and topic rights for the broker (mosquitto-style pattern ACLs): per user the publish and subscribe
 * filters it may use, with `%u` (user name) and `%c` (client id) placeholders, optional read-only, and brute-force
 * protection per remote address and per account.
 */
import { randomBytes, scrypt, scryptSync } from 'node:crypto';
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

/** The key derivation of a login; injectable so tests can see that every path pays for one. */
export type PasswordHash = (password: string | Buffer, salt: Buffer, keyLength: number) => Promise<Buffer>;

/**
 * scrypt in libuv's thread pool: the synchronous one blocks the event loop ~50 ms per login, so a few clients
 * sending CONNECTs would stall every other connection (issue #16).
 */
export const scryptHash: PasswordHash = (password, salt, keyLength) =>
    new Promise((resolve, reject) =>
        scrypt(password, salt, keyLength, (err, key) => (err ? reject(err) : resolve(key))),
    );

export async function verifyPassword(
    password: string | Buffer,
    stored: string,
    hash: PasswordHash = scryptHash,
): Promise<boolean> {
    const [scheme, saltHex, hashHex] = stored.split('$');
    if (scheme !== 'scrypt' || !saltHex || !hashHex) {
        return false;
    }
    const key = await hash(password, Buffer.from(saltHex, 'hex'), 32);
    return safeEqual(key, Buffer.from(hashHex, 'hex'));
}

/**
 * What a login without a stored hash is checked against: same scheme, salt and key length as a real one, and no
 * password derives to its random key. Unknown users and the plain `user`/`pass` account pay for one scrypt like
 * everybody else, so the time of the answer does not tell which user names exist (issue #16: 2 ms vs 57 ms).
 */
function dummyHash(): string {
    return `scrypt$${randomBytes(16).toString('hex')}$${randomBytes(32).toString('hex')}`;
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
    private readonly dummy = dummyHash();

    constructor(
        accounts: readonly Account[],
        private readonly hash: PasswordHash = scryptHash,
    ) {
        for (const account of accounts) {
            this.byUser.set(account.user, account);
        }
    }

    /** Whether `user` names an account (for the per-account guard: only real accounts remember addresses). */
    hasAccount(user: string | undefined): boolean {
        return user !== undefined && this.byUser.has(user);
    }

    /** Anonymous clients are allowed only when no account exists at all. */
    get anonymousAllowed(): boolean {
        return this.byUser.size === 0;
    }

    /** Exactly one key derivation per call, whoever asks: known user, unknown user or the plain-password account. */
    async authenticate(username: string | undefined, password: Buffer | undefined): Promise<AuthResult> {
        if (this.anonymousAllowed) {
            return { ok: true, account: undefined };
        }
        const account = username !== undefined ? this.byUser.get(username) : undefined;
        const given = password ?? Buffer.alloc(0);
        const hashOk = await verifyPassword(given, account?.passHash ?? this.dummy, this.hash);
        const passwordOk = account?.passHash ? hashOk : account?.pass !== undefined && safeEqual(given, account.pass);
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

/** Keys (addresses, user names) a guard remembers at most: an attacker chooses them. */
const MAX_GUARD_KEYS = 10_000;

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
        // re-inserted last: the least recently failing key goes first when the map is full (clearing it all would
        // hand an attacker with 10,000 addresses a fresh budget)
        this.failures.delete(address);
        this.failures.set(address, recent);
        if (this.failures.size > MAX_GUARD_KEYS) {
            this.failures.delete(this.failures.keys().next().value!);
        }
        if (recent.length < this.options.maxFailures) {
            return 0;
        }
        const level = (this.blocks.get(address)?.level ?? -1) + 1;
        const ms = Math.min(this.options.blockMs * 2 ** level, this.options.maxBlockMs);
        this.blocks.delete(address);
        this.blocks.set(address, { until: now + ms, level });
        if (this.blocks.size > MAX_GUARD_KEYS) {
            // blocks that ended long ago first, then the oldest
            for (const [key, block] of this.blocks) {
                if (block.until + this.options.maxBlockMs < now) {
                    this.blocks.delete(key);
                }
            }
            if (this.blocks.size > MAX_GUARD_KEYS) {
                this.blocks.delete(this.blocks.keys().next().value!);
            }
        }
        return ms;
    }

    succeeded(address: string): void {
        this.failures.delete(address);
        this.blocks.delete(address);
    }
}

export interface AccountGuardOptions extends BruteForceOptions {
    /** Addresses remembered per account where it logged in successfully (the oldest forgotten first). */
    knownAddresses?: number;
}

/**
 * Failed logins per user name, from any address: the per-address guard alone let 200 loopback addresses make 800
 * unthrottled guesses (issue #16). After `maxFailures` within the window the account is locked for a growing delay
 * — but only for addresses it never logged in from: a device at an address where it logged in before is still
 * checked as usual, so an attacker elsewhere cannot lock it out. During the lock a new address gets CONNACK 4 without
 * its password being checked, so guesses from fresh addresses are worth nothing.
 */
export class AccountGuard {
    private readonly guard: BruteForceGuard;
    private readonly known = new Map<string, string[]>();
    private readonly knownAddresses: number;

    constructor(options: AccountGuardOptions) {
        this.guard = new BruteForceGuard(options);
        this.knownAddresses = options.knownAddresses ?? 32;
    }

    /** ms `user` is still locked for logins from `address` (0 = check the password). */
    lockedFor(user: string, address: string): number {
        if (this.known.get(accountKey(user))?.includes(address)) {
            return 0;
        }
        return this.guard.blockedFor(accountKey(user));
    }

    /** Counts a wrong password for `user`; returns the new lock in ms when this failure starts or extends one. */
    failed(user: string): number {
        return this.guard.failed(accountKey(user));
    }

    /** Remembers `address` for `user`; the failure count stays: the attacker's budget does not refill with it. */
    succeeded(user: string, address: string): void {
        const key = accountKey(user);
        const addresses = (this.known.get(key) ?? []).filter(a => a !== address);
        addresses.push(address);
        this.known.set(key, addresses.slice(-this.knownAddresses));
    }
}

/** A user name as a map key: a client chooses it (up to 65,535 characters), so only its start is kept. */
function accountKey(user: string): string {
    return user.slice(0, 200);
}
