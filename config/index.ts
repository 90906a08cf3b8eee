import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AppSchema } from "./app";
import { BackupSchema, DrSchema, drAndOffHoursIssues, OffHoursSchema } from "./backup";
import { BudgetSchema } from "./budget";
import { CacheSchema } from "./cache";
import { ChartsSchema } from "./charts";
import { capacityIssues } from "./capacity";
import { ClusterAutoscalerSchema, ClusterSchema, MetricsServerSchema, minorVersion } from "./cluster";
import { DatabaseSchema } from "./database";
import { CONFIG_NAMESPACE, ConfigError, formatIssues } from "./errors";
import { SECRET_KEYS, missingReceiverSecrets, secretKeyIsSet } from "./secrets";
import { MeshSchema } from "./mesh";
import { GatesSchema } from "./gates";
import { MetricsSchema } from "./metrics";
import { NetworkSchema } from "./network";
import { LoggingSchema, MonitoringSchema, TracingSchema, alertingIssues } from "./observability";
import { RolloutSchema, rolloutStageIssues } from "./rollout";
import { StorageSchema } from "./storage";
import { CertManagerSchema, DnsSchema, TlsSchema, tlsDnsIssues } from "./tls";

export { CONFIG_NAMESPACE, ConfigError } from "./errors";

const AWS_REGION = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "an AWS region such as us-east-1");

export const AwsSchema = z
    .strictObject({
        region: AWS_REGION,
        /** Region of the DR copies (cross-region replica, backup copies, replicated bucket). */
        drRegion: AWS_REGION,
    })
    .refine((a) => a.region !== a.drRegion, { message: "drRegion different from region", path: ["drRegion"] });

export const TagsSchema = z.strictObject({
    costCenter: z.string().min(1).default("claude-enhancer"),
    /** Extra tags added to every AWS resource besides Project/Environment/CostCenter/ManagedBy. */
    extra: z.record(z.string().regex(/^[\w .:/=+@-]{1,128}$/, "an AWS tag key"), z.string().max(256)).default({}),
});

/**
 * The one schema of the stack configuration: each top-level key is a `claude-enhancer:<key>` stack
 * setting. It validates and, through z.infer, types everything components receive.
 */
export const PlatformSchema = z
    .strictObject({
        environment: z.enum(["staging", "production", "local"]),
        aws: AwsSchema.optional(),
        tags: TagsSchema.prefault({}),
        network: NetworkSchema.prefault({}),
        cluster: ClusterSchema,
        clusterAutoscaler: ClusterAutoscalerSchema.prefault({}),
        metricsServer: MetricsServerSchema.prefault({}),
        database: DatabaseSchema,
        cache: CacheSchema,
        storage: StorageSchema.prefault({}),
        budget: BudgetSchema.optional(),
        backup: BackupSchema.prefault({}),
        dr: DrSchema.prefault({}),
        offHours: OffHoursSchema.prefault({}),
        metrics: MetricsSchema.prefault({}),
        gates: GatesSchema.prefault({}),
        mesh: MeshSchema.prefault({}),
        monitoring: MonitoringSchema.prefault({}),
        logging: LoggingSchema.prefault({}),
        tracing: TracingSchema.prefault({}),
        app: AppSchema,
        rollout: RolloutSchema,
        dns: DnsSchema.optional(),
        tls: TlsSchema.optional(),
        charts: ChartsSchema.prefault({}),
        certManager: CertManagerSchema.prefault({}),
    })
    .superRefine((c, ctx) => {
        for (const issue of drAndOffHoursIssues(c)) ctx.addIssue({ code: "custom", ...issue });
        const stageIssues = rolloutStageIssues(c.rollout, c.app.autoscaling);
        for (const issue of stageIssues) ctx.addIssue({ code: "custom", ...issue });
        for (const issue of tlsDnsIssues(c)) ctx.addIssue({ code: "custom", ...issue });
        for (const issue of alertingIssues(c)) ctx.addIssue({ code: "custom", ...issue });
        const onAws = c.cluster.mode === "eks";
        if (onAws && !c.aws) {
            ctx.addIssue({ code: "custom", path: ["aws"], message: 'an object {region, drRegion} (required when cluster.mode is "eks")' });
        }
        if (onAws && !c.budget) {
            ctx.addIssue({ code: "custom", path: ["budget"], message: "an object {monthlyLimitUsd, ...} (every AWS stack has a budget)" });
        }
        if (c.cluster.mode === "eks" && minorVersion(c.clusterAutoscaler.imageTag) !== c.cluster.version) {
            ctx.addIssue({
                code: "custom",
                path: ["clusterAutoscaler", "imageTag"],
                message: `a Cluster Autoscaler release of the cluster's minor version ${c.cluster.version} (such as "v${c.cluster.version}.0"); got ${c.clusterAutoscaler.imageTag}`,
            });
        }
        if (!onAws && c.database.mode === "rds") {
            ctx.addIssue({ code: "custom", path: ["database", "mode"], message: '"in-cluster" ("rds" needs cluster.mode "eks")' });
        }
        if (!onAws && c.cache.mode === "elasticache") {
            ctx.addIssue({ code: "custom", path: ["cache", "mode"], message: '"in-cluster" ("elasticache" needs cluster.mode "eks")' });
        }
        if (!onAws && c.logging.opensearch.mode === "amazon") {
            ctx.addIssue({
                code: "custom",
                path: ["logging", "opensearch", "mode"],
                message: '"in-cluster" ("amazon" needs cluster.mode "eks")',
            });
        }
        // The stage this update deploys must fit the node groups at maxSize (docs/capacity.md), once its stage table is valid.
        if (stageIssues.length === 0) for (const issue of capacityIssues(c)) ctx.addIssue({ code: "custom", ...issue });
    });

export type PlatformConfig = z.infer<typeof PlatformSchema>;
export type AwsConfig = z.infer<typeof AwsSchema>;
export type TagsConfig = z.infer<typeof TagsSchema>;

/** Validates raw stack settings (keys without the namespace prefix); throws ConfigError listing every problem. */
export function parsePlatformConfig(raw: Record<string, unknown>): PlatformConfig {
    const result = PlatformSchema.safeParse(raw);
    if (!result.success) throw new ConfigError(formatIssues(result.error, raw));
    return result.data;
}

/** Stack settings may be plain strings (`environment: staging`) or structured objects. */
function decode(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/**
 * Reads and validates this stack's configuration from the Pulumi runtime. Every `claude-enhancer:*`
 * key must be a schema key or a declared secret key, so a misspelt key fails instead of being ignored;
 * production also needs the secret of each critical Alertmanager receiver.
 */
export function loadPlatformConfig(config = new pulumi.Config(CONFIG_NAMESPACE)): PlatformConfig {
    const known = new Set(Object.keys(PlatformSchema.shape));
    const raw: Record<string, unknown> = {};
    const unknown: string[] = [];
    for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
        const [namespace, key] = fullKey.split(":", 2);
        if (namespace !== CONFIG_NAMESPACE || key === undefined || SECRET_KEYS.includes(key)) continue;
        if (!known.has(key)) {
            unknown.push(`${fullKey}: unknown key; expected one of ${[...known, ...SECRET_KEYS].join(", ")}`);
            continue;
        }
        const text = config.get(key);
        if (text !== undefined) raw[key] = decode(text);
    }
    if (unknown.length > 0) throw new ConfigError(unknown);
    const parsed = parsePlatformConfig(raw);
    // Secrets are outside the schema: production's critical receivers are checked here, by whether their keys are set.
    if (parsed.environment === "production") {
        const missing = missingReceiverSecrets(parsed.monitoring.alertmanager.criticalReceivers, secretKeyIsSet);
        if (missing.length > 0) throw new ConfigError(missing);
    }
    return parsed;
}
