/**
 * Everything the broker does with aedes' internals, in one place. aedes owns the protocol and the adapter plugs into
 * its hooks (admission.ts, publishPolicy.ts, subscriptionPolicy.ts) and its persistence interface (persistence.ts);
 * what neither offers is done here, each item with the reason and the aedes version it was checked against
 * (2.0.0-beta.1). test/unit/aedesInternals.test.ts runs each assumption against the installed aedes: after an aedes
 * upgrade, that test says what broke.
 *
 * 1. One copy at the highest QoS for overlapping subscriptions, with all their Subscription Identifiers
 *    [MQTT-3.3.5-1, 3.3.4-3] (overlap.ts decides): aedes has no hook where a delivery can be raised in QoS
 *    (authorizeForward can only lower it or drop it), so a client's `deliver0` / `deliverQoS` — which aedes binds to
 *    each subscription when it is made — are replaced in preConnect, before any subscription exists; its
 *    `duplicates` record (per broker id, the last counter delivered) is kept in step.
 * 2. A client's current values for a new subscription (publishOnSubscribe) go through the unreplaced delivery of 1,
 *    so they carry no broker counter that could make the one-copy rule skip a live message.
 * 3. `broker.clients` (which client ids are connected here): aedes keeps it as an untyped plain object.
 * 4. Closing a client without its will (after a Redis outage, so that it reconnects and gets its queue): aedes has
 *    no close without will; its `will` and `_will` fields are cleared first.
 * 5. MQTT 3.1.1 publishes the adapter refuses are acknowledged (3.1.1 has no negative acknowledgement) but go
 *    nowhere: aedes' authorizePublish can only close a 3.1.1 connection, so `broker.publish` of this broker instance
 *    passes over packets marked in authorizePublish.
 * 6. MQTT 5 Retain Handling 1 (send at subscribe only if the subscription is new): whether a client has a subscription
 *    already is read from its `subscriptions` record (as in 1), before aedes adds the new one.
 * 7. mqemitter-redis closes its connections with QUIT, which waits for (or fails without) Redis: its `close` is
 *    replaced by one that cuts the connections. Its errors (a lost Redis) come on its internal `state` emitter, which
 *    would throw as an unhandled 'error' event without a listener.
 * 8. Where the stores keep a client's queue (aedes-persistence-level 9.2, aedes-persistence-redis 11.2): aedes'
 *    persistence interface enqueues, streams and deletes single messages, but cannot count, trim or drop a client's
 *    queue, which maxQueuedMessages, the end of an MQTT 3.1.1 session (storeClientsTime) and the Redis outage need
 *    (persistence.ts uses these; nothing else knows the key layouts).
 * 9. Which client ids have anything in the Level store (aedes-persistence-level 9.2): read once at start and per
 *    client id after a session ended, so that clean-session clients with nothing stored are answered without the
 *    store (storedClients.ts).
 */
import type { Aedes, Client } from 'aedes';
import { matchingSubscriptions, type Deliver, type DeliveringClient } from './overlap';
import type { QueuedEntry, StoredQueues } from './persistence';
import type { ClientStateScan } from './storedClients';

const ORIGINAL = Symbol('mqtt-gateway.originalDeliver');

interface PatchedClient extends DeliveringClient {
    [ORIGINAL]?: { deliver0: Deliver; deliverQoS: Deliver };
}

/**
 * Item 2: sends a packet to this one client only (current values for a new subscription). It carries no broker id or
 * counter, so it cannot make the one-copy rule (which relies on counters rising) skip a broker message that was
 * created earlier but is delivered later — `client.publish()` of aedes stamps a fresh counter and would.
 */
export function deliverDirect(
    client: Client,
    packet: { cmd: 'publish'; topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: boolean; dup: boolean },
    callback: () => void,
): void {
    const target = client as unknown as PatchedClient;
    const original = target[ORIGINAL] ?? { deliver0: target.deliver0, deliverQoS: target.deliverQoS };
    if (packet.qos === 0) {
        original.deliver0(packet, callback);
    } else {
        original.deliverQoS(packet, callback);
    }
}

/** Item 1: puts the one-copy rule into the client's delivery (call in preConnect). */
export function deliverAtHighestQos(client: Client): void {
    const target = client as unknown as PatchedClient;
    const deliver0 = target.deliver0;
    const deliverQoS = target.deliverQoS;
    target[ORIGINAL] = { deliver0, deliverQoS };
    // packets this client got recently, by broker id and counter: the same packet through a second matching
    // subscription is skipped. An older packet that arrives late (aedes stores a retained message before it
    // delivers it, so a later message can overtake it) is NOT a duplicate — aedes' own check, 'counter must
    // rise', would drop it, so that check is fed the value that lets this packet through.
    const recent = new Set<string>();
    const deliver: Deliver = (packet, callback) => {
        if (packet.nl && packet.clientId === target.id) {
            // No Local on this subscription [MQTT-3.8.3-3]: aedes drops the copy; another matching subscription
            // without it must still deliver, so this copy does not count as the one delivered
            setImmediate(callback);
            return;
        }
        const { brokerId, brokerCounter } = packet;
        const live = brokerId !== undefined && brokerCounter !== undefined;
        if (live) {
            const key = `${brokerId}:${brokerCounter}`;
            if (recent.has(key)) {
                setImmediate(callback);
                return;
            }
            recent.add(key);
            if (recent.size > 1000) {
                recent.delete(recent.values().next().value as string);
            }
            const duplicates = (client as unknown as { duplicates?: Record<string, number> }).duplicates;
            if (duplicates) {
                duplicates[brokerId] = brokerCounter - 1;
            }
        }
        const matching = matchingSubscriptions(target.subscriptions, packet.topic);
        if (live && matching.ids.length > 0) {
            // the one copy carries the identifiers of every matching subscription [MQTT-3.3.4-3, 3.3.4-5] (a retained
            // message sent for one new subscription keeps that subscription's identifier)
            packet.properties = {
                ...packet.properties,
                subscriptionIdentifier: matching.ids.length === 1 ? matching.ids[0] : matching.ids,
            };
        }
        const qos = Math.min(packet.qos, Math.max(matching.qos, 0)) as 0 | 1 | 2;
        if (qos === 0) {
            deliver0(packet, callback);
        } else {
            packet.qos = qos;
            deliverQoS(packet, callback);
        }
    };
    target.deliver0 = deliver;
    target.deliverQoS = deliver;
}

/** Item 3: whether a client with this id is connected to this broker instance now. */
export function isConnectedHere(broker: Aedes, clientId: string): boolean {
    return Object.prototype.hasOwnProperty.call(clientsOf(broker), clientId);
}

/** Item 3: the clients connected to this broker instance now. */
export function connectedClients(broker: Aedes): Client[] {
    return Object.values(clientsOf(broker));
}

function clientsOf(broker: Aedes): Record<string, Client> {
    return (broker as unknown as { clients: Record<string, Client> }).clients;
}

/** Item 4: closes a client's connection without publishing its will (it is stored again when it reconnects). */
export function closeWithoutWill(client: Client): void {
    Object.assign(client, { will: null, _will: null });
    client.close();
}

/** Item 6: whether the client has a subscription with exactly this filter now. */
export function hasSubscription(client: Client, filter: string): boolean {
    const subscriptions = (client as unknown as DeliveringClient).subscriptions;
    return Object.prototype.hasOwnProperty.call(subscriptions, filter);
}

const DROP = Symbol('mqtt-gateway.drop');

/** Item 5: marks a packet in authorizePublish: acknowledged as aedes does, never published. */
export function markDropped(packet: object): void {
    (packet as { [DROP]?: boolean })[DROP] = true;
}

export function isDropped(packet: object): boolean {
    return (packet as { [DROP]?: boolean })[DROP] === true;
}

/** Item 5: makes this broker instance pass over marked packets (call once, after createBroker). */
export function skipDroppedPublishes(broker: Aedes): void {
    const original = broker.publish.bind(broker) as (...args: unknown[]) => void;
    (broker as unknown as { publish: (...args: unknown[]) => void }).publish = (...args: unknown[]) => {
        if (isDropped(args[0] as object)) {
            const done = args.find((a, i) => i > 0 && typeof a === 'function') as (() => void) | undefined;
            done?.();
            return;
        }
        original(...args);
    };
}

/** Item 7: mqemitter-redis' close without QUIT: cuts its two connections, then lets it finish. */
export function closeRedisEmitterAtOnce(mq: unknown, connections: { disconnect(): void }[]): void {
    const closable = mq as { closing: boolean; close(cb: () => void): void; _close(cb: () => void): void };
    closable.close = cb => {
        closable.closing = true;
        for (const connection of connections) {
            connection.disconnect();
        }
        closable._close(cb);
    };
}

/** Item 7: listens to mqemitter-redis' errors (emitted on its internal `state` emitter). */
export function onRedisEmitterError(mq: unknown, onError: (err: Error) => void): void {
    (mq as { state: { on(event: 'error', listener: (err: Error) => void): void } }).state.on('error', onError);
}

/** The part of a Level database that item 8 uses. */
export interface LevelQueueDb {
    keys(range: { gte: string; lt: string }): AsyncIterable<string>;
    clear(range: { gte: string; lt: string }): Promise<void>;
    batch(operations: { type: 'del'; key: string }[]): Promise<void>;
}

/** The keys that start with `prefix` (a prefix ending in ':'; ';' is the character after it). */
function prefixRange(prefix: string): { gte: string; lt: string } {
    return { gte: prefix, lt: `${prefix.slice(0, -1)};` };
}

/**
 * Item 8, aedes-persistence-level 9.2: a queued message is `outgoing:<client>:<broker id>:<counter>` (the client id
 * URI-encoded, the counter zero-padded, so the keys sort by broker id, then age); one sent and not yet acknowledged
 * also `outgoing-id:<client>:<packet id>`. `beforeRead` is awaited before the keys are read (pending batched writes).
 */
export function levelQueues(db: LevelQueueDb, beforeRead: () => Promise<void>): Required<StoredQueues> {
    const queuePrefix = (clientId: string): string => `outgoing:${encodeURIComponent(clientId)}:`;
    const list = async (clientId: string): Promise<QueuedEntry[]> => {
        await beforeRead();
        const prefix = queuePrefix(clientId);
        const entries: QueuedEntry[] = [];
        for await (const key of db.keys(prefixRange(prefix))) {
            const rest = key.slice(prefix.length);
            entries.push({ key, brokerId: rest.slice(0, rest.lastIndexOf(':')) });
        }
        return entries;
    };
    return {
        list,
        count: async clientId => (await list(clientId)).length,
        remove: keys => db.batch(keys.map(key => ({ type: 'del' as const, key }))),
        clear: async clientId => {
            for (const prefix of [queuePrefix(clientId), `outgoing-id:${encodeURIComponent(clientId)}:`]) {
                await db.clear(prefixRange(prefix));
            }
        },
    };
}

/** The part of a Level database that item 9 uses. */
export interface LevelKeysDb {
    keys(range: { gte: string; lt?: string; lte?: string; limit?: number }): AsyncIterable<string>;
}

/**
 * Item 9, aedes-persistence-level 9.2: a client's state is under `subscriptions:<client>:<filter>`,
 * `outgoing:<client>:…`, `outgoing-id:<client>:…`, `incoming:<client>:…` and `will:<client>` (the client id
 * URI-encoded, so it holds no ':'). Retained messages (`retained:…`) belong to no client. `beforeRead` is awaited
 * before the keys are read (pending batched writes).
 */
export function levelClientState(db: LevelKeysDb, beforeRead: () => Promise<void>): ClientStateScan {
    const underClient = ['subscriptions:', 'outgoing:', 'outgoing-id:', 'incoming:'];
    const decode = (encoded: string): string => {
        try {
            return decodeURIComponent(encoded);
        } catch {
            return encoded; // not written by the store (it encodes every id): harmless as an extra id
        }
    };
    const any = async (range: { gte: string; lt?: string; lte?: string }): Promise<boolean> => {
        for await (const key of db.keys({ ...range, limit: 1 })) {
            void key;
            return true;
        }
        return false;
    };
    return {
        ids: async function* () {
            await beforeRead();
            for (const prefix of underClient) {
                for await (const key of db.keys(prefixRange(prefix))) {
                    const end = key.indexOf(':', prefix.length);
                    yield decode(key.slice(prefix.length, end < 0 ? undefined : end));
                }
            }
            for await (const key of db.keys(prefixRange('will:'))) {
                yield decode(key.slice('will:'.length));
            }
        },
        has: async clientId => {
            await beforeRead();
            const id = encodeURIComponent(clientId);
            for (const prefix of underClient) {
                if (await any(prefixRange(`${prefix}${id}:`))) {
                    return true;
                }
            }
            return any({ gte: `will:${id}`, lte: `will:${id}` });
        },
    };
}

/**
 * Item 8, aedes-persistence-redis 11.2: a client's queue is the list `outgoing:<client>` (the client id URI-encoded)
 * of keys of packets kept once for all their receivers (they expire with packetTTL). It is trimmed by the store
 * itself (maxSessionDelivery), so only counted and dropped here.
 */
export function redisQueues(conn: {
    llen(key: string): Promise<number>;
    del(key: string): Promise<number>;
}): StoredQueues {
    const queueKey = (clientId: string): string => `outgoing:${encodeURIComponent(clientId)}`;
    return {
        count: clientId => conn.llen(queueKey(clientId)),
        clear: async clientId => {
            await conn.del(queueKey(clientId));
        },
    };
}
