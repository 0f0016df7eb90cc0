/**
 * Server mode's decisions around the broker: accounts from the `users` table, which subscriptions are refused, the
 * warnings at start (an open broker, publish masks shared through Redis), waiting for Redis.
 */
import { hashPassword, type Account } from '../broker/accessControl';
import type * as RedisLink from '../broker/redisLink';
import type { Instance } from '../iobroker/instance';
import type { Logger } from '../iobroker/store';
import { compileIdMask, idMaskError, matchesAnyFilter, splitList, topicNameError } from '../mapping/filter';
import { topicToId } from '../mapping/topic';
import { clip } from '../rateLog';
import { redisUrlForLog, type ServerSettings, type UserSetting } from '../settings';
import { errorText } from '../errorText';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * The `users` table as broker accounts. Passwords entered in admin are stored as scrypt hashes: at the first start
 * after an edit the plain text is replaced in the instance's settings (never kept, never logged).
 */
export async function accounts(instance: Instance, users: UserSetting[]): Promise<Account[]> {
    const plain = users.filter(u => u.pass !== '');
    if (plain.length > 0) {
        for (const user of plain) {
            user.passHash = hashPassword(user.pass);
        }
        const stored = users.map(u => ({
            user: u.user,
            pass: '',
            passHash: u.passHash,
            publish: u.publish.join(','),
            subscribe: u.subscribe.join(','),
            readOnly: u.readOnly,
            enabled: u.enabled,
        }));
        // replace the whole table: a deep merge would keep the old rows and their plain passwords
        await instance.replaceNativeOption('users', stored);
        instance.log.info(`Stored ${plain.length} new password(s) of 'users' as hashes`);
    }
    return users.map(u => ({
        user: u.user,
        pass: undefined,
        passHash: u.passHash,
        publish: u.publish,
        subscribe: u.subscribe,
        readOnly: u.readOnly,
        enabled: u.enabled,
        full: false,
    }));
}

/** SUBACK 0x80 for filters in ignoredTopics, and, with ignoreNewObjects, for exact topics without a state. */
export async function allowSubscribe(
    settings: ServerSettings,
    instance: Instance,
    clientId: string,
    filter: string,
): Promise<boolean> {
    const { ignoredTopics, ignoreNewObjects } = settings;
    const exact = topicNameError(filter) === undefined;
    const refuse = (why: string): boolean => {
        instance.log.info(`Client '${clip(clientId)}' may not subscribe to '${clip(filter)}': ${why}`);
        return false;
    };
    if (ignoredTopics.some(f => f.filter === filter) || (exact && matchesAnyFilter(ignoredTopics, filter))) {
        return refuse('it is in ignoredTopics');
    }
    if (ignoreNewObjects && exact) {
        const target = topicToId(filter, settings);
        const known =
            target &&
            ((await instance.store.getObject(target.ownId)) ||
                (target.foreignId !== undefined && (await instance.store.getObject(target.foreignId))));
        if (!known) {
            return refuse('ignoreNewObjects is set and no state exists for it');
        }
    }
    return true;
}

/** An anonymous broker on a non-loopback address: a warning and a system notification. */
export function warnIfOpen(settings: ServerSettings, instance: Instance): void {
    const { user, bind, doNotCheckPublicIP, users } = settings;
    if (user || users.length > 0 || doNotCheckPublicIP || LOOPBACK.test(bind)) {
        return;
    }
    const message = `The MQTT broker accepts anonymous clients on ${bind}, which is not a loopback address: set a user and password, bind to 127.0.0.1, or set doNotCheckPublicIP if this is intended`;
    instance.log.warn(message);
    instance.notify(message);
}

/**
 * With a shared broker each instance publishes the changes of its own publish mask; two instances whose masks
 * overlap would both publish every change of those states. Said once at start, naming the other instance.
 */
export async function warnIfMaskShared(settings: ServerSettings, instance: Instance): Promise<void> {
    const { redisUrl, publish } = settings;
    // a sample id of a mask: its wildcards filled in
    const sample = (mask: string): string => mask.replace(/\*/g, 'x');
    for (const other of await instance.otherInstances()) {
        const native = other.native;
        if (
            !native ||
            native.type !== 'server' ||
            native.persistence !== 'redis' ||
            (typeof native.redisUrl === 'string' ? native.redisUrl.trim() : '') !== redisUrl ||
            !other.enabled
        ) {
            continue;
        }
        const theirs = splitList(typeof native.publish === 'string' ? native.publish : '')
            .filter(mask => !idMaskError(mask))
            .map(mask => compileIdMask(mask));
        const shared = publish.filter(ours =>
            theirs.some(them => ours.matches(sample(them.mask)) || them.matches(sample(ours.mask))),
        );
        if (shared.length > 0) {
            instance.log.warn(
                `${other.id.replace('system.adapter.', '')} shares this broker (same redisUrl) and its publish mask overlaps '${shared.map(m => m.mask).join("', '")}': subscribers would get each change of those states twice. Keep a mask of foreign states on one instance only.`,
            );
        }
    }
}

/**
 * `persistence: redis`: the broker starts only once Redis answers. Until then the instance keeps running and
 * tries again after 5, 10, 20, 40, then every 60 s (no crash loop); false when the instance stops meanwhile.
 */
export async function waitForRedis(
    redisUrl: string,
    log: Logger,
    stopped: () => boolean,
    sleep: (ms: number) => Promise<void>,
): Promise<boolean> {
    const where = redisUrlForLog(redisUrl);
    for (let attempt = 0; !stopped(); attempt++) {
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: ioredis only with redis
            const { probeRedis } = require('../broker/redisLink') as typeof RedisLink;
            await probeRedis(redisUrl, 5000);
            if (attempt > 0) {
                log.info(`Redis ${where} answers now: starting the broker`);
            }
            return !stopped();
        } catch (err) {
            const reason = errorText(err).replace(/\.+$/, '');
            const delayMs = Math.min(5000 * 2 ** attempt, 60_000);
            const message = `Redis ${where} (option 'redisUrl') is not reachable: ${reason}. The broker starts as soon as it answers; next try in ${delayMs / 1000} s`;
            if (attempt === 0) {
                log.error(message);
            } else {
                log.info(message);
            }
            await sleep(delayMs);
        }
    }
    return false;
}
