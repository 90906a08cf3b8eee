import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { Monitoring, MonitoringArgs } from "../../../components/observability/monitoring";
import { StackName } from "../../../config/stackFile";
import { RECEIVERS } from "../../../components/observability/alertmanager";
import { ruleGroups } from "../../../components/observability/rules";
import { RecordingMocks } from "../../harness/recorder";
import { secretInput } from "../dataStoreFixtures";
import { capturingWarnings, dependsOn, objectNamed, resolved, stackConfig, underMocks } from "./fixtures";
import { loadAlertingSecrets } from "../../../config/secrets";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const CUSTOM = {
    rule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    monitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
};
const SECRETS = {
    alertmanagerPagerdutyRoutingKey: "pd-routing-key-0123456789abcdef",
    alertmanagerSlackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
};

function argsFor(stack: StackName): Omit<MonitoringArgs, "alertingSecrets"> {
    const config = stackConfig(stack);
    return {
        monitoring: config.monitoring,
        metrics: config.metrics,
        environment: config.environment,
        namespace: "monitoring",
        appNamespace: "claude-enhancer",
        router: config.mesh.router,
        appPort: config.app.containerPort,
        storageClassName: config.cluster.mode === "eks" ? "gp3" : undefined,
        chartMirror: undefined,
    };
}

/** The component under mocks, with the warnings it logs (captured, not printed). */
async function monitoringFor(stack: StackName, secrets: Record<string, string> = SECRETS) {
    const { result, warnings } = await capturingWarnings(() =>
        underMocks(
            stack,
            (provider) =>
                new Monitoring("monitoring", { ...argsFor(stack), alertingSecrets: loadAlertingSecrets() }, { providers: [provider] }),
            secrets,
        ),
    );
    return { ...result, warnings };
}

const releaseOf = (mocks: RecordingMocks) => mocks.one(RELEASE);
const valuesOf = (mocks: RecordingMocks) => releaseOf(mocks).inputs.values;

describe("Monitoring component (kube-prometheus-stack)", function () {
    this.timeout(60_000);

    it("installs kube-prometheus-stack at its pinned chart version into the monitoring namespace", async () => {
        const { mocks } = await monitoringFor("production");
        const release = releaseOf(mocks).inputs;
        assert.strictEqual(release.chart, "kube-prometheus-stack");
        assert.strictEqual(release.version, "88.5.3");
        assert.deepStrictEqual(release.repositoryOpts, { repo: "https://prometheus-community.github.io/helm-charts" });
        assert.strictEqual(release.name, "kube-prometheus-stack");
        assert.strictEqual(release.namespace, "monitoring");
    });

    it("production: scrape every 15 s, keep 90 days on a 200 Gi gp3 volume, 2 replicas with their requests", async () => {
        const { mocks } = await monitoringFor("production");
        const spec = valuesOf(mocks).prometheus.prometheusSpec;
        assert.strictEqual(spec.scrapeInterval, "15s");
        assert.strictEqual(spec.evaluationInterval, "15s");
        assert.strictEqual(spec.retention, "90d");
        assert.strictEqual(spec.retentionSize, `${Math.floor(200 * 0.85 * 1024)}MB`);
        assert.strictEqual(spec.replicas, 2);
        assert.deepStrictEqual(spec.resources, { requests: { cpu: "1", memory: "4Gi" } });
        assert.deepStrictEqual(spec.storageSpec.volumeClaimTemplate.spec, {
            storageClassName: "gp3",
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: "200Gi" } },
        });
        assert.deepStrictEqual(spec.externalLabels, { cluster: "production" });
        // Our PrometheusRule and ServiceMonitor carry no release label: Prometheus must select them anyway.
        assert.strictEqual(spec.ruleSelectorNilUsesHelmValues, false);
        assert.strictEqual(spec.serviceMonitorSelectorNilUsesHelmValues, false);
        const alertmanager = valuesOf(mocks).alertmanager.alertmanagerSpec;
        assert.strictEqual(alertmanager.replicas, 3);
        assert.deepStrictEqual(alertmanager.resources, { requests: { cpu: "50m", memory: "128Mi" } });
        assert.strictEqual(alertmanager.storage.volumeClaimTemplate.spec.storageClassName, "gp3");
        const grafana = valuesOf(mocks).grafana;
        assert.deepStrictEqual(grafana.persistence, { enabled: true, type: "pvc", size: "10Gi", storageClassName: "gp3" });
        assert.deepStrictEqual(grafana.resources, { requests: { cpu: "100m", memory: "256Mi" } });
    });

    it("staging keeps 15 days and local 3 days, local on the cluster's default StorageClass", async () => {
        const staging = valuesOf((await monitoringFor("staging")).mocks).prometheus.prometheusSpec;
        assert.deepStrictEqual(
            [staging.scrapeInterval, staging.retention, staging.storageSpec.volumeClaimTemplate.spec.storageClassName],
            ["15s", "15d", "gp3"],
        );
        const local = valuesOf((await monitoringFor("local")).mocks).prometheus.prometheusSpec;
        assert.deepStrictEqual([local.scrapeInterval, local.retention], ["15s", "3d"]);
        assert.ok(!("storageClassName" in local.storageSpec.volumeClaimTemplate.spec));
        assert.deepStrictEqual(local.resources, { requests: { cpu: "200m", memory: "512Mi" } });
    });

    describe("Grafana", () => {
        it("takes its admin password from @pulumi/random, as a secret in a Secret the chart reads", async () => {
            const { mocks, built } = await monitoringFor("staging");
            const password = mocks.one("random:index/randomPassword:RandomPassword");
            assert.strictEqual(password.inputs.length, 32);
            const secret = objectNamed(mocks, SECRET, "grafana-admin");
            assert.strictEqual(secret.inputs.metadata.namespace, "monitoring");
            assert.deepStrictEqual(secretInput(secret.inputs.stringData), {
                "admin-user": "admin",
                "admin-password": password.state.result,
            });
            assert.deepStrictEqual(valuesOf(mocks).grafana.admin, {
                existingSecret: "grafana-admin",
                userKey: "admin-user",
                passwordKey: "admin-password",
            });
            assert.strictEqual(await pulumi.isSecret(built.grafanaAdminPassword), true);
            assert.strictEqual(await resolved(built.grafanaAdminPassword), password.state.result);
            assert.ok(!JSON.stringify(releaseOf(mocks).inputs).includes(password.state.result), "the password leaked into the Helm values");
        });

        it("loads the dashboards from ConfigMaps labelled for the sidecar, before the release starts", async () => {
            const { mocks } = await monitoringFor("staging");
            assert.deepStrictEqual(valuesOf(mocks).grafana.sidecar.dashboards, {
                enabled: true,
                label: "grafana_dashboard",
                labelValue: "1",
                searchNamespace: "ALL",
            });
            const maps = mocks.ofType(CONFIG_MAP);
            assert.deepStrictEqual(maps.map((m) => m.inputs.metadata.name).sort(), [
                "dashboard-claude-enhancer-overview",
                "dashboard-claude-enhancer-rollout",
            ]);
            for (const map of maps) {
                assert.strictEqual(map.inputs.metadata.labels.grafana_dashboard, "1");
                assert.strictEqual(map.inputs.metadata.namespace, "monitoring");
                assert.ok(dependsOn(releaseOf(mocks), map), `${map.name} is not a dependency of the release`);
            }
        });

        it("rollout dashboard: traffic split by version, error rate, p50/p95/p99, agents, workflow phases", async () => {
            const { mocks } = await monitoringFor("staging");
            const map = objectNamed(mocks, CONFIG_MAP, "dashboard-claude-enhancer-rollout");
            const board = JSON.parse(map.inputs.data["claude-enhancer-rollout.json"]);
            assert.strictEqual(board.uid, "claude-enhancer-rollout");
            const panel = (title: string) => {
                const found = board.panels.find((p: { title: string }) => p.title === title);
                assert.ok(found, `no panel "${title}" in ${board.panels.map((p: { title: string }) => p.title).join(", ")}`);
                return found;
            };
            const split = panel("Traffic split by version");
            assert.strictEqual(
                split.targets[0].expr,
                '100 * version:http_requests:rate5m{version=~"$version"} / scalar(sum(version:http_requests:rate5m))',
            );
            assert.strictEqual(split.targets[0].legendFormat, "{{version}}");
            assert.deepStrictEqual(split.fieldConfig.defaults.custom.stacking, { mode: "normal", group: "A" });
            const errors = panel("Error rate (5xx) by version");
            assert.strictEqual(errors.targets[0].expr, '100 * version:http_requests_error_ratio:rate5m{version=~"$version"}');
            assert.strictEqual(errors.fieldConfig.defaults.thresholds.steps[1].value, 0.5);
            const latency = panel("Latency p50 / p95 / p99 by version");
            assert.deepStrictEqual(
                latency.targets.map((t: { expr: string; legendFormat: string }) => [t.legendFormat, t.expr]),
                ["p50", "p95", "p99"].map((q) => [
                    `${q} {{version}}`,
                    `version:http_request_duration_seconds:${q}_rate5m{version=~"$version"}`,
                ]),
            );
            assert.strictEqual(latency.fieldConfig.defaults.thresholds.steps[1].value, 0.5);
            const agents = panel("Active agents by version");
            assert.deepStrictEqual(
                agents.targets.map((t: { expr: string }) => t.expr),
                [
                    'sum by (version) (claude_enhancer_agents_active_total{version=~"$version"})',
                    '61 * count by (version) (claude_enhancer_agents_active_total{version=~"$version"})',
                ],
            );
            panel("Agent failures (5 m) and success rate");
            const phases = panel("Workflow phases: time in current phase");
            assert.strictEqual(
                phases.targets[0].expr,
                'version_phase:claude_enhancer_workflow_phase_duration_seconds:max{version=~"$version"}',
            );
            assert.strictEqual(phases.fieldConfig.defaults.thresholds.steps[1].value, 1800);
            panel("Workflow runs by result");
            // The version variable the panels filter on lists the versions serving requests.
            assert.strictEqual(board.templating.list[1].definition, "label_values(http_requests_total, version)");
        });

        it("rollout dashboard: stage and weight per track from the Deployments' labels, the gate's checks per version and per track", async () => {
            const { mocks } = await monitoringFor("staging");
            const board = JSON.parse(
                objectNamed(mocks, CONFIG_MAP, "dashboard-claude-enhancer-rollout").inputs.data["claude-enhancer-rollout.json"],
            );
            const panel = (title: string) => board.panels.find((p: { title: string }) => p.title === title);
            const stage = panel("Rollout stage and declared weight by track");
            assert.strictEqual(
                stage.targets[0].expr,
                "max by (label_claude_enhancer_io_track, label_claude_enhancer_io_stage, label_claude_enhancer_io_weight) " +
                    '(kube_deployment_labels{namespace="claude-enhancer",deployment=~"claude-enhancer-(stable|candidate)"})',
            );
            assert.strictEqual(
                stage.targets[0].legendFormat,
                "{{label_claude_enhancer_io_track}}: {{label_claude_enhancer_io_stage}}, weight {{label_claude_enhancer_io_weight}} %",
            );
            assert.strictEqual(
                panel("Workflow success by version (gate check)").targets[0].expr,
                '100 * sum by (version) (rate(claude_enhancer_workflow_runs_total{version=~"$version",result="success"}[5m])) / ' +
                    'sum by (version) (rate(claude_enhancer_workflow_runs_total{version=~"$version"}[5m]))',
            );
            assert.match(panel("Agent availability by version (gate check)").targets[0].expr, /^100 \* sum by \(version\)/);
            const saturation = panel("Memory and CPU: share of limit by track (gate checks)");
            assert.deepStrictEqual(
                saturation.targets.map((t: { legendFormat: string }) => t.legendFormat),
                ["memory {{track}}", "cpu {{track}}"],
            );
            for (const t of saturation.targets) assert.ok(t.expr.includes('"pod", "claude-enhancer-(stable|candidate)-.+"'), t.expr);
            // kube-state-metrics publishes exactly those Deployment labels.
            assert.deepStrictEqual(valuesOf(mocks)["kube-state-metrics"].metricLabelsAllowlist, [
                "deployments=[claude-enhancer.io/track,claude-enhancer.io/stage,claude-enhancer.io/weight]",
            ]);
        });

        it("service overview dashboard: targets up, firing alerts, requests, errors, latency, memory and CPU of the service's pods", async () => {
            const { mocks } = await monitoringFor("staging");
            const board = JSON.parse(
                objectNamed(mocks, CONFIG_MAP, "dashboard-claude-enhancer-overview").inputs.data["claude-enhancer-overview.json"],
            );
            assert.deepStrictEqual(
                board.panels.map((p: { title: string }) => p.title),
                [
                    "Targets up",
                    "Firing alerts",
                    "Requests per second",
                    "Error rate (5xx)",
                    "Latency p95",
                    "Memory: share of limit per pod",
                    "CPU: share of limit per pod",
                    "Hook timeouts and agent success",
                ],
            );
            assert.strictEqual(board.panels[0].targets[0].expr, 'sum(up{job="claude-enhancer"})');
            assert.strictEqual(
                board.panels[1].targets[0].expr,
                'sum by (severity) (ALERTS{service="claude-enhancer",alertstate="firing"})',
            );
            assert.match(board.panels[6].targets[0].expr, /namespace="claude-enhancer",container="claude-enhancer"/);
        });
    });

    describe("rules and scraping", () => {
        it("a PrometheusRule carrying exactly the typed rule groups, after the release installs its CRD", async () => {
            const config = stackConfig("production");
            const { mocks } = await monitoringFor("production");
            const rule = mocks.one(CUSTOM.rule);
            assert.deepStrictEqual(rule.inputs.metadata, {
                name: "claude-enhancer-rules",
                namespace: "monitoring",
                labels: { "app.kubernetes.io/part-of": "claude-enhancer", "app.kubernetes.io/managed-by": "pulumi" },
            });
            const expected = ruleGroups({
                metrics: config.metrics,
                thresholds: config.monitoring.alerts,
                service: "claude-enhancer",
                job: "claude-enhancer",
                namespace: "claude-enhancer",
                container: "claude-enhancer",
                runbookBaseUrl: config.monitoring.runbookBaseUrl,
            });
            assert.deepStrictEqual(rule.inputs.spec, { groups: expected });
            assert.strictEqual(expected[1].rules.length, 10);
            assert.ok(dependsOn(rule, releaseOf(mocks)));
        });

        it("istio router: a ServiceMonitor scraping the sidecar's merged metrics (15020) every 15 s through a headless Service", async () => {
            const { mocks } = await monitoringFor("production");
            const monitor = mocks.one(CUSTOM.monitor);
            assert.strictEqual(monitor.inputs.metadata.namespace, "monitoring");
            assert.deepStrictEqual(monitor.inputs.spec, {
                jobLabel: "app.kubernetes.io/name",
                selector: { matchLabels: { "app.kubernetes.io/name": "claude-enhancer", "app.kubernetes.io/component": "metrics" } },
                namespaceSelector: { matchNames: ["claude-enhancer"] },
                endpoints: [
                    {
                        port: "metrics",
                        path: "/stats/prometheus",
                        interval: "5s",
                        scheme: "http",
                        relabelings: [{ action: "replace", sourceLabels: ["__meta_kubernetes_pod_label_version"], targetLabel: "version" }],
                    },
                ],
            });
            assert.ok(dependsOn(monitor, releaseOf(mocks)));
            const service = objectNamed(mocks, "kubernetes:core/v1:Service", "claude-enhancer-metrics");
            assert.strictEqual(service.inputs.metadata.namespace, "claude-enhancer");
            assert.deepStrictEqual(service.inputs.metadata.labels, {
                "app.kubernetes.io/part-of": "claude-enhancer",
                "app.kubernetes.io/managed-by": "pulumi",
                "app.kubernetes.io/name": "claude-enhancer",
                "app.kubernetes.io/component": "metrics",
            });
            assert.deepStrictEqual(service.inputs.spec, {
                clusterIP: "None",
                selector: { "app.kubernetes.io/name": "claude-enhancer", "app.kubernetes.io/component": "api" },
                ports: [{ name: "metrics", port: 15020, targetPort: 15020, protocol: "TCP" }],
            });
        });

        it("nginx router (local): scrapes the service's own /metrics on its container port", async () => {
            const { mocks } = await monitoringFor("local");
            assert.strictEqual(mocks.one(CUSTOM.monitor).inputs.spec.endpoints[0].path, "/metrics");
            const port = stackConfig("local").app.containerPort;
            assert.deepStrictEqual(objectNamed(mocks, "kubernetes:core/v1:Service", "claude-enhancer-metrics").inputs.spec.ports, [
                { name: "metrics", port, targetPort: port, protocol: "TCP" },
            ]);
        });

        it("exposes Prometheus' in-cluster URL for the health gates", async () => {
            const { built } = await monitoringFor("staging");
            assert.strictEqual(
                await resolved(built.prometheusUrl),
                "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090",
            );
        });
    });

    describe("Alertmanager routing from secret stack keys", () => {
        it("writes alertmanager.yaml into a Secret as a Pulumi secret; the chart uses it instead of its own", async () => {
            const { mocks, built } = await monitoringFor("production");
            const secret = objectNamed(mocks, SECRET, "alertmanager-claude-enhancer");
            // The Secret's stringData reaches the engine with the secret flag set (never plain in the state).
            const file = (secretInput(secret.inputs.stringData) as Record<string, string>)["alertmanager.yaml"];
            const config = parse(file);
            const receiver = (name: string) => config.receivers.find((r: { name: string }) => r.name === name);
            assert.strictEqual(
                receiver(RECEIVERS.pagerdutyCritical).pagerduty_configs[0].routing_key,
                SECRETS.alertmanagerPagerdutyRoutingKey,
            );
            assert.strictEqual(receiver(RECEIVERS.slackCritical).slack_configs[0].api_url, SECRETS.alertmanagerSlackWebhookUrl);
            assert.strictEqual(receiver(RECEIVERS.slackCritical).slack_configs[0].channel, "#claude-critical");
            assert.deepStrictEqual(config.route.group_by, ["alertname", "cluster", "service"]);
            assert.deepStrictEqual(valuesOf(mocks).alertmanager.alertmanagerSpec.useExistingSecret, true);
            assert.deepStrictEqual(valuesOf(mocks).alertmanager.alertmanagerSpec.configSecret, "alertmanager-claude-enhancer");
            assert.deepStrictEqual(built.alertReceivers, [RECEIVERS.pagerdutyCritical, RECEIVERS.slackCritical, RECEIVERS.slackWarning]);
        });

        it("the receivers' keys appear in no resource input outside a secret", async () => {
            const { mocks } = await monitoringFor("production");
            const plain = (value: unknown): string =>
                JSON.stringify(value, (_, v) => (v && typeof v === "object" && v["4dabf18193072939515e22adb298388d"] ? "[secret]" : v));
            for (const resource of mocks.resources) {
                for (const key of Object.values(SECRETS))
                    assert.ok(
                        !plain(resource.inputs).includes(key),
                        `${resource.type} ${resource.name} carries a receiver key in plain text`,
                    );
            }
        });

        it("without the secrets, the receivers are left out and the stack still deploys", async () => {
            const { mocks, built, warnings } = await monitoringFor("staging", {});
            assert.deepStrictEqual(built.alertReceivers, []);
            assert.deepStrictEqual(warnings, [
                "Alertmanager receiver omitted: pagerduty-critical: secret alertmanagerPagerdutyRoutingKey is not set",
                "Alertmanager receiver omitted: slack-critical: secret alertmanagerSlackWebhookUrl is not set",
                "Alertmanager receiver omitted: slack-warning: secret alertmanagerSlackWebhookUrl is not set",
                "Alertmanager receiver omitted: email-warning: monitoring.alertmanager.email is not set",
                "Alertmanager: no critical receiver is configured, so critical alerts page no one " +
                    "(set the secrets of monitoring.alertmanager.criticalReceivers; production refuses to deploy without them)",
            ]);
            const data = secretInput(objectNamed(mocks, SECRET, "alertmanager-claude-enhancer").inputs.stringData) as Record<
                string,
                string
            >;
            const config = parse(data["alertmanager.yaml"]);
            assert.deepStrictEqual(config.receivers, [{ name: "null" }]);
        });
    });
});
