import type { KubeClient } from "./kubeApi";
import type { DeclaredTraffic, RouterPatch } from "./routers/liveRouter";
import { TrafficCutTarget, liveRouterOf } from "./routers";

export type { DeclaredTraffic } from "./routers/liveRouter";
export type { TrafficCutTarget } from "./routers";

/**
 * The fast traffic cut: when a gate fails (or the guard sees a breach), all traffic goes back to the
 * stable version through the Kubernetes API at once, instead of waiting for the rollback stack update.
 * The rollback update then writes the same weights, so Pulumi's state converges to what the cluster runs.
 *
 * Its inverse, `restoreDeclaredTraffic`, is what every gate does before judging: it sets the live router
 * to the stage's declared weights, so a retry after a cut (whose inputs did not change, so Pulumi sends
 * nothing to the cluster) or any out-of-band edit is converged by the update itself (docs/rollout.md).
 * What each router patches is its live router's (routers/); how a patch reaches the API server is here.
 */

function apiError(what: string, status: number, body: string): Error {
    let message = body.slice(0, 300);
    try {
        message = (JSON.parse(body) as { message?: string }).message ?? message;
    } catch {
        // not a Status object; keep the raw text
    }
    return new Error(`${what}: HTTP ${status}: ${message}`);
}

const CONTENT_TYPES: Record<RouterPatch["type"], string> = {
    merge: "application/merge-patch+json",
    json: "application/json-patch+json",
};

/**
 * Patches the target's router object with what `patchFor` computes, and returns whether it changed anything.
 * A router that reads the live object first patches under a test of its resourceVersion and reads again on a
 * concurrent change (409/422), up to three times; the others send one patch.
 */
async function patchRouterObject(
    client: KubeClient,
    target: TrafficCutTarget,
    patchFor: (live: unknown) => RouterPatch | undefined,
    timeoutMs: number,
): Promise<boolean> {
    const router = liveRouterOf(target);
    const path = router.objectPath(target);
    const what = router.objectName(target);
    for (let attempt = 1; ; attempt++) {
        let live: unknown;
        if (router.readsLiveObject) {
            const got = await client.request(path, { method: "GET", timeoutMs });
            if (got.status !== 200) throw apiError(`reading ${what}`, got.status, got.body);
            live = JSON.parse(got.body);
        }
        const patch = patchFor(live);
        if (!patch) return false;
        const res = await client.request(path, {
            method: "PATCH",
            headers: { "Content-Type": CONTENT_TYPES[patch.type] },
            body: JSON.stringify(patch.type === "merge" ? patch.body : patch.ops),
            timeoutMs,
        });
        if (res.status === 200) return true;
        if (router.readsLiveObject && (res.status === 409 || res.status === 422) && attempt < 3) continue;
        throw apiError(`patching ${what}`, res.status, res.body);
    }
}

/** Sends all traffic to stable through the Kubernetes API and returns what it did, in words. */
export async function cutTrafficToStable(client: KubeClient, target: TrafficCutTarget, timeoutMs: number): Promise<string> {
    const router = liveRouterOf(target);
    const changed = await patchRouterObject(client, target, (live) => router.cutPatch(target, live), timeoutMs);
    return `${router.objectName(target)}: ${router.cutReport(target, changed)}`;
}

/**
 * Sets the router to the declared traffic through the Kubernetes API (the inverse of the cut) and returns
 * what it did, with the same client and the same guards as the cut.
 */
export async function restoreDeclaredTraffic(
    client: KubeClient,
    target: TrafficCutTarget,
    declared: DeclaredTraffic,
    timeoutMs: number,
): Promise<string> {
    const router = liveRouterOf(target);
    const changed = await patchRouterObject(client, target, (live) => router.restorePatch(target, declared, live), timeoutMs);
    return `${router.objectName(target)}: ${router.restoreReport(target, declared, changed)}`;
}
