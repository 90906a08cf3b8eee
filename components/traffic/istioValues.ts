import type { IstioConfig } from "../../config/mesh";

/**
 * Helm values and Istio resource specs of the mesh (docs/architecture.md, Traffic),
 * as plain functions of the stack configuration.
 */

/** Releases of the official charts: base (CRDs), istio-cni, istiod. */
export const ISTIO_RELEASES = { base: "istio-base", cni: "istio-cni", istiod: "istiod" } as const;
/** Release (and so Deployment, ServiceAccount) name of the ingress gateway; its pods get `istio: ingressgateway`. */
export const ISTIO_GATEWAY_RELEASE = "istio-ingressgateway";
export const ISTIO_GATEWAY_SELECTOR = { istio: "ingressgateway" } as const;
/** Istio's default trust domain: workload identities are spiffe://cluster.local/ns/<ns>/sa/<sa>. */
export const TRUST_DOMAIN = "cluster.local";

export function istioCniValues(): Record<string, unknown> {
    return {
        // istio-cni sets up each pod's traffic redirection from the node, so sidecar-injected pods
        // need no istio-init container with NET_ADMIN/NET_RAW and pass Pod Security "restricted".
        excludeNamespaces: ["kube-system"],
    };
}

/** Name of the mesh's tracing provider (meshConfig.extensionProviders), which the Telemetry resource selects. */
export const TRACING_PROVIDER = "otel-tracing";

/** The trace collector the sidecars and gateways send spans to (OTLP/gRPC). */
export interface MeshTracing {
    host: string;
    port: number;
    /** Share of requests sampled where they enter the mesh, 0–1. */
    samplingRatio: number;
}

/**
 * Mesh-wide tracing (a Telemetry resource in the root namespace): every Envoy reports spans to the
 * collector through TRACING_PROVIDER. The gateway decides at the edge; the decision travels in the
 * W3C traceparent header, which the sidecars and the application's SDK (parent-based) honour.
 */
export function telemetrySpec(tracing: MeshTracing): Record<string, unknown> {
    // Istio takes a percentage; the rounding keeps float noise (0.07 * 100 = 7.000000000000001) out of it.
    return {
        tracing: [{ providers: [{ name: TRACING_PROVIDER }], randomSamplingPercentage: Number((tracing.samplingRatio * 100).toFixed(4)) }],
    };
}

export function istiodValues(istio: IstioConfig, istioNamespace: string, tracing?: MeshTracing): Record<string, unknown> {
    return {
        global: { istioNamespace },
        pilot: {
            cni: { enabled: true },
            autoscaleMin: istio.istiodReplicas,
            autoscaleMax: Math.max(istio.istiodReplicas, 5),
            replicaCount: istio.istiodReplicas,
            resources: { requests: { ...istio.istiodRequests } },
        },
        // Prometheus, outside the mesh, scrapes each pod's agent (port 15020), which merges the
        // application's /metrics with Envoy's: mTLS STRICT leaves no plaintext path to the app port.
        meshConfig: {
            enablePrometheusMerge: true,
            ...(tracing
                ? { extensionProviders: [{ name: TRACING_PROVIDER, opentelemetry: { service: tracing.host, port: tracing.port } }] }
                : {}),
        },
    };
}

export function istioGatewayValues(istio: IstioConfig): Record<string, unknown> {
    return {
        replicaCount: istio.gatewayReplicas,
        autoscaling: { enabled: true, minReplicas: istio.gatewayReplicas, maxReplicas: Math.max(istio.gatewayReplicas * 2, 5) },
        resources: { requests: { ...istio.gatewayRequests } },
        service: { type: istio.gatewayServiceType },
    };
}

/** Spec of the Istio Gateway exposing the public host: HTTPS with the host's certificate, HTTP redirected to it. */
export function gatewaySpec(host: string, tlsCredentialName: string): Record<string, unknown> {
    return {
        selector: { ...ISTIO_GATEWAY_SELECTOR },
        servers: [
            {
                port: { number: 443, name: "https", protocol: "HTTPS" },
                hosts: [host],
                tls: { mode: "SIMPLE", credentialName: tlsCredentialName, minProtocolVersion: "TLSV1_2" },
            },
            { port: { number: 80, name: "http", protocol: "HTTP" }, hosts: [host], tls: { httpsRedirect: true } },
        ],
    };
}

export function peerAuthenticationSpec(mode: IstioConfig["mtlsMode"]): Record<string, unknown> {
    return { mtls: { mode } };
}

export interface AuthorizationArgs {
    /** Pod labels of the service (the policy's selector). */
    selector: Record<string, string>;
    istioNamespace: string;
    monitoringNamespace: string;
}

/**
 * ALLOW policy on the service's pods: requests from the ingress gateway's identity and from the
 * monitoring namespace; with an ALLOW policy in place, Istio denies every other caller.
 */
export function authorizationPolicySpec(args: AuthorizationArgs): Record<string, unknown> {
    return {
        selector: { matchLabels: { ...args.selector } },
        action: "ALLOW",
        rules: [
            { from: [{ source: { principals: [`${TRUST_DOMAIN}/ns/${args.istioNamespace}/sa/${ISTIO_GATEWAY_RELEASE}`] } }] },
            { from: [{ source: { namespaces: [args.monitoringNamespace] } }] },
        ],
    };
}
