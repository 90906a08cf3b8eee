/**
 * The pods each Helm chart of the program runs, by the labels the chart's templates give them, at the
 * chart versions the configuration pins (docs/network-fences.md, "Chart pods"). Helm renders the pods at
 * deploy time, so this table is how the program's NetworkPolicies select them and how the policy pack
 * knows which releases ship pods: policies/chartPods.ts holds the pack's copy, and a test keeps the two
 * equal. A chart upgrade that changes a label has to change it here; the namespaces' default deny makes
 * such a miss cut the pod's traffic rather than open it.
 */

export interface ChartPodGroup {
    /** The chart's component, e.g. "prometheus"; also the name of its NetworkPolicy. */
    component: string;
    /** Labels every pod of the group carries (their NetworkPolicy's selector). */
    labels: Record<string, string>;
    /** The pods run on the node's network: a NetworkPolicy does not apply to them. */
    hostNetwork?: true;
}

/** The pod groups of one release of a chart, by release name. */
export type ChartPods = (release: string) => ChartPodGroup[];

/** `app.kubernetes.io/name` + `app.kubernetes.io/instance`: the selector labels most charts' `*.selectorLabels` helpers write. */
function selectorLabels(name: string, release: string): Record<string, string> {
    return { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": release };
}

/**
 * kube-prometheus-stack's `fullname` helper: the release name when it contains the chart's name, else
 * `<release>-kube-prometheus-stack`, cut to 26 characters.
 */
function kubePrometheusStackFullname(release: string): string {
    const name = "kube-prometheus-stack";
    return (release.includes(name) ? release : `${release}-${name}`).slice(0, 26).replace(/-+$/, "");
}

export const CHART_PODS: Readonly<Record<string, ChartPods>> = {
    // 88.5.3: templates/prometheus-operator (operator, admission-webhooks/job-patch), the operator's
    // Prometheus and Alertmanager pods (`prometheus` / `alertmanager` = the custom resource's name, as the
    // chart's own NetworkPolicies select them), and the grafana, kube-state-metrics and
    // prometheus-node-exporter subcharts (the node exporter runs with hostNetwork: true).
    "kube-prometheus-stack": (release) => {
        const fullname = kubePrometheusStackFullname(release);
        return [
            { component: "prometheus", labels: { "app.kubernetes.io/name": "prometheus", prometheus: `${fullname}-prometheus` } },
            { component: "alertmanager", labels: { "app.kubernetes.io/name": "alertmanager", alertmanager: `${fullname}-alertmanager` } },
            { component: "grafana", labels: selectorLabels("grafana", release) },
            { component: "operator", labels: { app: "kube-prometheus-stack-operator", release } },
            { component: "admission-create", labels: { app: "kube-prometheus-stack-admission-create" } },
            { component: "admission-patch", labels: { app: "kube-prometheus-stack-admission-patch" } },
            { component: "kube-state-metrics", labels: selectorLabels("kube-state-metrics", release) },
            { component: "node-exporter", labels: selectorLabels("prometheus-node-exporter", release), hostNetwork: true },
        ];
    },
    // 0.26.0: templates/deployment.yaml.
    "prometheus-cloudwatch-exporter": (release) => [
        { component: "cloudwatch-exporter", labels: { app: "prometheus-cloudwatch-exporter", release } },
    ],
    // 0.58.1 (Fluent Bit 5.1), opensearch and opensearch-dashboards 3.6.0: `*.selectorLabels`.
    "fluent-bit": (release) => [{ component: "fluent-bit", labels: selectorLabels("fluent-bit", release) }],
    opensearch: (release) => [{ component: "opensearch", labels: selectorLabels("opensearch", release) }],
    "opensearch-dashboards": (release) => [
        { component: "opensearch-dashboards", labels: selectorLabels("opensearch-dashboards", release) },
    ],
    // 4.11.1: the all-in-one Deployment (templates/jaeger/jaeger-deploy.yaml).
    jaeger: (release) => [
        { component: "jaeger", labels: { ...selectorLabels("jaeger", release), "app.kubernetes.io/component": "all-in-one" } },
    ],
    // Istio 1.26: base installs CRDs only; istio-cni's node agent, istiod and the gateway (`gateway.selectorLabels`).
    base: () => [],
    cni: () => [{ component: "istio-cni-node", labels: { "k8s-app": "istio-cni-node" } }],
    istiod: () => [{ component: "istiod", labels: { app: "istiod", istio: "pilot" } }],
    gateway: (release) => [{ component: "gateway", labels: { app: release, istio: release.replace(/^istio-/, "") } }],
    // 4.12.1: the controller and the admission webhook's certificate Jobs (job-patch).
    "ingress-nginx": (release) => [
        { component: "controller", labels: { ...selectorLabels("ingress-nginx", release), "app.kubernetes.io/component": "controller" } },
        {
            component: "admission-webhook",
            labels: { ...selectorLabels("ingress-nginx", release), "app.kubernetes.io/component": "admission-webhook" },
        },
    ],
    // v1.18.2: deployment.yaml, webhook-deployment.yaml, cainjector-deployment.yaml, startupapicheck-job.yaml.
    "cert-manager": (release) =>
        (
            [
                ["controller", "cert-manager"],
                ["webhook", "webhook"],
                ["cainjector", "cainjector"],
                ["startupapicheck", "startupapicheck"],
            ] as const
        ).map(([component, name]) => ({
            component,
            labels: { ...selectorLabels(name, release), "app.kubernetes.io/component": component },
        })),
    // 9.43.2: `cluster-autoscaler.instance-name`, the name being `<cloudProvider>-cluster-autoscaler` (aws).
    "cluster-autoscaler": (release) => [{ component: "cluster-autoscaler", labels: selectorLabels("aws-cluster-autoscaler", release) }],
    // 3.12.2: `metrics-server.selectorLabels`.
    "metrics-server": (release) => [{ component: "metrics-server", labels: selectorLabels("metrics-server", release) }],
};

/** The labels of one component of a release; throws for a chart or component the table does not know. */
export function chartPodLabels(chart: string, release: string, component: string): Record<string, string> {
    const pods = CHART_PODS[chart];
    if (!pods) throw new Error(`chart ${chart} is not in CHART_PODS (components/fences/chartPods.ts)`);
    const group = pods(release).find((g) => g.component === component);
    if (!group) throw new Error(`chart ${chart} has no component ${component} in CHART_PODS`);
    return group.labels;
}
