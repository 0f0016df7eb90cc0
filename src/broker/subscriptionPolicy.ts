/**
 * Subscriptions: aedes' authorizeSubscribe hook (reserved names, maxSubscriptions, invalid filters, the account's
 * rights, the adapter's say) and, once SUBACK is out, which granted subscriptions may be sent current values (MQTT 5
 * Retain Handling). Counts the filters each client holds as they are granted and unsubscribed.
 */
import type { Aedes, AedesOptions, Client } from 'aedes';
import { hasSubscription } from './aedesInternals';
import type { BrokerEvents, BrokerServiceOptions } from './brokerTypes';
import type { ClientRights } from './clientRights';
import type { ClientWarnings } from './clientWarnings';
import { isReservedName } from './reservedNames';
import { topicFilterError } from '../mapping/filter';
import { clip } from '../rateLog';

export class SubscriptionPolicy {
    /** Per client: the filters it holds or is being granted (maxSubscriptions). */
    private readonly filtersOf = new WeakMap<Client, Set<string>>();
    /** Per client: filters of a SUBSCRIBE under way that the client had already (MQTT 5 Retain Handling 1). */
    private readonly existingFilters = new WeakMap<Client, Set<string>>();

    constructor(
        private readonly options: Pick<BrokerServiceOptions, 'maxSubscriptions'>,
        private readonly rights: ClientRights,
        private readonly warnings: ClientWarnings,
        private readonly events: Pick<BrokerEvents, 'allowSubscribe' | 'subscribed'>,
    ) {}

    /** aedes' authorizeSubscribe hook: the subscription as granted, or null for SUBACK 0x80. */
    readonly authorize: NonNullable<AedesOptions['authorizeSubscribe']> = (client, subscription, done) => {
        if (subscription.rh === 1 && hasSubscription(client, subscription.topic)) {
            let existed = this.existingFilters.get(client);
            if (!existed) {
                existed = new Set();
                this.existingFilters.set(client, existed);
            }
            existed.add(subscription.topic);
        }
        if (isReservedName(subscription.topic)) {
            // GHSA-52qw-whmv-87c5 (see packetGuard.ts, which closes a connection that sends one): a filter
            // restored from a session store never reaches aedes' plain objects either
            done(null, null);
            return;
        }
        // the limit first: it is the cheapest check, and a client over it may send thousands more filters
        const filters = this.filtersHeldBy(client);
        const max = this.options.maxSubscriptions ?? 10_000;
        if (!filters.has(subscription.topic) && filters.size >= max) {
            this.warnings.warnOnce(
                'subscription-limit',
                client.id,
                `Client '${clip(client.id)}' holds maxSubscriptions (${max}) subscriptions: '${clip(subscription.topic)}' and further ones are refused`,
            );
            done(null, null);
            return;
        }
        const invalid = topicFilterError(subscription.topic);
        if (invalid) {
            // [MQTT-4.7.1-2], [MQTT-4.7.1-3], [MQTT-1.5.3-1]: an invalid filter is refused
            this.warnings.warnOnce(
                'bad-filter',
                client.id,
                `Client '${clip(client.id)}' subscribed to an invalid filter '${clip(subscription.topic)}' (${invalid}): refused`,
            );
            done(null, null);
            return;
        }
        const refuse = (): void => {
            filters.delete(subscription.topic);
            done(null, null);
        };
        filters.add(subscription.topic);
        if (!this.rights.canSubscribe(client, subscription.topic)) {
            this.warnings.warnOnce(
                'subscribe-denied',
                `${client.id}\u0000${subscription.topic}`,
                `Client '${clip(client.id)}' may not subscribe to '${clip(subscription.topic)}': outside its rights`,
            );
            refuse();
            return;
        }
        const decide = this.events.allowSubscribe;
        if (!decide) {
            done(null, subscription);
            return;
        }
        Promise.resolve(decide(client.id, subscription.topic)).then(
            allowed => (allowed ? done(null, subscription) : refuse()),
            refuse,
        );
    };

    /** Follows the broker's SUBSCRIBE and UNSUBSCRIBE events (reported as `subscribed`, counted). */
    watch(broker: Aedes): void {
        broker.on('subscribe', (subscriptions, client) => {
            const existed = this.existingFilters.get(client);
            // MQTT 5 Retain Handling [MQTT-3.3.1-9, 3.3.1-10] for what the adapter sends at a subscription (its
            // current values) as for the retained store: 2 never, 1 only for a subscription that did not exist
            const offer = subscriptions.filter(s => s.qos <= 2 && s.rh !== 2 && !(s.rh === 1 && existed?.has(s.topic)));
            for (const s of subscriptions) {
                existed?.delete(s.topic);
            }
            this.events.subscribed?.(client, subscriptions, offer);
        });
        broker.on('unsubscribe', (unsubscriptions, client) => {
            const filters = this.filtersOf.get(client);
            for (const filter of unsubscriptions) {
                filters?.delete(filter);
            }
        });
    }

    /** The filters a client holds: those restored from its session at first, then counted as they are granted. */
    private filtersHeldBy(client: Client): Set<string> {
        let filters = this.filtersOf.get(client);
        if (!filters) {
            const held = (client as unknown as { subscriptions?: Record<string, unknown> }).subscriptions;
            filters = new Set(held ? Object.keys(held) : []);
            this.filtersOf.set(client, filters);
        }
        return filters;
    }
}
