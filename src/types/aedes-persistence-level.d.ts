declare module 'aedes-persistence-level' {
    /** aedes persistence on a level database (sessions, queued QoS 1/2 messages, retained messages). */
    function persistenceLevel(db: unknown): unknown;
    export default persistenceLevel;
}
