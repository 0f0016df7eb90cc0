/** main.ts hands the instance's timers (timers.ts) to the adapter, which clears them when the instance unloads. */
import { timers } from '../timers';

/** From now on timers are the adapter's (cleared by js-controller when the instance unloads). */
export function useAdapterTimers(adapter: ioBroker.Adapter): void {
    // while the instance stops, js-controller starts no timer (undefined): Node's then, so nothing waits forever
    timers.setTimeout = (callback, ms) => adapter.setTimeout(callback, ms) ?? globalThis.setTimeout(callback, ms);
    timers.clearTimeout = timer => adapter.clearTimeout(timer as ioBroker.Timeout | undefined);
    timers.setInterval = (callback, ms) => adapter.setInterval(callback, ms) ?? globalThis.setInterval(callback, ms);
    timers.clearInterval = timer => adapter.clearInterval(timer as ioBroker.Interval | undefined);
}
