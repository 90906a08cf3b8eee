import type { PolicyDocument } from "../aws/iamDocuments";
import { FIXED_REQUESTS } from "../../config/capacity";

/**
 * Exporters that give the data stores' alerts (rules.ts, dataStoreAlertDefinitions) their metrics
 * (docs/observability.md, Data store exporters): postgres-exporter and redis-exporter as sidecars of
 * the in-cluster stores, and prometheus-community's CloudWatch exporter for RDS and ElastiCache.
 */

type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } };

/** Name of the exporter's port on the store's container and Service (what the ServiceMonitor scrapes). */
export const EXPORTER_PORT_NAME = "metrics";
/** Label of a store's Service when it carries an exporter port; the stores' ServiceMonitor selects it. */
export const EXPORTER_SERVICE_LABEL = { key: "claude-enhancer.io/exporter", value: "true" } as const;

/** A sidecar exporter: image, its port and user, its environment (secrets by reference only) and the pod volumes it reads. */
export interface StoreExporter {
    image: string;
    port: number;
    /** The non-root user the image is built to run as. */
    user: { uid: number; gid: number };
    env: EnvVar[];
    volumeMounts?: { name: string; mountPath: string; readOnly: boolean }[];
}

/** prometheus-community/postgres_exporter; the image runs as nobody. */
export const POSTGRES_EXPORTER_IMAGE = "quay.io/prometheuscommunity/postgres-exporter:v0.17.1";
export const POSTGRES_EXPORTER_PORT = 9187;
/** oliver006/redis_exporter; the (scratch) image runs as 59000:59000. */
export const REDIS_EXPORTER_IMAGE = "oliver006/redis_exporter:v1.67.0";
export const REDIS_EXPORTER_PORT = 9121;

/** Where the database pod mounts its credentials volume (the store Secret's `password`, readable by the pod's fsGroup). */
export interface MountedSecretFile {
    /** The pod volume holding the file. */
    volume: string;
    directory: string;
    file: string;
}

/**
 * postgres-exporter beside the database: loopback to the server, the password read from the file the
 * database's own credentials volume holds (DATA_SOURCE_PASS_FILE), so it is in no environment variable.
 * The pod's fsGroup, a supplementary group of every container, lets the exporter's user read it.
 */
export function postgresExporter(args: {
    port: number;
    databaseName: string;
    username: string;
    password: MountedSecretFile;
}): StoreExporter {
    return {
        image: POSTGRES_EXPORTER_IMAGE,
        port: POSTGRES_EXPORTER_PORT,
        user: { uid: 65534, gid: 65534 },
        env: [
            // Same pod: plain text over loopback, never through the Service.
            { name: "DATA_SOURCE_URI", value: `127.0.0.1:${args.port}/${args.databaseName}?sslmode=disable` },
            { name: "DATA_SOURCE_USER", value: args.username },
            { name: "DATA_SOURCE_PASS_FILE", value: `${args.password.directory}/${args.password.file}` },
        ],
        volumeMounts: [{ name: args.password.volume, mountPath: args.password.directory, readOnly: true }],
    };
}

/** redis-exporter beside the cache: loopback to the server, password from the store's Secret. */
export function redisExporter(args: { port: number; secretName: string }): StoreExporter {
    return {
        image: REDIS_EXPORTER_IMAGE,
        port: REDIS_EXPORTER_PORT,
        user: { uid: 59000, gid: 59000 },
        env: [
            { name: "REDIS_ADDR", value: `redis://127.0.0.1:${args.port}` },
            { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: args.secretName, key: "password" } } },
        ],
    };
}

/** `spec` of the ServiceMonitor scraping every store Service labelled EXPORTER_SERVICE_LABEL; `job` is the store's name. */
export function dataStoreServiceMonitorSpec(dataNamespace: string, interval: string): Record<string, unknown> {
    return {
        jobLabel: "app.kubernetes.io/name",
        selector: { matchLabels: { [EXPORTER_SERVICE_LABEL.key]: EXPORTER_SERVICE_LABEL.value } },
        namespaceSelector: { matchNames: [dataNamespace] },
        endpoints: [{ port: EXPORTER_PORT_NAME, path: "/metrics", interval, scheme: "http" }],
    };
}

/** Helm release and service account of the CloudWatch exporter (the IRSA role trusts exactly this account). */
export const CLOUDWATCH_EXPORTER_RELEASE = "cloudwatch-exporter";
export const CLOUDWATCH_EXPORTER_SERVICE_ACCOUNT = "cloudwatch-exporter";
/** What the exporter calls: statistics and dimension discovery. CloudWatch has no resource-level permissions for these. */
export const CLOUDWATCH_EXPORTER_ACTIONS = ["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics"];

/** The IRSA role's permissions: read CloudWatch metrics, nothing else. */
export function cloudwatchReaderPolicy(): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Sid: "ReadCloudWatchMetrics", Effect: "Allow", Action: [...CLOUDWATCH_EXPORTER_ACTIONS], Resource: "*" }],
    };
}

export interface CloudWatchTargets {
    region: string;
    /** RDS instance identifiers (primary, replica); none when the stack has no RDS. */
    rdsInstances: string[];
    /** ElastiCache member cluster ids of the replication group; none when the stack has no ElastiCache. */
    cacheClusters: string[];
}

/**
 * CloudWatch metrics the data store alerts use, each selected to this stack's own instances (so the
 * exporter lists no other stack's resources). Names follow the exporter's rule
 * aws_<namespace>_<metric>_<statistic> in snake case: aws_rds_database_connections_average,
 * aws_rds_replica_lag_average, aws_elasticache_database_memory_usage_percentage_average, aws_elasticache_evictions_sum.
 */
export function cloudwatchExporterConfig(targets: CloudWatchTargets): Record<string, unknown> {
    const rds = (metric: string, statistic: string) => ({
        aws_namespace: "AWS/RDS",
        aws_metric_name: metric,
        aws_dimensions: ["DBInstanceIdentifier"],
        aws_dimension_select: { DBInstanceIdentifier: targets.rdsInstances },
        aws_statistics: [statistic],
    });
    const cache = (metric: string, statistic: string) => ({
        aws_namespace: "AWS/ElastiCache",
        aws_metric_name: metric,
        aws_dimensions: ["CacheClusterId"],
        aws_dimension_select: { CacheClusterId: targets.cacheClusters },
        aws_statistics: [statistic],
    });
    return {
        region: targets.region,
        // One-minute datapoints; CloudWatch publishes RDS and ElastiCache metrics every 60 s.
        period_seconds: 60,
        metrics: [
            ...(targets.rdsInstances.length > 0 ? [rds("DatabaseConnections", "Average"), rds("ReplicaLag", "Average")] : []),
            ...(targets.cacheClusters.length > 0
                ? [cache("DatabaseMemoryUsagePercentage", "Average"), { ...cache("Evictions", "Sum"), period_seconds: 300 }]
                : []),
        ],
    };
}

/** Values of the prometheus-cloudwatch-exporter chart: IRSA service account, ServiceMonitor, no Ingress, no RBAC, restricted container. */
export function cloudwatchExporterValues(args: {
    config: Record<string, unknown>;
    roleArn: string;
    scrapeInterval: string;
}): Record<string, unknown> {
    return {
        serviceAccount: {
            create: true,
            name: CLOUDWATCH_EXPORTER_SERVICE_ACCOUNT,
            annotations: { "eks.amazonaws.com/role-arn": args.roleArn, "eks.amazonaws.com/sts-regional-endpoints": "true" },
            // The EKS webhook projects the IRSA token itself; the exporter never calls the Kubernetes API.
            automountServiceAccountToken: false,
        },
        rbac: { create: false },
        ingress: { enabled: false },
        aws: { stsRegional: { enabled: true } },
        serviceMonitor: { enabled: true, interval: args.scrapeInterval, timeout: "50s" },
        resources: { requests: { ...FIXED_REQUESTS.cloudwatchExporter }, limits: { memory: "512Mi" } },
        securityContext: {
            runAsUser: 65534,
            runAsGroup: 65534,
            runAsNonRoot: true,
            fsGroup: 65534,
            seccompProfile: { type: "RuntimeDefault" },
        },
        containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        // JSON is YAML: the chart renders this string as the exporter's config.yml.
        config: JSON.stringify(args.config),
    };
}
