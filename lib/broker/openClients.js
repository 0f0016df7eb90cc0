"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.OpenClients = void 0;
/**
 * Which connections are present: those that completed the handshake (aedes' `clientReady`) and have not closed
 * since. aedes' own events cannot be taken one for one: a client that drops during the handshake gets
 * `clientDisconnect` *before* its `clientReady` (issue #16: 100 such drops left 5–7 ghosts in `info.clientCount`), and
 * a connection that authenticated but closed before it was registered unregisters the registered client with the
 * same id, whose own close then reports nothing. So presence is kept per connection, and a client id is present
 * while at least one of its connections is.
 */
class OpenClients {
    byId = new Map();
    closedHandles = new WeakSet();
    open = 0;
    /** Connections open now (the same id twice counts twice, for the moment a takeover takes). */
    get count() {
        return this.open;
    }
    /** A connection completed its handshake; false when it already closed (it never becomes present). */
    ready(handle, id) {
        if (this.closedHandles.has(handle)) {
            return false;
        }
        const handles = this.byId.get(id) ?? new Set();
        if (handles.has(handle)) {
            return false;
        }
        handles.add(handle);
        this.byId.set(id, handles);
        this.open++;
        return true;
    }
    /** A connection closed (reported once or more); true when it was the last open one of its client id. */
    closed(handle, id) {
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
exports.OpenClients = OpenClients;
