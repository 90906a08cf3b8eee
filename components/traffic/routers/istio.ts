import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stageWeights } from "../../../rollout/stages";
import { IstioTarget, istioHeaderRoute, istioLiveRouter } from "../../../rollout/gate/routers/istio";
import { WEIGHTED_ROUTE_NAME } from "../../../rollout/gate/routers/liveRouter";
import { ISTIO_NAMESPACE } from "../../kubernetes/platformNamespaces";
import { Mesh } from "../istio";
import { FORCE_APPLY_ANNOTATIONS, RouterModule, TrafficSplitArgs, declaredTraffic } from "../router";

/**
 * The Istio router: the Mesh (istiod, an ingress gateway, mTLS STRICT) and, per stage, a DestinationRule
 * with `stable`/`canary` subsets and a VirtualService carrying the weights. Every pod of the service runs
 * an Envoy sidecar, which must reach istiod.
 */

/** istiod's xDS and certificate port: sidecars must reach it or they never become ready. */
export const ISTIOD_XDS_PORT = 15012;

/** Cluster-local host name of a Service. */
export function serviceHost(service: string, namespace: string): string {
    return `${service}.${namespace}.svc.cluster.local`;
}

/** DestinationRule spec: `stable`/`canary` subsets by track label, mutual TLS inside the mesh, cookie-pinned pods. */
export function destinationRuleSpec(
    args: Pick<TrafficSplitArgs, "services" | "trackLabel" | "entry">,
    namespace: string,
): Record<string, unknown> {
    return {
        host: serviceHost(args.services.main, namespace),
        trafficPolicy: {
            tls: { mode: "ISTIO_MUTUAL" },
            loadBalancer: {
                consistentHash: { httpCookie: { name: args.entry.sessionCookieName, ttl: `${args.entry.sessionCookieMaxAgeSeconds}s` } },
            },
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
    const headerRoute = declaredTraffic(args.stage).headerRoute;
    if (headerRoute) http.push(istioHeaderRoute(headerRoute, destination("canary")));
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

/** Creates the DestinationRule and the VirtualService (the weighted object the gate's fast cut patches). */
function istioSplit(name: string, args: TrafficSplitArgs, labels: Record<string, string>, parent: pulumi.Resource) {
    const objectName = args.services.main;
    const namespace = pulumi.output(args.namespace);
    new k8s.apiextensions.CustomResource(
        `${name}-destination-rule`,
        {
            apiVersion: "networking.istio.io/v1",
            kind: "DestinationRule",
            metadata: { name: objectName, namespace: args.namespace, labels },
            spec: namespace.apply((ns) => destinationRuleSpec(args, ns)),
        },
        { parent },
    );
    const virtualService = new k8s.apiextensions.CustomResource(
        `${name}-virtual-service`,
        {
            apiVersion: "networking.istio.io/v1",
            kind: "VirtualService",
            metadata: { name: objectName, namespace: args.namespace, labels, annotations: FORCE_APPLY_ANNOTATIONS },
            spec: pulumi.all([namespace, args.attachTo ?? []]).apply(([ns, gateways]) => virtualServiceSpec(args, ns, gateways)),
        },
        { parent },
    );
    return {
        weightedObject: virtualService,
        trafficCut: pulumi.all([namespace, virtualService.metadata.name]).apply(([ns, vs]): IstioTarget => ({
            router: "istio",
            namespace: ns,
            virtualService: vs,
            route: WEIGHTED_ROUTE_NAME,
            stableSubset: "stable",
            canarySubset: "canary",
        })),
    };
}

export const istioRouter: RouterModule = {
    live: istioLiveRouter,
    // istio-system is one of the platform's namespaces on every stack (components/kubernetes/platformNamespaces.ts).
    namespaces: [],
    controller: (args, opts) =>
        new Mesh(
            "mesh",
            {
                istio: args.mesh.istio,
                istioNamespace: args.namespaceOf(ISTIO_NAMESPACE),
                appNamespace: args.appNamespace,
                monitoringNamespace: args.monitoringNamespace,
                serviceSelector: args.serviceSelector,
                host: args.host,
                tracing: args.tracing,
                chartMirror: args.chartMirror,
            },
            opts,
        ),
    split: istioSplit,
    workloadEgress: [{ namespace: ISTIO_NAMESPACE, port: ISTIOD_XDS_PORT }],
    // An Istio Gateway reads its credentialName from its own namespace.
    servingSecret: ({ mesh, namespaceOf }) => ({ namespace: namespaceOf(ISTIO_NAMESPACE), name: mesh.istio.tlsCredentialName }),
};
