import type { MetricsConfig } from "../../config/metrics";
import type { MonitoringConfig } from "../../config/observability";

/**
 * The service's alerting and recording rules (docs/architecture.md Monitoring), as typed definitions over the
 * stack's metric names (docs/rollout.md, Metrics contract). One source: the PrometheusRule custom resource carries
 * `ruleGroups(...)`, and the tests feed the same groups to `promtool check rules` / `promtool test rules`.
 */

export type Severity = "critical" | "warning";

export interface AlertDefinition {
    alert: string;
    expr: string;
    /** How long the condition must hold before the alert fires (a Prometheus duration). */
    for: string;
    severity: Severity;
    summary: string;
    description: string;
}

export interface RecordingDefinition {
    record: string;
    expr: string;
}

/** A rule as Prometheus (and the PrometheusRule CRD) spells it. */
export type PrometheusRule =
    | { record: string; expr: string }
    | { alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> };

export interface PrometheusRuleGroup {
    name: string;
    interval?: string;
    rules: PrometheusRule[];
}

export interface RuleContext {
    metrics: MetricsConfig;
    thresholds: MonitoringConfig["alerts"];
    /** Value of the `service` label every alert carries (Alertmanager groups by it). */
    service: string;
    /** `job` label of the service's scrape targets (set by its ServiceMonitor). */
    job: string;
    /** Namespace and container of the service's pods, for the cAdvisor / kube-state-metrics series. */
    namespace: string;
    container: string;
    runbookBaseUrl: string;
}

/** Recording window of every rate: long enough for 15 s scrapes to give a stable rate, short enough to alert in minutes. */
export const RATE_WINDOW = "5m";
export const LATENCY_QUANTILES = [0.5, 0.95, 0.99] as const;

/** Alerts that ClaudeEnhancerServiceDown causes, so Alertmanager holds them back while it fires (alertmanager.ts). */
export const CAUSED_BY_SERVICE_DOWN = [
    "ClaudeEnhancerHighErrorRate",
    "ClaudeEnhancerHighLatencyP95",
    "ClaudeEnhancerAnomalousErrorRate",
] as const;
export const SERVICE_DOWN_ALERT = "ClaudeEnhancerServiceDown";

/** A counter's base name: Prometheus convention drops `_total` inside recorded names. */
function base(metric: string): string {
    return metric.replace(/_total$/, "");
}

/** Names of the recorded series, `level:metric:operations` (Prometheus naming convention), level = the version label. */
export function recordedNames(metrics: MetricsConfig) {
    const level = metrics.versionLabel;
    const requests = base(metrics.requestsTotal);
    return {
        requestRate: `${level}:${requests}:rate${RATE_WINDOW}`,
        errorRate: `${level}:${requests}_errors:rate${RATE_WINDOW}`,
        errorRatio: `${level}:${requests}_error_ratio:rate${RATE_WINDOW}`,
        latency: Object.fromEntries(
            LATENCY_QUANTILES.map((q) => [q, `${level}:${metrics.requestDurationSeconds}:p${Math.round(q * 100)}_rate${RATE_WINDOW}`]),
        ) as Record<(typeof LATENCY_QUANTILES)[number], string>,
        agentFailures: `${level}:${base(metrics.agentFailuresTotal)}:increase${RATE_WINDOW}`,
        agentSuccessRatio: `${level}:${base(metrics.agentRequestsTotal)}_success_ratio:rate${RATE_WINDOW}`,
        hookTimeoutRatio: `${level}:${base(metrics.hookExecutionsTotal)}_timeout_ratio:rate${RATE_WINDOW}`,
        workflowPhaseDuration: `${level}_${metrics.phaseLabel}:${metrics.workflowPhaseDurationSeconds}:max`,
        workflowDurationMean: `${level}:${metrics.workflowDurationSeconds}:mean${RATE_WINDOW}`,
        memoryLimitRatio: "namespace_pod_container:container_memory_working_set_bytes_limit:ratio",
    };
}

export function recordingRules(ctx: RuleContext): RecordingDefinition[] {
    const m = ctx.metrics;
    const names = recordedNames(m);
    const by = `sum by (${m.versionLabel})`;
    const rate = (metric: string, selector = "") => `rate(${metric}${selector ? `{${selector}}` : ""}[${RATE_WINDOW}])`;
    const container = `namespace="${ctx.namespace}",container="${ctx.container}"`;
    const perContainer = "sum by (namespace, pod, container)";
    return [
        { record: names.requestRate, expr: `${by} (${rate(m.requestsTotal)})` },
        { record: names.errorRate, expr: `${by} (${rate(m.requestsTotal, `${m.statusLabel}=~"5.."`)})` },
        { record: names.errorRatio, expr: `${names.errorRate} / ${names.requestRate}` },
        ...LATENCY_QUANTILES.map((q) => ({
            record: names.latency[q],
            expr: `histogram_quantile(${q}, sum by (${m.versionLabel}, le) (${rate(`${m.requestDurationSeconds}_bucket`)}))`,
        })),
        { record: names.agentFailures, expr: `${by} (increase(${m.agentFailuresTotal}[${RATE_WINDOW}]))` },
        {
            record: names.agentSuccessRatio,
            expr: `${by} (${rate(m.agentRequestsTotal, `${m.agentResultLabel}="success"`)}) / ${by} (${rate(m.agentRequestsTotal)})`,
        },
        {
            // Hooks that never time out have no timeout series; `or 0 *` keeps their ratio at 0 instead of absent.
            record: names.hookTimeoutRatio,
            expr: `(${by} (${rate(m.hookExecutionsTotal, `${m.hookResultLabel}="timeout"`)}) or 0 * ${by} (${rate(m.hookExecutionsTotal)})) / ${by} (${rate(m.hookExecutionsTotal)})`,
        },
        { record: names.workflowPhaseDuration, expr: `max by (${m.versionLabel}, ${m.phaseLabel}) (${m.workflowPhaseDurationSeconds})` },
        {
            record: names.workflowDurationMean,
            expr: `${by} (${rate(`${m.workflowDurationSeconds}_sum`)}) / ${by} (${rate(`${m.workflowDurationSeconds}_count`)})`,
        },
        {
            record: names.memoryLimitRatio,
            expr: `${perContainer} (container_memory_working_set_bytes{${container}}) / ${perContainer} (kube_pod_container_resource_limits{${container},resource="memory"})`,
        },
    ];
}

/** A PromQL number literal for a threshold given in percent or milliseconds. */
function literal(value: number): string {
    return String(Number(value.toPrecision(12)));
}

export function alertDefinitions(ctx: RuleContext): AlertDefinition[] {
    const t = ctx.thresholds;
    const names = recordedNames(ctx.metrics);
    const version = `{{ $labels.${ctx.metrics.versionLabel} }}`;
    const up = `up{job="${ctx.job}"}`;
    const errors = names.errorRate;
    // The baseline ends where the current 5 m rate starts, so a spike does not raise its own bar.
    const baseline = (fn: string) => `${fn}(${errors}[${t.anomalyBaselineWindow}] offset ${RATE_WINDOW})`;
    return [
        {
            alert: "ClaudeEnhancerHighErrorRate",
            expr: `${names.errorRatio} > ${literal(t.errorRatePercent / 100)}`,
            for: "2m",
            severity: "critical",
            summary: "Claude Enhancer 5xx error rate is high",
            description: `Version ${version} answers {{ $value | humanizePercentage }} of requests with 5xx (threshold ${t.errorRatePercent}%).`,
        },
        {
            alert: "ClaudeEnhancerHighLatencyP95",
            expr: `${names.latency[0.95]} > ${literal(t.latencyP95Ms / 1000)}`,
            for: "3m",
            severity: "warning",
            summary: "Claude Enhancer p95 latency is high",
            description: `Version ${version} p95 latency is {{ $value | humanizeDuration }} (threshold ${t.latencyP95Ms}ms).`,
        },
        {
            alert: "ClaudeEnhancerAgentFailures",
            expr: `${names.agentFailures} > ${t.agentFailures}`,
            for: "1m",
            severity: "critical",
            summary: "Claude Enhancer agents are failing",
            description: `Version ${version} had {{ $value }} agent failures in ${RATE_WINDOW} (threshold ${t.agentFailures}).`,
        },
        {
            alert: "ClaudeEnhancerWorkflowPhaseStuck",
            expr: `${names.workflowPhaseDuration} > ${t.workflowPhaseMinutes * 60}`,
            for: "5m",
            severity: "warning",
            summary: "A Claude Enhancer workflow phase runs too long",
            description: `Phase {{ $labels.${ctx.metrics.phaseLabel} }} of version ${version} has run for {{ $value | humanizeDuration }} (threshold ${t.workflowPhaseMinutes}m).`,
        },
        {
            alert: "ClaudeEnhancerMemoryHigh",
            expr: `${names.memoryLimitRatio} > ${literal(t.memoryPercent / 100)}`,
            for: "5m",
            severity: "critical",
            summary: "A Claude Enhancer pod is close to its memory limit",
            description: `Pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit (threshold ${t.memoryPercent}%).`,
        },
        {
            alert: SERVICE_DOWN_ALERT,
            // No target up at all, or no target left to scrape (every pod gone).
            expr: `sum(${up}) == 0 or absent(${up})`,
            for: "1m",
            severity: "critical",
            summary: "Claude Enhancer is down",
            description: `No scrape target of job ${ctx.job} is up.`,
        },
        {
            alert: "ClaudeEnhancerAgentSuccessRateLow",
            expr: `${names.agentSuccessRatio} < ${literal(t.agentSuccessPercent / 100)}`,
            for: "5m",
            severity: "warning",
            summary: "Claude Enhancer agent success rate is low",
            description: `Version ${version} agents succeed on {{ $value | humanizePercentage }} of requests (threshold ${t.agentSuccessPercent}%).`,
        },
        {
            alert: "ClaudeEnhancerHookTimeoutRateHigh",
            expr: `${names.hookTimeoutRatio} > ${literal(t.hookTimeoutPercent / 100)}`,
            for: "5m",
            severity: "critical",
            summary: "Claude Enhancer hooks time out",
            description: `Version ${version} hooks time out on {{ $value | humanizePercentage }} of executions (threshold ${t.hookTimeoutPercent}%).`,
        },
        {
            alert: "ClaudeEnhancerWorkflowDurationHigh",
            expr: `${names.workflowDurationMean} > ${literal(t.workflowDurationSeconds)}`,
            for: "10m",
            severity: "warning",
            summary: "Claude Enhancer workflows take too long",
            description: `Version ${version} workflows take {{ $value | humanizeDuration }} on average (threshold ${t.workflowDurationSeconds}s).`,
        },
        {
            alert: "ClaudeEnhancerAnomalousErrorRate",
            expr: `${errors} > ${baseline("avg_over_time")} + ${literal(t.anomalyStddevFactor)} * ${baseline("stddev_over_time")} and ${errors} > ${literal(t.anomalyMinErrorsPerSecond)}`,
            for: "2m",
            severity: "warning",
            summary: "Claude Enhancer 5xx rate is far above its recent baseline",
            description: `Version ${version} answers {{ $value | humanize }} 5xx/s, more than its ${t.anomalyBaselineWindow} mean plus ${t.anomalyStddevFactor} standard deviations.`,
        },
    ];
}

/**
 * The seeds' database and cache alerts, over what the exporters publish (exporters.ts): postgres-exporter
 * and redis-exporter beside the in-cluster stores, the CloudWatch exporter for RDS and ElastiCache. Each
 * alert reads both sources (`or`); a stack has only one of them, and the other side is simply empty.
 */
export function dataStoreAlertDefinitions(ctx: Pick<RuleContext, "thresholds">): AlertDefinition[] {
    const t = ctx.thresholds;
    const connections = literal(t.databaseConnectionsPercent / 100);
    const memory = literal(t.cacheMemoryPercent / 100);
    const perTarget = "by (job, instance)";
    return [
        {
            alert: "ClaudeEnhancerDatabaseDown",
            expr: "pg_up == 0",
            for: "1m",
            severity: "critical",
            summary: "PostgreSQL does not answer its exporter",
            description: "postgres-exporter {{ $labels.instance }} cannot query the database.",
        },
        {
            alert: "ClaudeEnhancerDatabaseConnectionsHigh",
            expr:
                `sum ${perTarget} (pg_stat_activity_count) / max ${perTarget} (pg_settings_max_connections) > ${connections}` +
                ` or aws_rds_database_connections_average / ${t.rdsMaxConnections} > ${connections}`,
            for: "5m",
            severity: "warning",
            summary: "The database is running out of connections",
            description: `Connections in use are {{ $value | humanizePercentage }} of max_connections (threshold ${t.databaseConnectionsPercent}%).`,
        },
        {
            alert: "ClaudeEnhancerDatabaseReplicationLagHigh",
            expr: `max ${perTarget} (pg_replication_lag_seconds) > ${literal(t.replicationLagSeconds)} or aws_rds_replica_lag_average > ${literal(t.replicationLagSeconds)}`,
            for: "5m",
            severity: "critical",
            summary: "A database replica lags its primary",
            description: `The replica is {{ $value | humanizeDuration }} behind its primary (threshold ${t.replicationLagSeconds}s).`,
        },
        {
            alert: "ClaudeEnhancerCacheDown",
            expr: "redis_up == 0",
            for: "1m",
            severity: "critical",
            summary: "Redis does not answer its exporter",
            description: "redis-exporter {{ $labels.instance }} cannot reach Redis.",
        },
        {
            // maxmemory 0 means unlimited: such a server has no ratio to alert on.
            alert: "ClaudeEnhancerCacheMemoryHigh",
            expr:
                `max ${perTarget} (redis_memory_used_bytes) / max ${perTarget} (redis_memory_max_bytes > 0) > ${memory}` +
                ` or aws_elasticache_database_memory_usage_percentage_average / 100 > ${memory}`,
            for: "5m",
            severity: "warning",
            summary: "The cache is close to its memory limit",
            description: `Redis uses {{ $value | humanizePercentage }} of its maxmemory (threshold ${t.cacheMemoryPercent}%).`,
        },
        {
            alert: "ClaudeEnhancerCacheEvictions",
            expr:
                `sum ${perTarget} (increase(redis_evicted_keys_total[${RATE_WINDOW}])) > ${t.cacheEvictions}` +
                ` or aws_elasticache_evictions_sum > ${t.cacheEvictions}`,
            for: "5m",
            severity: "warning",
            summary: "The cache evicts keys",
            description: `Redis evicted {{ $value | humanize }} keys in ${RATE_WINDOW} (threshold ${t.cacheEvictions}).`,
        },
    ];
}

/** Labels and annotations an alert fires with. */
export function alertLabels(ctx: Pick<RuleContext, "service">, def: Pick<AlertDefinition, "severity">): Record<string, string> {
    return { severity: def.severity, service: ctx.service };
}

export function alertAnnotations(ctx: Pick<RuleContext, "runbookBaseUrl">, def: AlertDefinition): Record<string, string> {
    return { summary: def.summary, description: def.description, runbook_url: `${ctx.runbookBaseUrl.replace(/\/$/, "")}/${def.alert}` };
}

/** The rule groups, in Prometheus' rule-file / PrometheusRule `spec.groups` shape. */
export function ruleGroups(ctx: RuleContext): PrometheusRuleGroup[] {
    return [
        { name: `${ctx.service}.recording`, rules: recordingRules(ctx).map((r) => ({ record: r.record, expr: r.expr })) },
        {
            name: `${ctx.service}.alerts`,
            rules: alertDefinitions(ctx).map((def) => ({
                alert: def.alert,
                expr: def.expr,
                for: def.for,
                labels: alertLabels(ctx, def),
                annotations: alertAnnotations(ctx, def),
            })),
        },
        {
            name: `${ctx.service}.datastores`,
            rules: dataStoreAlertDefinitions(ctx).map((def) => ({
                alert: def.alert,
                expr: def.expr,
                for: def.for,
                labels: alertLabels(ctx, def),
                annotations: alertAnnotations(ctx, def),
            })),
        },
    ];
}
