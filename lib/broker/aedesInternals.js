"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.deliverDirect = deliverDirect;
exports.deliverAtHighestQos = deliverAtHighestQos;
exports.isConnectedHere = isConnectedHere;
exports.connectedClients = connectedClients;
exports.closeWithoutWill = closeWithoutWill;
exports.hasSubscription = hasSubscription;
exports.markDropped = markDropped;
exports.isDropped = isDropped;
exports.skipDroppedPublishes = skipDroppedPublishes;
exports.closeRedisEmitterAtOnce = closeRedisEmitterAtOnce;
exports.onRedisEmitterError = onRedisEmitterError;
exports.levelQueues = levelQueues;
exports.levelClientState = levelClientState;
exports.redisQueues = redisQueues;
const overlap_1 = require("./overlap");
const ORIGINAL = Symbol('mqtt-gateway.originalDeliver');
/**
 * Item 2: sends a packet to this one client only (current values for a new subscription). It carries no broker id or
 * counter, so it cannot make the one-copy rule (which relies on counters rising) skip a broker message that was
 * created earlier but is delivered later — `client.publish()` of aedes stamps a fresh counter and would.
 */
function deliverDirect(client, packet, callback) {
    const target = client;
    const original = target[ORIGINAL] ?? { deliver0: target.deliver0, deliverQoS: target.deliverQoS };
    if (packet.qos === 0) {
        original.deliver0(packet, callback);
    }
    else {
        original.deliverQoS(packet, callback);
    }
}
/** Item 1: puts the one-copy rule into the client's delivery (call in preConnect). */
function deliverAtHighestQos(client) {
    const target = client;
    const deliver0 = target.deliver0;
    const deliverQoS = target.deliverQoS;
    target[ORIGINAL] = { deliver0, deliverQoS };
    // packets this client got recently, by broker id and counter: the same packet through a second matching
    // subscription is skipped. An older packet that arrives late (aedes stores a retained message before it
    // delivers it, so a later message can overtake it) is NOT a duplicate — aedes' own check, 'counter must
    // rise', would drop it, so that check is fed the value that lets this packet through.
    const recent = new Set();
    const deliver = (packet, callback) => {
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
                recent.delete(recent.values().next().value);
            }
            const duplicates = client.duplicates;
            if (duplicates) {
                duplicates[brokerId] = brokerCounter - 1;
            }
        }
        const matching = (0, overlap_1.matchingSubscriptions)(target.subscriptions, packet.topic);
        if (live && matching.ids.length > 0) {
            // the one copy carries the identifiers of every matching subscription [MQTT-3.3.4-3, 3.3.4-5] (a retained
            // message sent for one new subscription keeps that subscription's identifier)
            packet.properties = {
                ...packet.properties,
                subscriptionIdentifier: matching.ids.length === 1 ? matching.ids[0] : matching.ids,
            };
        }
        const qos = Math.min(packet.qos, Math.max(matching.qos, 0));
        if (qos === 0) {
            deliver0(packet, callback);
        }
        else {
            packet.qos = qos;
            deliverQoS(packet, callback);
        }
    };
    target.deliver0 = deliver;
    target.deliverQoS = deliver;
}
/** Item 3: whether a client with this id is connected to this broker instance now. */
function isConnectedHere(broker, clientId) {
    return Object.prototype.hasOwnProperty.call(clientsOf(broker), clientId);
}
/** Item 3: the clients connected to this broker instance now. */
function connectedClients(broker) {
    return Object.values(clientsOf(broker));
}
function clientsOf(broker) {
    return broker.clients;
}
/** Item 4: closes a client's connection without publishing its will (it is stored again when it reconnects). */
function closeWithoutWill(client) {
    Object.assign(client, { will: null, _will: null });
    client.close();
}
/** Item 6: whether the client has a subscription with exactly this filter now. */
function hasSubscription(client, filter) {
    const subscriptions = client.subscriptions;
    return Object.prototype.hasOwnProperty.call(subscriptions, filter);
}
const DROP = Symbol('mqtt-gateway.drop');
/** Item 5: marks a packet in authorizePublish: acknowledged as aedes does, never published. */
function markDropped(packet) {
    packet[DROP] = true;
}
function isDropped(packet) {
    return packet[DROP] === true;
}
/** Item 5: makes this broker instance pass over marked packets (call once, after createBroker). */
function skipDroppedPublishes(broker) {
    const original = broker.publish.bind(broker);
    broker.publish = (...args) => {
        if (isDropped(args[0])) {
            const done = args.find((a, i) => i > 0 && typeof a === 'function');
            done?.();
            return;
        }
        original(...args);
    };
}
/** Item 7: mqemitter-redis' close without QUIT: cuts its two connections, then lets it finish. */
function closeRedisEmitterAtOnce(mq, connections) {
    const closable = mq;
    closable.close = cb => {
        closable.closing = true;
        for (const connection of connections) {
            connection.disconnect();
        }
        closable._close(cb);
    };
}
/** Item 7: listens to mqemitter-redis' errors (emitted on its internal `state` emitter). */
function onRedisEmitterError(mq, onError) {
    mq.state.on('error', onError);
}
/** The keys that start with `prefix` (a prefix ending in ':'; ';' is the character after it). */
function prefixRange(prefix) {
    return { gte: prefix, lt: `${prefix.slice(0, -1)};` };
}
/**
 * Item 8, aedes-persistence-level 9.2: a queued message is `outgoing:<client>:<broker id>:<counter>` (the client id
 * URI-encoded, the counter zero-padded, so the keys sort by broker id, then age); one sent and not yet acknowledged
 * also `outgoing-id:<client>:<packet id>`. `beforeRead` is awaited before the keys are read (pending batched writes).
 */
function levelQueues(db, beforeRead) {
    const queuePrefix = (clientId) => `outgoing:${encodeURIComponent(clientId)}:`;
    const list = async (clientId) => {
        await beforeRead();
        const prefix = queuePrefix(clientId);
        const entries = [];
        for await (const key of db.keys(prefixRange(prefix))) {
            const rest = key.slice(prefix.length);
            entries.push({ key, brokerId: rest.slice(0, rest.lastIndexOf(':')) });
        }
        return entries;
    };
    return {
        list,
        count: async (clientId) => (await list(clientId)).length,
        remove: keys => db.batch(keys.map(key => ({ type: 'del', key }))),
        clear: async (clientId) => {
            for (const prefix of [queuePrefix(clientId), `outgoing-id:${encodeURIComponent(clientId)}:`]) {
                await db.clear(prefixRange(prefix));
            }
        },
    };
}
/**
 * Item 9, aedes-persistence-level 9.2: a client's state is under `subscriptions:<client>:<filter>`,
 * `outgoing:<client>:…`, `outgoing-id:<client>:…`, `incoming:<client>:…` and `will:<client>` (the client id
 * URI-encoded, so it holds no ':'). Retained messages (`retained:…`) belong to no client. `beforeRead` is awaited
 * before the keys are read (pending batched writes).
 */
function levelClientState(db, beforeRead) {
    const underClient = ['subscriptions:', 'outgoing:', 'outgoing-id:', 'incoming:'];
    const decode = (encoded) => {
        try {
            return decodeURIComponent(encoded);
        }
        catch {
            return encoded; // not written by the store (it encodes every id): harmless as an extra id
        }
    };
    const any = async (range) => {
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
        has: async (clientId) => {
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
function redisQueues(conn) {
    const queueKey = (clientId) => `outgoing:${encodeURIComponent(clientId)}`;
    return {
        count: clientId => conn.llen(queueKey(clientId)),
        clear: async (clientId) => {
            await conn.del(queueKey(clientId));
        },
    };
}
