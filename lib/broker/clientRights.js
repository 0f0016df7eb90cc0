"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ClientRights = void 0;
const accessControl_1 = require("./accessControl");
class ClientRights {
    acl;
    /** The account each connected client logged in with. */
    accountOf = new WeakMap();
    /** The accounts of the options plus the single `user`/`pass`, which has all rights. */
    constructor(options) {
        const accounts = [...(options.accounts ?? [])];
        if (options.user) {
            accounts.push({
                user: options.user,
                pass: options.pass,
                passHash: undefined,
                publish: [],
                subscribe: [],
                readOnly: false,
                enabled: true,
                full: true,
            });
        }
        this.acl = new accessControl_1.AccessControl(accounts);
    }
    /** Whether a client may connect without an account. */
    get anonymousAllowed() {
        return this.acl.anonymousAllowed;
    }
    /** Checks the credentials of a CONNECT. */
    authenticate(username, password) {
        return this.acl.authenticate(username, password);
    }
    /** The client was let in with this account (undefined: anonymous). */
    loggedIn(client, account) {
        this.accountOf.set(client, account);
    }
    canPublish(client, topic) {
        return this.acl.canPublish(this.accountOf.get(client), client.id, topic);
    }
    canSubscribe(client, filter) {
        return this.acl.canSubscribe(this.accountOf.get(client), client.id, filter);
    }
    /** Whether a message on `topic` may be delivered to the client. */
    canRead(client, topic) {
        return this.acl.canRead(this.accountOf.get(client), client.id, topic);
    }
}
exports.ClientRights = ClientRights;
