/**
 * Which connections are present: those that completed the handshake (aedes' `clientReady`) and have not closed
 * since. aedes' own events cannot be taken one for one: a client that drops during the handshake gets
 * `clientDisconnect` *before* its `clientReady` (issue #16: 100 such drops left 5–7 ghosts in `info.clientCount`), and
 * a connection that authenticated but closed before it was registered unregisters the registered client with the
 * same id, whose own close then reports nothing. So presence is kept per connection, and a client id is present
 * while at least one of its connections is.
 */
export class OpenClients<Handle extends object> {
    private readonly byId = new Map<string, Set<Handle>>();
    private readonly closedHandles = new WeakSet<Handle>();
    private open = 0;

    /** Connections open now (the same id twice counts twice, for the moment a takeover takes). */
    get count(): number {
        return this.open;
    }

    /** A connection completed its handshake; false when it already closed (it never becomes present). */
    ready(handle: Handle, id: string): boolean {
        if (this.closedHandles.has(handle)) {
            return false;
        }
        const handles = this.byId.get(id) ?? new Set<Handle>();
        if (handles.has(handle)) {
            return false;
        }
        handles.add(handle);
        this.byId.set(id, handles);
        this.open++;
        return true;
    }

    /** A connection closed (reported once or more); true when it was the last open one of its client id. */
    closed(handle: Handle, id: string): boolean {
        this.closedHandles.add(handle);
        const handles = this.byId.get(id);
        if (!handles?.delete(handle)) {
            return false;
        }
        this.open--;
        if (handles.size > 0) {
            return false;
        }
        this.byId.delete(id);
        return true;
    }
}
