import { z } from "zod";

/** A Helm chart version: semantic version without a leading "v" (what `helm search repo --versions` lists). */
export const CHART_VERSION = z
    .string()
    .regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'a pinned Helm chart version such as "1.2.3" (no ranges, no "v" prefix)');

const K8S_NAME = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a Kubernetes object name (lowercase letters, digits and '-')");
const CPU = z.string().regex(/^\d+(\.\d+)?m?$/, 'a CPU quantity such as "100m" or "1"');
const MEMORY = z.string().regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$/, 'a memory quantity such as "128Mi"');

export const RequestsSchema = z.strictObject({ cpu: CPU, memory: MEMORY });

export const IstioSchema = z.strictObject({
    /** One version for every Istio chart (base, cni, istiod, gateway): Istio supports no skew between them. */
    chartVersion: CHART_VERSION.default("1.26.3"),
    /** Mutual TLS for the application namespace; STRICT rejects plaintext from outside the mesh. */
    mtlsMode: z.literal("STRICT").default("STRICT"),
    istiodReplicas: z.number().int().min(1).max(10).default(2),
    istiodRequests: RequestsSchema.prefault({ cpu: "500m", memory: "2Gi" }),
    gatewayReplicas: z.number().int().min(1).max(20).default(2),
    gatewayRequests: RequestsSchema.prefault({ cpu: "100m", memory: "128Mi" }),
    /** Service type of the ingress gateway (LoadBalancer on clouds; NodePort/ClusterIP on bare clusters). */
    gatewayServiceType: z.enum(["LoadBalancer", "NodePort", "ClusterIP"]).default("LoadBalancer"),
    /**
     * Secret of type kubernetes.io/tls in the gateway's namespace holding the public host's
     * certificate: an Istio Gateway reads its credentialName from its own namespace.
     */
    tlsCredentialName: K8S_NAME.default("claude-enhancer-gateway-tls"),
});

export const IngressNginxSchema = z.strictObject({
    chartVersion: CHART_VERSION.default("4.12.1"),
    replicas: z.number().int().min(1).max(20).default(2),
    requests: RequestsSchema.prefault({ cpu: "100m", memory: "90Mi" }),
    ingressClassName: K8S_NAME.default("nginx"),
    serviceType: z.enum(["LoadBalancer", "NodePort", "ClusterIP"]).default("LoadBalancer"),
});

/**
 * Service mesh and ingress (docs/architecture.md): the router that carries the rollout's traffic split.
 * `istio`: Istio (base, cni, istiod, an ingress gateway) with mTLS STRICT; `nginx`: ingress-nginx
 * canary annotations, for clusters without Istio. The public host, its TLS secret and the per-client
 * rate limit of the service's own entry are in `app.ingress`.
 */
export const MeshSchema = z.strictObject({
    router: z.enum(["istio", "nginx"]).default("istio"),
    istio: IstioSchema.prefault({}),
    ingressNginx: IngressNginxSchema.prefault({}),
});

export type MeshConfig = z.infer<typeof MeshSchema>;
export type IstioConfig = z.infer<typeof IstioSchema>;
export type IngressNginxConfig = z.infer<typeof IngressNginxSchema>;
