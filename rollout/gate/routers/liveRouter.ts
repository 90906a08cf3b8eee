/**
 * The live half of a router (docs/architecture.md, Traffic): what the health gate and the rollout guard do
 * to a stage's router object through the Kubernetes API — the cut to 100 % stable, the restore of the
 * stage's declared traffic — and what the gate reads, as plain serialisable functions. One module per
 * router implements it, picked from LIVE_ROUTERS (./index.ts) by the target's `router`; the objects a stage
 * creates are the router's other half, in components/traffic/routers/ under the same name.
 */

/** The header that sends a request to the candidate whatever the weights (seed 002). */
export const CANARY_HEADER = "x-canary-user";
export const CANARY_HEADER_VALUE = "true";
/** Names of the routes (Istio) or rules (Gateway API), so the cut and the restore find the weighted one. */
export const HEADER_ROUTE_NAME = "canary-header";
export const WEIGHTED_ROUTE_NAME = "weighted";

/** The traffic a stage declares on its router: the candidate's weight and, while the stage has it, the header route. */
export interface DeclaredTraffic {
    /** Percent of the weighted traffic to the candidate; stable gets the rest. */
    candidateWeight: number;
    /** Requests with `header: value` reach the candidate whatever the weight; `name` is the route's or rule's name. */
    headerRoute?: { name: string; header: string; value: string };
}

/** All traffic to stable: what the cut leaves behind, and what `stable` and `rollback` declare. */
export const ALL_STABLE: DeclaredTraffic = { candidateWeight: 0 };

/** What every router's cut target holds: the router's name and the namespace of the object it patches. */
export interface RouterTarget {
    router: string;
    namespace: string;
}

export type JsonPatchOp = { op: "test" | "replace" | "add"; path: string; value: unknown };

/** A patch of the router object: a JSON merge patch, or JSON Patch operations. */
export type RouterPatch = { type: "merge"; body: unknown } | { type: "json"; ops: JsonPatchOp[] };

/** The guard's one permission on the router object, by name (an RBAC rule). */
export interface RouterAccess {
    apiGroup: string;
    resource: string;
    name: string;
    verbs: string[];
}

/** Where Prometheus scrapes a pod of the service. */
export interface MetricsEndpoint {
    port: number;
    path: string;
}

export interface LiveRouter<T extends RouterTarget> {
    /** The target's fields besides `router`; the HealthGate's check wants each a non-empty string. */
    readonly targetFields: readonly string[];
    /** API path of the object the cut and the restore patch. */
    objectPath(target: T): string;
    /** That object in words, for messages: "VirtualService claude-enhancer/claude-enhancer". */
    objectName(target: T): string;
    /** What the guard may do to that object, and nothing else. */
    access(target: T): RouterAccess;
    /**
     * True when the patches are computed from the live object: it is read first and patched under a test of
     * the resourceVersion it had, retried on a concurrent change. False: one patch from the target alone.
     */
    readonly readsLiveObject: boolean;
    /** The patch that sends every request to stable; undefined when `live` already does. */
    cutPatch(target: T, live: unknown): RouterPatch | undefined;
    /** What the cut did, in words (after the object's name). */
    cutReport(target: T, changed: boolean): string;
    /** The patch that gives the object the declared traffic; undefined when `live` already has it. */
    restorePatch(target: T, declared: DeclaredTraffic, live: unknown): RouterPatch | undefined;
    /** What the restore did, in words (after the object's name). */
    restoreReport(target: T, declared: DeclaredTraffic, changed: boolean): string;
    /**
     * Where Prometheus reads the series the gate judges. The gate's queries select the service's own metrics
     * by their version label (docs/rollout.md, Metrics contract) whatever the router; the router decides
     * which pod port and path serve them.
     */
    metricsEndpoint(appPort: number): MetricsEndpoint;
}

/** ", header route x-canary-user: true" for messages; empty without a header route. */
export function headerRouteText(declared: DeclaredTraffic): string {
    return declared.headerRoute ? `, header route ${declared.headerRoute.header}: ${declared.headerRoute.value}` : "";
}
