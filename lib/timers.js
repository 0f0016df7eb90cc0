"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.timers = void 0;
exports.useAdapterTimers = useAdapterTimers;
exports.useNodeTimers = useNodeTimers;
exports.delay = delay;
const nodeTimers = {
    setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
    clearTimeout: timer => globalThis.clearTimeout(timer),
    setInterval: (callback, ms) => globalThis.setInterval(callback, ms),
    clearInterval: timer => globalThis.clearInterval(timer),
};
/** The timers every module uses. */
exports.timers = { ...nodeTimers };
/** From now on timers are the adapter's (cleared by js-controller when the instance unloads). */
function useAdapterTimers(adapter) {
    // while the instance stops, js-controller starts no timer (undefined): Node's then, so nothing waits forever
    exports.timers.setTimeout = (callback, ms) => adapter.setTimeout(callback, ms) ?? globalThis.setTimeout(callback, ms);
    exports.timers.clearTimeout = timer => adapter.clearTimeout(timer);
    exports.timers.setInterval = (callback, ms) => adapter.setInterval(callback, ms) ?? globalThis.setInterval(callback, ms);
    exports.timers.clearInterval = timer => adapter.clearInterval(timer);
}
/** Node's timers again (after the instance stopped). */
function useNodeTimers() {
    Object.assign(exports.timers, nodeTimers);
}
/** Resolves after `ms`. */
function delay(ms) {
    return new Promise(resolve => exports.timers.setTimeout(resolve, ms));
}
