"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.BruteForceGuard = exports.AccessControl = void 0;
exports.hashPassword = hashPassword;
exports.verifyPassword = verifyPassword;
exports.isFilterSubset = isFilterSubset;
/**
 * Accounts and topic rights for the broker (mosquitto-style pattern ACLs): per user the publish and subscribe
 * filters it may use, with `%u` (user name) and `%c` (client id) placeholders, optional read-only, and brute-force
 * protection per remote address.
 */
const node_crypto_1 = require("node:crypto");
const filter_1 = require("../mapping/filter");
const auth_1 = require("./auth");
/** The stored form of a password: scrypt with a random salt. */
function hashPassword(password, salt = (0, node_crypto_1.randomBytes)(16)) {
    const hash = (0, node_crypto_1.scryptSync)(password, salt, 32);
    return `scrypt$${salt.toString('hex')}$${hash.toString('hex')}`;
}
function verifyPassword(password, stored) {
    const [scheme, saltHex, hashHex] = stored.split('$');
    if (scheme !== 'scrypt' || !saltHex || !hashHex) {
        return false;
    }
    const hash = (0, node_crypto_1.scryptSync)(password, Buffer.from(saltHex, 'hex'), 32);
    return (0, auth_1.safeEqual)(hash, Buffer.from(hashHex, 'hex'));
}
/** Whether every topic `inner` can match is matched by `outer` too (both valid filters). */
function isFilterSubset(inner, outer) {
    const s = inner.split('/');
    const a = outer.split('/');
    // [MQTT-4.7.2-1] a filter starting with a wildcard never covers $-topics
    if ((a[0] === '#' || a[0] === '+') && s[0]?.startsWith('$')) {
        return false;
    }
    for (let i = 0; i < s.length; i++) {
        const outerLevel = a[i];
        const innerLevel = s[i];
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
function expand(pattern, user, clientId) {
    const unsafe = (value) => value === '' || value.includes('/') || value.includes('+') || value.includes('#') || value.includes('\u0000');
    if (pattern.includes('%u') && unsafe(user)) {
        return undefined;
    }
    if (pattern.includes('%c') && unsafe(clientId)) {
        return undefined;
    }
    const filter = pattern.replace(/%u/g, user).replace(/%c/g, clientId);
    return (0, filter_1.topicFilterError)(filter) ? undefined : filter;
}
class AccessControl {
    byUser = new Map();
    constructor(accounts) {
        for (const account of accounts) {
            this.byUser.set(account.user, account);
        }
    }
    /** Anonymous clients are allowed only when no account exists at all. */
    get anonymousAllowed() {
        return this.byUser.size === 0;
    }
    authenticate(username, password) {
        if (this.anonymousAllowed) {
            return { ok: true, account: undefined };
        }
        const account = username !== undefined ? this.byUser.get(username) : undefined;
        // compare even for unknown users, so timing does not tell which user names exist
        const given = password ?? Buffer.alloc(0);
        const passwordOk = account?.passHash
            ? verifyPassword(given, account.passHash)
            : (0, auth_1.safeEqual)(given, account?.pass ?? `\u0000no-such-user-${(0, node_crypto_1.randomBytes)(8).toString('hex')}`);
        if (!account || !passwordOk) {
            return { ok: false, returnCode: 4 };
        }
        if (!account.enabled) {
            return { ok: false, returnCode: 5 };
        }
        return { ok: true, account };
    }
    canPublish(account, clientId, topic) {
        if (!account || account.full) {
            return true;
        }
        if (account.readOnly) {
            return false;
        }
        return account.publish.some(pattern => {
            const filter = expand(pattern, account.user, clientId);
            return filter !== undefined && (0, filter_1.compileTopicFilter)(filter).matches(topic);
        });
    }
    /** A subscription is allowed only if it is inside an allowed filter; a wider one is refused, not narrowed. */
    canSubscribe(account, clientId, filter) {
        if (!account || account.full) {
            return true;
        }
        return account.subscribe.some(pattern => {
            const allowed = expand(pattern, account.user, clientId);
            return allowed !== undefined && isFilterSubset(filter, allowed);
        });
    }
    canRead(account, clientId, topic) {
        if (!account || account.full) {
            return true;
        }
        return account.subscribe.some(pattern => {
            const filter = expand(pattern, account.user, clientId);
            return filter !== undefined && (0, filter_1.compileTopicFilter)(filter).matches(topic);
        });
    }
}
exports.AccessControl = AccessControl;
/** Counts failed logins per remote address and blocks an address for a growing delay. */
class BruteForceGuard {
    options;
    failures = new Map();
    blocks = new Map();
    now;
    refused = 0;
    constructor(options) {
        this.options = options;
        this.now = options.now ?? Date.now;
    }
    /** ms the address is still blocked (0 = may try). */
    blockedFor(address) {
        const block = this.blocks.get(address);
        const left = block ? block.until - this.now() : 0;
        return left > 0 ? left : 0;
    }
    /** Records a failure; returns the new block in ms when this failure starts or extends one, else 0. */
    failed(address) {
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
    succeeded(address) {
        this.failures.delete(address);
        this.blocks.delete(address);
    }
}
exports.BruteForceGuard = BruteForceGuard;
