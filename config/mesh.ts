import { z } from "zod";
import { ROUTER_NAMES, Router } from "../rollout/gate/routers";

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
 * The Gateway API router attaches the service's HTTPRoute to a Gateway the platform team runs with their
 * own Gateway controller; the program installs no controller and no Gateway.
 */
export const GatewayApiSchema = z.strictObject({
    /** Namespace and name of the Gateway the HTTPRoute attaches to (its parentRef). */
    gatewayNamespace: K8S_NAME,
    gatewayName: K8S_NAME,
    /** Namespace of the pods that carry the Gateway's traffic (the app's NetworkPolicy admits them); default: the Gateway's. */
    proxyNamespace: K8S_NAME.optional(),
});

/**
 * Service mesh and ingress (docs/architecture.md): the router that carries the rollout's traffic split.
 * `istio`: Istio (base, cni, istiod, an ingress gateway) with mTLS STRICT; `nginx`: ingress-nginx
 * canary annotations, for clusters without Istio; `gateway-api`: an HTTPRoute with weighted backendRefs on
 * the platform team's Gateway. The public host, its TLS secret and the per-client rate limit of the
 * service's own entry are in `app.ingress`.
 */
export const MeshSchema = z
    .strictObject({
        router: z.enum(ROUTER_NAMES).default("istio"),
        istio: IstioSchema.prefault({}),
        ingressNginx: IngressNginxSchema.prefault({}),
        gatewayApi: GatewayApiSchema.optional(),
    })
    .superRefine((mesh, ctx) => {
        for (const issue of routerFootprint(mesh).settingsIssues) ctx.addIssue({ code: "custom", ...issue });
    });

export type MeshConfig = z.infer<typeof MeshSchema>;
export type IstioConfig = z.infer<typeof IstioSchema>;
export type IngressNginxConfig = z.infer<typeof IngressNginxSchema>;
export type GatewayApiConfig = z.infer<typeof GatewayApiSchema>;

type Quantity = { cpu: string; memory: string };

/** Requests the pinned Istio charts set by default and the stack does not override. */
export const ISTIO_CHART_REQUESTS = {
    /** istiod chart global.proxy.resources: the sidecar injected into every application pod. */
    sidecar: { cpu: "100m", memory: "128Mi" },
    /** istio cni chart resources (a DaemonSet). */
    cni: { cpu: "100m", memory: "100Mi" },
} as const;

/**
 * What a router asks of the platform, as the configuration sees it: the capacity it takes, its public
 * entry, and the settings it cannot do without.
 */
export interface RouterFootprint {
    /** Added to every pod of the service: the sidecar the router injects. */
    sidecarRequests?: Quantity;
    /** The router's own pods. */
    pods: { name: string; replicas: number; requests: Quantity }[];
    /** Its DaemonSets, one pod on every node. */
    daemons: { name: string; requests: Quantity }[];
    /**
     * The public entry: the Service whose load balancer takes the public traffic, by the key that sets its type
     * (the host's DNS record points at it); or, when the entry is not the program's, whose it is — then so are
     * its certificate and DNS record.
     */
    publicEntry: { service: { typeKey: string[]; type: string } } | { owner: string };
    /** Settings under `mesh` the router needs and the stack lacks, by key and what is expected. */
    settingsIssues: { path: string[]; message: string }[];
}

const ROUTER_FOOTPRINTS: Record<Router, (mesh: MeshConfig) => RouterFootprint> = {
    istio: ({ istio }) => ({
        sidecarRequests: ISTIO_CHART_REQUESTS.sidecar,
        pods: [
            { name: "istiod", replicas: istio.istiodReplicas, requests: istio.istiodRequests },
            { name: "istio-ingressgateway", replicas: istio.gatewayReplicas, requests: istio.gatewayRequests },
        ],
        daemons: [{ name: "istio-cni-node", requests: ISTIO_CHART_REQUESTS.cni }],
        publicEntry: { service: { typeKey: ["mesh", "istio", "gatewayServiceType"], type: istio.gatewayServiceType } },
        settingsIssues: [],
    }),
    nginx: ({ ingressNginx }) => ({
        pods: [{ name: "ingress-nginx-controller", replicas: ingressNginx.replicas, requests: ingressNginx.requests }],
        daemons: [],
        publicEntry: { service: { typeKey: ["mesh", "ingressNginx", "serviceType"], type: ingressNginx.serviceType } },
        settingsIssues: [],
    }),
    // The Gateway, its proxies and its controller are the platform team's.
    "gateway-api": ({ gatewayApi }) => ({
        pods: [],
        daemons: [],
        publicEntry: { owner: "the platform team's Gateway" },
        settingsIssues: gatewayApi
            ? []
            : [
                  {
                      path: ["gatewayApi"],
                      message:
                          'an object {gatewayNamespace, gatewayName} (the Gateway the HTTPRoute attaches to; mesh.router is "gateway-api")',
                  },
              ],
    }),
};

/** The footprint of the stack's router. */
export function routerFootprint(mesh: MeshConfig): RouterFootprint {
    return ROUTER_FOOTPRINTS[mesh.router](mesh);
}
