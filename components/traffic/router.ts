import * as pulumi from "@pulumi/pulumi";
import type { ChartMirror } from "../../config/charts";
import type { MeshConfig } from "../../config/mesh";
import type { AppConfig } from "../../config/app";
import type { Stage } from "../../rollout/stages";
import { stageWeights } from "../../rollout/stages";
import type { Router, TrafficCutTarget } from "../../rollout/gate/routers";
import type { DeclaredTraffic, LiveRouter } from "../../rollout/gate/routers/liveRouter";
import { CANARY_HEADER, CANARY_HEADER_VALUE, HEADER_ROUTE_NAME } from "../../rollout/gate/routers/liveRouter";
import type { NamespaceSpec } from "../kubernetes/namespaces";
import type { MeshTracing } from "./istioValues";

export type { Router, TrafficCutTarget };

/** The Services the Application puts in front of its two tracks. */
export interface TrackServices {
    /** Selects both tracks; Istio routes to its `stable`/`canary` subsets. */
    main: string;
    /** Selects the stable track only (the backend of stable's Ingress or backendRef). */
    stable: string;
    /** Selects the candidate track only (the backend of the canary Ingress or the candidate's backendRef). */
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
    /** What the stage's route objects attach to (RouterController.attachTo); none: the router's default. */
    attachTo?: pulumi.Input<string[]>;
}

/** The traffic a stage declares: its candidate weight and, while it has one, the `x-canary-user` header route. */
export function declaredTraffic(stage: Pick<Stage, "weight" | "headerRoute">): DeclaredTraffic {
    return {
        candidateWeight: stageWeights(stage).candidate,
        ...(stage.headerRoute ? { headerRoute: { name: HEADER_ROUTE_NAME, header: CANARY_HEADER, value: CANARY_HEADER_VALUE } } : {}),
    };
}

/**
 * On the objects carrying the weights: the health gate and the rollout guard patch the weights outside
 * Pulumi when they cut traffic, which makes them the fields' Server-Side Apply manager; the next stack
 * update (a retry, the next stage, rollback) must take the fields back instead of failing on the conflict.
 */
export const FORCE_APPLY_ANNOTATIONS: Readonly<Record<string, string>> = { "pulumi.com/patchForce": "true" };

/** What a router's controller (the Mesh, IngressNginx, or the platform team's Gateway) offers the service. */
export interface RouterController extends pulumi.Resource {
    /** Namespaces whose pods send the service its traffic (the app's NetworkPolicy admits them). */
    readonly ingressNamespaces: pulumi.Output<string[]>;
    /**
     * "namespace/name" of the Service whose load balancer takes the public traffic (for the host's DNS
     * record); unknown until the controller's release is installed. None when the entry is not the program's.
     */
    readonly loadBalancerService?: pulumi.Output<string>;
    /**
     * What the stage's route objects attach to: Istio Gateways or the Gateway API Gateway ("namespace/name"),
     * or the IngressClass.
     */
    readonly attachTo: pulumi.Input<string[]>;
    /** The stack outputs that name it. */
    readonly stackOutputs: Record<string, pulumi.Input<unknown>>;
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

/** What every router's controller may use; each takes what it needs. */
export interface RouterControllerArgs {
    mesh: MeshConfig;
    /** A platform namespace's name as the Namespaces component creates it. */
    namespaceOf(name: string): pulumi.Output<string>;
    appNamespace: pulumi.Input<string>;
    monitoringNamespace: string;
    /** The monitoring stack's Helm release: a controller's ServiceMonitor needs its CRDs. */
    monitoringRelease: pulumi.Resource;
    /** Pod labels of the service's pods (both tracks). */
    serviceSelector: Record<string, string>;
    /** The public host (app.ingress.host). */
    host: string;
    /** The trace collector the router's proxies report to; none when tracing is off. */
    tracing?: MeshTracing;
    /** Where a controller's Helm charts come from (charts.mirror); none: their public repositories. */
    chartMirror: ChartMirror | undefined;
}

/** Where the router serves the public host's certificate from: the Secret cert-manager must write. */
export interface ServingSecret {
    namespace: pulumi.Input<string>;
    name: string;
}

/**
 * One router as the program sees it (docs/architecture.md, Traffic): its controller, the objects of each
 * stage, and what it asks of the platform and the service's pods. One module per router implements it
 * (./routers/), picked from ROUTERS by `mesh.router`; the router's live half (cut, restore, metrics) is
 * `live`, from rollout/gate/routers/ under the same name.
 */
export interface RouterModule {
    readonly live: LiveRouter<TrafficCutTarget>;
    /** Namespaces only this router needs, with their Pod Security. */
    readonly namespaces: NamespaceSpec[];
    /** Creates the router's controller, or names the one the platform team runs. */
    controller(args: RouterControllerArgs, opts: pulumi.ComponentResourceOptions): RouterController;
    /** Creates the objects carrying a stage's split as children of `parent` (the TrafficSplit component). */
    split(name: string, args: TrafficSplitArgs, labels: Record<string, string>, parent: pulumi.Resource): RouterSplit;
    /** Egress every pod of the service needs for the router (a sidecar's control plane), by namespace and port. */
    readonly workloadEgress: { namespace: string; port: number }[];
    /** Where cert-manager writes the public host's certificate; absent when the router's TLS is not the program's. */
    servingSecret?(args: {
        mesh: MeshConfig;
        ingress: AppConfig["ingress"];
        appNamespace: pulumi.Input<string>;
        namespaceOf(name: string): pulumi.Output<string>;
    }): ServingSecret;
}
