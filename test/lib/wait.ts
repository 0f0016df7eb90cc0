/** Helpers shared by integration and end-to-end tests: every wait has a timeout, no bare sleeps. */

export interface StateSource {
    on(event: 'stateChange', handler: (id: string, state: ioBroker.State | null | undefined) => void): unknown;
    off(event: 'stateChange', handler: (id: string, state: ioBroker.State | null | undefined) => void): unknown;
    states: { getStateAsync(id: string): Promise<ioBroker.State | null | undefined> };
}

/** Resolves with the state once `predicate` holds for it (checks the current value first). */
export async function waitForState(
    source: StateSource,
    id: string,
    predicate: (state: ioBroker.State | null | undefined) => boolean,
    timeoutMs = 10000,
): Promise<ioBroker.State | null | undefined> {
    return new Promise((resolve, reject) => {
        let done = false;
        let timer: NodeJS.Timeout | undefined = undefined;
        let onChange: (changedId: string, state: ioBroker.State | null | undefined) => void = () => undefined;
        const finish = (err: Error | undefined, state?: ioBroker.State | null): void => {
            if (done) {
                return;
            }
            done = true;
            clearTimeout(timer);
            source.off('stateChange', onChange);
            if (err) {
                reject(err);
            } else {
                resolve(state);
            }
        };
        onChange = (changedId: string, state: ioBroker.State | null | undefined): void => {
            if (changedId === id && predicate(state)) {
                finish(undefined, state);
            }
        };
        timer = setTimeout(
            () => finish(new Error(`Timed out after ${timeoutMs} ms waiting for state '${id}'`)),
            timeoutMs,
        );
        source.on('stateChange', onChange);
        source.states.getStateAsync(id).then(
            state => {
                if (predicate(state)) {
                    finish(undefined, state);
                }
            },
            (err: unknown) => finish(err instanceof Error ? err : new Error(String(err))),
        );
    });
}

/** Resolves when `emitter` emits `event`, or rejects after `timeoutMs`. */
export async function waitForEvent<T = unknown>(
    emitter: { once(event: string, listener: (value: T) => void): unknown },
    event: string,
    timeoutMs = 10000,
): Promise<T> {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(
            () => reject(new Error(`Timed out after ${timeoutMs} ms waiting for '${event}'`)),
            timeoutMs,
        );
        emitter.once(event, value => {
            clearTimeout(timer);
            resolve(value);
        });
    });
}

/** Resolves once `condition()` (which may be async) holds (checked every 20 ms), or rejects after `timeoutMs`. */
export async function until(
    condition: () => boolean | Promise<boolean>,
    timeoutMs = 5000,
    what = 'a condition',
): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
        if (Date.now() > deadline) {
            throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
        }
        await new Promise(resolve => setTimeout(resolve, 20));
    }
}
