import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stageWeights } from "../../rollout/stages";
import { CANARY_HEADER, CANARY_HEADER_VALUE, FORCE_APPLY_ANNOTATIONS, PublicEntry, RouterSplitBuilder, TrafficSplitArgs } from "./router";

/** The ingress-nginx split: a main Ingress to the stable track and a canary Ingress carrying the candidate's weight. */

const NGINX = "nginx.ingress.kubernetes.io";

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

/** Creates the main and the canary Ingress (the weighted object the gate's fast cut patches). */
export const nginxSplit: RouterSplitBuilder = (name, args, labels, parent) => {
    const objectName = args.services.main;
    const ingressClassName = args.ingressClassName ?? "nginx";
    new k8s.networking.v1.Ingress(
        `${name}-ingress`,
        {
            metadata: { name: objectName, namespace: args.namespace, labels, annotations: mainIngressAnnotations(args.entry) },
            spec: ingressSpec(args.entry, ingressClassName, args.services.stable, args.services.port),
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
            spec: ingressSpec(args.entry, ingressClassName, args.services.candidate, args.services.port),
        },
        { parent },
    );
    return {
        weightedObject: canary,
        trafficCut: pulumi
            .all([pulumi.output(args.namespace), canary.metadata.name])
            .apply(([ns, ingress]) => ({ router: "nginx" as const, namespace: ns, canaryIngress: ingress })),
    };
};
