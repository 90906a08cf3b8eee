import * as assert from "assert";
import { MetricsSchema } from "../../../config/metrics";
import { MonitoringSchema } from "../../../config/observability";
import { readStackSettings, STACKS } from "../../../config/stackFile";
import { dashboardExpressions, dashboards } from "../../../components/observability/dashboards";
import { PrometheusRuleGroup, RuleContext, alertDefinitions, recordedNames, ruleGroups } from "../../../components/observability/rules";
import { AlertExpectation, RuleUnitTest, checkExpressions, checkRules, testRules } from "./tools";

const DEFAULTS = MonitoringSchema.parse({});
const METRICS = MetricsSchema.parse({});
const SERVICE = "claude-enhancer";
const RUNBOOKS = "https://runbooks.example.com/claude-enhancer";

function context(alerts = DEFAULTS.alerts): RuleContext {
    return {
        metrics: METRICS,
        thresholds: alerts,
        service: SERVICE,
        job: SERVICE,
        namespace: SERVICE,
        container: SERVICE,
        runbookBaseUrl: RUNBOOKS,
    };
}

const GROUPS = ruleGroups(context());

/** What a firing alert of ours carries: its name's labels plus the series' labels, and its three annotations. */
function firing(alert: string, labels: Record<string, string>, description: string): AlertExpectation {
    const def = alertDefinitions(context()).find((d) => d.alert === alert);
    if (!def) throw new Error(`no alert ${alert}`);
    return {
        exp_labels: { severity: def.severity, service: SERVICE, ...labels },
        exp_annotations: { summary: def.summary, description, runbook_url: `${RUNBOOKS}/${alert}` },
    };
}

function assertPasses(tests: RuleUnitTest[]): void {
    const result = testRules(GROUPS, tests);
    assert.strictEqual(result.status, 0, `promtool test rules failed:\n${result.output}`);
    assert.match(result.output, /SUCCESS/);
}

describe("alert and recording rules (observability/rules.ts)", function () {
    this.timeout(60_000);

    it("the thresholds default to docs/architecture.md's seed values, and no stack overrides them (but the RDS instance's connection limit)", () => {
        assert.deepStrictEqual(DEFAULTS.alerts, {
            errorRatePercent: 0.5,
            latencyP95Ms: 500,
            agentFailures: 5,
            workflowPhaseMinutes: 30,
            memoryPercent: 90,
            agentSuccessPercent: 95,
            hookTimeoutPercent: 10,
            workflowDurationSeconds: 300,
            anomalyBaselineWindow: "1h",
            anomalyStddevFactor: 2,
            anomalyMinErrorsPerSecond: 0.01,
            databaseConnectionsPercent: 80,
            rdsMaxConnections: 400,
            replicationLagSeconds: 30,
            cacheMemoryPercent: 90,
            cacheEvictions: 100,
        });
        // rdsMaxConnections is a property of the stack's RDS instance class, not a threshold: production sets its own.
        const instanceLimits: Record<string, number> = { production: 1700 };
        for (const stack of STACKS) {
            const monitoring = MonitoringSchema.parse(readStackSettings(stack).monitoring ?? {});
            const expected = { ...DEFAULTS.alerts, rdsMaxConnections: instanceLimits[stack] ?? DEFAULTS.alerts.rdsMaxConnections };
            assert.deepStrictEqual(monitoring.alerts, expected, stack);
        }
    });

    it("defines the seeds' ten alerts with docs/architecture.md's for durations and severities", () => {
        const table = alertDefinitions(context()).map((d) => [d.alert, d.expr, d.for, d.severity]);
        assert.deepStrictEqual(table, [
            ["ClaudeEnhancerHighErrorRate", "version:http_requests_error_ratio:rate5m > 0.005", "2m", "critical"],
            ["ClaudeEnhancerHighLatencyP95", "version:http_request_duration_seconds:p95_rate5m > 0.5", "3m", "warning"],
            ["ClaudeEnhancerAgentFailures", "version:claude_enhancer_agent_failures:increase5m > 5", "1m", "critical"],
            [
                "ClaudeEnhancerWorkflowPhaseStuck",
                "version_phase:claude_enhancer_workflow_phase_duration_seconds:max > 1800",
                "5m",
                "warning",
            ],
            ["ClaudeEnhancerMemoryHigh", "namespace_pod_container:container_memory_working_set_bytes_limit:ratio > 0.9", "5m", "critical"],
            ["ClaudeEnhancerServiceDown", 'sum(up{job="claude-enhancer"}) == 0 or absent(up{job="claude-enhancer"})', "1m", "critical"],
            ["ClaudeEnhancerAgentSuccessRateLow", "version:claude_enhancer_agent_requests_success_ratio:rate5m < 0.95", "5m", "warning"],
            ["ClaudeEnhancerHookTimeoutRateHigh", "version:claude_enhancer_hook_executions_timeout_ratio:rate5m > 0.1", "5m", "critical"],
            ["ClaudeEnhancerWorkflowDurationHigh", "version:claude_enhancer_workflow_duration_seconds:mean5m > 300", "10m", "warning"],
            [
                "ClaudeEnhancerAnomalousErrorRate",
                "version:http_requests_errors:rate5m > avg_over_time(version:http_requests_errors:rate5m[1h] offset 5m) + 2 * stddev_over_time(version:http_requests_errors:rate5m[1h] offset 5m) and version:http_requests_errors:rate5m > 0.01",
                "2m",
                "warning",
            ],
        ]);
    });

    it("every recorded series an alert queries is recorded by a recording rule", () => {
        const recorded = new Set(GROUPS[0].rules.map((r) => ("record" in r ? r.record : "")));
        for (const def of alertDefinitions(context())) {
            const used = def.expr.match(/[a-z_]+:[a-z0-9_:]+/g) ?? [];
            for (const name of used) assert.ok(recorded.has(name), `${def.alert} queries ${name}, which no rule records`);
        }
    });

    it("the thresholds follow stack configuration", () => {
        const custom = alertDefinitions(
            context({ ...DEFAULTS.alerts, errorRatePercent: 1.5, latencyP95Ms: 250, workflowPhaseMinutes: 45 }),
        );
        assert.strictEqual(
            custom.find((d) => d.alert === "ClaudeEnhancerHighErrorRate")!.expr,
            "version:http_requests_error_ratio:rate5m > 0.015",
        );
        assert.strictEqual(
            custom.find((d) => d.alert === "ClaudeEnhancerHighLatencyP95")!.expr,
            "version:http_request_duration_seconds:p95_rate5m > 0.25",
        );
        assert.strictEqual(
            custom.find((d) => d.alert === "ClaudeEnhancerWorkflowPhaseStuck")!.expr,
            "version_phase:claude_enhancer_workflow_phase_duration_seconds:max > 2700",
        );
    });

    describe("promtool check rules", () => {
        it("accepts the generated rule file (12 recording + 10 service + 6 data store alerting rules)", () => {
            const result = checkRules(GROUPS);
            assert.strictEqual(result.status, 0, result.output);
            assert.match(result.output, /SUCCESS: 28 rules found/);
        });

        it("accepts the rules generated for other metric names (the metrics contract is configuration)", () => {
            const metrics = MetricsSchema.parse({
                requestsTotal: "api_requests_total",
                requestDurationSeconds: "api_latency_seconds",
                versionLabel: "release",
                statusLabel: "code",
            });
            const groups = ruleGroups({ ...context(), metrics });
            const result = checkRules(groups);
            assert.strictEqual(result.status, 0, result.output);
            assert.ok(groups[1].rules.some((r) => "alert" in r && r.expr === "release:api_requests_error_ratio:rate5m > 0.005"));
        });

        it("rejects a rule with a PromQL typo, naming the rule file and the parse error", () => {
            const broken: PrometheusRuleGroup[] = structuredClone(GROUPS);
            const rule = broken[0].rules.find((r) => "record" in r && r.record === recordedNames(METRICS).errorRate)!;
            rule.expr = rule.expr.replace("rate(", "rate((");
            const result = checkRules(broken);
            assert.notStrictEqual(result.status, 0);
            assert.match(result.output, /FAILED/);
            assert.match(result.output, /rules\.yaml/);
            assert.match(result.output, /parse error/);
        });

        it("rejects an alert with an invalid for duration", () => {
            const broken: PrometheusRuleGroup[] = structuredClone(GROUPS);
            const alert = broken[1].rules.find((r) => "alert" in r)!;
            (alert as { for: string }).for = "2 minutes";
            const result = checkRules(broken);
            assert.notStrictEqual(result.status, 0);
            assert.match(result.output, /not a valid duration string/);
        });

        it("accepts every PromQL query of the Grafana dashboards", () => {
            const boards = dashboards({
                metrics: METRICS,
                thresholds: DEFAULTS.alerts,
                job: SERVICE,
                service: SERVICE,
                namespace: SERVICE,
                container: SERVICE,
            });
            const exprs = Object.values(boards).flatMap(dashboardExpressions);
            assert.ok(exprs.length >= 16, `${exprs.length} expressions`);
            const result = checkExpressions(exprs);
            assert.strictEqual(result.status, 0, result.output);
        });
    });

    describe("promtool test rules: the alerts fire, and do not fire, on given series", () => {
        it("high error rate: fires for a version above 0.5 % 5xx after 2 m, not for one below, not before 2 m", () => {
            assertPasses([
                {
                    interval: "1m",
                    input_series: [
                        { series: 'http_requests_total{version="v2",status="200"}', values: "0+95x15" },
                        { series: 'http_requests_total{version="v2",status="500"}', values: "0+5x15" },
                        { series: 'http_requests_total{version="v1",status="200"}', values: "0+99.6x15" },
                        { series: 'http_requests_total{version="v1",status="503"}', values: "0+0.4x15" },
                    ],
                    promql_expr_test: [
                        {
                            // Per mille, rounded: promtool compares samples exactly and rates carry float noise.
                            expr: "round(1000 * version:http_requests_error_ratio:rate5m)",
                            eval_time: "10m",
                            exp_samples: [
                                { labels: '{version="v1"}', value: 4 },
                                { labels: '{version="v2"}', value: 50 },
                            ],
                        },
                    ],
                    alert_rule_test: [
                        // Above the threshold from 1 m (the first rate), so pending at 2 m and firing from 3 m.
                        { eval_time: "2m", alertname: "ClaudeEnhancerHighErrorRate", exp_alerts: [] },
                        {
                            eval_time: "3m",
                            alertname: "ClaudeEnhancerHighErrorRate",
                            exp_alerts: [
                                firing(
                                    "ClaudeEnhancerHighErrorRate",
                                    { version: "v2" },
                                    "Version v2 answers 5% of requests with 5xx (threshold 0.5%).",
                                ),
                            ],
                        },
                    ],
                },
            ]);
        });

        it("p95 latency: fires for a version whose p95 is above 500 ms after 3 m, not for a fast one", () => {
            const buckets = (version: string, perLe: Record<string, string>) =>
                Object.entries(perLe).map(([le, values]) => ({
                    series: `http_request_duration_seconds_bucket{version="${version}",le="${le}"}`,
                    values,
                }));
            assertPasses([
                {
                    interval: "1m",
                    input_series: [
                        // v2: every request between 0.5 s and 1 s, so p95 = 0.5 + 0.95 × 0.5 = 0.975 s.
                        ...buckets("v2", { "0.25": "0x15", "0.5": "0x15", "1": "0+10x15", "+Inf": "0+10x15" }),
                        // v1: every request under 0.25 s, so p95 = 0.2375 s.
                        ...buckets("v1", { "0.25": "0+10x15", "0.5": "0+10x15", "1": "0+10x15", "+Inf": "0+10x15" }),
                    ],
                    promql_expr_test: [
                        {
                            // In 0.1 ms, rounded (float noise).
                            expr: "round(10000 * version:http_request_duration_seconds:p95_rate5m)",
                            eval_time: "10m",
                            exp_samples: [
                                { labels: '{version="v1"}', value: 2375 },
                                { labels: '{version="v2"}', value: 9750 },
                            ],
                        },
                    ],
                    alert_rule_test: [
                        { eval_time: "3m", alertname: "ClaudeEnhancerHighLatencyP95", exp_alerts: [] },
                        {
                            eval_time: "4m",
                            alertname: "ClaudeEnhancerHighLatencyP95",
                            exp_alerts: [
                                firing(
                                    "ClaudeEnhancerHighLatencyP95",
                                    { version: "v2" },
                                    "Version v2 p95 latency is 975ms (threshold 500ms).",
                                ),
                            ],
                        },
                    ],
                },
            ]);
        });

        it("agent failures: fires above 5 failures in 5 m, not at exactly 5, not below", () => {
            assertPasses([
                {
                    interval: "1m",
                    input_series: [
                        { series: 'claude_enhancer_agent_failures_total{version="v2"}', values: "0+2x15" },
                        { series: 'claude_enhancer_agent_failures_total{version="v1"}', values: "0+1x15" },
                        { series: 'claude_enhancer_agent_failures_total{version="v0"}', values: "0+0.5x15" },
                    ],
                    promql_expr_test: [
                        {
                            expr: "version:claude_enhancer_agent_failures:increase5m",
                            eval_time: "10m",
                            exp_samples: [
                                { labels: 'version:claude_enhancer_agent_failures:increase5m{version="v0"}', value: 2.5 },
                                { labels: 'version:claude_enhancer_agent_failures:increase5m{version="v1"}', value: 5 },
                                { labels: 'version:claude_enhancer_agent_failures:increase5m{version="v2"}', value: 10 },
                            ],
                        },
                    ],
                    alert_rule_test: [
                        {
                            eval_time: "10m",
                            alertname: "ClaudeEnhancerAgentFailures",
                            exp_alerts: [
                                firing(
                                    "ClaudeEnhancerAgentFailures",
                                    { version: "v2" },
                                    "Version v2 had 10 agent failures in 5m (threshold 5).",
                                ),
                            ],
                        },
                    ],
                },
            ]);
        });

        it("service down: fires 1 m after every target is down, and when no target is left; not while one is up", () => {
            assertPasses([
                {
                    name: "all targets down",
                    interval: "1m",
                    input_series: [
                        { series: 'up{job="claude-enhancer",instance="10.0.0.1:15020"}', values: "1 1 1 0 0 0 0 0" },
                        { series: 'up{job="claude-enhancer",instance="10.0.0.2:15020"}', values: "1 1 1 0 0 0 0 0" },
                    ],
                    alert_rule_test: [
                        { eval_time: "2m", alertname: "ClaudeEnhancerServiceDown", exp_alerts: [] },
                        { eval_time: "3m", alertname: "ClaudeEnhancerServiceDown", exp_alerts: [] },
                        {
                            eval_time: "4m",
                            alertname: "ClaudeEnhancerServiceDown",
                            exp_alerts: [firing("ClaudeEnhancerServiceDown", {}, "No scrape target of job claude-enhancer is up.")],
                        },
                    ],
                },
                {
                    name: "no target at all",
                    interval: "1m",
                    input_series: [{ series: 'up{job="kube-state-metrics",instance="10.0.0.9:8080"}', values: "1x5" }],
                    alert_rule_test: [
                        {
                            eval_time: "2m",
                            alertname: "ClaudeEnhancerServiceDown",
                            exp_alerts: [
                                firing(
                                    "ClaudeEnhancerServiceDown",
                                    { job: "claude-enhancer" },
                                    "No scrape target of job claude-enhancer is up.",
                                ),
                            ],
                        },
                    ],
                },
                {
                    name: "one target of two up",
                    interval: "1m",
                    input_series: [
                        { series: 'up{job="claude-enhancer",instance="10.0.0.1:15020"}', values: "1x8" },
                        { series: 'up{job="claude-enhancer",instance="10.0.0.2:15020"}', values: "0x8" },
                    ],
                    alert_rule_test: [{ eval_time: "8m", alertname: "ClaudeEnhancerServiceDown", exp_alerts: [] }],
                },
            ]);
        });

        it("workflow phase: fires when a phase runs over 30 min for 5 m", () => {
            assertPasses([
                {
                    interval: "1m",
                    input_series: [
                        // Over 1800 s from 6 m (1860 s): pending until 11 m.
                        {
                            series: 'claude_enhancer_workflow_phase_duration_seconds{version="v2",phase="review",pod="a"}',
                            values: "1500+60x20",
                        },
                        { series: 'claude_enhancer_workflow_phase_duration_seconds{version="v2",phase="plan",pod="a"}', values: "600x20" },
                    ],
                    alert_rule_test: [
                        { eval_time: "10m", alertname: "ClaudeEnhancerWorkflowPhaseStuck", exp_alerts: [] },
                        {
                            eval_time: "12m",
                            alertname: "ClaudeEnhancerWorkflowPhaseStuck",
                            exp_alerts: [
                                firing(
                                    "ClaudeEnhancerWorkflowPhaseStuck",
                                    { version: "v2", phase: "review" },
                                    "Phase review of version v2 has run for 37m 0s (threshold 30m).",
                                ),
                            ],
                        },
                    ],
                },
            ]);
        });

        it("workflow duration: fires when a version's mean workflow run is over 300 s for 10 m, not for a faster one, not before 10 m", () => {
            assertPasses([
                {
                    interval: "1m",
                    input_series: [
                        // v2: 2 runs a minute of 330 s each; v1: 2 runs a minute of 240 s each.
                        { series: 'claude_enhancer_workflow_duration_seconds_sum{version="v2"}', values: "0+660x30" },
                        { series: 'claude_enhancer_workflow_duration_seconds_count{version="v2"}', values: "0+2x30" },
                        { series: 'claude_enhancer_workflow_duration_seconds_sum{version="v1"}', values: "0+480x30" },
                        { series: 'claude_enhancer_workflow_duration_seconds_count{version="v1"}', values: "0+2x30" },
                    ],
                    promql_expr_test: [
                        {
                            expr: "round(version:claude_enhancer_workflow_duration_seconds:mean5m)",
                            eval_time: "10m",
                            exp_samples: [
                                { labels: '{version="v1"}', value: 240 },
                                { labels: '{version="v2"}', value: 330 },
                            ],
                        },
                    ],
                    alert_rule_test: [
                        // Above from 1 m (the first rate): pending through 10 m, firing from 11 m.
                        { eval_time: "10m", alertname: "ClaudeEnhancerWorkflowDurationHigh", exp_alerts: [] },
                        {
                            eval_time: "12m",
                            alertname: "ClaudeEnhancerWorkflowDurationHigh",
                            exp_alerts: [
                                firing(
                                    "ClaudeEnhancerWorkflowDurationHigh",
                                    { version: "v2" },
                                    "Version v2 workflows take 5m 30s on average (threshold 300s).",
                                ),
                            ],
                        },
                    ],
                },
            ]);
        });

        it("anomalous error rate: fires when a version's 5xx rate jumps far above its last hour, not for steady noise or a tiny rate", () => {
            assertPasses([
                {
                    interval: "1m",
                    input_series: [
                        // v2: 0.05 5xx/s for 80 m with a little jitter, then 1 5xx/s from 80 m.
                        {
                            series: 'http_requests_total{version="v2",status="500"}',
                            values: "0+3x19 60+3.6x19 132+2.4x19 180+3x19 240+60x19",
                        },
                        // v1: the same noisy baseline throughout (never far above itself).
                        { series: 'http_requests_total{version="v1",status="500"}', values: "0+3x19 60+3.6x19 132+2.4x19 180+3x39" },
                        // v3: no error for 80 m, then 0.005 5xx/s: far above its baseline of 0 but below 0.01/s.
                        { series: 'http_requests_total{version="v3",status="500"}', values: "0x79 0+0.3x19" },
                    ],
                    alert_rule_test: [
                        { eval_time: "79m", alertname: "ClaudeEnhancerAnomalousErrorRate", exp_alerts: [] },
                        // The 5 m rate crosses the bar within a minute or two of the jump; pending for 2 m.
                        { eval_time: "81m", alertname: "ClaudeEnhancerAnomalousErrorRate", exp_alerts: [] },
                        {
                            eval_time: "86m",
                            alertname: "ClaudeEnhancerAnomalousErrorRate",
                            exp_alerts: [
                                firing(
                                    "ClaudeEnhancerAnomalousErrorRate",
                                    { version: "v2" },
                                    "Version v2 answers 1 5xx/s, more than its 1h mean plus 2 standard deviations.",
                                ),
                            ],
                        },
                    ],
                },
            ]);
        });

        it("memory: fires for the service container over 90 % of its limit, not for other pods or containers", () => {
            const pod = (name: string, container: string, used: number) => [
                {
                    series: `container_memory_working_set_bytes{namespace="claude-enhancer",pod="${name}",container="${container}"}`,
                    values: `${used}x10`,
                },
                {
                    series: `kube_pod_container_resource_limits{namespace="claude-enhancer",pod="${name}",container="${container}",resource="memory"}`,
                    values: "1000x10",
                },
            ];
            assertPasses([
                {
                    interval: "1m",
                    input_series: [
                        ...pod("claude-enhancer-a", "claude-enhancer", 950),
                        ...pod("claude-enhancer-b", "claude-enhancer", 500),
                        ...pod("claude-enhancer-b", "istio-proxy", 990),
                    ],
                    alert_rule_test: [
                        { eval_time: "4m", alertname: "ClaudeEnhancerMemoryHigh", exp_alerts: [] },
                        {
                            eval_time: "5m",
                            alertname: "ClaudeEnhancerMemoryHigh",
                            exp_alerts: [
                                firing(
                                    "ClaudeEnhancerMemoryHigh",
                                    { namespace: "claude-enhancer", pod: "claude-enhancer-a", container: "claude-enhancer" },
                                    "Pod claude-enhancer-a uses 95% of its memory limit (threshold 90%).",
                                ),
                            ],
                        },
                    ],
                },
            ]);
        });

        it("agent success rate: fires below 95 % for 5 m", () => {
            assertPasses([
                {
                    interval: "1m",
                    input_series: [
                        { series: 'claude_enhancer_agent_requests_total{version="v2",result="success"}', values: "0+90x15" },
                        { series: 'claude_enhancer_agent_requests_total{version="v2",result="failure"}', values: "0+10x15" },
                        { series: 'claude_enhancer_agent_requests_total{version="v1",result="success"}', values: "0+99x15" },
                        { series: 'claude_enhancer_agent_requests_total{version="v1",result="failure"}', values: "0+1x15" },
                    ],
                    alert_rule_test: [
                        { eval_time: "5m", alertname: "ClaudeEnhancerAgentSuccessRateLow", exp_alerts: [] },
                        {
                            eval_time: "6m",
                            alertname: "ClaudeEnhancerAgentSuccessRateLow",
                            exp_alerts: [
                                firing(
                                    "ClaudeEnhancerAgentSuccessRateLow",
                                    { version: "v2" },
                                    "Version v2 agents succeed on 90% of requests (threshold 95%).",
                                ),
                            ],
                        },
                    ],
                },
            ]);
        });

        it("hook timeouts: fires above 10 % for 5 m; a version without any timeout has ratio 0, not no data", () => {
            assertPasses([
                {
                    interval: "1m",
                    input_series: [
                        { series: 'claude_enhancer_hook_executions_total{version="v2",result="success"}', values: "0+80x15" },
                        { series: 'claude_enhancer_hook_executions_total{version="v2",result="timeout"}', values: "0+20x15" },
                        { series: 'claude_enhancer_hook_executions_total{version="v1",result="success"}', values: "0+100x15" },
                    ],
                    promql_expr_test: [
                        {
                            expr: "round(1000 * version:claude_enhancer_hook_executions_timeout_ratio:rate5m)",
                            eval_time: "10m",
                            exp_samples: [
                                { labels: '{version="v1"}', value: 0 },
                                { labels: '{version="v2"}', value: 200 },
                            ],
                        },
                    ],
                    alert_rule_test: [
                        {
                            eval_time: "6m",
                            alertname: "ClaudeEnhancerHookTimeoutRateHigh",
                            exp_alerts: [
                                firing(
                                    "ClaudeEnhancerHookTimeoutRateHigh",
                                    { version: "v2" },
                                    "Version v2 hooks time out on 20% of executions (threshold 10%).",
                                ),
                            ],
                        },
                    ],
                },
            ]);
        });

        it("a unit test whose expectation the rules do not meet fails, with promtool's account of the difference", () => {
            const result = testRules(GROUPS, [
                {
                    interval: "1m",
                    input_series: [{ series: 'http_requests_total{version="v1",status="200"}', values: "0+100x15" }],
                    alert_rule_test: [
                        {
                            eval_time: "5m",
                            alertname: "ClaudeEnhancerHighErrorRate",
                            exp_alerts: [firing("ClaudeEnhancerHighErrorRate", { version: "v1" }, "any")],
                        },
                    ],
                },
            ]);
            assert.notStrictEqual(result.status, 0);
            assert.match(result.output, /FAILED/);
            assert.match(result.output, /alertname: ClaudeEnhancerHighErrorRate, time: 5m/);
        });
    });
});
