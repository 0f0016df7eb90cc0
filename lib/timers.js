"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.timers = void 0;
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
/** Node's timers again (after the instance stopped). */
function useNodeTimers() {
    Object.assign(exports.timers, nodeTimers);
}
/** Resolves after `ms`. */
function delay(ms) {
    return new Promise(resolve => exports.timers.setTimeout(resolve, ms));
}
