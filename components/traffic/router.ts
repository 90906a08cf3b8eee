import * as pulumi from "@pulumi/pulumi";
import type { Stage } from "../../rollout/stages";
import type { TrafficCutTarget } from "../../rollout/gate/trafficCut";

export type { TrafficCutTarget };

/** The routers the service's traffic can enter through: Istio (mesh) or ingress-nginx. */
export type Router = "istio" | "nginx";

/** The header that sends a request to the candidate whatever the weights (seed 002). */
export const CANARY_HEADER = "x-canary-user";
export const CANARY_HEADER_VALUE = "true";
/** Names of the Istio routes, so the health gate's fast traffic cut can find the weighted one. */
export const HEADER_ROUTE_NAME = "canary-header";
export const WEIGHTED_ROUTE_NAME = "weighted";
/** The Services the Application puts in front of its two tracks. */
export interface TrackServices {
    /** Selects both tracks; Istio routes to its `stable`/`canary` subsets. */
    main: string;
    /** Selects the stable track only (the nginx main Ingress backend). */
    stable: string;
    /** Selects the candidate track only (the nginx canary Ingress backend). */
    candidate: string;
    port: number;
}

export interface PublicEntry {
    host: string;
    tlsSecretName: string;
    rateLimitRps: number;
    sessionCookieName: string;
    sessionCookieMaxAgeSeconds: number;
}

export interface TrafficSplitArgs {
    router: Router;
    namespace: pulumi.Input<string>;
    /** The stage whose weights and header route are applied. */
    stage: Pick<Stage, "name" | "weight" | "headerRoute">;
    services: TrackServices;
    /** Pod label that tells the tracks apart, and its values. */
    trackLabel: { key: string; stable: string; candidate: string };
    entry: PublicEntry;
    /** Istio Gateways ("namespace/name") that expose the host; none routes only in-mesh traffic. */
    istioGateways?: pulumi.Input<string[]>;
    /** IngressClass of ingress-nginx. */
    ingressClassName?: string;
}

/**
 * On the objects carrying the weights: the health gate and the rollout guard patch the weights outside
 * Pulumi when they cut traffic, which makes them the fields' Server-Side Apply manager; the next stack
 * update (a retry, the next stage, rollback) must take the fields back instead of failing on the conflict.
 */
export const FORCE_APPLY_ANNOTATIONS: Readonly<Record<string, string>> = { "pulumi.com/patchForce": "true" };

/** What a router's controller (the Mesh or IngressNginx component) offers the service. */
export interface RouterController extends pulumi.Resource {
    /** Namespaces whose pods send the service its traffic (the app's NetworkPolicy admits them). */
    readonly ingressNamespaces: pulumi.Output<string[]>;
    /**
     * "namespace/name" of the Service whose load balancer takes the public traffic (for the host's DNS
     * record); unknown until the controller's release is installed.
     */
    readonly loadBalancerService: pulumi.Output<string>;
}

/** "namespace/name" of a Service a Helm release created, once the release reports its status. */
export function releaseServiceRef(status: { name: string; namespace: string }, serviceSuffix = ""): string {
    return `${status.namespace}/${status.name}${serviceSuffix}`;
}

/** What one router's split creates for a stage: the object carrying the candidate's weight, and what the gate's fast cut patches. */
export interface RouterSplit {
    weightedObject: pulumi.CustomResource;
    trafficCut: pulumi.Output<TrafficCutTarget>;
}

/** Creates one router's split objects as children of `parent` (the TrafficSplit component). */
export type RouterSplitBuilder = (
    name: string,
    args: TrafficSplitArgs,
    labels: Record<string, string>,
    parent: pulumi.Resource,
) => RouterSplit;
