import * as assert from "assert";
import { MetricsSchema } from "../../../config/metrics";
import { MonitoringSchema } from "../../../config/observability";
import { RuleContext, dataStoreAlertDefinitions, ruleGroups } from "../../../components/observability/rules";
import { AlertExpectation, RuleUnitTest, checkRules, testRules } from "./tools";

const DEFAULTS = MonitoringSchema.parse({});
const SERVICE = "claude-enhancer";
const RUNBOOKS = "https://runbooks.example.com/claude-enhancer";

function context(alerts = DEFAULTS.alerts): RuleContext {
    return {
        metrics: MetricsSchema.parse({}),
        thresholds: alerts,
        service: SERVICE,
        job: SERVICE,
        namespace: SERVICE,
        container: SERVICE,
        runbookBaseUrl: RUNBOOKS,
    };
}

const GROUPS = ruleGroups(context());

// Series as the exporters publish them: the sidecars scraped by the stores' ServiceMonitor (job = the store's
// name), the CloudWatch exporter's with its dimension labels.
const PG = { job: "postgres", instance: "10.0.0.1:9187" };
const PG_OTHER = { job: "postgres", instance: "10.0.0.2:9187" };
const REDIS = { job: "redis", instance: "10.0.0.3:9121" };
const REDIS_OTHER = { job: "redis", instance: "10.0.0.4:9121" };
const CW = { job: "cloudwatch-exporter", instance: "10.0.0.9:9106" };

function series(name: string, labels: Record<string, string>, values: string) {
    const text = Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",");
    return { series: `${name}{${text}}`, values };
}

function firing(alert: string, labels: Record<string, string>, description: string): AlertExpectation {
    const def = dataStoreAlertDefinitions(context()).find((d) => d.alert === alert);
    if (!def) throw new Error(`no alert ${alert}`);
    return {
        exp_labels: { severity: def.severity, service: SERVICE, ...labels },
        exp_annotations: { summary: def.summary, description, runbook_url: `${RUNBOOKS}/${alert}` },
    };
}

function assertPasses(tests: RuleUnitTest[], groups = GROUPS): void {
    const result = testRules(groups, tests);
    assert.strictEqual(result.status, 0, `promtool test rules failed:\n${result.output}`);
    assert.match(result.output, /SUCCESS/);
}

describe("data store alerts on the exporters' metric names (observability/rules.ts)", function () {
    this.timeout(60_000);

    it("defaults: connections 80 %, RDS max_connections 400, replica lag 30 s, cache memory 90 %, 100 evictions in 5 m", () => {
        const { databaseConnectionsPercent, rdsMaxConnections, replicationLagSeconds, cacheMemoryPercent, cacheEvictions } =
            DEFAULTS.alerts;
        assert.deepStrictEqual(
            { databaseConnectionsPercent, rdsMaxConnections, replicationLagSeconds, cacheMemoryPercent, cacheEvictions },
            {
                databaseConnectionsPercent: 80,
                rdsMaxConnections: 400,
                replicationLagSeconds: 30,
                cacheMemoryPercent: 90,
                cacheEvictions: 100,
            },
        );
    });

    it("queries postgres-exporter, redis-exporter and CloudWatch exporter names, thresholds from configuration", () => {
        const defs = dataStoreAlertDefinitions(
            context({ ...DEFAULTS.alerts, databaseConnectionsPercent: 70, rdsMaxConnections: 1700, cacheEvictions: 0 }),
        );
        const expr = (alert: string) => defs.find((d) => d.alert === alert)!.expr;
        assert.deepStrictEqual(
            defs.map((d) => [d.alert, d.for, d.severity]),
            [
                ["ClaudeEnhancerDatabaseDown", "1m", "critical"],
                ["ClaudeEnhancerDatabaseConnectionsHigh", "5m", "warning"],
                ["ClaudeEnhancerDatabaseReplicationLagHigh", "5m", "critical"],
                ["ClaudeEnhancerCacheDown", "1m", "critical"],
                ["ClaudeEnhancerCacheMemoryHigh", "5m", "warning"],
                ["ClaudeEnhancerCacheEvictions", "5m", "warning"],
            ],
        );
        assert.strictEqual(
            expr("ClaudeEnhancerDatabaseConnectionsHigh"),
            "sum by (job, instance) (pg_stat_activity_count) / max by (job, instance) (pg_settings_max_connections) > 0.7" +
                " or aws_rds_database_connections_average / 1700 > 0.7",
        );
        assert.strictEqual(
            expr("ClaudeEnhancerDatabaseReplicationLagHigh"),
            "max by (job, instance) (pg_replication_lag_seconds) > 30 or aws_rds_replica_lag_average > 30",
        );
        assert.strictEqual(
            expr("ClaudeEnhancerCacheMemoryHigh"),
            "max by (job, instance) (redis_memory_used_bytes) / max by (job, instance) (redis_memory_max_bytes > 0) > 0.9" +
                " or aws_elasticache_database_memory_usage_percentage_average / 100 > 0.9",
        );
        assert.strictEqual(
            expr("ClaudeEnhancerCacheEvictions"),
            "sum by (job, instance) (increase(redis_evicted_keys_total[5m])) > 0 or aws_elasticache_evictions_sum > 0",
        );
    });

    it("promtool check rules accepts the rule file with the data store group (12 recording + 16 alerting rules)", () => {
        assert.strictEqual(GROUPS[2].name, "claude-enhancer.datastores");
        const result = checkRules(GROUPS);
        assert.strictEqual(result.status, 0, result.output);
        assert.match(result.output, /SUCCESS: 28 rules found/);
    });

    it("database connections: fire above 80 % of max_connections after 5 m (in-cluster and RDS), not below", () => {
        assertPasses([
            {
                interval: "1m",
                input_series: [
                    // 70 active + 15 idle of 100: 85 %.
                    series("pg_stat_activity_count", { ...PG, datname: "claude_enhancer", state: "active" }, "70x15"),
                    series("pg_stat_activity_count", { ...PG, datname: "claude_enhancer", state: "idle" }, "15x15"),
                    series("pg_settings_max_connections", PG, "100x15"),
                    // 80 of 100: at, not above, the threshold.
                    series("pg_stat_activity_count", { ...PG_OTHER, datname: "claude_enhancer", state: "active" }, "80x15"),
                    series("pg_settings_max_connections", PG_OTHER, "100x15"),
                    // RDS: 350 of 400 (87.5 %), and 100 of 400.
                    series("aws_rds_database_connections_average", { ...CW, dbinstance_identifier: "ce-staging" }, "350x15"),
                    series("aws_rds_database_connections_average", { ...CW, dbinstance_identifier: "ce-staging-replica" }, "100x15"),
                ],
                alert_rule_test: [
                    { eval_time: "4m", alertname: "ClaudeEnhancerDatabaseConnectionsHigh", exp_alerts: [] },
                    {
                        eval_time: "6m",
                        alertname: "ClaudeEnhancerDatabaseConnectionsHigh",
                        exp_alerts: [
                            firing(
                                "ClaudeEnhancerDatabaseConnectionsHigh",
                                PG,
                                "Connections in use are 85% of max_connections (threshold 80%).",
                            ),
                            firing(
                                "ClaudeEnhancerDatabaseConnectionsHigh",
                                { ...CW, dbinstance_identifier: "ce-staging" },
                                "Connections in use are 87.5% of max_connections (threshold 80%).",
                            ),
                        ],
                    },
                ],
            },
        ]);
    });

    it("replication lag: fires for a replica over 30 s behind (in-cluster and RDS), not for a primary (lag 0) or a close replica", () => {
        assertPasses([
            {
                interval: "1m",
                input_series: [
                    series("pg_replication_lag_seconds", PG, "0x15"),
                    series("pg_replication_lag_seconds", PG_OTHER, "45x15"),
                    series("aws_rds_replica_lag_average", { ...CW, dbinstance_identifier: "ce-staging-replica" }, "90x15"),
                    series("aws_rds_replica_lag_average", { ...CW, dbinstance_identifier: "ce-other-replica" }, "30x15"),
                ],
                alert_rule_test: [
                    { eval_time: "4m", alertname: "ClaudeEnhancerDatabaseReplicationLagHigh", exp_alerts: [] },
                    {
                        eval_time: "6m",
                        alertname: "ClaudeEnhancerDatabaseReplicationLagHigh",
                        exp_alerts: [
                            firing(
                                "ClaudeEnhancerDatabaseReplicationLagHigh",
                                PG_OTHER,
                                "The replica is 45s behind its primary (threshold 30s).",
                            ),
                            firing(
                                "ClaudeEnhancerDatabaseReplicationLagHigh",
                                { ...CW, dbinstance_identifier: "ce-staging-replica" },
                                "The replica is 1m 30s behind its primary (threshold 30s).",
                            ),
                        ],
                    },
                ],
            },
        ]);
    });

    it("cache memory: fires above 90 % of maxmemory (in-cluster and ElastiCache), not below, not without a maxmemory", () => {
        const mib = (n: number) => String(n * 1024 * 1024);
        assertPasses([
            {
                interval: "1m",
                input_series: [
                    // 369 of 384 MiB (the in-cluster maxmemory): 96.09 %.
                    series("redis_memory_used_bytes", REDIS, `${mib(369)}x15`),
                    series("redis_memory_max_bytes", REDIS, `${mib(384)}x15`),
                    // maxmemory 0 (unlimited): no ratio, whatever is used.
                    series("redis_memory_used_bytes", REDIS_OTHER, `${mib(4096)}x15`),
                    series("redis_memory_max_bytes", REDIS_OTHER, "0x15"),
                    series("aws_elasticache_database_memory_usage_percentage_average", { ...CW, cache_cluster_id: "ce-0001-001" }, "95x15"),
                    series("aws_elasticache_database_memory_usage_percentage_average", { ...CW, cache_cluster_id: "ce-0001-002" }, "60x15"),
                ],
                alert_rule_test: [
                    { eval_time: "4m", alertname: "ClaudeEnhancerCacheMemoryHigh", exp_alerts: [] },
                    {
                        eval_time: "6m",
                        alertname: "ClaudeEnhancerCacheMemoryHigh",
                        exp_alerts: [
                            firing("ClaudeEnhancerCacheMemoryHigh", REDIS, "Redis uses 96.09% of its maxmemory (threshold 90%)."),
                            firing(
                                "ClaudeEnhancerCacheMemoryHigh",
                                { ...CW, cache_cluster_id: "ce-0001-001" },
                                "Redis uses 95% of its maxmemory (threshold 90%).",
                            ),
                        ],
                    },
                ],
            },
        ]);
    });

    it("evictions: fire above 100 keys evicted in 5 m (in-cluster and ElastiCache), not below", () => {
        assertPasses([
            {
                interval: "1m",
                input_series: [
                    // 50 a minute: 250 in 5 m; 10 a minute: 50.
                    series("redis_evicted_keys_total", REDIS, "0+50x20"),
                    series("redis_evicted_keys_total", REDIS_OTHER, "0+10x20"),
                    series("aws_elasticache_evictions_sum", { ...CW, cache_cluster_id: "ce-0001-001" }, "500x20"),
                    series("aws_elasticache_evictions_sum", { ...CW, cache_cluster_id: "ce-0001-002" }, "100x20"),
                ],
                promql_expr_test: [
                    {
                        expr: "round(sum by (job, instance) (increase(redis_evicted_keys_total[5m])))",
                        eval_time: "10m",
                        exp_samples: [
                            { labels: `{job="redis",instance="${REDIS.instance}"}`, value: 250 },
                            { labels: `{job="redis",instance="${REDIS_OTHER.instance}"}`, value: 50 },
                        ],
                    },
                ],
                alert_rule_test: [
                    { eval_time: "4m", alertname: "ClaudeEnhancerCacheEvictions", exp_alerts: [] },
                    {
                        eval_time: "12m",
                        alertname: "ClaudeEnhancerCacheEvictions",
                        exp_alerts: [
                            firing("ClaudeEnhancerCacheEvictions", REDIS, "Redis evicted 250 keys in 5m (threshold 100)."),
                            firing(
                                "ClaudeEnhancerCacheEvictions",
                                { ...CW, cache_cluster_id: "ce-0001-001" },
                                "Redis evicted 500 keys in 5m (threshold 100).",
                            ),
                        ],
                    },
                ],
            },
        ]);
    });

    it("store down: pg_up / redis_up 0 for 1 m fires, 1 does not", () => {
        assertPasses([
            {
                interval: "1m",
                input_series: [series("pg_up", PG, "1 1 0x10"), series("pg_up", PG_OTHER, "1x12"), series("redis_up", REDIS, "1x12")],
                alert_rule_test: [
                    { eval_time: "2m", alertname: "ClaudeEnhancerDatabaseDown", exp_alerts: [] },
                    {
                        eval_time: "4m",
                        alertname: "ClaudeEnhancerDatabaseDown",
                        exp_alerts: [
                            firing("ClaudeEnhancerDatabaseDown", PG, `postgres-exporter ${PG.instance} cannot query the database.`),
                        ],
                    },
                    { eval_time: "4m", alertname: "ClaudeEnhancerCacheDown", exp_alerts: [] },
                ],
            },
        ]);
    });

    it("a custom RDS max_connections moves the line: 350 connections of 1700 do not fire", () => {
        const groups = ruleGroups(context({ ...DEFAULTS.alerts, rdsMaxConnections: 1700 }));
        assertPasses(
            [
                {
                    interval: "1m",
                    input_series: [
                        series("aws_rds_database_connections_average", { ...CW, dbinstance_identifier: "ce-production" }, "350x15"),
                    ],
                    alert_rule_test: [{ eval_time: "10m", alertname: "ClaudeEnhancerDatabaseConnectionsHigh", exp_alerts: [] }],
                },
            ],
            groups,
        );
    });
});
