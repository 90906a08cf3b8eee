import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { Database } from "../../../components/data/database";
import { Cache } from "../../../components/data/cache";
import { Monitoring } from "../../../components/observability/monitoring";
import { cloudwatchExporterConfig } from "../../../components/observability/exporters";
import { loadStackConfig } from "../../../config/stackFile";
import { loadAlertingSecrets } from "../../../config/secrets";
import { withWaivers } from "../../../policies/pack";
import { kubernetesSecurityPolicies } from "../../../policies/kubernetesSecurity";
import { iamNoWildcardPermissions, iamRoleTrustScoped } from "../../../policies/awsSecurity";
import { assertCompliant, checkResource, resource, asRegisteredBy } from "../../policies/harness";
import { RecordingMocks } from "../../harness/recorder";
import { DATA_NS, providers, registered } from "../dataStoreFixtures";
import { underMocks } from "./fixtures";

const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const SERVICE = "kubernetes:core/v1:Service";
const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC";
const OIDC_URL = "oidc.eks.us-east-1.amazonaws.com/id/ABC";

async function inClusterStores(): Promise<RecordingMocks> {
    const config = loadStackConfig("local");
    const { mocks } = await registered("local", () => {
        const opts = { providers: providers("local", false) };
        new Database("database", { database: config.database, environment: "local", cluster: {}, namespace: pulumi.output(DATA_NS) }, opts);
        new Cache("cache", { cache: config.cache, environment: "local", cluster: {}, namespace: pulumi.output(DATA_NS) }, opts);
    });
    return mocks;
}

type Container = { name: string; image: string; env: { name: string; value?: string; valueFrom?: unknown }[]; [k: string]: unknown };

describe("data store exporters (observability/exporters.ts, data/inClusterStore.ts)", function () {
    this.timeout(60_000);

    describe("in-cluster stores: exporter sidecars", () => {
        let mocks: RecordingMocks;
        before(async () => {
            mocks = await inClusterStores();
        });
        const exporterOf = (set: string): Container =>
            mocks.one(STATEFUL_SET, set).inputs.spec.template.spec.containers.find((c: Container) => c.name === "exporter");

        it("postgres-exporter: pinned image, loopback DSN, password from the database's mounted credentials file, in no env var", () => {
            const c = exporterOf("database-postgres");
            assert.strictEqual(c.image, "quay.io/prometheuscommunity/postgres-exporter:v0.17.1");
            assert.deepStrictEqual(c.env, [
                { name: "DATA_SOURCE_URI", value: "127.0.0.1:5432/claude_enhancer?sslmode=disable" },
                { name: "DATA_SOURCE_USER", value: "claude_enhancer" },
                { name: "DATA_SOURCE_PASS_FILE", value: "/run/secrets/postgres/password" },
            ]);
            assert.deepStrictEqual(c.volumeMounts, [{ name: "credentials", mountPath: "/run/secrets/postgres", readOnly: true }]);
            const pod = mocks.one(STATEFUL_SET, "database-postgres").inputs.spec.template.spec;
            const credentials = pod.volumes.find((v: { name: string }) => v.name === "credentials");
            assert.deepStrictEqual(credentials.secret.items, [{ key: "password", path: "password" }]);
            // 0440 with the pod's fsGroup: the exporter's user (65534) reads it through that supplementary group.
            assert.strictEqual(credentials.secret.defaultMode, 0o440);
            assert.strictEqual(pod.securityContext.fsGroup, 70);
            assert.deepStrictEqual(c.ports, [{ name: "metrics", containerPort: 9187, protocol: "TCP" }]);
        });

        it("redis-exporter: pinned image, loopback address, password from the store's Secret by reference", () => {
            const c = exporterOf("cache-redis");
            assert.strictEqual(c.image, "oliver006/redis_exporter:v1.67.0");
            assert.deepStrictEqual(c.env, [
                { name: "REDIS_ADDR", value: "redis://127.0.0.1:6379" },
                { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis-auth", key: "password" } } },
            ]);
            assert.deepStrictEqual(c.ports, [{ name: "metrics", containerPort: 9121, protocol: "TCP" }]);
        });

        it("each sidecar runs restricted as its image's user, with limits, and probes on its listener only", async () => {
            for (const [set, uid] of [
                ["database-postgres", 65534],
                ["cache-redis", 59000],
            ] as const) {
                const c = exporterOf(set);
                assert.deepStrictEqual(c.securityContext, {
                    runAsNonRoot: true,
                    runAsUser: uid,
                    runAsGroup: uid,
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                });
                assert.deepStrictEqual(c.resources, { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } });
                assert.deepStrictEqual(c.readinessProbe, { tcpSocket: { port: "metrics" }, periodSeconds: 10, timeoutSeconds: 3 });
                const s = mocks.one(STATEFUL_SET, set);
                for (const policy of kubernetesSecurityPolicies.filter((p): p is ResourceValidationPolicy => "validateResource" in p)) {
                    // As the local stack runs it: its tag-pinned third-party images are waived there (policies/waivers.json).
                    assertCompliant(
                        await checkResource(
                            withWaivers(policy) as ResourceValidationPolicy,
                            asRegisteredBy("local", resource(s.type, s.name, s.inputs)),
                        ),
                    );
                }
            }
        });

        it("the store's Service carries the metrics port and the label the ServiceMonitor selects", () => {
            for (const [svc, port] of [
                ["database-postgres", 9187],
                ["cache-redis", 9121],
            ] as const) {
                const s = mocks.one(SERVICE, svc).inputs;
                assert.strictEqual(s.metadata.labels["claude-enhancer.io/exporter"], "true");
                assert.deepStrictEqual(s.spec.ports[1], { name: "metrics", port, targetPort: "metrics", protocol: "TCP" });
            }
        });

        it("the NetworkPolicy admits the monitoring namespace on the exporter port only, the application on the store port only", () => {
            const ns = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
            for (const [policy, storePort, metricsPort] of [
                ["database-postgres", 5432, 9187],
                ["cache-redis", 6379, 9121],
            ] as const) {
                const spec = mocks.one(POLICY, policy).inputs.spec;
                assert.deepStrictEqual(spec.ingress, [
                    { from: [ns("claude-enhancer")], ports: [{ protocol: "TCP", port: storePort }] },
                    { from: [ns("monitoring")], ports: [{ protocol: "TCP", port: metricsPort }] },
                ]);
                assert.deepStrictEqual(spec.egress, []);
            }
        });
    });

    describe("Monitoring: scraping the exporters", () => {
        it("local: a ServiceMonitor scrapes the labelled store Services of the data namespace, job = the store's name", async () => {
            const config = loadStackConfig("local");
            const { mocks } = await underMocks(
                "local",
                (provider) =>
                    new Monitoring(
                        "monitoring",
                        {
                            monitoring: config.monitoring,
                            metrics: config.metrics,
                            environment: "local",
                            namespace: "monitoring",
                            appNamespace: "claude-enhancer",
                            router: config.mesh.router,
                            appPort: config.app.containerPort,
                            alertingSecrets: loadAlertingSecrets(),
                            dataNamespace: DATA_NS,
                            chartMirror: undefined,
                        },
                        { providers: [provider] },
                    ),
            );
            const monitor = mocks.one(MONITOR, "monitoring-data-store-exporters").inputs;
            assert.strictEqual(monitor.metadata.namespace, "monitoring");
            assert.deepStrictEqual(monitor.spec, {
                jobLabel: "app.kubernetes.io/name",
                selector: { matchLabels: { "claude-enhancer.io/exporter": "true" } },
                namespaceSelector: { matchNames: [DATA_NS] },
                endpoints: [{ port: "metrics", path: "/metrics", interval: "15s", scheme: "http" }],
            });
            assert.strictEqual(mocks.ofType("aws:iam/role:Role").length, 0);
        });

        describe("staging: CloudWatch exporter for RDS and ElastiCache through IRSA", () => {
            let mocks: RecordingMocks;
            before(async () => {
                const config = loadStackConfig("staging");
                ({ mocks } = await underMocks(
                    "staging",
                    (provider) =>
                        new Monitoring(
                            "monitoring",
                            {
                                monitoring: config.monitoring,
                                metrics: config.metrics,
                                environment: "staging",
                                namespace: "monitoring",
                                appNamespace: "claude-enhancer",
                                router: config.mesh.router,
                                appPort: config.app.containerPort,
                                alertingSecrets: loadAlertingSecrets(),
                                cloudwatch: {
                                    region: "us-east-1",
                                    oidcProviderArn: OIDC_ARN,
                                    oidcProviderUrl: OIDC_URL,
                                    rdsInstances: ["ce-staging", "ce-staging-replica"],
                                    cacheClusters: pulumi.output(["ce-staging-0001-001", "ce-staging-0001-002"]),
                                },
                                chartMirror: undefined,
                            },
                            { providers: [provider] },
                        ),
                ));
            });
            const role = () => mocks.one("aws:iam/role:Role", "monitoring-cloudwatch-exporter");
            const policy = () => mocks.one("aws:iam/rolePolicy:RolePolicy", "monitoring-cloudwatch-exporter-read");
            const release = () => mocks.one(RELEASE, "monitoring-cloudwatch-exporter").inputs;

            it("the role trusts only the exporter's service account in the monitoring namespace", () => {
                const trust = JSON.parse(role().inputs.assumeRolePolicy);
                assert.deepStrictEqual(trust.Statement[0].Condition.StringEquals, {
                    [`${OIDC_URL}:sub`]: "system:serviceaccount:monitoring:cloudwatch-exporter",
                    [`${OIDC_URL}:aud`]: "sts.amazonaws.com",
                });
                assert.deepStrictEqual(trust.Statement[0].Principal, { Federated: OIDC_ARN });
            });

            it("the role may read CloudWatch metrics and nothing else", () => {
                assert.deepStrictEqual(JSON.parse(policy().inputs.policy).Statement, [
                    {
                        Sid: "ReadCloudWatchMetrics",
                        Effect: "Allow",
                        Action: ["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics"],
                        Resource: "*",
                    },
                ]);
            });

            it("passes the policy pack's IAM trust and least-privilege rules", async () => {
                assertCompliant(await checkResource(iamRoleTrustScoped, resource(role().type, role().name, role().inputs)));
                assertCompliant(await checkResource(iamNoWildcardPermissions, resource(policy().type, policy().name, policy().inputs)));
            });

            it("the chart's service account is the one the role trusts, annotated with the role's ARN", () => {
                const r = release();
                assert.strictEqual(r.chart, "prometheus-cloudwatch-exporter");
                assert.strictEqual(r.version, "0.26.0");
                assert.strictEqual(r.namespace, "monitoring");
                assert.strictEqual(r.values.serviceAccount.name, "cloudwatch-exporter");
                assert.strictEqual(r.values.serviceAccount.annotations["eks.amazonaws.com/role-arn"], role().state.arn);
                assert.deepStrictEqual(r.values.ingress, { enabled: false });
                assert.deepStrictEqual(r.values.rbac, { create: false });
                assert.deepStrictEqual(r.values.serviceMonitor, { enabled: true, interval: "60s", timeout: "50s" });
            });

            it("reads this stack's instances' metrics only, under the names the alerts query", () => {
                const config = JSON.parse(release().values.config) as {
                    metrics: {
                        aws_namespace: string;
                        aws_metric_name: string;
                        aws_statistics: string[];
                        aws_dimension_select: Record<string, string[]>;
                    }[];
                };
                assert.deepStrictEqual(
                    config,
                    cloudwatchExporterConfig({
                        region: "us-east-1",
                        rdsInstances: ["ce-staging", "ce-staging-replica"],
                        cacheClusters: ["ce-staging-0001-001", "ce-staging-0001-002"],
                    }),
                );
                assert.deepStrictEqual(
                    config.metrics.map((m: { aws_namespace: string; aws_metric_name: string; aws_statistics: string[] }) =>
                        [m.aws_namespace, m.aws_metric_name, m.aws_statistics[0]].join(" "),
                    ),
                    [
                        "AWS/RDS DatabaseConnections Average",
                        "AWS/RDS ReplicaLag Average",
                        "AWS/ElastiCache DatabaseMemoryUsagePercentage Average",
                        "AWS/ElastiCache Evictions Sum",
                    ],
                );
                assert.deepStrictEqual(config.metrics[0].aws_dimension_select, {
                    DBInstanceIdentifier: ["ce-staging", "ce-staging-replica"],
                });
                assert.deepStrictEqual(config.metrics[2].aws_dimension_select, {
                    CacheClusterId: ["ce-staging-0001-001", "ce-staging-0001-002"],
                });
            });

            it("a stack with only RDS asks for no ElastiCache metric", () => {
                const only = cloudwatchExporterConfig({ region: "us-east-1", rdsInstances: ["db"], cacheClusters: [] });
                assert.deepStrictEqual(
                    (only.metrics as { aws_namespace: string }[]).map((m) => m.aws_namespace),
                    ["AWS/RDS", "AWS/RDS"],
                );
            });
        });
    });
});
