/** The message of anything thrown, for a log line or an answer. */
export function errorText(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

/** A start-up problem caused by the configuration: main.ts stops the instance with this message. */
export class ConfigError extends Error {}
