/**
 * Waiting for something another process (or a server, or a timer) makes true: a log line, a file, an
 * object's status, a Prometheus series. `check` asserts the thing itself and throws while it does not
 * hold yet; it runs again every `intervalMs` until it passes (its value is returned) or `timeoutMs` runs
 * out, then the failure names what was awaited and what the last check saw (its error's message).
 */

export interface EventuallyOptions {
    /** What is awaited, for the failure message: "the guard's traffic-cut log line". */
    what: string;
    timeoutMs: number;
    /** Pause between two checks. */
    intervalMs?: number;
}

export async function eventually<T>(check: () => T | Promise<T>, options: EventuallyOptions): Promise<T> {
    const started = Date.now();
    for (;;) {
        try {
            return await check();
        } catch (err) {
            if (Date.now() - started >= options.timeoutMs) {
                const seen = err instanceof Error ? err.message : String(err);
                throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}; last seen: ${seen}`, { cause: err });
            }
        }
        await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
    }
}
