"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.useAdapterTimers = useAdapterTimers;
/** main.ts hands the instance's timers (timers.ts) to the adapter, which clears them when the instance unloads. */
const timers_1 = require("../timers");
/** From now on timers are the adapter's (cleared by js-controller when the instance unloads). */
function useAdapterTimers(adapter) {
    // while the instance stops, js-controller starts no timer (undefined): Node's then, so nothing waits forever
    timers_1.timers.setTimeout = (callback, ms) => adapter.setTimeout(callback, ms) ?? globalThis.setTimeout(callback, ms);
    timers_1.timers.clearTimeout = timer => adapter.clearTimeout(timer);
    timers_1.timers.setInterval = (callback, ms) => adapter.setInterval(callback, ms) ?? globalThis.setInterval(callback, ms);
    timers_1.timers.clearInterval = timer => adapter.clearInterval(timer);
}
