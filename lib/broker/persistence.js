"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.BrokerPersistence = void 0;
/**
 * The broker's store as aedes sees it: aedes' persistence interface (the methods aedes 2 calls, all promise-based,
 * streams where it pipes), implemented around the store that really keeps the data — aedes-persistence (memory),
 * aedes-persistence-level (disk) or aedes-persistence-redis — with the adapter's storage policy in between:
 * - retained messages answered from memory (retainedIndex.ts; disk only, where the store would scan per SUBSCRIBE);
 * - maxQueuedMessages: an offline session's queue loses its oldest messages beyond the limit (disk, queueLimit.ts);
 * - the end of a session: its subscriptions and its queue removed (`endSession`), a queue counted (`queued`) — the
 *   stores' key layouts for that are in aedesInternals.ts (item 8);
 * - MQTT 5 fields of queued messages kept where the store drops them (disk, see `LevelV5Fields`);
 * - inbound QoS 2 messages not yet released counted per client (the receive maximum, see publishPolicy.ts);
 * - a SUBSCRIBE's filters written once (aedes writes them once per filter; with Redis that hung the SUBACK);
 * - a failing delete after PUBREL never becomes an unhandled rejection (aedes' pubrel.js awaits it with
 *   `.finally()`, which passes the rejection on to nobody).
 * Nothing of aedes or of the stores is replaced at run time: aedes is given this object as its `persistence`.
 */
const node_stream_1 = require("node:stream");
const errorText_1 = require("../errorText");
const aedesInternals_1 = require("./aedesInternals");
const queueLimit_1 = require("./queueLimit");
/**
 * aedes-persistence-level 9.2 queues a copy made with aedes-packet 3, which keeps only clientId, nl, cmd, broker id and
 * counter, topic, payload, qos, retain and dup: an MQTT 5 message would be delivered from the queue without its
 * properties (content type, correlation data …) and its expiry. `nl` is copied whatever it holds, so the MQTT 5 fields
 * travel inside it, marked, and are put back when the message comes out of the store.
 */
const V5_FIELDS = '__mqttGatewayV5';
function wrapV5Fields(packet) {
    if (packet.properties === undefined && packet.messageExpiry === undefined) {
        return packet;
    }
    // only the fields that are set: the store's msgpack turns an undefined field into null, and aedes takes a null
    // messageExpiry for "expired"
    const carrier = { [V5_FIELDS]: true };
    if (packet.properties !== undefined) {
        carrier.properties = packet.properties;
    }
    if (packet.messageExpiry !== undefined) {
        carrier.messageExpiry = packet.messageExpiry;
    }
    if (packet.nl !== undefined) {
        carrier.nl = packet.nl;
    }
    return { ...packet, nl: carrier };
}
function unwrapV5Fields(packet) {
    const carrier = packet?.nl;
    if (!packet || !carrier || typeof carrier !== 'object' || !carrier[V5_FIELDS]) {
        return packet;
    }
    if (carrier.nl !== undefined && carrier.nl !== null) {
        packet.nl = carrier.nl;
    }
    else {
        delete packet.nl;
    }
    if (carrier.properties !== undefined && carrier.properties !== null) {
        packet.properties = carrier.properties;
    }
    if (typeof carrier.messageExpiry === 'number') {
        packet.messageExpiry = carrier.messageExpiry;
    }
    return packet;
}
async function* unwrapAll(source) {
    for await (const packet of source) {
        yield unwrapV5Fields(packet);
    }
}
function asStream(source) {
    return source instanceof node_stream_1.Readable ? source : node_stream_1.Readable.from(source);
}
class BrokerPersistence {
    store;
    options;
    /** A SUBSCRIBE's list of filters → its write (see addSubscriptions). */
    subscriptionWrites = new WeakMap();
    /** Per client: inbound QoS 2 packet ids stored and not yet released by PUBREL. */
    incoming = new Map();
    queueLimit;
    /** The broker this persistence serves (given in setup). */
    broker;
    constructor(store, options) {
        this.store = store;
        this.options = options;
        const { queues, maxQueued = 0 } = options;
        if (queues?.list && queues.remove && maxQueued > 0) {
            this.queueLimit = new queueLimit_1.QueueLimit({ list: queues.list.bind(queues), remove: queues.remove.bind(queues) }, {
                max: maxQueued,
                isOnline: clientId => this.broker !== undefined && (0, aedesInternals_1.isConnectedHere)(this.broker, clientId),
                brokerId: () => this.broker?.id ?? '',
                onDropped: clientId => options.onQueueDropped?.(clientId, maxQueued),
                onError: (clientId, err) => options.onError(new Error(`cannot limit the queue of '${clientId}': ${(0, errorText_1.errorText)(err)}`)),
            });
        }
    }
    /** Removes a client's stored session: its subscriptions and its queued messages. */
    async endSession(clientId) {
        await this.store.cleanSubscriptions({ id: clientId });
        await this.options.queues?.clear(clientId);
        this.queueLimit?.forget(clientId);
    }
    /** Messages queued for a client in the store now (0 where queues cannot be counted). */
    queued(clientId) {
        return this.options.queues?.count(clientId) ?? Promise.resolve(0);
    }
    /**
     * Whether one more inbound QoS 2 message with this packet id would make more than `max` of this client's
     * unreleased (no PUBREL yet); a retransmission of one already stored is not one more.
     */
    wouldExceedUnreleased(clientId, messageId, max) {
        const ids = this.incoming.get(clientId);
        return ids !== undefined && ids.size >= max && (messageId === undefined || !ids.has(messageId));
    }
    /**
     * A clean session ended: its unreleased QoS 2 messages go with it (aedes 2.0.0-beta.1 never calls the stores'
     * cleanIncoming, so the memory store would keep them for good).
     */
    async endIncoming(clientId) {
        this.incoming.delete(clientId);
        const store = this.store;
        await store.cleanIncoming?.call(this.store, { id: clientId });
    }
    async setup(broker) {
        this.broker = broker;
        await this.store.setup(broker);
        await this.options.retainedIndex?.load(this.store);
    }
    storeRetained(packet) {
        const index = this.options.retainedIndex;
        if (index) {
            index.storeRetained(packet);
            return Promise.resolve();
        }
        return this.store.storeRetained(packet);
    }
    // aedes pipes these: they must be Node streams (aedes-persistence-redis 11.2 gives async iterators)
    createRetainedStreamCombi(patterns) {
        const index = this.options.retainedIndex;
        return index ? node_stream_1.Readable.from(index.match(patterns)) : asStream(this.store.createRetainedStreamCombi(patterns));
    }
    createRetainedStream(pattern) {
        const index = this.options.retainedIndex;
        return index ? node_stream_1.Readable.from(index.match([pattern])) : asStream(this.store.createRetainedStream(pattern));
    }
    /**
     * aedes 2.0.0-beta.1 stores a SUBSCRIBE's filters once per filter, each time with the packet's whole list (the
     * same array): the list is written once. This also avoids a hang with aedes-persistence-redis, which waits for
     * the broadcast of a write keyed by client and first filter — of several identical writes in flight only one
     * was answered, and the SUBACK never came.
     */
    addSubscriptions(client, subs) {
        let written = this.subscriptionWrites.get(subs);
        if (!written) {
            written = this.store.addSubscriptions(client, subs);
            this.subscriptionWrites.set(subs, written);
        }
        return written;
    }
    removeSubscriptions(client, subs) {
        return this.store.removeSubscriptions(client, subs);
    }
    subscriptionsByClient(client) {
        return this.store.subscriptionsByClient(client);
    }
    countOffline() {
        return this.store.countOffline();
    }
    subscriptionsByTopic(topic) {
        return this.store.subscriptionsByTopic(topic);
    }
    cleanSubscriptions(client) {
        return this.store.cleanSubscriptions(client);
    }
    outgoingEnqueue(sub, packet) {
        return this.store.outgoingEnqueue(sub, this.options.keepsV5Fields ? packet : wrapV5Fields(packet));
    }
    async outgoingEnqueueCombi(subs, packet) {
        const result = await this.store.outgoingEnqueueCombi(subs, this.options.keepsV5Fields ? packet : wrapV5Fields(packet));
        if (subs?.length && this.queueLimit) {
            await this.queueLimit.afterEnqueue(subs.map(sub => sub.clientId));
        }
        return result;
    }
    outgoingUpdate(client, packet) {
        return this.store.outgoingUpdate(client, packet);
    }
    async outgoingClearMessageId(client, packet) {
        return unwrapV5Fields(await this.store.outgoingClearMessageId(client, packet));
    }
    outgoingStream(client) {
        const source = this.store.outgoingStream(client);
        return this.options.keepsV5Fields ? asStream(source) : node_stream_1.Readable.from(unwrapAll(source));
    }
    async incomingStorePacket(client, packet) {
        await this.store.incomingStorePacket(client, packet);
        if (packet.messageId !== undefined) {
            let ids = this.incoming.get(client.id);
            if (!ids) {
                ids = new Set();
                this.incoming.set(client.id, ids);
            }
            ids.add(packet.messageId);
        }
    }
    incomingGetPacket(client, packet) {
        return this.store.incomingGetPacket(client, packet);
    }
    async incomingDelPacket(client, packet) {
        if (packet.messageId !== undefined) {
            this.incoming.get(client.id)?.delete(packet.messageId);
        }
        try {
            await this.store.incomingDelPacket(client, packet);
        }
        catch (err) {
            // aedes' pubrel.js awaits this with .finally(): a rejection would reach nobody (an unhandled rejection
            // ends an ioBroker adapter); PUBCOMP is sent either way
            this.options.onError(err);
        }
    }
    putWill(client, packet) {
        return this.store.putWill(client, packet);
    }
    getWill(client) {
        return this.store.getWill(client);
    }
    delWill(client) {
        return this.store.delWill(client);
    }
    streamWill(brokers) {
        return this.store.streamWill(brokers);
    }
    getClientList(topic) {
        return this.store.getClientList(topic);
    }
    destroy() {
        return this.store.destroy();
    }
}
exports.BrokerPersistence = BrokerPersistence;
