import { PRIVATE_RANGES } from "../../config/cluster";
import type { ClusterAddresses } from "../cluster/clusterAddresses";
import { CLUSTER_AUTOSCALER_NAMESPACE, CLUSTER_AUTOSCALER_RELEASE } from "../cluster/clusterAutoscalerValues";
import { METRICS_SERVER_NAMESPACE, METRICS_SERVER_RELEASE } from "../cluster/metricsServerValues";
import {
    APP_NAMESPACE,
    CERT_MANAGER_NAMESPACE,
    ISTIO_NAMESPACE,
    LOGGING_NAMESPACE,
    MONITORING_NAMESPACE,
    TRACING_NAMESPACE,
} from "../kubernetes/platformNamespaces";
import {
    apiServerEgress,
    cidrPeers,
    DNS_EGRESS,
    EgressRule,
    IngressRule,
    namespacePeer,
    NetworkPolicyPeer,
    podsInNamespace,
    podsPeer,
    tcp,
    udp,
} from "../kubernetes/networkPeers";
import {
    FLUENT_BIT_RELEASE,
    OPENSEARCH_DASHBOARDS_RELEASE,
    OPENSEARCH_RELEASE,
    RETENTION_SETUP_LABELS,
} from "../observability/loggingValues";
import { MONITORING_RELEASE } from "../observability/monitoringValues";
import { CLOUDWATCH_EXPORTER_RELEASE } from "../observability/exporters";
import { JAEGER_RELEASE, OTLP_GRPC_PORT, OTLP_HTTP_PORT } from "../observability/tracingValues";
import { GUARD_LABELS } from "../rollout/guard";
import { CERT_MANAGER_RELEASE } from "../tls/certManagerValues";
import { ISTIO_GATEWAY_RELEASE, ISTIO_RELEASES } from "../traffic/istioValues";
import { INGRESS_NGINX_NAMESPACE } from "../traffic/routers/nginx";
import type { Router } from "../traffic/router";
import { INGRESS_NGINX_RELEASE } from "../traffic/nginxValues";
import { chartPodLabels } from "./chartPods";

/**
 * The flows table (docs/network-fences.md): for each namespace the program creates or fills with a chart,
 * which pods may talk to what. Every namespace the program creates denies everything by default; each
 * component then gets one NetworkPolicy, with exactly the flows it needs. kube-system holds the cluster's
 * own add-ons, so only the program's pods there are fenced. Pure: NetworkFences writes these as objects.
 */

/** What the stack's fences depend on; all of it comes from the configuration and the cluster's addresses. */
export interface FenceContext {
    /** The namespaces the stack creates; each gets a default deny. */
    namespaces: string[];
    router: Router;
    /** The service's container port (what the router and the gateway reach). */
    appPort: number;
    cluster: ClusterAddresses;
    /** AWS stacks: the private subnets, where the interface endpoints (STS) and the Amazon OpenSearch domain have their addresses. */
    privateSubnetCidrs?: string[];
    monitoring: {
        /** The CloudWatch exporter runs (AWS data stores). */
        cloudwatchExporter: boolean;
        /** The SMTP relay's port, when Alertmanager sends e-mail. */
        smtpPort?: number;
    };
    /** Undefined when logging is off. */
    logging?: { store: "in-cluster" | "amazon"; archive: boolean };
    tracing: boolean;
    /** Undefined without cert-manager; `acme`: it solves DNS-01 challenges with Let's Encrypt and Route 53. */
    certManager?: { acme: boolean };
    clusterAutoscaler: boolean;
    metricsServer: boolean;
}

/** One NetworkPolicy: its pods may receive `ingress` and send `egress`, nothing else. */
export interface Fence {
    namespace: string;
    /** The NetworkPolicy's name: `default-deny`, or the component's. */
    name: string;
    /** Labels of the pods it selects; empty: every pod of the namespace. */
    podLabels: Record<string, string>;
    ingress: IngressRule[];
    egress: EgressRule[];
    /** Why an egress rule reaches any public address; written as the OPEN_EGRESS_REASON_ANNOTATION (networkPeers.ts). */
    openEgressReason?: string;
}

/**
 * Addresses that are not on the internet: private ranges, carrier-grade NAT, link-local (the instance
 * metadata service) and loopback. Egress to "the internet" leaves them out, so it reaches nothing in the
 * VPC, the cluster or the node.
 */
export const NON_PUBLIC_RANGES = [...PRIVATE_RANGES, "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"];
const INTERNET: NetworkPolicyPeer = { ipBlock: { cidr: "0.0.0.0/0", except: NON_PUBLIC_RANGES } };

/** Ports the components listen on, from their charts' templates and values. */
export const PORTS = {
    prometheus: 9090,
    /** The operator's config-reloader sidecar of Prometheus and Alertmanager (reloader-web). */
    configReloader: 8080,
    alertmanager: 9093,
    alertmanagerCluster: 9094,
    grafana: 3000,
    /** The operator's HTTPS port: its admission webhook and its metrics. */
    prometheusOperator: 10250,
    kubeStateMetrics: 8080,
    kubeStateMetricsTelemetry: 8081,
    cloudwatchExporter: 9106,
    kubelet: 10250,
    nodeExporter: 9100,
    kubeProxyMetrics: 10249,
    fluentBitHttp: 2020,
    opensearchHttp: 9200,
    opensearchTransport: 9300,
    istiodXds: 15010,
    istiodXdsTls: 15012,
    istiodMonitoring: 15014,
    /** istiod's sidecar injection and validation webhooks (the Service's 443). */
    istiodWebhook: 15017,
    gatewayStatus: 15021,
    envoyMetrics: 15090,
    istioAgentMetrics: 15020,
    nginxMetrics: 10254,
    nginxAdmission: 8443,
    /** cert-manager's webhook (`webhook.securePort`). */
    certManagerWebhook: 10250,
    /** metrics-server's HTTPS port: the aggregated metrics.k8s.io API. */
    metricsServer: 10250,
} as const;

const PROMETHEUS = chartPodLabels("kube-prometheus-stack", MONITORING_RELEASE, "prometheus");
const ALERTMANAGER = chartPodLabels("kube-prometheus-stack", MONITORING_RELEASE, "alertmanager");
const GRAFANA = chartPodLabels("kube-prometheus-stack", MONITORING_RELEASE, "grafana");
const FLUENT_BIT = chartPodLabels("fluent-bit", FLUENT_BIT_RELEASE, "fluent-bit");
const OPENSEARCH = chartPodLabels("opensearch", OPENSEARCH_RELEASE, "opensearch");
const DASHBOARDS = chartPodLabels("opensearch-dashboards", OPENSEARCH_DASHBOARDS_RELEASE, "opensearch-dashboards");
const ISTIOD = chartPodLabels("istiod", ISTIO_RELEASES.istiod, "istiod");

/** Prometheus, seen from any namespace: the one scraper. */
const FROM_PROMETHEUS = podsInNamespace(MONITORING_NAMESPACE, PROMETHEUS);
const fromPrometheus = (...ports: number[]): IngressRule => ({ from: [FROM_PROMETHEUS], ports: ports.map(tcp) });

/** The API server's own connections (webhooks, aggregated APIs, the service proxy) come from its addresses. */
const fromApiServer = (ctx: FenceContext, ...ports: number[]): IngressRule => ({
    from: cidrPeers(ctx.cluster.apiServer.cidrs),
    ports: ports.map(tcp),
});

/** DNS and the API server: what every controller of the cluster needs. */
const controllerEgress = (ctx: FenceContext): EgressRule[] => [DNS_EGRESS, apiServerEgress(ctx.cluster.apiServer)];

/**
 * HTTPS to AWS APIs: through the interface endpoints in the private subnets where the stack has them
 * (STS), else to AWS's public endpoints, which have no fixed addresses.
 */
const awsApis = (ctx: FenceContext): EgressRule[] => [
    ...(ctx.privateSubnetCidrs ? [{ to: cidrPeers(ctx.privateSubnetCidrs), ports: [tcp(443)] }] : []),
    { to: [INTERNET], ports: [tcp(443)] },
];

function fence(
    namespace: string,
    name: string,
    podLabels: Record<string, string>,
    rules: { ingress?: IngressRule[]; egress?: EgressRule[]; openEgressReason?: string },
): Fence {
    const { ingress = [], egress = [], openEgressReason } = rules;
    return { namespace, name, podLabels: { ...podLabels }, ingress, egress, ...(openEgressReason ? { openEgressReason } : {}) };
}

/** The namespace's baseline: every pod isolated for ingress and egress, until a fence of its own lets flows through. */
export function defaultDeny(namespace: string): Fence {
    return fence(namespace, "default-deny", {}, {});
}

/** kube-prometheus-stack and the CloudWatch exporter. */
export function monitoringFences(ctx: FenceContext): Fence[] {
    const ns = MONITORING_NAMESPACE;
    const pod = (component: string) => chartPodLabels("kube-prometheus-stack", MONITORING_RELEASE, component);
    const receivers = [443, ...(ctx.monitoring.smtpPort !== undefined ? [ctx.monitoring.smtpPort] : [])];
    const fences = [
        fence(ns, "prometheus", PROMETHEUS, {
            ingress: [
                { from: [podsPeer(GRAFANA)], ports: [tcp(PORTS.prometheus)] },
                // The rollout guard's queries, and the health gate's through the API server's service proxy.
                { from: [podsInNamespace(APP_NAMESPACE, GUARD_LABELS)], ports: [tcp(PORTS.prometheus)] },
                fromApiServer(ctx, PORTS.prometheus),
                // It scrapes itself and its config reloader.
                { from: [podsPeer(PROMETHEUS)], ports: [tcp(PORTS.prometheus), tcp(PORTS.configReloader)] },
            ],
            egress: [
                ...controllerEgress(ctx),
                // Scrape targets in every namespace; which ports each target admits is the target's fence.
                { to: [{ namespaceSelector: {} }] },
                {
                    to: cidrPeers(ctx.cluster.nodeCidrs),
                    ports: [tcp(PORTS.kubelet), tcp(PORTS.nodeExporter), tcp(PORTS.kubeProxyMetrics)],
                },
            ],
        }),
        fence(ns, "alertmanager", ALERTMANAGER, {
            ingress: [
                { from: [podsPeer(PROMETHEUS), podsPeer(GRAFANA)], ports: [tcp(PORTS.alertmanager)] },
                fromPrometheus(PORTS.configReloader),
                { from: [podsPeer(ALERTMANAGER)], ports: [tcp(PORTS.alertmanagerCluster), udp(PORTS.alertmanagerCluster)] },
            ],
            egress: [
                DNS_EGRESS,
                { to: [podsPeer(ALERTMANAGER)], ports: [tcp(PORTS.alertmanagerCluster), udp(PORTS.alertmanagerCluster)] },
                { to: [INTERNET], ports: receivers.map(tcp) },
            ],
            openEgressReason: "alertmanager: its receivers (PagerDuty, Slack webhooks, the SMTP relay) publish no fixed addresses",
        }),
        fence(ns, "grafana", GRAFANA, {
            ingress: [fromPrometheus(PORTS.grafana)],
            // Its sidecars watch the API for dashboards and data sources; it queries Prometheus and Alertmanager.
            egress: [
                ...controllerEgress(ctx),
                { to: [podsPeer(PROMETHEUS)], ports: [tcp(PORTS.prometheus)] },
                { to: [podsPeer(ALERTMANAGER)], ports: [tcp(PORTS.alertmanager)] },
            ],
        }),
        fence(ns, "operator", pod("operator"), {
            ingress: [fromApiServer(ctx, PORTS.prometheusOperator), fromPrometheus(PORTS.prometheusOperator)],
            egress: controllerEgress(ctx),
        }),
        // Helm hooks that write the webhook's certificate and patch it into the webhook configurations.
        fence(ns, "admission-create", pod("admission-create"), { egress: controllerEgress(ctx) }),
        fence(ns, "admission-patch", pod("admission-patch"), { egress: controllerEgress(ctx) }),
        fence(ns, "kube-state-metrics", pod("kube-state-metrics"), {
            ingress: [fromPrometheus(PORTS.kubeStateMetrics, PORTS.kubeStateMetricsTelemetry)],
            egress: controllerEgress(ctx),
        }),
    ];
    if (ctx.monitoring.cloudwatchExporter) {
        fences.push(
            fence(
                ns,
                "cloudwatch-exporter",
                chartPodLabels("prometheus-cloudwatch-exporter", CLOUDWATCH_EXPORTER_RELEASE, "cloudwatch-exporter"),
                {
                    ingress: [fromPrometheus(PORTS.cloudwatchExporter)],
                    egress: [DNS_EGRESS, ...awsApis(ctx)],
                    openEgressReason: "cloudwatch-exporter: CloudWatch's and STS's public endpoints have no fixed addresses",
                },
            ),
        );
    }
    return fences;
}

/** Fluent Bit, the in-cluster OpenSearch and Dashboards, the retention Job. */
export function loggingFences(ctx: FenceContext): Fence[] {
    const logging = ctx.logging;
    if (!logging) return [];
    const ns = LOGGING_NAMESPACE;
    const inCluster = logging.store === "in-cluster";
    if (!inCluster && !ctx.privateSubnetCidrs)
        throw new Error("an Amazon OpenSearch domain needs the private subnets it has its addresses in");
    // The in-cluster store's pods, or the Amazon domain's ENIs in the private subnets (HTTPS).
    const toStore: EgressRule = inCluster
        ? { to: [podsPeer(OPENSEARCH)], ports: [tcp(PORTS.opensearchHttp)] }
        : { to: cidrPeers(ctx.privateSubnetCidrs ?? []), ports: [tcp(443)] };
    const fences = [
        fence(ns, "fluent-bit", FLUENT_BIT, {
            ingress: [fromPrometheus(PORTS.fluentBitHttp)],
            // The kubernetes filter reads pod metadata from the API server.
            egress: [...controllerEgress(ctx), toStore, ...(logging.archive ? awsApis(ctx) : [])],
            openEgressReason: logging.archive ? "fluent-bit: S3 (the log archive) and STS have no fixed addresses" : undefined,
        }),
        // It holds the OpenSearch admin password: OpenSearch and DNS, nothing else.
        fence(ns, "retention-setup", RETENTION_SETUP_LABELS, { egress: [DNS_EGRESS, toStore] }),
    ];
    if (inCluster) {
        fences.push(
            fence(ns, "opensearch", OPENSEARCH, {
                ingress: [
                    {
                        from: [podsPeer(FLUENT_BIT), podsPeer(DASHBOARDS), podsPeer(RETENTION_SETUP_LABELS)],
                        ports: [tcp(PORTS.opensearchHttp)],
                    },
                    { from: [podsPeer(OPENSEARCH)], ports: [tcp(PORTS.opensearchTransport)] },
                ],
                egress: [DNS_EGRESS, { to: [podsPeer(OPENSEARCH)], ports: [tcp(PORTS.opensearchTransport)] }],
            }),
            // No ingress: operators use `kubectl port-forward`, which enters the pod's own network namespace.
            fence(ns, "opensearch-dashboards", DASHBOARDS, { egress: [DNS_EGRESS, toStore] }),
        );
    }
    return fences;
}

/** Jaeger: spans in from the service and the mesh; it calls nothing. */
export function tracingFences(ctx: FenceContext): Fence[] {
    if (!ctx.tracing) return [];
    const senders = [namespacePeer(APP_NAMESPACE), ...(ctx.router === "istio" ? [namespacePeer(ISTIO_NAMESPACE)] : [])];
    return [
        fence(TRACING_NAMESPACE, "jaeger", chartPodLabels("jaeger", JAEGER_RELEASE, "jaeger"), {
            ingress: [{ from: senders, ports: [tcp(OTLP_GRPC_PORT), tcp(OTLP_HTTP_PORT)] }],
            egress: [DNS_EGRESS],
        }),
    ];
}

/** istiod, the ingress gateway and the CNI node agent. */
export function istioFences(ctx: FenceContext): Fence[] {
    if (ctx.router !== "istio") return [];
    const ns = ISTIO_NAMESPACE;
    const gateway = chartPodLabels("gateway", ISTIO_GATEWAY_RELEASE, "gateway");
    return [
        fence(ns, "istiod", ISTIOD, {
            ingress: [
                // The sidecars of the service's namespace and the gateway fetch configuration and certificates.
                { from: [namespacePeer(APP_NAMESPACE), podsPeer(gateway)], ports: [tcp(PORTS.istiodXds), tcp(PORTS.istiodXdsTls)] },
                fromApiServer(ctx, PORTS.istiodWebhook),
                fromPrometheus(PORTS.istiodMonitoring),
            ],
            egress: controllerEgress(ctx),
        }),
        fence(ns, "gateway", gateway, {
            ingress: [
                // The public entry: the load balancer forwards clients' connections and probes the status port.
                { ports: [tcp(80), tcp(443), tcp(PORTS.gatewayStatus)] },
                fromPrometheus(PORTS.istioAgentMetrics, PORTS.envoyMetrics),
            ],
            egress: [
                DNS_EGRESS,
                { to: [podsPeer(ISTIOD)], ports: [tcp(PORTS.istiodXdsTls)] },
                { to: [namespacePeer(APP_NAMESPACE)], ports: [tcp(ctx.appPort)] },
                ...(ctx.tracing ? [{ to: [namespacePeer(TRACING_NAMESPACE)], ports: [tcp(OTLP_GRPC_PORT)] }] : []),
            ],
        }),
        fence(ns, "istio-cni-node", chartPodLabels("cni", ISTIO_RELEASES.cni, "istio-cni-node"), { egress: controllerEgress(ctx) }),
    ];
}

/** ingress-nginx: the controller and its admission webhook's certificate Jobs. */
export function ingressNginxFences(ctx: FenceContext): Fence[] {
    if (ctx.router !== "nginx") return [];
    const ns = INGRESS_NGINX_NAMESPACE;
    const pod = (component: string) => chartPodLabels("ingress-nginx", INGRESS_NGINX_RELEASE, component);
    return [
        fence(ns, "controller", pod("controller"), {
            ingress: [
                // The public entry (a NodePort or the load balancer).
                { ports: [tcp(80), tcp(443)] },
                fromApiServer(ctx, PORTS.nginxAdmission),
                fromPrometheus(PORTS.nginxMetrics),
            ],
            egress: [...controllerEgress(ctx), { to: [namespacePeer(APP_NAMESPACE)], ports: [tcp(ctx.appPort)] }],
        }),
        fence(ns, "admission-webhook", pod("admission-webhook"), { egress: controllerEgress(ctx) }),
    ];
}

/** cert-manager: controller, webhook, cainjector and the install's API check. */
export function certManagerFences(ctx: FenceContext): Fence[] {
    if (!ctx.certManager) return [];
    const ns = CERT_MANAGER_NAMESPACE;
    const pod = (component: string) => chartPodLabels("cert-manager", CERT_MANAGER_RELEASE, component);
    const acme = ctx.certManager.acme;
    return [
        fence(ns, "controller", pod("controller"), {
            // ACME: Let's Encrypt, Route 53 and STS over HTTPS; DNS-01 self-checks go through the cluster DNS
            // (dns01RecursiveNameserversOnly), never straight to the zone's name servers.
            egress: [...controllerEgress(ctx), ...(acme ? awsApis(ctx) : [])],
            openEgressReason: acme ? "cert-manager: Let's Encrypt, Route 53 and STS publish no fixed addresses" : undefined,
        }),
        fence(ns, "webhook", pod("webhook"), { ingress: [fromApiServer(ctx, PORTS.certManagerWebhook)], egress: controllerEgress(ctx) }),
        fence(ns, "cainjector", pod("cainjector"), { egress: controllerEgress(ctx) }),
        fence(ns, "startupapicheck", pod("startupapicheck"), { egress: controllerEgress(ctx) }),
    ];
}

/** The program's pods in kube-system (the cluster's own add-ons there are the cluster's business). */
export function kubeSystemFences(ctx: FenceContext): Fence[] {
    const fences: Fence[] = [];
    if (ctx.clusterAutoscaler) {
        fences.push(
            fence(
                CLUSTER_AUTOSCALER_NAMESPACE,
                "cluster-autoscaler",
                chartPodLabels("cluster-autoscaler", CLUSTER_AUTOSCALER_RELEASE, "cluster-autoscaler"),
                {
                    egress: [...controllerEgress(ctx), ...awsApis(ctx)],
                    openEgressReason: "cluster-autoscaler: the Auto Scaling, EC2, EKS and STS public endpoints have no fixed addresses",
                },
            ),
        );
    }
    if (ctx.metricsServer) {
        fences.push(
            fence(METRICS_SERVER_NAMESPACE, "metrics-server", chartPodLabels("metrics-server", METRICS_SERVER_RELEASE, "metrics-server"), {
                // The API server serves metrics.k8s.io by calling it; it reads the kubelets.
                ingress: [fromApiServer(ctx, PORTS.metricsServer)],
                egress: [...controllerEgress(ctx), { to: cidrPeers(ctx.cluster.nodeCidrs), ports: [tcp(PORTS.kubelet)] }],
            }),
        );
    }
    return fences;
}

/** Every fence of a stack: a default deny per namespace it creates, then one fence per component. */
export function stackFences(ctx: FenceContext): Fence[] {
    return [
        ...ctx.namespaces.map(defaultDeny),
        ...monitoringFences(ctx),
        ...loggingFences(ctx),
        ...tracingFences(ctx),
        ...istioFences(ctx),
        ...ingressNginxFences(ctx),
        ...certManagerFences(ctx),
        ...kubeSystemFences(ctx),
    ];
}
