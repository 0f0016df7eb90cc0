"use strict";
/**
 * Names that aedes 2.0.0-beta.1 must never see as a client id or a topic filter (GHSA-52qw-whmv-87c5): the members of
 * Object.prototype. The packet guard closes a connection that sends one; the hooks refuse one that comes another way.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.RESERVED_MAX_LENGTH = void 0;
exports.isReservedName = isReservedName;
/** The members of Object.prototype (it has no prototype of its own): a lookup in a Set is cheaper than `in`. */
const RESERVED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));
/** The longest of them ('propertyIsEnumerable'): a longer filter is not decoded to be looked up. */
exports.RESERVED_MAX_LENGTH = Math.max(...[...RESERVED_NAMES].map(name => name.length));
/**
 * GHSA-52qw-whmv-87c5: aedes 2.0.0-beta.1 keeps a client's subscriptions (and, for a SUBSCRIBE with several filters,
 * the filters while it removes duplicates) in plain objects. A filter named like a member of Object.prototype finds
 * that member: '__proto__' among two or more filters throws inside aedes' packet handler (the process would end), and
 * 'constructor' or 'toString' in an UNSUBSCRIBE removes every client's subscription of that name. Such a packet never
 * reaches aedes: the connection is closed.
 */
function isReservedName(name) {
    return RESERVED_NAMES.has(name);
}
