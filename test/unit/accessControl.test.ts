import assert from 'node:assert/strict';
import {
    AccessControl,
    AccountGuard,
    BruteForceGuard,
    hashPassword,
    isFilterSubset,
    scryptHash,
    verifyPassword,
    type Account,
    type PasswordHash,
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
    it('hashes passwords with a salt and verifies them in constant time', async () => {
        const a = hashPassword('secret');
        const b = hashPassword('secret');
        assert.notEqual(a, b, 'salted');
        assert.ok(await verifyPassword('secret', a));
        assert.ok(!(await verifyPassword('Secret', a)));
        assert.ok(!(await verifyPassword('secret', 'plain')));
        assert.ok(!a.includes('secret'));
    });

    it('allows anonymous clients only when there is no account', async () => {
        assert.deepEqual(await new AccessControl([]).authenticate(undefined, undefined), {
            ok: true,
            account: undefined,
        });
        const acl = new AccessControl([account({})]);
        assert.deepEqual(await acl.authenticate(undefined, undefined), { ok: false, returnCode: 4 });
    });

    it('answers 4 for unknown users and wrong passwords, 5 for a disabled account', async () => {
        const acl = new AccessControl([
            account({ user: 'a' }),
            account({ user: 'off', enabled: false }),
            account({ user: 'plain', passHash: undefined, pass: 'pw-plain', full: true }),
        ]);
        assert.equal((await acl.authenticate('a', Buffer.from('pw'))).ok, true);
        assert.deepEqual(await acl.authenticate('a', Buffer.from('nope')), { ok: false, returnCode: 4 });
        assert.deepEqual(await acl.authenticate('ghost', Buffer.from('pw')), { ok: false, returnCode: 4 });
        assert.deepEqual(await acl.authenticate('off', Buffer.from('pw')), { ok: false, returnCode: 5 });
        assert.deepEqual(await acl.authenticate('off', Buffer.from('bad')), { ok: false, returnCode: 4 });
        assert.equal((await acl.authenticate('plain', Buffer.from('pw-plain'))).ok, true);
        assert.deepEqual(await acl.authenticate('plain', Buffer.from('pw')), { ok: false, returnCode: 4 });
    });

    it('derives one key with the same parameters for every login: unknown users cost what known ones do (issue #16)', async () => {
        // user names must not be told apart by the time of the answer: what an unknown user, a wrong password and
        // the plain-password account cost is the key derivation they ran, seen here through the injected one
        const calls: { salt: number; keyLength: number }[] = [];
        const counting: PasswordHash = (password, salt, keyLength) => {
            calls.push({ salt: salt.length, keyLength });
            return scryptHash(password, salt, keyLength);
        };
        const acl = new AccessControl(
            [account({ user: 'a' }), account({ user: 'plain', passHash: undefined, pass: 'pw-plain', full: true })],
            counting,
        );
        const logins: [string | undefined, string | undefined][] = [
            ['a', 'wrong'],
            ['ghost', 'pw'],
            [undefined, undefined],
            ['plain', 'wrong'],
            ['a', 'pw'],
        ];
        for (const [user, pass] of logins) {
            const before = calls.length;
            await acl.authenticate(user, pass === undefined ? undefined : Buffer.from(pass));
            assert.deepEqual(
                calls.slice(before),
                [{ salt: 16, keyLength: 32 }],
                `one derivation for ${user ?? '(none)'}`,
            );
        }
    });

    it('verifies a password without blocking the event loop', async () => {
        const acl = new AccessControl([account({ user: 'a' })]);
        let ticks = 0;
        let running = true;
        const tick = (): void => {
            ticks++;
            if (running) {
                setImmediate(tick);
            }
        };
        setImmediate(tick);
        await acl.authenticate('a', Buffer.from('wrong'));
        running = false;
        // with a synchronous scrypt the whole check ran within this turn and no other callback got in
        assert.ok(ticks > 0, 'other callbacks ran while the password was checked');
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

describe('AccountGuard', () => {
    const options = { maxFailures: 20, windowMs: 60_000, blockMs: 1000, maxBlockMs: 4000 };

    it('locks an account after 20 failures from 200 different addresses, except where it logged in before', () => {
        let now = 0;
        const guard = new AccountGuard({ ...options, now: () => now });
        guard.succeeded('dev', '10.0.0.1');
        let checked = 0;
        // 200 addresses, one guess each: far below any per-address limit
        for (let i = 0; i < 200; i++) {
            const address = `127.0.0.${i + 2}`;
            if (guard.lockedFor('dev', address) > 0) {
                continue; // refused unchecked
            }
            checked++;
            guard.failed('dev');
        }
        assert.equal(checked, 20, 'only 20 of the 200 guesses were checked');
        assert.equal(guard.lockedFor('dev', '192.168.1.50'), 1000, 'a new address waits');
        assert.equal(guard.lockedFor('dev', '10.0.0.1'), 0, 'the device where it logged in before is still checked');
        assert.equal(guard.lockedFor('other', '192.168.1.50'), 0, 'other accounts are not affected');
        now += 1000;
        assert.equal(guard.lockedFor('dev', '192.168.1.50'), 0, 'the lock ends');
        assert.equal(guard.failed('dev'), 2000, 'a further failure in the window locks it again, twice as long');
    });

    it('a success does not refill the budget of failures, and remembers a bounded number of addresses', () => {
        let now = 0;
        const guard = new AccountGuard({ ...options, knownAddresses: 2, now: () => now });
        for (let i = 0; i < 19; i++) {
            guard.failed('dev');
        }
        guard.succeeded('dev', 'a');
        assert.equal(guard.failed('dev'), 1000, 'the 20th failure locks, success in between or not');
        guard.succeeded('dev', 'b');
        guard.succeeded('dev', 'c');
        assert.equal(guard.lockedFor('dev', 'c'), 0);
        assert.equal(guard.lockedFor('dev', 'b'), 0);
        assert.equal(guard.lockedFor('dev', 'a'), 1000, 'the oldest known address is forgotten');
        now += 120_000;
        assert.equal(guard.failed('dev'), 0, 'old failures fall out of the window');
    });
});

describe('BruteForceGuard memory (issue #16)', () => {
    it('remembers at most 10,000 keys, forgetting the least recently failing first', () => {
        let now = 0;
        const guard = new BruteForceGuard({
            maxFailures: 2,
            windowMs: 60_000,
            blockMs: 1000,
            maxBlockMs: 8000,
            now: () => now,
        });
        guard.failed('victim-target');
        for (let i = 0; i < 20_000; i++) {
            guard.failed(`10.0.${i >> 8}.${i & 255}`);
            guard.failed(`10.0.${i >> 8}.${i & 255}`);
            now++;
        }
        const sizes = guard as unknown as { failures: Map<string, unknown>; blocks: Map<string, unknown> };
        assert.ok(sizes.failures.size <= 10_000, `${sizes.failures.size} failure keys`);
        assert.ok(sizes.blocks.size <= 10_000, `${sizes.blocks.size} blocks`);
        // the newest attacker address is still blocked: the bound never hands out a fresh budget wholesale
        assert.ok(guard.blockedFor('10.0.78.31') > 0);
    });
});
