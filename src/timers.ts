/**
 * Timers of the instance. main.ts hands them to the adapter (`adapter.setTimeout`/`setInterval`), which clears them
 * when the instance unloads — in ioBroker's compact mode several adapters share one process, and a timer left behind
 * would keep running in it. Without an adapter (unit tests, the benchmarks' broker processes) they are Node's own,
 * looked up at each call, so fake timers in tests take effect.
 */
/** A running timer (Node's, or the adapter's, which is Node's underneath). */
export type Timer = object;

export interface TimerApi {
    setTimeout: (callback: () => void, ms: number) => Timer;
    clearTimeout: (timer: Timer | undefined) => void;
    setInterval: (callback: () => void, ms: number) => Timer;
    clearInterval: (timer: Timer | undefined) => void;
}

const nodeTimers: TimerApi = {
    setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
    clearTimeout: timer => globalThis.clearTimeout(timer as NodeJS.Timeout | undefined),
    setInterval: (callback, ms) => globalThis.setInterval(callback, ms),
    clearInterval: timer => globalThis.clearInterval(timer as NodeJS.Timeout | undefined),
};

/** The timers every module uses. */
export const timers: TimerApi = { ...nodeTimers };

/** Node's timers again (after the instance stopped). */
export function useNodeTimers(): void {
    Object.assign(timers, nodeTimers);
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
    return new Promise(resolve => timers.setTimeout(resolve, ms));
}
