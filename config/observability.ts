import { z } from "zod";
import { CLOUDWATCH_RETENTION_DAYS } from "./network";
import { CHART_VERSION, RequestsSchema } from "./mesh";

/** A Prometheus duration: digits and one unit (what `--storage.tsdb.retention.time` and scrape intervals take). */
const PROM_DURATION = z.string().regex(/^\d+(ms|s|m|h|d|w|y)$/, 'a Prometheus duration such as "15s", "15d" or "90d"');
const EMAIL = z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, "an e-mail address such as oncall@example.com");
const SLACK_CHANNEL = z.string().regex(/^#[a-z0-9][a-z0-9._-]{0,79}$/, "a Slack channel such as #claude-critical");
const HOST_PORT = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "an SMTP relay as host:port, such as smtp.example.com:587");

/** Receivers that can page a person on a critical alert; each needs its secret stack key (config/secrets.ts). */
export const CRITICAL_RECEIVER_KINDS = ["pagerduty", "slack"] as const;
export type CriticalReceiverKind = (typeof CRITICAL_RECEIVER_KINDS)[number];

const AlertEmailSchema = z.strictObject({
    to: EMAIL,
    from: EMAIL,
    smarthost: HOST_PORT,
    /** SMTP user; its password is the secret key alertmanagerSmtpPassword. */
    authUsername: z.string().min(1).optional(),
});

/**
 * Prometheus, Alertmanager and Grafana (kube-prometheus-stack). Receivers' credentials are secret
 * stack keys (alertmanagerPagerdutyRoutingKey, alertmanagerSlackWebhookUrl, alertmanagerSmtpPassword),
 * never part of this schema.
 */
export const MonitoringSchema = z.strictObject({
    chartVersion: CHART_VERSION.default("88.5.3"),
    prometheus: z
        .strictObject({
            scrapeInterval: PROM_DURATION.default("15s"),
            /**
             * Scrape interval of the service's own ServiceMonitor: the health gate sees a fault at most two
             * scrapes plus one gate interval after it starts, so 5 s keeps the fast traffic cut well under 30 s.
             */
            serviceScrapeInterval: PROM_DURATION.default("5s"),
            evaluationInterval: PROM_DURATION.default("15s"),
            retention: PROM_DURATION.default("15d"),
            storageGb: z.number().int().min(1).max(16384).default(50),
            replicas: z.number().int().min(1).max(5).default(1),
            requests: RequestsSchema.prefault({ cpu: "500m", memory: "2Gi" }),
        })
        .prefault({}),
    alertmanager: z
        .strictObject({
            replicas: z.number().int().min(1).max(5).default(1),
            storageGb: z.number().int().min(1).max(1024).default(2),
            requests: RequestsSchema.prefault({ cpu: "50m", memory: "128Mi" }),
            /**
             * Where critical alerts go: PagerDuty (secret alertmanagerPagerdutyRoutingKey) and/or Slack
             * criticalSlackChannel (secret alertmanagerSlackWebhookUrl). Production refuses to deploy unless the
             * list is non-empty and each listed receiver's secret is set; other stacks leave a receiver without
             * its secret out, with a warning.
             */
            criticalReceivers: z
                .array(z.enum(CRITICAL_RECEIVER_KINDS))
                .refine((kinds) => new Set(kinds).size === kinds.length, { message: "a list without repeated receivers" })
                .default(["pagerduty", "slack"]),
            criticalSlackChannel: SLACK_CHANNEL.default("#claude-critical"),
            warningSlackChannel: SLACK_CHANNEL.default("#claude-alerts"),
            /** Warning alerts by e-mail as well as Slack; omitted when not set. */
            email: AlertEmailSchema.optional(),
            groupWait: PROM_DURATION.default("30s"),
            groupInterval: PROM_DURATION.default("5m"),
            repeatInterval: PROM_DURATION.default("4h"),
        })
        .prefault({}),
    grafana: z
        .strictObject({
            storageGb: z.number().int().min(1).max(1024).default(10),
            requests: RequestsSchema.prefault({ cpu: "100m", memory: "256Mi" }),
        })
        .prefault({}),
    /** Alert thresholds (docs/architecture.md, the seeds' values). */
    alerts: z
        .strictObject({
            errorRatePercent: z.number().gt(0).max(100).default(0.5),
            latencyP95Ms: z.number().int().min(1).default(500),
            /** Agent failures within 5 minutes. */
            agentFailures: z.number().int().min(0).default(5),
            workflowPhaseMinutes: z.number().int().min(1).default(30),
            memoryPercent: z.number().gt(0).max(100).default(90),
            agentSuccessPercent: z.number().gt(0).max(100).default(95),
            hookTimeoutPercent: z.number().gt(0).max(100).default(10),
            /** Mean duration of whole workflow runs over 5 m (seed 003: 300 s for 10 m). */
            workflowDurationSeconds: z.number().gt(0).default(300),
            /**
             * AnomalousErrorRate (seed 003): a version's 5xx rate above its own mean over `anomalyBaselineWindow`
             * plus `anomalyStddevFactor` standard deviations, and above `anomalyMinErrorsPerSecond`.
             */
            anomalyBaselineWindow: PROM_DURATION.default("1h"),
            anomalyStddevFactor: z.number().gt(0).max(10).default(2),
            anomalyMinErrorsPerSecond: z.number().gt(0).default(0.01),
            /** Data stores (docs/observability.md, Data store alerts): connections in use, as a share of max_connections. */
            databaseConnectionsPercent: z.number().gt(0).max(100).default(80),
            /**
             * RDS publishes no max_connections metric: its default is LEAST(DBInstanceClassMemory / 9531392, 5000),
             * about 410 on db.t4g.medium (staging) and 1700 on db.r6g.large; set it to the instance's value.
             */
            rdsMaxConnections: z.number().int().min(1).default(400),
            /** Seconds a replica may lag its primary (the DR path's RPO is 60 s, so warn at half of it). */
            replicationLagSeconds: z.number().gt(0).default(30),
            /** Redis memory in use as a share of its maxmemory (ElastiCache: DatabaseMemoryUsagePercentage). */
            cacheMemoryPercent: z.number().gt(0).max(100).default(90),
            /** Keys evicted within 5 minutes. */
            cacheEvictions: z.number().int().min(0).default(100),
        })
        .prefault({}),
    /** prometheus-community/prometheus-cloudwatch-exporter: RDS and ElastiCache metrics on the AWS stacks. */
    cloudwatchExporter: z
        .strictObject({
            chartVersion: CHART_VERSION.default("0.26.0"),
            /** CloudWatch holds one datapoint a minute; scraping more often only costs API calls. */
            scrapeInterval: PROM_DURATION.default("60s"),
        })
        .prefault({}),
    /** Base of the alerts' runbook_url annotations (one page per alert name). */
    runbookBaseUrl: z
        .url({ protocol: /^https$/, error: "an https URL such as https://runbooks.example.com/claude-enhancer" })
        .default("https://runbooks.example.com/claude-enhancer"),
});

const OpenSearchInClusterSchema = z.strictObject({
    mode: z.literal("in-cluster"),
    chartVersion: CHART_VERSION.default("3.6.0"),
    dashboardsChartVersion: CHART_VERSION.default("3.6.0"),
    storageGb: z.number().int().min(1).max(16384).default(20),
    /** JVM heap of the single node (-Xms/-Xmx), about half of the memory request. */
    heapMb: z.number().int().min(256).max(31744).default(1024),
    requests: RequestsSchema.prefault({ cpu: "500m", memory: "2Gi" }),
});

const OpenSearchAmazonSchema = z.strictObject({
    mode: z.literal("amazon"),
    engineVersion: z
        .string()
        .regex(/^OpenSearch_\d+\.\d+$/, 'an Amazon OpenSearch engine version such as "OpenSearch_2.19"')
        .default("OpenSearch_2.19"),
    instanceType: z
        .string()
        .regex(/^[a-z0-9]+\.[a-z0-9]+\.search$/, "an OpenSearch instance type such as r6g.large.search")
        .default("r6g.large.search"),
    /** Data nodes, spread over as many AZs as the count allows (2 or 3). */
    instanceCount: z.number().int().min(1).max(80).default(3),
    volumeGb: z.number().int().min(10).max(16384).default(100),
    /** Retention of the domain's slow, application and audit logs in CloudWatch Logs (/aws/opensearch/domains/<domain>/...). */
    logRetentionDays: z
        .number()
        .int()
        .refine((d) => CLOUDWATCH_RETENTION_DAYS.includes(d), {
            message: `a CloudWatch Logs retention period: one of ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`,
        })
        .default(30),
});

/**
 * Log shipping (docs/architecture.md Logging): Fluent Bit on every node → OpenSearch (hot, searchable for
 * `retentionDays`) and → the S3 log archive (cold; its expiry is storage.logArchiveExpirationDays).
 */
export const LoggingSchema = z.strictObject({
    enabled: z.boolean().default(true),
    fluentBitChartVersion: CHART_VERSION.default("0.58.1"),
    fluentBitRequests: RequestsSchema.prefault({ cpu: "100m", memory: "128Mi" }),
    /** Days an index stays in OpenSearch before the ISM policy deletes it. */
    retentionDays: z.number().int().min(1).max(3650).default(14),
    /** Fluent Bit's redaction filter (components/observability/redaction.ts); credentials are always masked. */
    redaction: z
        .strictObject({
            /**
             * Mask e-mail addresses in log text too: personal data that the search store keeps for retentionDays and
             * the S3 archive for storage.logArchiveExpirationDays, and that debugging does not need (user ids do).
             */
            maskEmails: z.boolean().default(true),
        })
        .prefault({}),
    opensearch: z.discriminatedUnion("mode", [OpenSearchInClusterSchema, OpenSearchAmazonSchema]).prefault({ mode: "in-cluster" }),
});

/** Tracing (docs/architecture.md): Jaeger v2 all-in-one with Badger on a persistent volume; spans expire after `retentionHours`. */
export const TracingSchema = z.strictObject({
    enabled: z.boolean().default(true),
    chartVersion: CHART_VERSION.default("4.11.1"),
    retentionHours: z
        .number()
        .int()
        .min(1)
        .max(24 * 90)
        .default(72),
    storageGb: z.number().int().min(1).max(4096).default(10),
    requests: RequestsSchema.prefault({ cpu: "100m", memory: "256Mi" }),
    /**
     * Share of new traces recorded, 0–1: the mesh samples a request where it enters (Istio's Telemetry
     * randomSamplingPercentage) and the application honours that decision (parent-based) or, for a trace
     * it starts itself, samples at the same ratio.
     */
    samplingRatio: z.number().min(0).max(1).default(0.1),
});

export type MonitoringConfig = z.infer<typeof MonitoringSchema>;

/** Production's rule for its receivers that the settings alone can break (called from PlatformSchema's superRefine). */
export function alertingIssues(c: { environment: string; monitoring: MonitoringConfig }): { path: string[]; message: string }[] {
    if (c.environment !== "production" || c.monitoring.alertmanager.criticalReceivers.length > 0) return [];
    return [
        {
            path: ["monitoring", "alertmanager", "criticalReceivers"],
            message: `at least one of ${CRITICAL_RECEIVER_KINDS.map((k) => JSON.stringify(k)).join(", ")} (production pages a person on critical alerts)`,
        },
    ];
}
export type LoggingConfig = z.infer<typeof LoggingSchema>;
export type OpenSearchConfig = LoggingConfig["opensearch"];
export type TracingConfig = z.infer<typeof TracingSchema>;
