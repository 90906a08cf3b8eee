import type { KubeClient } from "./kubeApi";

/**
 * The fast traffic cut: when a gate fails (or the guard sees a breach), all traffic goes back to the
 * stable version through the Kubernetes API at once, instead of waiting for the rollback stack update.
 * The rollback update then writes the same weights, so Pulumi's state converges to what the cluster runs.
 *
 * Its inverse, `restoreDeclaredTraffic`, is what every gate does before judging: it sets the live router
 * to the stage's declared weights, so a retry after a cut (whose inputs did not change, so Pulumi sends
 * nothing to the cluster) or any out-of-band edit is converged by the update itself (docs/rollout.md).
 */

/** What the cut patches; the TrafficSplit component exposes this for its router. */
export type TrafficCutTarget =
    | { router: "istio"; namespace: string; virtualService: string; route: string; stableSubset: string; canarySubset: string }
    | { router: "nginx"; namespace: string; canaryIngress: string };

const NGINX = "nginx.ingress.kubernetes.io";

/** The traffic a stage declares on its router: the candidate's weight and, while the stage has it, the header route. */
export interface DeclaredTraffic {
    /** Percent of the weighted traffic to the candidate; stable gets the rest. */
    candidateWeight: number;
    /** Requests with `header: value` reach the candidate whatever the weight; `name` is the Istio route's name. */
    headerRoute?: { name: string; header: string; value: string };
}

interface Destination {
    destination?: { subset?: string; [key: string]: unknown };
    weight?: number;
}

interface VirtualServiceLike {
    metadata?: { resourceVersion?: string };
    spec?: { http?: { name?: string; route?: Destination[] }[] };
}

export type JsonPatchOp = { op: "test" | "replace" | "add"; path: string; value: unknown };

/**
 * JSON Patch that sends every request of the VirtualService to the stable subset: in routes that
 * split between subsets the stable destination gets weight 100 and the others 0; a route that only
 * reaches the canary (the `x-canary-user` header route) is pointed at stable. The `test` of the
 * resourceVersion makes a concurrent change fail the patch instead of being overwritten.
 */
export function istioCutPatch(vs: VirtualServiceLike, stableSubset: string, canarySubset: string): JsonPatchOp[] {
    const ops: JsonPatchOp[] = [];
    if (vs.metadata?.resourceVersion) ops.push({ op: "test", path: "/metadata/resourceVersion", value: vs.metadata.resourceVersion });
    (vs.spec?.http ?? []).forEach((route, i) => {
        const destinations = route.route ?? [];
        if (destinations.length === 1) {
            if (destinations[0].destination?.subset === canarySubset) {
                ops.push({ op: "replace", path: `/spec/http/${i}/route/0/destination/subset`, value: stableSubset });
            }
            return;
        }
        destinations.forEach((d, j) => {
            const weight = d.destination?.subset === stableSubset ? 100 : 0;
            ops.push({ op: d.weight === undefined ? "add" : "replace", path: `/spec/http/${i}/route/${j}/weight`, value: weight });
        });
    });
    return ops;
}

/** Whether a VirtualService sends everything to the stable subset (what the cut must leave behind). */
export function istioAllStable(vs: VirtualServiceLike, stableSubset: string): boolean {
    return (vs.spec?.http ?? []).every((route) => {
        const destinations = route.route ?? [];
        if (destinations.length === 1) return destinations[0].destination?.subset === stableSubset;
        return destinations.every((d) => (d.destination?.subset === stableSubset ? d.weight === 100 : (d.weight ?? 0) === 0));
    });
}

/**
 * JSON Patch that gives the VirtualService the declared traffic: the weighted route (`route`) splits by the
 * declared weight, the header route points at the canary subset (re-created in front when it is gone), and
 * nothing else is touched. Empty apart from the resourceVersion test when the object already matches.
 */
export function istioRestorePatch(
    vs: VirtualServiceLike,
    target: Extract<TrafficCutTarget, { router: "istio" }>,
    declared: DeclaredTraffic,
): JsonPatchOp[] {
    const ops: JsonPatchOp[] = [];
    if (vs.metadata?.resourceVersion) ops.push({ op: "test", path: "/metadata/resourceVersion", value: vs.metadata.resourceVersion });
    const http = vs.spec?.http ?? [];
    const weighted = http.findIndex((r) => r.name === target.route);
    if (weighted < 0) throw new Error(`no route named "${target.route}" to set the declared weights on`);
    http[weighted].route?.forEach((d, j) => {
        const subset = d.destination?.subset;
        const weight =
            subset === target.canarySubset ? declared.candidateWeight : subset === target.stableSubset ? 100 - declared.candidateWeight : 0;
        if (d.weight !== weight)
            ops.push({ op: d.weight === undefined ? "add" : "replace", path: `/spec/http/${weighted}/route/${j}/weight`, value: weight });
    });
    const header = declared.headerRoute;
    if (header) {
        const at = http.findIndex((r) => r.name === header.name);
        if (at < 0) {
            const canary = http[weighted].route?.find((d) => d.destination?.subset === target.canarySubset)?.destination;
            if (!canary)
                throw new Error(`route "${target.route}" has no ${target.canarySubset} destination to restore the header route with`);
            ops.push({
                op: "add",
                path: "/spec/http/0",
                value: {
                    name: header.name,
                    match: [{ headers: { [header.header]: { exact: header.value } } }],
                    route: [{ destination: canary }],
                },
            });
        } else if (http[at].route?.[0]?.destination?.subset !== target.canarySubset) {
            ops.push({ op: "replace", path: `/spec/http/${at}/route/0/destination/subset`, value: target.canarySubset });
        }
    }
    return ops;
}

/** Merge patch of the canary Ingress with the declared weight and header route (absent: removed). */
export function nginxRestorePatch(declared: DeclaredTraffic): { metadata: { annotations: Record<string, string | null> } } {
    return {
        metadata: {
            annotations: {
                [`${NGINX}/canary`]: "true",
                [`${NGINX}/canary-weight`]: String(declared.candidateWeight),
                [`${NGINX}/canary-by-header`]: declared.headerRoute?.header ?? null,
                [`${NGINX}/canary-by-header-value`]: declared.headerRoute?.value ?? null,
            },
        },
    };
}

/** Merge patch of the canary Ingress: weight 0 and no header route, so ingress-nginx sends nothing to the candidate. */
export function nginxCutPatch(): { metadata: { annotations: Record<string, string | null> } } {
    return {
        metadata: {
            annotations: {
                [`${NGINX}/canary-weight`]: "0",
                [`${NGINX}/canary-by-header`]: null,
                [`${NGINX}/canary-by-header-value`]: null,
            },
        },
    };
}

export function objectPath(target: TrafficCutTarget): string {
    const ns = encodeURIComponent(target.namespace);
    return target.router === "istio"
        ? `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/${encodeURIComponent(target.virtualService)}`
        : `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/${encodeURIComponent(target.canaryIngress)}`;
}

// Not named `describe`: Pulumi's closure serialiser leaves out names found on the global object, so
// under a test runner that defines a global `describe` the serialised provider would lose this function.
function targetDescription(target: TrafficCutTarget): string {
    return target.router === "istio"
        ? `VirtualService ${target.namespace}/${target.virtualService}`
        : `Ingress ${target.namespace}/${target.canaryIngress}`;
}

function apiError(what: string, status: number, body: string): Error {
    let message = body.slice(0, 300);
    try {
        message = (JSON.parse(body) as { message?: string }).message ?? message;
    } catch {
        // not a Status object; keep the raw text
    }
    return new Error(`${what}: HTTP ${status}: ${message}`);
}

/**
 * Sends all traffic to stable through the Kubernetes API and returns what it did, in words. The
 * Istio cut reads the VirtualService and patches it with a resourceVersion test, retrying on a
 * concurrent change; the nginx cut is a single merge patch.
 */
export async function cutTrafficToStable(client: KubeClient, target: TrafficCutTarget, timeoutMs: number): Promise<string> {
    const path = objectPath(target);
    const what = targetDescription(target);
    if (target.router === "nginx") {
        const res = await client.request(path, {
            method: "PATCH",
            headers: { "Content-Type": "application/merge-patch+json" },
            body: JSON.stringify(nginxCutPatch()),
            timeoutMs,
        });
        if (res.status !== 200) throw apiError(`patching ${what}`, res.status, res.body);
        return `${what}: canary-weight 0, header route removed`;
    }
    for (let attempt = 1; ; attempt++) {
        const got = await client.request(path, { method: "GET", timeoutMs });
        if (got.status !== 200) throw apiError(`reading ${what}`, got.status, got.body);
        const vs = JSON.parse(got.body) as VirtualServiceLike;
        if (istioAllStable(vs, target.stableSubset)) return `${what}: already 100 % ${target.stableSubset}`;
        const res = await client.request(path, {
            method: "PATCH",
            headers: { "Content-Type": "application/json-patch+json" },
            body: JSON.stringify(istioCutPatch(vs, target.stableSubset, target.canarySubset)),
            timeoutMs,
        });
        if (res.status === 200) return `${what}: all routes 100 % ${target.stableSubset}`;
        // 409/422: the object changed between read and patch (the resourceVersion test failed); read again.
        if ((res.status === 409 || res.status === 422) && attempt < 3) continue;
        throw apiError(`patching ${what}`, res.status, res.body);
    }
}

/**
 * Sets the router to the declared traffic through the Kubernetes API (the inverse of the cut) and returns
 * what it did. Same client, same guards: the Istio patch is tested against the resourceVersion it read and
 * retried on a concurrent change; the nginx patch is one merge patch.
 */
export async function restoreDeclaredTraffic(
    client: KubeClient,
    target: TrafficCutTarget,
    declared: DeclaredTraffic,
    timeoutMs: number,
): Promise<string> {
    const path = objectPath(target);
    const what = targetDescription(target);
    const header = declared.headerRoute ? `, header route ${declared.headerRoute.header}: ${declared.headerRoute.value}` : "";
    if (target.router === "nginx") {
        const res = await client.request(path, {
            method: "PATCH",
            headers: { "Content-Type": "application/merge-patch+json" },
            body: JSON.stringify(nginxRestorePatch(declared)),
            timeoutMs,
        });
        if (res.status !== 200) throw apiError(`patching ${what}`, res.status, res.body);
        return `${what}: canary-weight ${declared.candidateWeight}${header}`;
    }
    for (let attempt = 1; ; attempt++) {
        const got = await client.request(path, { method: "GET", timeoutMs });
        if (got.status !== 200) throw apiError(`reading ${what}`, got.status, got.body);
        const ops = istioRestorePatch(JSON.parse(got.body) as VirtualServiceLike, target, declared);
        const weights = `${100 - declared.candidateWeight} % ${target.stableSubset} / ${declared.candidateWeight} % ${target.canarySubset}${header}`;
        if (ops.every((op) => op.op === "test")) return `${what}: already ${weights}`;
        const res = await client.request(path, {
            method: "PATCH",
            headers: { "Content-Type": "application/json-patch+json" },
            body: JSON.stringify(ops),
            timeoutMs,
        });
        if (res.status === 200) return `${what}: ${weights}`;
        if ((res.status === 409 || res.status === 422) && attempt < 3) continue;
        throw apiError(`patching ${what}`, res.status, res.body);
    }
}
