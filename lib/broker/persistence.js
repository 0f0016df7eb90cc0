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
 *   `.finally()`, which passes the rejection on to nobody);
 * - client ids with nothing stored answered without the store (disk only, see storedClients.ts): a clean-session
 *   CONNECT makes aedes call cleanSubscriptions, delWill and outgoingStream, a PUBACK outgoingClearMessageId.
 * Nothing of aedes or of the stores is replaced at run time: aedes is given this object as its `persistence`.
 */
const node_stream_1 = require("node:stream");
const errorText_1 = require("../errorText");
const aedesInternals_1 = require("./aedesInternals");
const queueLimit_1 = require("./queueLimit");
const storedClients_1 = require("./storedClients");
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
    /** Session ends in progress (endSession), by client id. */
    sessionEnds = new Map();
    /** Client ids that may have stored state (none: every call goes to the store). */
    stored;
    constructor(store, options) {
        this.store = store;
        this.options = options;
        const { queues, maxQueued = 0 } = options;
        this.stored = options.clientState
            ? new storedClients_1.StoredClients(options.clientState, options.clientStateCheckMs)
            : undefined;
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
    /**
     * Removes a client's stored session: its subscriptions and its queued messages. A CONNECT of the client while
     * this runs reads its session (subscriptionsByClient, outgoingStream) only once this is done: it would see half a
     * session otherwise (subscriptions that are deleted right after they were restored).
     */
    async endSession(clientId) {
        if (this.nothingStored(clientId)) {
            this.queueLimit?.forget(clientId);
            return;
        }
        const ending = this.change([clientId], false, async () => {
            await this.store.cleanSubscriptions({ id: clientId });
            await this.options.queues?.clear(clientId);
        });
        const settled = ending.then(() => undefined, () => undefined);
        this.sessionEnds.set(clientId, settled);
        try {
            await ending;
        }
        finally {
            if (this.sessionEnds.get(clientId) === settled) {
                this.sessionEnds.delete(clientId);
            }
        }
        this.queueLimit?.forget(clientId);
        this.stored?.check(clientId);
    }
    /** Whether the store certainly holds nothing for this client id (then it is not asked). */
    nothingStored(clientId) {
        return this.stored?.isEmpty(clientId) ?? false;
    }
    /** A store operation on these clients' state; `writes`: it may create some. */
    change(clientIds, writes, operation) {
        return this.stored ? this.stored.track(clientIds, writes, operation) : operation();
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
        if (!this.nothingStored(clientId)) {
            await this.change([clientId], false, async () => store.cleanIncoming?.call(this.store, { id: clientId }));
        }
        this.stored?.check(clientId);
    }
    async setup(broker) {
        this.broker = broker;
        await this.store.setup(broker);
        await this.stored?.load();
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
            written = this.change([client.id], true, () => this.store.addSubscriptions(client, subs));
            this.subscriptionWrites.set(subs, written);
        }
        return written;
    }
    removeSubscriptions(client, subs) {
        if (this.nothingStored(client.id)) {
            return Promise.resolve();
        }
        return this.change([client.id], false, () => this.store.removeSubscriptions(client, subs));
    }
    subscriptionsByClient(client) {
        if (this.nothingStored(client.id)) {
            return Promise.resolve([]);
        }
        const ending = this.sessionEnds.get(client.id);
        if (ending) {
            return ending.then(() => this.subscriptionsByClient(client));
        }
        return this.store.subscriptionsByClient(client);
    }
    countOffline() {
        return this.store.countOffline();
    }
    subscriptionsByTopic(topic) {
        return this.store.subscriptionsByTopic(topic);
    }
    cleanSubscriptions(client) {
        if (this.nothingStored(client.id)) {
            return Promise.resolve();
        }
        return this.change([client.id], false, () => this.store.cleanSubscriptions(client));
    }
    outgoingEnqueue(sub, packet) {
        return this.change([sub.clientId], true, () => this.store.outgoingEnqueue(sub, this.options.keepsV5Fields ? packet : wrapV5Fields(packet)));
    }
    outgoingEnqueueCombi(subs, packet) {
        if (!subs?.length) {
            // aedes calls this for every QoS 1/2 message, mostly with no offline session to queue it for
            return this.store.outgoingEnqueueCombi(subs, packet);
        }
        return this.change(subs.map(sub => sub.clientId), true, async () => {
            const result = await this.store.outgoingEnqueueCombi(subs, this.options.keepsV5Fields ? packet : wrapV5Fields(packet));
            if (this.queueLimit) {
                await this.queueLimit.afterEnqueue(subs.map(sub => sub.clientId));
            }
            return result;
        });
    }
    outgoingUpdate(client, packet) {
        return this.change([client.id], true, () => this.store.outgoingUpdate(client, packet));
    }
    async outgoingClearMessageId(client, packet) {
        if (this.nothingStored(client.id)) {
            return undefined;
        }
        return unwrapV5Fields(await this.change([client.id], false, () => this.store.outgoingClearMessageId(client, packet)));
    }
    outgoingStream(client) {
        if (this.nothingStored(client.id)) {
            return node_stream_1.Readable.from([]);
        }
        const ending = this.sessionEnds.get(client.id);
        if (ending) {
            const self = this;
            return node_stream_1.Readable.from((async function* () {
                await ending;
                yield* self.outgoingStream(client);
            })());
        }
        const source = this.store.outgoingStream(client);
        return this.options.keepsV5Fields ? asStream(source) : node_stream_1.Readable.from(unwrapAll(source));
    }
    async incomingStorePacket(client, packet) {
        await this.change([client.id], true, () => this.store.incomingStorePacket(client, packet));
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
            await this.change([client.id], false, () => this.store.incomingDelPacket(client, packet));
        }
        catch (err) {
            // aedes' pubrel.js awaits this with .finally(): a rejection would reach nobody (an unhandled rejection
            // ends an ioBroker adapter); PUBCOMP is sent either way
            this.options.onError(err);
        }
    }
    putWill(client, packet) {
        return this.change([client.id], true, () => this.store.putWill(client, packet));
    }
    getWill(client) {
        if (this.nothingStored(client.id)) {
            return Promise.resolve(undefined);
        }
        return this.store.getWill(client);
    }
    delWill(client) {
        if (this.nothingStored(client.id)) {
            return Promise.resolve(undefined);
        }
        return this.change([client.id], false, () => this.store.delWill(client));
    }
    streamWill(brokers) {
        return this.store.streamWill(brokers);
    }
    getClientList(topic) {
        return this.store.getClientList(topic);
    }
    destroy() {
        this.stored?.close();
        return this.store.destroy();
    }
}
exports.BrokerPersistence = BrokerPersistence;
