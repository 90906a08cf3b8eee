/** The compliant and violating cases of every workloadNetwork policy (test/policies/workloadNetwork.test.ts runs them; coverage.test.ts checks every pack policy has some). */
import * as f from "./fixtures";
import { PolicyCases, changed, changedIn, resource } from "./harness";

const addon = (addonName: string, extra: Record<string, unknown> = {}) =>
    resource("aws:eks/addon:Addon", `cluster-eks-${addonName}`, { clusterName: "claude-enhancer-staging", addonName, ...extra });

/** An EKS cluster with its networking add-ons, the network policy agent on. */
const enforcingCluster = () => [
    changed(f.eksCluster(), ["name"], "claude-enhancer-staging"),
    addon("vpc-cni", { configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }) }),
    addon("kube-proxy"),
];

const DNS = {
    to: [
        {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
        },
    ],
    ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
    ],
};

/** The service's NetworkPolicy as the program declares it on an AWS stack. */
const appNetworkPolicy = () =>
    resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "app-network-policy", {
        metadata: { name: "claude-enhancer", namespace: "claude-enhancer" },
        spec: {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "claude-enhancer" } },
            policyTypes: ["Ingress", "Egress"],
            egress: [
                { to: [{ ipBlock: { cidr: "10.10.0.0/19" } }], ports: [{ protocol: "TCP", port: 5432 }] },
                DNS,
                { to: [{ ipBlock: { cidr: "10.10.0.0/19" } }], ports: [{ protocol: "TCP", port: 443 }] },
            ],
        },
    });
const HTTPS_EGRESS = ["spec", "egress", 2];
const openHttps = () => changed(appNetworkPolicy(), [...HTTPS_EGRESS, "to", 0, "ipBlock", "cidr"], "0.0.0.0/0");

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** A Helm release as the program registers it (chart by name, repository aside). */
const release = (name: string, chart: string, namespace: string) =>
    resource("kubernetes:helm.sh/v3:Release", `${name}-release`, { name, chart, namespace, version: "1.0.0" });

/** A fence: a NetworkPolicy isolating pods with `labels` for ingress and egress. */
const fence = (name: string, namespace: string, labels: Record<string, string>) =>
    resource(NETWORK_POLICY, name, {
        metadata: { name, namespace },
        spec: { podSelector: { matchLabels: labels }, policyTypes: ["Ingress", "Egress"], ingress: [], egress: [] },
    });

const METRICS_SERVER = { "app.kubernetes.io/name": "metrics-server", "app.kubernetes.io/instance": "metrics-server" };
/** metrics-server in kube-system, fenced by a policy of its own. */
const fencedMetricsServer = () => [
    release("metrics-server", "metrics-server", "kube-system"),
    fence("metrics-server", "kube-system", METRICS_SERVER),
];
/** kube-prometheus-stack in a namespace whose default deny fences every pod (node-exporter runs on the host network). */
const fencedMonitoring = () => [
    release("kube-prometheus-stack", "kube-prometheus-stack", "monitoring"),
    fence("default-deny", "monitoring", {}),
];

export const workloadNetworkCases: PolicyCases = {
    "aws-eks-cni-network-policy": [
        { title: 'vpc-cni with enableNetworkPolicy "true"', resources: enforcingCluster },
        { title: "a stack without an EKS cluster", resources: () => [f.rdsPrimary()] },
        {
            title: "vpc-cni without configurationValues",
            resources: () => changedIn(enforcingCluster(), "cluster-eks-vpc-cni", (r) => changed(r, ["configurationValues"], undefined)),
            violation: 'Addon "cluster-eks-vpc-cni" has no configurationValues, so the network policy agent is off',
            violator: "cluster-eks-vpc-cni",
        },
        {
            title: 'vpc-cni with enableNetworkPolicy "false"',
            resources: () =>
                changedIn(enforcingCluster(), "cluster-eks-vpc-cni", (r) =>
                    changed(r, ["configurationValues"], JSON.stringify({ enableNetworkPolicy: "false" })),
                ),
            violation:
                'sets enableNetworkPolicy to "false", so the network policy agent is off; NetworkPolicies are accepted but not enforced.',
            violator: "cluster-eks-vpc-cni",
        },
        {
            title: "no vpc-cni add-on at all (the self-managed default)",
            resources: () => enforcingCluster().filter((r) => r.name !== "cluster-eks-vpc-cni"),
            violation: 'Cluster "cluster-eks" has no vpc-cni add-on, so nothing enforces its NetworkPolicies.',
            violator: "cluster-eks",
        },
        {
            title: "the vpc-cni add-on of another cluster",
            resources: () => changedIn(enforcingCluster(), "cluster-eks-vpc-cni", (r) => changed(r, ["clusterName"], "other-cluster")),
            violation: 'Cluster "cluster-eks" has no vpc-cni add-on',
        },
    ],
    "k8s-no-open-egress": [
        { title: "egress to the private subnets, kube-dns and the data stores only", resource: appNetworkPolicy },
        {
            title: "egress to 0.0.0.0/0 with its reason annotated",
            resource: () =>
                changed(openHttps(), ["metadata", "annotations"], {
                    "claude-enhancer.io/open-egress-reason": "aws-apis: the DR secret is in another region",
                }),
        },
        {
            title: "another workload's NetworkPolicy: every NetworkPolicy is judged",
            resource: () => changed(openHttps(), ["spec", "podSelector", "matchLabels"], { "app.kubernetes.io/name": "alertmanager" }),
            violation: 'egress rule 3 (TCP 443) reaches 0.0.0.0/0 without a "claude-enhancer.io/open-egress-reason" annotation',
        },
        {
            title: "the internet without private ranges is still 0.0.0.0/0",
            resource: () =>
                changed(openHttps(), [...HTTPS_EGRESS, "to", 0, "ipBlock"], { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12"] }),
            violation: "egress rule 3 (TCP 443) reaches 0.0.0.0/0",
        },
        {
            title: "HTTPS to 0.0.0.0/0 without a reason",
            resource: openHttps,
            violation: 'egress rule 3 (TCP 443) reaches 0.0.0.0/0 without a "claude-enhancer.io/open-egress-reason" annotation saying why.',
        },
        {
            title: "IPv6 ::/0",
            resource: () => changed(appNetworkPolicy(), [...HTTPS_EGRESS, "to", 0, "ipBlock", "cidr"], "::/0"),
            violation: "egress rule 3 (TCP 443) reaches ::/0",
        },
        {
            title: "a rule without `to` (any destination), as DNS was before",
            resource: () => changed(appNetworkPolicy(), ["spec", "egress", 1, "to"], undefined),
            violation: "egress rule 2 (UDP 53, TCP 53) reaches any destination (no `to`)",
        },
        {
            title: "an empty reason",
            resource: () => changed(openHttps(), ["metadata", "annotations"], { "claude-enhancer.io/open-egress-reason": " " }),
            violation: "egress rule 3 (TCP 443) reaches 0.0.0.0/0",
        },
    ],
    "k8s-chart-network-policy": [
        { title: "a release's pods selected by a fence of their own", resources: fencedMetricsServer },
        { title: "every pod of the release's namespace fenced by its default deny", resources: fencedMonitoring },
        { title: "a chart that ships no pods (Istio's CRDs)", resources: () => [release("istio-base", "base", "istio-system")] },
        {
            title: "a chart named with its repository",
            resources: () =>
                changedIn(fencedMetricsServer(), "metrics-server-release", (r) => changed(r, ["chart"], "metrics-server/metrics-server")),
        },
        {
            title: "a chart from a mirror's directory of archives (charts.mirror)",
            resources: () =>
                changedIn(fencedMetricsServer(), "metrics-server-release", (r) =>
                    changed(changed(r, ["chart"], "/srv/mirror/metrics-server-3.12.2.tgz"), ["version"], "3.12.2"),
                ),
        },
        {
            title: "a chart from an OCI mirror",
            resources: () =>
                changedIn(fencedMetricsServer(), "metrics-server-release", (r) =>
                    changed(r, ["chart"], "oci://registry.example.com/charts/metrics-server"),
                ),
        },
        {
            title: "a mirror's archive whose pods have no fence",
            resources: () => [
                changed(
                    changed(release("metrics-server", "metrics-server", "kube-system"), ["chart"], "./charts/metrics-server-3.12.2.tgz"),
                    ["version"],
                    "3.12.2",
                ),
            ],
            violation:
                'Release "metrics-server-release" runs metrics-server pods (app.kubernetes.io/name=metrics-server,app.kubernetes.io/instance=metrics-server) selected by no NetworkPolicy in namespace kube-system.',
            violator: "metrics-server-release",
        },
        {
            title: "no NetworkPolicy for the release's pods",
            resources: () => [release("metrics-server", "metrics-server", "kube-system")],
            violation:
                'Release "metrics-server-release" runs metrics-server pods (app.kubernetes.io/name=metrics-server,app.kubernetes.io/instance=metrics-server) selected by no NetworkPolicy in namespace kube-system.',
            violator: "metrics-server-release",
        },
        {
            title: "a fence that lets egress open (Ingress only)",
            resources: () => changedIn(fencedMetricsServer(), "metrics-server", (r) => changed(r, ["spec", "policyTypes"], ["Ingress"])),
            violation:
                "runs metrics-server pods (app.kubernetes.io/name=metrics-server,app.kubernetes.io/instance=metrics-server) not isolated for egress in namespace kube-system.",
        },
        {
            title: "the fence in another namespace",
            resources: () => changedIn(fencedMetricsServer(), "metrics-server", (r) => changed(r, ["metadata", "namespace"], "monitoring")),
            violation: "selected by no NetworkPolicy in namespace kube-system",
        },
        {
            title: "a fence whose labels miss the chart's (a chart upgrade renamed them)",
            resources: () =>
                changedIn(fencedMetricsServer(), "metrics-server", (r) =>
                    changed(r, ["spec", "podSelector", "matchLabels", "app.kubernetes.io/name"], "metrics-server-v2"),
                ),
            violation: "selected by no NetworkPolicy",
        },
        {
            title: "a release in another namespace than its fences",
            resources: () =>
                changedIn(fencedMonitoring(), "kube-prometheus-stack-release", (r) => changed(r, ["namespace"], "observability")),
            violation: 'Release "kube-prometheus-stack-release" runs prometheus pods',
        },
        {
            title: "a chart the table does not know",
            resources: () => [release("redis", "redis", "claude-enhancer-data")],
            violation:
                'Release "redis-release" installs chart "redis", which policies/chartPods.ts does not know, so its pods cannot be checked.',
            violator: "redis-release",
        },
        {
            title: "a release without a fixed name",
            resources: () => changedIn(fencedMetricsServer(), "metrics-server-release", (r) => changed(r, ["name"], undefined)),
            violation: "has no fixed name, so its pods' labels are not known.",
        },
    ],
};
