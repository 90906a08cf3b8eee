import { ApiServer } from "../harness/apiserver";

/**
 * One API server for every conformance file of a mocha run: started by the first file that needs
 * it, stopped (and its directory removed) by a root-level `after` hook when the run ends. Each
 * scenario removes what it applied, so the next one starts from an empty cluster.
 */
let started: Promise<ApiServer> | undefined;

/** Mocha timeout for a hook that may have to start the API server. */
export const START_TIMEOUT_MS = 180_000;

export function conformanceServer(): Promise<ApiServer> {
    started ??= ApiServer.start();
    return started;
}

after(async function () {
    this.timeout(60_000);
    if (!started) return;
    const server = await started.catch(() => undefined);
    await server?.stop();
});
