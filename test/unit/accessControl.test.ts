import assert from 'node:assert/strict';
import {
    AccessControl,
    BruteForceGuard,
    hashPassword,
    isFilterSubset,
    verifyPassword,
    type Account,
} from '../../src/broker/accessControl';

function account(overrides: Partial<Account>): Account {
    return {
        user: 'u',
        pass: undefined,
        passHash: hashPassword('pw'),
        publish: [],
        subscribe: [],
        readOnly: false,
        enabled: true,
        full: false,
        ...overrides,
    };
}

describe('isFilterSubset', () => {
    const rows: [string, string, boolean][] = [
        ['a/b', 'a/b', true],
        ['a/b', 'a/+', true],
        ['a/b', 'a/#', true],
        ['a', 'a/#', true],
        ['a/+', 'a/#', true],
        ['a/#', 'a/#', true],
        ['a/b/#', 'a/#', true],
        ['a/+/c', 'a/+/c', true],
        ['a/+', 'a/b', false], // wider
        ['a/#', 'a/+', false],
        ['#', 'a/#', false],
        ['+/b', 'a/b', false],
        ['a/b/c', 'a/+', false],
        ['a', 'a/+', false],
        ['b/x', 'a/#', false],
        ['#', '#', true],
        ['$SYS/x', '#', false],
        ['$SYS/x', '$SYS/#', true],
    ];
    for (const [inner, outer, expected] of rows) {
        it(`'${inner}' ${expected ? 'is' : 'is not'} inside '${outer}'`, () =>
            assert.equal(isFilterSubset(inner, outer), expected));
    }
});

describe('AccessControl', () => {
    it('hashes passwords with a salt and verifies them in constant time', () => {
        const a = hashPassword('secret');
        const b = hashPassword('secret');
        assert.notEqual(a, b, 'salted');
        assert.ok(verifyPassword('secret', a));
        assert.ok(!verifyPassword('Secret', a));
        assert.ok(!verifyPassword('secret', 'plain'));
        assert.ok(!a.includes('secret'));
    });

    it('allows anonymous clients only when there is no account', () => {
        assert.deepEqual(new AccessControl([]).authenticate(undefined, undefined), { ok: true, account: undefined });
        const acl = new AccessControl([account({})]);
        assert.deepEqual(acl.authenticate(undefined, undefined), { ok: false, returnCode: 4 });
    });

    it('answers 4 for unknown users and wrong passwords, 5 for a disabled account', () => {
        const acl = new AccessControl([account({ user: 'a' }), account({ user: 'off', enabled: false })]);
        assert.equal(acl.authenticate('a', Buffer.from('pw')).ok, true);
        assert.deepEqual(acl.authenticate('a', Buffer.from('nope')), { ok: false, returnCode: 4 });
        assert.deepEqual(acl.authenticate('ghost', Buffer.from('pw')), { ok: false, returnCode: 4 });
        assert.deepEqual(acl.authenticate('off', Buffer.from('pw')), { ok: false, returnCode: 5 });
        assert.deepEqual(acl.authenticate('off', Buffer.from('bad')), { ok: false, returnCode: 4 });
    });

    it('applies %u and %c, refuses wider subscriptions, and never lets a placeholder value widen a filter', () => {
        const acl = new AccessControl([]);
        const dev = account({ user: 'bob', publish: ['devices/%u/#'], subscribe: ['devices/%u/#', 'clients/%c/in'] });
        assert.ok(acl.canPublish(dev, 'c1', 'devices/bob/temp'));
        assert.ok(!acl.canPublish(dev, 'c1', 'devices/alice/temp'));
        assert.ok(acl.canSubscribe(dev, 'c1', 'devices/bob/+'));
        assert.ok(acl.canSubscribe(dev, 'c1', 'clients/c1/in'));
        assert.ok(!acl.canSubscribe(dev, 'c2x', 'clients/c1/in'));
        assert.ok(!acl.canSubscribe(dev, 'c1', '#'), 'wider than allowed: refused, not narrowed');
        assert.ok(!acl.canSubscribe(dev, 'c1', 'devices/+/temp'));
        assert.ok(acl.canRead(dev, 'c1', 'devices/bob/x'));
        assert.ok(!acl.canRead(dev, 'c1', 'devices/alice/x'));
        const sneaky = account({ user: 'a/#', publish: ['devices/%u/x'], subscribe: ['devices/%u'] });
        assert.ok(!acl.canPublish(sneaky, 'c', 'devices/a/b/x'));
        assert.ok(!acl.canSubscribe(sneaky, 'c', 'devices/a/#'));
        const plusClient = account({ subscribe: ['c/%c'] });
        assert.ok(!acl.canSubscribe(plusClient, '+', 'c/+'));
    });

    it('read-only accounts may subscribe but never publish; full accounts may do anything', () => {
        const acl = new AccessControl([]);
        const ro = account({ readOnly: true, publish: ['#'], subscribe: ['#'] });
        assert.ok(!acl.canPublish(ro, 'c', 'a'));
        assert.ok(acl.canSubscribe(ro, 'c', 'a/#'));
        const full = account({ full: true });
        assert.ok(acl.canPublish(full, 'c', 'x') && acl.canSubscribe(full, 'c', '#') && acl.canRead(full, 'c', 'x'));
        assert.ok(acl.canPublish(undefined, 'c', 'x'), 'anonymous (no accounts) may do anything');
    });
});

describe('BruteForceGuard', () => {
    it('blocks an address after 5 failures in a minute, for a growing delay; success clears it', () => {
        let now = 0;
        const guard = new BruteForceGuard({
            maxFailures: 5,
            windowMs: 60_000,
            blockMs: 1000,
            maxBlockMs: 3000,
            now: () => now,
        });
        for (let i = 0; i < 4; i++) {
            assert.equal(guard.failed('1.2.3.4'), 0);
        }
        assert.equal(guard.failed('1.2.3.4'), 1000);
        assert.equal(guard.blockedFor('1.2.3.4'), 1000);
        assert.equal(guard.blockedFor('5.6.7.8'), 0, 'other addresses are not affected');
        now += 1000;
        assert.equal(guard.blockedFor('1.2.3.4'), 0);
        assert.equal(guard.failed('1.2.3.4'), 2000, 'doubles');
        now += 2000;
        assert.equal(guard.failed('1.2.3.4'), 3000, 'capped');
        guard.succeeded('1.2.3.4');
        assert.equal(guard.blockedFor('1.2.3.4'), 0);
        now += 120_000;
        assert.equal(guard.failed('1.2.3.4'), 0, 'old failures fall out of the window');
    });
});
