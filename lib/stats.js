"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Stats = void 0;
/** Message counters behind `info.messagesIn`, `info.messagesOut` (per second, every 10 s) and `info.dropped`. */
const timers_1 = require("./timers");
class Stats {
    write;
    extraDropped;
    periodMs;
    messagesIn = 0;
    messagesOut = 0;
    dropped = 0;
    timer;
    constructor(
    /** Writes an own info state (ack) when its value changed. */
    write, extraDropped = () => 0, periodMs = 10_000) {
        this.write = write;
        this.extraDropped = extraDropped;
        this.periodMs = periodMs;
    }
    start() {
        this.timer = timers_1.timers.setInterval(() => void this.flush(), this.periodMs);
    }
    async flush() {
        const seconds = this.periodMs / 1000;
        const inRate = Math.round((this.messagesIn / seconds) * 10) / 10;
        const outRate = Math.round((this.messagesOut / seconds) * 10) / 10;
        this.messagesIn = 0;
        this.messagesOut = 0;
        try {
            await this.write('info.messagesIn', inRate);
            await this.write('info.messagesOut', outRate);
            await this.write('info.dropped', this.dropped + this.extraDropped());
        }
        catch {
            // the instance is stopping
        }
    }
    async stop() {
        timers_1.timers.clearInterval(this.timer);
        await this.flush();
    }
}
exports.Stats = Stats;
