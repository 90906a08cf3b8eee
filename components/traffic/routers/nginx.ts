import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NGINX, NginxTarget, nginxCanaryAnnotations, nginxLiveRouter } from "../../../rollout/gate/routers/nginx";
import { IngressNginx } from "../nginx";
import { FORCE_APPLY_ANNOTATIONS, PublicEntry, RouterModule, TrafficSplitArgs, declaredTraffic } from "../router";

/**
 * The ingress-nginx router: the IngressNginx controller in its own namespace and, per stage, a main
 * Ingress to the stable track and a canary Ingress carrying the candidate's weight. No sidecar.
 */

export const INGRESS_NGINX_NAMESPACE = "ingress-nginx";

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
 * Annotations of the canary nginx Ingress for a stage: the candidate's weight and, while the stage has it,
 * the header route, as the live router builds them for its cut and restore.
 */
export function canaryIngressAnnotations(stage: TrafficSplitArgs["stage"]): Record<string, string> {
    return nginxCanaryAnnotations(declaredTraffic(stage));
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
 * Creates the main and the canary Ingress (the weighted object the gate's fast cut patches). Outside a
 * rollout the canary Ingress stays with weight 0 and no header, so the names the health gate patches
 * never change and promotion moves traffic before the candidate goes away.
 */
function nginxSplit(name: string, args: TrafficSplitArgs, labels: Record<string, string>, parent: pulumi.Resource) {
    const objectName = args.services.main;
    const ingressClassName = pulumi.output(args.attachTo ?? []).apply((classes) => classes[0] ?? "nginx");
    new k8s.networking.v1.Ingress(
        `${name}-ingress`,
        {
            metadata: { name: objectName, namespace: args.namespace, labels, annotations: mainIngressAnnotations(args.entry) },
            spec: ingressClassName.apply((c) => ingressSpec(args.entry, c, args.services.stable, args.services.port)),
        },
        { parent },
    );
    const canary = new k8s.networking.v1.Ingress(
        `${name}-canary-ingress`,
        {
            metadata: {
                name: `${objectName}-canary`,
                namespace: args.namespace,
                labels,
                annotations: { ...canaryIngressAnnotations(args.stage), ...FORCE_APPLY_ANNOTATIONS },
            },
            spec: ingressClassName.apply((c) => ingressSpec(args.entry, c, args.services.candidate, args.services.port)),
        },
        { parent },
    );
    return {
        weightedObject: canary,
        trafficCut: pulumi
            .all([pulumi.output(args.namespace), canary.metadata.name])
            .apply(([ns, ingress]): NginxTarget => ({ router: "nginx", namespace: ns, canaryIngress: ingress })),
    };
}

export const nginxRouter: RouterModule = {
    live: nginxLiveRouter,
    namespaces: [{ name: INGRESS_NGINX_NAMESPACE, podSecurity: "restricted" }],
    controller: (args, opts) =>
        new IngressNginx(
            "ingress-nginx",
            {
                ingressNginx: args.mesh.ingressNginx,
                namespace: args.namespaceOf(INGRESS_NGINX_NAMESPACE),
                monitoringRelease: args.monitoringRelease,
                chartMirror: args.chartMirror,
            },
            opts,
        ),
    split: nginxSplit,
    workloadEgress: [],
    // The Ingresses read the host's certificate from their own (the application's) namespace.
    servingSecret: ({ ingress, appNamespace }) => ({ namespace: appNamespace, name: ingress.tlsSecretName }),
};
