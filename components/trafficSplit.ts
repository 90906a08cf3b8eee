import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Stage, stageWeights } from "../rollout/stages";
import type { TrafficCutTarget } from "../rollout/trafficCut";
import { PLATFORM_LABELS } from "./labels";

export type { TrafficCutTarget };

export type Router = "istio" | "nginx";

/** The header that sends a request to the candidate whatever the weights (seed 002). */
export const CANARY_HEADER = "x-canary-user";
export const CANARY_HEADER_VALUE = "true";
/** Names of the Istio routes, so the health gate's fast traffic cut can find the weighted one. */
export const HEADER_ROUTE_NAME = "canary-header";
export const WEIGHTED_ROUTE_NAME = "weighted";
const NGINX = "nginx.ingress.kubernetes.io";

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

/** Cluster-local host name of a Service. */
export function serviceHost(service: string, namespace: string): string {
    return `${service}.${namespace}.svc.cluster.local`;
}

/** DestinationRule spec: `stable`/`canary` subsets by track label, mutual TLS inside the mesh, cookie-pinned pods. */
export function destinationRuleSpec(args: Pick<TrafficSplitArgs, "services" | "trackLabel" | "entry">, namespace: string): Record<string, unknown> {
    return {
        host: serviceHost(args.services.main, namespace),
        trafficPolicy: {
            tls: { mode: "ISTIO_MUTUAL" },
            loadBalancer: { consistentHash: { httpCookie: { name: args.entry.sessionCookieName, ttl: `${args.entry.sessionCookieMaxAgeSeconds}s` } } },
        },
        subsets: [
            { name: "stable", labels: { [args.trackLabel.key]: args.trackLabel.stable } },
            { name: "canary", labels: { [args.trackLabel.key]: args.trackLabel.candidate } },
        ],
    };
}

/**
 * VirtualService spec: requests with `x-canary-user: true` go to the canary subset first (while the
 * stage has the header route), everything else is split by the stage's weights (summing to 100).
 */
export function virtualServiceSpec(
    args: Pick<TrafficSplitArgs, "stage" | "services" | "entry">,
    namespace: string,
    gateways: string[],
): Record<string, unknown> {
    const weights = stageWeights(args.stage);
    const host = serviceHost(args.services.main, namespace);
    const destination = (subset: string) => ({ host, subset, port: { number: args.services.port } });
    const http: Record<string, unknown>[] = [];
    if (args.stage.headerRoute) {
        http.push({
            name: HEADER_ROUTE_NAME,
            match: [{ headers: { [CANARY_HEADER]: { exact: CANARY_HEADER_VALUE } } }],
            route: [{ destination: destination("canary") }],
        });
    }
    http.push({
        name: WEIGHTED_ROUTE_NAME,
        route: [
            { destination: destination("stable"), weight: weights.stable },
            { destination: destination("canary"), weight: weights.candidate },
        ],
    });
    return {
        hosts: gateways.length > 0 ? [host, args.entry.host] : [host],
        // "mesh" keeps the split for in-mesh callers as well as for the gateway's.
        gateways: gateways.length > 0 ? ["mesh", ...gateways] : ["mesh"],
        http,
    };
}

/** Annotations of the main nginx Ingress: TLS redirect, per-client rate limit, cookie session affinity. */
export function mainIngressAnnotations(entry: PublicEntry): Record<string, string> {
    return {
        [`${NGINX}/ssl-redirect`]: "true",
        [`${NGINX}/limit-rps`]: String(entry.rateLimitRps),
        [`${NGINX}/affinity`]: "cookie",
        [`${NGINX}/session-cookie-name`]: entry.sessionCookieName,
        [`${NGINX}/session-cookie-max-age`]: String(entry.sessionCookieMaxAgeSeconds),
    };
}

/**
 * Annotations of the canary nginx Ingress: the candidate's weight and, while the stage has it, the
 * header route. Outside a rollout the canary Ingress stays with weight 0 and no header, so the names
 * the health gate patches never change and promotion moves traffic before the candidate goes away.
 */
export function canaryIngressAnnotations(stage: TrafficSplitArgs["stage"]): Record<string, string> {
    const annotations: Record<string, string> = {
        [`${NGINX}/canary`]: "true",
        [`${NGINX}/canary-weight`]: String(stageWeights(stage).candidate),
    };
    if (stage.headerRoute) {
        annotations[`${NGINX}/canary-by-header`] = CANARY_HEADER;
        annotations[`${NGINX}/canary-by-header-value`] = CANARY_HEADER_VALUE;
    }
    return annotations;
}

/** Ingress spec for `host` with TLS, every path to `service`. */
export function ingressSpec(entry: PublicEntry, ingressClassName: string, service: string, port: number): Record<string, unknown> {
    return {
        ingressClassName,
        tls: [{ hosts: [entry.host], secretName: entry.tlsSecretName }],
        rules: [
            {
                host: entry.host,
                http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service, port: { number: port } } } }] },
            },
        ],
    };
}

/**
 * The traffic split between the stable and candidate tracks for one rollout stage, with the router
 * the stack uses: Istio (DestinationRule + VirtualService) or ingress-nginx (main + canary Ingress).
 * The object names never change between stages; only weights and the header route do.
 */
export class TrafficSplit extends pulumi.ComponentResource {
    readonly router: Router;
    /** The applied split, in percent. */
    readonly weights: { stable: number; candidate: number };
    /** What the health gate's fast traffic cut patches. */
    readonly trafficCut: pulumi.Output<TrafficCutTarget>;
    /** The VirtualService (istio) or canary Ingress (nginx) that carries the candidate's weight. */
    readonly weightedObject: pulumi.CustomResource;

    constructor(name: string, args: TrafficSplitArgs, opts?: pulumi.ComponentResourceOptions) {
        super("claude-enhancer:mesh:TrafficSplit", name, {}, opts);
        this.router = args.router;
        this.weights = stageWeights(args.stage);
        const objectName = args.services.main;
        const labels = { "app.kubernetes.io/name": objectName, ...PLATFORM_LABELS };
        const namespace = pulumi.output(args.namespace);

        if (args.router === "istio") {
            new k8s.apiextensions.CustomResource(
                `${name}-destination-rule`,
                {
                    apiVersion: "networking.istio.io/v1",
                    kind: "DestinationRule",
                    metadata: { name: objectName, namespace: args.namespace, labels },
                    spec: namespace.apply((ns) => destinationRuleSpec(args, ns)),
                },
                { parent: this },
            );
            const virtualService = new k8s.apiextensions.CustomResource(
                `${name}-virtual-service`,
                {
                    apiVersion: "networking.istio.io/v1",
                    kind: "VirtualService",
                    metadata: { name: objectName, namespace: args.namespace, labels },
                    spec: pulumi.all([namespace, args.istioGateways ?? []]).apply(([ns, gateways]) => virtualServiceSpec(args, ns, gateways)),
                },
                { parent: this },
            );
            this.weightedObject = virtualService;
            this.trafficCut = pulumi.all([namespace, virtualService.metadata.name]).apply(([ns, vs]) => ({
                router: "istio" as const,
                namespace: ns,
                virtualService: vs,
                route: WEIGHTED_ROUTE_NAME,
                stableSubset: "stable",
                canarySubset: "canary",
            }));
        } else {
            const ingressClassName = args.ingressClassName ?? "nginx";
            new k8s.networking.v1.Ingress(
                `${name}-ingress`,
                {
                    metadata: { name: objectName, namespace: args.namespace, labels, annotations: mainIngressAnnotations(args.entry) },
                    spec: ingressSpec(args.entry, ingressClassName, args.services.stable, args.services.port),
                },
                { parent: this },
            );
            const canary = new k8s.networking.v1.Ingress(
                `${name}-canary-ingress`,
                {
                    metadata: { name: `${objectName}-canary`, namespace: args.namespace, labels, annotations: canaryIngressAnnotations(args.stage) },
                    spec: ingressSpec(args.entry, ingressClassName, args.services.candidate, args.services.port),
                },
                { parent: this },
            );
            this.weightedObject = canary;
            this.trafficCut = pulumi
                .all([namespace, canary.metadata.name])
                .apply(([ns, ingress]) => ({ router: "nginx" as const, namespace: ns, canaryIngress: ingress }));
        }

        this.registerOutputs({ weights: this.weights, trafficCut: this.trafficCut });
    }
}
