import type { DeclaredTraffic, JsonPatchOp, LiveRouter, MetricsEndpoint } from "./liveRouter";
import { headerRouteText } from "./liveRouter";

/** Istio's live router: the stage's VirtualService, patched with JSON Patch under its resourceVersion. */

export interface IstioTarget {
    router: "istio";
    namespace: string;
    virtualService: string;
    /** The name of the route that splits by weight. */
    route: string;
    stableSubset: string;
    canarySubset: string;
}

/**
 * Under Istio with mTLS STRICT a scraper outside the mesh cannot reach the application port, so Prometheus
 * scrapes the sidecar agent's merged-metrics endpoint, which serves the application's /metrics together
 * with Envoy's and lies outside the mTLS capture.
 */
export const ISTIO_MERGED_METRICS: MetricsEndpoint = { port: 15020, path: "/stats/prometheus" };

interface Destination {
    destination?: { subset?: string; [key: string]: unknown };
    weight?: number;
}

interface VirtualServiceLike {
    metadata?: { resourceVersion?: string };
    spec?: { http?: { name?: string; route?: Destination[] }[] };
}

/** The route that sends requests carrying the header to `destination` (the canary subset), whatever the weights. */
export function istioHeaderRoute(headerRoute: NonNullable<DeclaredTraffic["headerRoute"]>, destination: unknown): Record<string, unknown> {
    return {
        name: headerRoute.name,
        match: [{ headers: { [headerRoute.header]: { exact: headerRoute.value } } }],
        route: [{ destination }],
    };
}

function resourceVersionTest(vs: VirtualServiceLike): JsonPatchOp[] {
    return vs.metadata?.resourceVersion ? [{ op: "test", path: "/metadata/resourceVersion", value: vs.metadata.resourceVersion }] : [];
}

/**
 * JSON Patch that sends every request of the VirtualService to the stable subset: in routes that
 * split between subsets the stable destination gets weight 100 and the others 0; a route that only
 * reaches the canary (the `x-canary-user` header route) is pointed at stable. The `test` of the
 * resourceVersion makes a concurrent change fail the patch instead of being overwritten.
 */
export function istioCutPatch(vs: VirtualServiceLike, stableSubset: string, canarySubset: string): JsonPatchOp[] {
    const ops = resourceVersionTest(vs);
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
export function istioRestorePatch(vs: VirtualServiceLike, target: IstioTarget, declared: DeclaredTraffic): JsonPatchOp[] {
    const ops = resourceVersionTest(vs);
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
            ops.push({ op: "add", path: "/spec/http/0", value: istioHeaderRoute(header, canary) });
        } else if (http[at].route?.[0]?.destination?.subset !== target.canarySubset) {
            ops.push({ op: "replace", path: `/spec/http/${at}/route/0/destination/subset`, value: target.canarySubset });
        }
    }
    return ops;
}

function istioWeightsText(target: IstioTarget, declared: DeclaredTraffic): string {
    const weight = declared.candidateWeight;
    return `${100 - weight} % ${target.stableSubset} / ${weight} % ${target.canarySubset}${headerRouteText(declared)}`;
}

export const istioLiveRouter: LiveRouter<IstioTarget> = {
    targetFields: ["namespace", "virtualService", "route", "stableSubset", "canarySubset"],
    objectPath: (t) =>
        `/apis/networking.istio.io/v1/namespaces/${encodeURIComponent(t.namespace)}/virtualservices/${encodeURIComponent(t.virtualService)}`,
    objectName: (t) => `VirtualService ${t.namespace}/${t.virtualService}`,
    // The cut reads the object before it patches it.
    access: (t) => ({ apiGroup: "networking.istio.io", resource: "virtualservices", name: t.virtualService, verbs: ["get", "patch"] }),
    readsLiveObject: true,
    cutPatch: (t, live) =>
        istioAllStable(live as VirtualServiceLike, t.stableSubset)
            ? undefined
            : { type: "json", ops: istioCutPatch(live as VirtualServiceLike, t.stableSubset, t.canarySubset) },
    cutReport: (t, changed) => (changed ? `all routes 100 % ${t.stableSubset}` : `already 100 % ${t.stableSubset}`),
    restorePatch: (t, declared, live) => {
        const ops = istioRestorePatch(live as VirtualServiceLike, t, declared);
        return ops.every((op) => op.op === "test") ? undefined : { type: "json", ops };
    },
    restoreReport: (t, declared, changed) => `${changed ? "" : "already "}${istioWeightsText(t, declared)}`,
    metricsEndpoint: () => ISTIO_MERGED_METRICS,
};
