/**
 * The rights of each connected client: the account it logged in with (admission.ts records it) decides what it may
 * publish, subscribe to and be sent (accessControl.ts holds the accounts and their rules).
 */
import type { Client } from 'aedes';
import { AccessControl, type Account, type AuthResult } from './accessControl';
import type { BrokerServiceOptions } from './brokerTypes';

export class ClientRights {
    private readonly acl: AccessControl;
    /** The account each connected client logged in with. */
    private readonly accountOf = new WeakMap<Client, Account | undefined>();

    /** The accounts of the options plus the single `user`/`pass`, which has all rights. */
    constructor(options: Pick<BrokerServiceOptions, 'accounts' | 'user' | 'pass'>) {
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
        this.acl = new AccessControl(accounts);
    }

    /** Whether a client may connect without an account. */
    get anonymousAllowed(): boolean {
        return this.acl.anonymousAllowed;
    }

    /** Checks the credentials of a CONNECT. */
    authenticate(username: string | undefined, password: Buffer | undefined): Promise<AuthResult> {
        return this.acl.authenticate(username, password);
    }

    /** The client was let in with this account (undefined: anonymous). */
    loggedIn(client: Client, account: Account | undefined): void {
        this.accountOf.set(client, account);
    }

    canPublish(client: Client, topic: string): boolean {
        return this.acl.canPublish(this.accountOf.get(client), client.id, topic);
    }

    canSubscribe(client: Client, filter: string): boolean {
        return this.acl.canSubscribe(this.accountOf.get(client), client.id, filter);
    }

    /** Whether a message on `topic` may be delivered to the client. */
    canRead(client: Client, topic: string): boolean {
        return this.acl.canRead(this.accountOf.get(client), client.id, topic);
    }
}
