/**
 * Every pod of every stack fenced (docs/network-fences.md): the pod templates the program registers and
 * the pods its Helm releases run (by the chart pods table) are isolated for ingress and egress by the
 * NetworkPolicies the program registers, each has a fence of its own, and the connections the platform
 * needs get through while the ones it must not make do not, judged with NetworkPolicy semantics.
 */
import * as assert from "node:assert/strict";
import { CHART_PODS } from "../components/fences/chartPods";
import { STACKS, StackName, readStackSettings } from "../config/stackFile";
import { parsePlatformConfig } from "../config";
import { subnetPlan } from "../components/network/subnetPlan";
import { podTemplateLabels } from "../policies/workloads";
import { runProgram } from "./harness/program";
import { RecordedResource } from "./harness/recorder";
import { Connection, Endpoint, NetworkPolicyObject, Pod, allows, isolation, ownFences } from "./harness/networkPolicies";

interface StackPod extends Pod {
    /** What runs it: `Deployment claude-enhancer/claude-enhancer-stable`, `Release kube-prometheus-stack: prometheus`. */
    owner: string;
    hostNetwork: boolean;
}

const WORKLOADS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"].map((kind) =>
    kind.endsWith("Job") ? `kubernetes:batch/v1:${kind}` : `kubernetes:apps/v1:${kind}`,
);

/** The pods a program run declares: its own pod templates and its Helm releases' pods. */
function stackPods(resources: RecordedResource[]): StackPod[] {
    const own = resources
        .filter((r) => WORKLOADS.includes(r.type))
        .map((r) => {
            const template = r.type.endsWith("CronJob") ? r.inputs.spec.jobTemplate.spec.template : r.inputs.spec.template;
            return {
                owner: `${r.type.split(":")[2]} ${r.inputs.metadata.namespace}/${r.inputs.metadata.name ?? r.name}`,
                namespace: r.inputs.metadata.namespace,
                labels: podTemplateLabels(r.type, r.inputs),
                hostNetwork: template.spec.hostNetwork === true,
            };
        });
    const charts = resources
        .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
        .flatMap((r) => {
            const pods = CHART_PODS[r.inputs.chart];
            assert.ok(pods, `chart ${r.inputs.chart} (release ${r.inputs.name}) is not in the chart pods table`);
            return pods(r.inputs.name).map((group) => ({
                owner: `Release ${r.inputs.name}: ${group.component}`,
                namespace: r.inputs.namespace,
                labels: group.labels,
                hostNetwork: group.hostNetwork === true,
            }));
        });
    return [...own, ...charts];
}

function networkPolicies(resources: RecordedResource[]): NetworkPolicyObject[] {
    return resources
        .filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")
        .map((r) => ({ namespace: r.inputs.metadata.namespace, name: r.inputs.metadata.name ?? r.name, spec: r.inputs.spec }));
}

/** The stack's settings with the rollout at `stage` (the guard and the migration Job run from canary on). */
function atStage(stack: StackName, stage: string): Record<string, unknown> {
    const rollout = readStackSettings(stack).rollout as Record<string, unknown>;
    return { rollout: stage === "stable" ? rollout : { ...rollout, stage, candidateVersion: "5.1.0" } };
}

/** Addresses outside the pod network, per stack: the API server's, a node's, a private subnet's, the internet's. */
function addressesOf(stack: StackName) {
    const config = parsePlatformConfig(readStackSettings(stack));
    const aws = config.cluster.mode === "eks";
    const privateSubnet = aws
        ? subnetPlan(config.network.cidr, config.network.azCount, config.network.natGateways)[0].privateCidr
        : undefined;
    const inPrivateSubnet = (host: number) => (privateSubnet ? privateSubnet.replace(/\.0\/\d+$/, `.${host}`) : undefined);
    return {
        aws,
        // EKS: a control-plane ENI in a private subnet; kind: the control-plane node on its Docker network.
        apiServer: aws ? inPrivateSubnet(10)! : "172.18.0.2",
        apiServerPort: aws ? 443 : 6443,
        node: aws ? inPrivateSubnet(20)! : "172.18.0.3",
        /** An interface endpoint or the Amazon OpenSearch domain's ENI. */
        privateSubnet: inPrivateSubnet(30),
        internet: "203.0.113.10",
        publicResolver: "8.8.8.8",
        instanceMetadata: "169.254.169.254",
    };
}

const KUBE_DNS: Endpoint = { pod: { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } } };

for (const stack of STACKS) {
    for (const stage of ["stable", "canary"]) {
        describe(`every pod fenced: stack ${stack}, stage ${stage}`, function () {
            this.timeout(300_000);
            let pods: StackPod[];
            let policies: NetworkPolicyObject[];
            let resources: RecordedResource[];
            const at = addressesOf(stack);
            const config = parsePlatformConfig(readStackSettings(stack));

            before(async () => {
                const run = await runProgram(stack, { overrides: atStage(stack, stage) });
                resources = run.resources;
                pods = stackPods(run.resources);
                policies = networkPolicies(run.resources);
            });

            const pod = (owner: string): Endpoint => {
                const found = pods.find((p) => p.owner === owner);
                assert.ok(found, `${stack} runs no ${owner}; it runs ${pods.map((p) => p.owner).join(", ")}`);
                return { pod: found };
            };
            const runs = (owner: string) => pods.some((p) => p.owner === owner);
            const check = (flows: [string, Connection, boolean][]) => {
                const wrong = flows
                    .filter(([, connection, expected]) => allows(policies, connection) !== expected)
                    .map(([what, , expected]) => `${what}: ${expected ? "blocked" : "let through"}`);
                assert.deepEqual(wrong, []);
            };

            it("isolates every pod for ingress and egress (hostNetwork pods excepted: NetworkPolicy does not apply to them)", () => {
                assert.ok(pods.length > 10, "the program declares its pods (sanity)");
                const open = pods
                    .filter((p) => !p.hostNetwork)
                    .map((p) => ({ p, i: isolation(policies, p) }))
                    .filter(({ i }) => !i.ingress || !i.egress)
                    .map(
                        ({ p, i }) =>
                            `${p.owner} (${!i.ingress ? "ingress" : ""}${!i.ingress && !i.egress ? ", " : ""}${!i.egress ? "egress" : ""} open)`,
                    );
                assert.deepEqual(open, []);
            });

            it("gives every pod a fence of its own besides its namespace's default deny", () => {
                const bare = pods.filter((p) => !p.hostNetwork && ownFences(policies, p).length === 0).map((p) => p.owner);
                assert.deepEqual(bare, []);
            });

            it("denies by default in every namespace the stack creates, and writes no fence that selects no pod", () => {
                for (const ns of ["claude-enhancer", "monitoring", "logging", "tracing", "istio-system"]) {
                    assert.ok(
                        policies.some(
                            (p) =>
                                p.namespace === ns &&
                                p.name === "default-deny" &&
                                Object.keys(p.spec.podSelector?.matchLabels ?? {}).length === 0,
                        ),
                        `${ns} has a default deny`,
                    );
                }
                const idle = policies
                    .filter((p) => Object.keys(p.spec.podSelector?.matchLabels ?? {}).length > 0)
                    .filter((p) => !pods.some((pod) => ownFences([p], pod).length > 0))
                    .map((p) => `${p.namespace}/${p.name}`);
                assert.deepEqual(idle, []);
            });

            it("creates a namespace's fences before the releases and workloads placed in it, so no pod starts unfenced", () => {
                const fencesOf = (ns: string) =>
                    resources
                        .filter(
                            (r) =>
                                r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" &&
                                r.name.startsWith("fences-") &&
                                r.inputs.metadata.namespace === ns,
                        )
                        .map((r) => r.urn);
                const placed = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" || WORKLOADS.includes(r.type));
                const early = placed.flatMap((r) => {
                    const ns: string = r.type === "kubernetes:helm.sh/v3:Release" ? r.inputs.namespace : r.inputs.metadata.namespace;
                    // kube-system's releases come with components that depend on all fences.
                    if (ns === "kube-system") return [];
                    return fencesOf(ns)
                        .filter((urn) => !r.dependsOn.includes(urn))
                        .map((urn) => `${r.name} before ${urn.slice(urn.lastIndexOf("::") + 2)}`);
                });
                assert.deepEqual(early, []);
                // Depending on a component means depending on its resources: the fences' NetworkPolicies.
                for (const component of ["claude-enhancer:cluster:MetricsServer", "claude-enhancer:cluster:ClusterAutoscaler"]) {
                    for (const r of resources.filter((x) => x.type === component)) {
                        const missing = fencesOf("kube-system").filter((urn) => !r.dependsOn.includes(urn));
                        assert.deepEqual(missing, [], `${r.name} waits for kube-system's fences`);
                    }
                }
            });

            it("lets DNS go to the cluster DNS pods only, from every pod", () => {
                check(
                    pods
                        .filter((p) => !p.hostNetwork && !p.owner.startsWith("StatefulSet claude-enhancer-data/"))
                        .flatMap((p): [string, Connection, boolean][] => [
                            [`${p.owner} → kube-dns:53`, { from: { pod: p }, to: KUBE_DNS, port: 53, protocol: "UDP" }, true],
                            [
                                `${p.owner} → ${at.publicResolver}:53`,
                                { from: { pod: p }, to: { address: at.publicResolver }, port: 53, protocol: "UDP" },
                                false,
                            ],
                        ]),
                );
            });

            it("lets the retention Job, which holds the OpenSearch admin password, reach OpenSearch and nothing else", () => {
                const job = pods.find((p) => p.owner.startsWith("Job logging/"))!;
                assert.ok(job, "the retention Job runs");
                const flows: [string, Connection, boolean][] = [
                    ["Job → the internet:443", { from: { pod: job }, to: { address: at.internet }, port: 443 }, false],
                    ["Job → instance metadata:80", { from: { pod: job }, to: { address: at.instanceMetadata }, port: 80 }, false],
                    // The Amazon domain's ENIs share the private subnets with the control plane's; the Job has no
                    // service-account token to present there (automountServiceAccountToken: false).
                    [
                        "Job → API server",
                        { from: { pod: job }, to: { address: at.apiServer }, port: at.apiServerPort },
                        config.logging.opensearch.mode === "amazon",
                    ],
                ];
                if (config.logging.opensearch.mode === "amazon") {
                    flows.push([
                        "Job → the domain in the private subnets:443",
                        { from: { pod: job }, to: { address: at.privateSubnet! }, port: 443 },
                        true,
                    ]);
                } else {
                    flows.push([
                        "Job → OpenSearch:9200",
                        { from: { pod: job }, to: pod("Release opensearch: opensearch"), port: 9200 },
                        true,
                    ]);
                }
                check(flows);
            });

            it("lets every component reach what it needs, and not the internet unless it has a stated reason", () => {
                const app = pod("Deployment claude-enhancer/claude-enhancer-stable");
                const prometheus = pod("Release kube-prometheus-stack: prometheus");
                const istio = config.mesh.router === "istio";
                const flows: [string, Connection, boolean][] = [
                    // Monitoring.
                    ["Prometheus → the service's metrics", { from: prometheus, to: app, port: istio ? 15020 : 8080 }, true],
                    ["Prometheus → a kubelet", { from: prometheus, to: { address: at.node }, port: 10250 }, true],
                    ["Prometheus → node-exporter", { from: prometheus, to: { address: at.node }, port: 9100 }, true],
                    ["Prometheus → API server", { from: prometheus, to: { address: at.apiServer }, port: at.apiServerPort }, true],
                    ["Prometheus → the internet", { from: prometheus, to: { address: at.internet }, port: 443 }, false],
                    [
                        "Prometheus → Alertmanager",
                        { from: prometheus, to: pod("Release kube-prometheus-stack: alertmanager"), port: 9093 },
                        true,
                    ],
                    ["Grafana → Prometheus", { from: pod("Release kube-prometheus-stack: grafana"), to: prometheus, port: 9090 }, true],
                    [
                        "Grafana → the internet",
                        { from: pod("Release kube-prometheus-stack: grafana"), to: { address: at.internet }, port: 443 },
                        false,
                    ],
                    [
                        "the health gate (API server's service proxy) → Prometheus",
                        { from: { address: at.apiServer }, to: prometheus, port: 9090 },
                        true,
                    ],
                    [
                        "Alertmanager → a receiver (HTTPS)",
                        { from: pod("Release kube-prometheus-stack: alertmanager"), to: { address: at.internet }, port: 443 },
                        true,
                    ],
                    [
                        "Alertmanager → instance metadata",
                        { from: pod("Release kube-prometheus-stack: alertmanager"), to: { address: at.instanceMetadata }, port: 80 },
                        false,
                    ],
                    [
                        "API server → the operator's webhook",
                        { from: { address: at.apiServer }, to: pod("Release kube-prometheus-stack: operator"), port: 10250 },
                        true,
                    ],
                    [
                        "kube-state-metrics → API server",
                        {
                            from: pod("Release kube-prometheus-stack: kube-state-metrics"),
                            to: { address: at.apiServer },
                            port: at.apiServerPort,
                        },
                        true,
                    ],
                    ["the service → the internet", { from: app, to: { address: at.internet }, port: 443 }, false],
                    ["the service → Prometheus", { from: app, to: prometheus, port: 9090 }, false],
                    // Metrics for the autoscalers.
                    [
                        "API server → metrics-server",
                        { from: { address: at.apiServer }, to: pod("Release metrics-server: metrics-server"), port: 10250 },
                        true,
                    ],
                    [
                        "metrics-server → a kubelet",
                        { from: pod("Release metrics-server: metrics-server"), to: { address: at.node }, port: 10250 },
                        true,
                    ],
                    [
                        "metrics-server → the internet",
                        { from: pod("Release metrics-server: metrics-server"), to: { address: at.internet }, port: 443 },
                        false,
                    ],
                    // Logging.
                    [
                        "Fluent Bit → API server",
                        { from: pod("Release fluent-bit: fluent-bit"), to: { address: at.apiServer }, port: at.apiServerPort },
                        true,
                    ],
                    [
                        "Prometheus → Fluent Bit's metrics",
                        { from: prometheus, to: pod("Release fluent-bit: fluent-bit"), port: 2020 },
                        true,
                    ],
                    ["the service → Fluent Bit", { from: app, to: pod("Release fluent-bit: fluent-bit"), port: 2020 }, false],
                    // The S3 archive and STS: public endpoints on AWS stacks only.
                    [
                        "Fluent Bit → the internet (S3)",
                        { from: pod("Release fluent-bit: fluent-bit"), to: { address: at.internet }, port: 443 },
                        at.aws,
                    ],
                    // Tracing.
                    ["the service → Jaeger (OTLP)", { from: app, to: pod("Release jaeger: jaeger"), port: 4317 }, true],
                    ["Jaeger → the internet", { from: pod("Release jaeger: jaeger"), to: { address: at.internet }, port: 443 }, false],
                ];
                if (config.logging.opensearch.mode === "in-cluster") {
                    const opensearch = pod("Release opensearch: opensearch");
                    flows.push(
                        ["Fluent Bit → OpenSearch", { from: pod("Release fluent-bit: fluent-bit"), to: opensearch, port: 9200 }, true],
                        [
                            "Dashboards → OpenSearch",
                            { from: pod("Release opensearch-dashboards: opensearch-dashboards"), to: opensearch, port: 9200 },
                            true,
                        ],
                        ["OpenSearch → OpenSearch (transport)", { from: opensearch, to: opensearch, port: 9300 }, true],
                        ["the service → OpenSearch", { from: app, to: opensearch, port: 9200 }, false],
                        [
                            "Dashboards → the internet",
                            { from: pod("Release opensearch-dashboards: opensearch-dashboards"), to: { address: at.internet }, port: 443 },
                            false,
                        ],
                    );
                }
                if (istio) {
                    const istiod = pod("Release istiod: istiod");
                    const gateway = pod("Release istio-ingressgateway: gateway");
                    flows.push(
                        ["a sidecar → istiod", { from: app, to: istiod, port: 15012 }, true],
                        ["the gateway → istiod", { from: gateway, to: istiod, port: 15012 }, true],
                        ["API server → istiod's injection webhook", { from: { address: at.apiServer }, to: istiod, port: 15017 }, true],
                        ["a client → the gateway (HTTPS)", { from: { address: at.internet }, to: gateway, port: 443 }, true],
                        ["the gateway → the service", { from: gateway, to: app, port: 8080 }, true],
                        ["the gateway → the internet", { from: gateway, to: { address: at.internet }, port: 443 }, false],
                        ["istiod → the internet", { from: istiod, to: { address: at.internet }, port: 443 }, false],
                    );
                } else {
                    const controller = pod("Release ingress-nginx: controller");
                    flows.push(
                        ["a client → ingress-nginx (HTTPS)", { from: { address: at.internet }, to: controller, port: 443 }, true],
                        ["ingress-nginx → the service", { from: controller, to: app, port: 8080 }, true],
                        [
                            "API server → ingress-nginx's admission webhook",
                            { from: { address: at.apiServer }, to: controller, port: 8443 },
                            true,
                        ],
                        ["ingress-nginx → the internet", { from: controller, to: { address: at.internet }, port: 443 }, false],
                    );
                }
                {
                    // Every stack runs cert-manager: ACME on the AWS stacks, the cluster CA for the in-cluster OpenSearch.
                    const controller = pod("Release cert-manager: controller");
                    flows.push(
                        [
                            "cert-manager → Let's Encrypt / Route 53",
                            { from: controller, to: { address: at.internet }, port: 443 },
                            config.tls !== undefined,
                        ],
                        ["cert-manager → API server", { from: controller, to: { address: at.apiServer }, port: at.apiServerPort }, true],
                        [
                            "cert-manager → a public resolver",
                            { from: controller, to: { address: at.publicResolver }, port: 53, protocol: "UDP" },
                            false,
                        ],
                        [
                            "API server → cert-manager's webhook",
                            { from: { address: at.apiServer }, to: pod("Release cert-manager: webhook"), port: 10250 },
                            true,
                        ],
                        [
                            "cert-manager's webhook → the internet",
                            { from: pod("Release cert-manager: webhook"), to: { address: at.internet }, port: 443 },
                            false,
                        ],
                    );
                }
                if (at.aws) {
                    const autoscaler = pod("Release cluster-autoscaler: cluster-autoscaler");
                    flows.push(
                        ["the autoscaler → the AWS APIs", { from: autoscaler, to: { address: at.internet }, port: 443 }, true],
                        [
                            "the autoscaler → STS's interface endpoint",
                            { from: autoscaler, to: { address: at.privateSubnet! }, port: 443 },
                            true,
                        ],
                        ["the autoscaler → instance metadata", { from: autoscaler, to: { address: at.instanceMetadata }, port: 80 }, false],
                    );
                } else {
                    const postgres = pod("StatefulSet claude-enhancer-data/postgres");
                    flows.push(
                        ["the service → PostgreSQL", { from: app, to: postgres, port: 5432 }, true],
                        ["the service → Redis", { from: app, to: pod("StatefulSet claude-enhancer-data/redis"), port: 6379 }, true],
                        ["Prometheus → postgres-exporter", { from: prometheus, to: postgres, port: 9187 }, true],
                        ["PostgreSQL → the internet", { from: postgres, to: { address: at.internet }, port: 443 }, false],
                        ["Grafana → PostgreSQL", { from: pod("Release kube-prometheus-stack: grafana"), to: postgres, port: 5432 }, false],
                    );
                }
                if (runs("Deployment claude-enhancer/claude-enhancer-rollout-guard")) {
                    const guard = pod("Deployment claude-enhancer/claude-enhancer-rollout-guard");
                    flows.push(
                        ["the rollout guard → Prometheus", { from: guard, to: prometheus, port: 9090 }, true],
                        [
                            "the rollout guard → API server (the traffic cut)",
                            { from: guard, to: { address: at.apiServer }, port: at.apiServerPort },
                            true,
                        ],
                        ["the rollout guard → the internet", { from: guard, to: { address: at.internet }, port: 443 }, false],
                    );
                }
                check(flows);
            });
        });
    }
}
