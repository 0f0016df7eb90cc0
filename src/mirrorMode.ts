/** What both modes share: the engine's two pipelines and how ioBroker's events reach them. */
import type { Ingest } from './ingest';
import type { Publisher } from './publisher';

export abstract class MirrorMode {
    protected ingest: Ingest | undefined;
    protected publisher: Publisher | undefined;

    abstract start(): Promise<void>;
    abstract stop(): Promise<void>;
    /** sendTo commands of the mode; undefined when the command is not one of them. */
    abstract handleMessage(command: string, message: unknown): Promise<Record<string, unknown> | undefined>;

    onStateChange(id: string, state: ioBroker.State | null | undefined): void {
        this.publisher?.onStateChange(id, state);
    }

    onObjectChange(id: string, obj: ioBroker.Object | null | undefined): void {
        this.ingest?.onObjectChange(id, obj);
        this.publisher?.onObjectChange(id, obj);
    }
}
