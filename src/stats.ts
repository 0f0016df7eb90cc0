/** Message counters behind `info.messagesIn`, `info.messagesOut` (per second, every 10 s) and `info.dropped`. */
import { timers, type Timer } from './timers';
export class Stats {
    messagesIn = 0;
    messagesOut = 0;
    dropped = 0;
    private timer: Timer | undefined;

    constructor(
        /** Writes an own info state (ack) when its value changed. */
        private readonly write: (id: string, value: number) => Promise<void>,
        private readonly extraDropped: () => number = () => 0,
        private readonly periodMs = 10_000,
    ) {}

    start(): void {
        this.timer = timers.setInterval(() => void this.flush(), this.periodMs);
    }

    async flush(): Promise<void> {
        const seconds = this.periodMs / 1000;
        const inRate = Math.round((this.messagesIn / seconds) * 10) / 10;
        const outRate = Math.round((this.messagesOut / seconds) * 10) / 10;
        this.messagesIn = 0;
        this.messagesOut = 0;
        try {
            await this.write('info.messagesIn', inRate);
            await this.write('info.messagesOut', outRate);
            await this.write('info.dropped', this.dropped + this.extraDropped());
        } catch {
            // the instance is stopping
        }
    }

    async stop(): Promise<void> {
        timers.clearInterval(this.timer);
        await this.flush();
    }
}
