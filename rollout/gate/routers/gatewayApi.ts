import type { DeclaredTraffic, JsonPatchOp, LiveRouter } from "./liveRouter";
import { headerRouteText } from "./liveRouter";

/**
 * The Gateway API's live router: the stage's HTTPRoute (gateway.networking.k8s.io/v1), whose rules send
 * traffic to the stable and candidate Services by backendRef weight. Patched with JSON Patch under its
 * resourceVersion, like Istio's VirtualService: rules are a list, which a merge patch can only replace whole.
 */

export interface GatewayApiTarget {
    router: "gateway-api";
    namespace: string;
    httpRoute: string;
    /** The name of the rule that splits by weight. */
    rule: string;
    /** The Services of the two tracks, as the backendRefs name them. */
    stableService: string;
    candidateService: string;
}

export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";

interface BackendRef {
    name?: string;
    weight?: number;
    [key: string]: unknown;
}

interface HttpRouteLike {
    metadata?: { resourceVersion?: string };
    spec?: { rules?: { name?: string; backendRefs?: BackendRef[] }[] };
}

/** A backendRef without a weight gets 1 (the CRD's default). */
function weightOf(ref: BackendRef): number {
    return ref.weight ?? 1;
}

/** The rule that sends requests carrying the header to `backend` (the candidate Service), whatever the weights. */
export function gatewayApiHeaderRule(
    headerRoute: NonNullable<DeclaredTraffic["headerRoute"]>,
    backend: BackendRef,
): Record<string, unknown> {
    return {
        name: headerRoute.name,
        matches: [{ headers: [{ type: "Exact", name: headerRoute.header, value: headerRoute.value }] }],
        backendRefs: [backend],
    };
}

function resourceVersionTest(route: HttpRouteLike): JsonPatchOp[] {
    return route.metadata?.resourceVersion
        ? [{ op: "test", path: "/metadata/resourceVersion", value: route.metadata.resourceVersion }]
        : [];
}

/**
 * JSON Patch that sends every request of the HTTPRoute to the stable Service: in rules that split
 * between backends the stable one gets weight 100 and the others 0; a rule whose one backend is the
 * candidate (the `x-canary-user` header rule) is pointed at stable. Tested against the resourceVersion.
 */
export function gatewayApiCutPatch(route: HttpRouteLike, target: GatewayApiTarget): JsonPatchOp[] {
    const ops = resourceVersionTest(route);
    (route.spec?.rules ?? []).forEach((rule, i) => {
        const refs = rule.backendRefs ?? [];
        if (refs.length === 1) {
            if (refs[0].name === target.candidateService)
                ops.push({ op: "replace", path: `/spec/rules/${i}/backendRefs/0/name`, value: target.stableService });
            return;
        }
        refs.forEach((ref, j) => {
            const weight = ref.name === target.stableService ? 100 : 0;
            if (weightOf(ref) !== weight) ops.push({ op: "add", path: `/spec/rules/${i}/backendRefs/${j}/weight`, value: weight });
        });
    });
    return ops;
}

/** Whether an HTTPRoute sends everything to the stable Service (what the cut must leave behind). */
export function gatewayApiAllStable(route: HttpRouteLike, target: GatewayApiTarget): boolean {
    return (route.spec?.rules ?? []).every((rule) => {
        const refs = rule.backendRefs ?? [];
        if (refs.length === 1) return refs[0].name === target.stableService;
        return refs.every((ref) => weightOf(ref) === (ref.name === target.stableService ? 100 : 0));
    });
}

/**
 * JSON Patch that gives the HTTPRoute the declared traffic: the weighted rule (`rule`) splits by the declared
 * weight, the header rule points at the candidate (re-created in front when it is gone), and nothing else is
 * touched. Empty apart from the resourceVersion test when the object already matches.
 */
export function gatewayApiRestorePatch(route: HttpRouteLike, target: GatewayApiTarget, declared: DeclaredTraffic): JsonPatchOp[] {
    const ops = resourceVersionTest(route);
    const rules = route.spec?.rules ?? [];
    const weighted = rules.findIndex((r) => r.name === target.rule);
    if (weighted < 0) throw new Error(`no rule named "${target.rule}" to set the declared weights on`);
    const refs = rules[weighted].backendRefs ?? [];
    refs.forEach((ref, j) => {
        const weight =
            ref.name === target.candidateService
                ? declared.candidateWeight
                : ref.name === target.stableService
                  ? 100 - declared.candidateWeight
                  : 0;
        if (weightOf(ref) !== weight) ops.push({ op: "add", path: `/spec/rules/${weighted}/backendRefs/${j}/weight`, value: weight });
    });
    const header = declared.headerRoute;
    if (header) {
        const at = rules.findIndex((r) => r.name === header.name);
        if (at < 0) {
            const candidate = refs.find((ref) => ref.name === target.candidateService);
            if (!candidate)
                throw new Error(`rule "${target.rule}" has no backend ${target.candidateService} to restore the header rule with`);
            // The candidate's backendRef as the weighted rule has it (port, kind, group), without its share of the weights.
            const { weight: _weight, ...backend } = candidate;
            ops.push({ op: "add", path: "/spec/rules/0", value: gatewayApiHeaderRule(header, backend) });
        } else if (rules[at].backendRefs?.[0]?.name !== target.candidateService) {
            ops.push({ op: "replace", path: `/spec/rules/${at}/backendRefs/0/name`, value: target.candidateService });
        }
    }
    return ops;
}

export const gatewayApiLiveRouter: LiveRouter<GatewayApiTarget> = {
    targetFields: ["namespace", "httpRoute", "rule", "stableService", "candidateService"],
    objectPath: (t) =>
        `/apis/${GATEWAY_API_GROUP}/v1/namespaces/${encodeURIComponent(t.namespace)}/httproutes/${encodeURIComponent(t.httpRoute)}`,
    objectName: (t) => `HTTPRoute ${t.namespace}/${t.httpRoute}`,
    // The cut reads the object before it patches it.
    access: (t) => ({ apiGroup: GATEWAY_API_GROUP, resource: "httproutes", name: t.httpRoute, verbs: ["get", "patch"] }),
    readsLiveObject: true,
    cutPatch: (t, live) =>
        gatewayApiAllStable(live as HttpRouteLike, t) ? undefined : { type: "json", ops: gatewayApiCutPatch(live as HttpRouteLike, t) },
    cutReport: (t, changed) => `${changed ? "" : "already "}100 % ${t.stableService}`,
    restorePatch: (t, declared, live) => {
        const ops = gatewayApiRestorePatch(live as HttpRouteLike, t, declared);
        return ops.every((op) => op.op === "test") ? undefined : { type: "json", ops };
    },
    restoreReport: (t, declared, changed) =>
        `${changed ? "" : "already "}${100 - declared.candidateWeight} % ${t.stableService} / ${declared.candidateWeight} % ${t.candidateService}${headerRouteText(declared)}`,
    // The Gateway's data plane is the platform team's and its own series are implementation-specific: the
    // gate reads the service's own /metrics, scraped on its port as with nginx.
    metricsEndpoint: (appPort) => ({ port: appPort, path: "/metrics" }),
};
