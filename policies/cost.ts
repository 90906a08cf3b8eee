/**
 * Cost rules (docs/policies.md): allowed instance types per stack, node-group and replica ceilings, spot for
 * non-production application nodes, cost tags on every AWS resource, a budget, gp3 not gp2, NAT
 * count, Multi-AZ only where configured, retention caps, lifecycle on buckets, out-of-hours scaling.
 */
import * as autoscaling from "@pulumi/aws/autoscaling";
import * as backup from "@pulumi/aws/backup";
import * as budgets from "@pulumi/aws/budgets";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ebs from "@pulumi/aws/ebs";
import * as ec2 from "@pulumi/aws/ec2";
import * as eks from "@pulumi/aws/eks";
import * as elasticache from "@pulumi/aws/elasticache";
import * as opensearch from "@pulumi/aws/opensearch";
import * as rds from "@pulumi/aws/rds";
import * as k8sAutoscaling from "@pulumi/kubernetes/autoscaling/v2";
import * as storage from "@pulumi/kubernetes/storage/v1";
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { bucketsWithout } from "./buckets";
import {
    ConfigProperties,
    UNKNOWN,
    configOf,
    describe,
    hasAwsResources,
    integer,
    list,
    ofType,
    peek,
    perType,
    stringList,
    typed,
    validateResourceOfTypeToken,
    whenKnown,
} from "./lib";
import { workloads } from "./workloads";

const instanceTypeSchema: ConfigProperties = {
    allowedInstanceTypes: stringList("EC2 instance types nodes may use.", ["t3.medium", "t3.large", "m5.large", "m5.xlarge"]),
};

export const allowedInstanceTypes: ResourceValidationPolicy = {
    name: "cost-allowed-instance-types",
    description: "Node groups, launch templates and instances use only the stack's allowed EC2 instance types.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: instanceTypeSchema },
    validateResource: perType(
        typed(
            eks.NodeGroup,
            whenKnown((group, args, report) => {
                const { allowedInstanceTypes } = configOf<{ allowedInstanceTypes: string[] }>(args, instanceTypeSchema);
                const denied = (group.instanceTypes ?? []).filter((t) => !allowedInstanceTypes.includes(t));
                if (denied.length > 0) report(`instance types ${list(denied)} are not allowed (allowed: ${list(allowedInstanceTypes)}).`);
            }),
        ),
        typed(
            ec2.LaunchTemplate,
            whenKnown((template, args, report) => {
                const { allowedInstanceTypes } = configOf<{ allowedInstanceTypes: string[] }>(args, instanceTypeSchema);
                if (template.instanceType && !allowedInstanceTypes.includes(template.instanceType)) {
                    report(`instance type ${template.instanceType} is not allowed (allowed: ${list(allowedInstanceTypes)}).`);
                }
            }),
        ),
        typed(
            ec2.Instance,
            whenKnown((instance, args, report) => {
                const { allowedInstanceTypes } = configOf<{ allowedInstanceTypes: string[] }>(args, instanceTypeSchema);
                if (instance.instanceType && !allowedInstanceTypes.includes(instance.instanceType)) {
                    report(`instance type ${instance.instanceType} is not allowed (allowed: ${list(allowedInstanceTypes)}).`);
                }
            }),
        ),
    ),
};

const dbClassSchema: ConfigProperties = {
    allowedInstanceClasses: stringList("RDS instance classes databases may use.", [
        "db.t4g.medium",
        "db.t4g.large",
        "db.r6g.large",
        "db.r6g.xlarge",
    ]),
};

export const allowedDbInstanceClasses: ResourceValidationPolicy = {
    name: "cost-allowed-db-instance-classes",
    description: "RDS instances use only the stack's allowed instance classes.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: dbClassSchema },
    validateResource: validateResourceOfType(
        rds.Instance,
        whenKnown((db, args, report) => {
            const { allowedInstanceClasses } = configOf<{ allowedInstanceClasses: string[] }>(args, dbClassSchema);
            if (!allowedInstanceClasses.includes(db.instanceClass))
                report(`instance class ${db.instanceClass} is not allowed (allowed: ${list(allowedInstanceClasses)}).`);
        }),
    ),
};

const cacheNodeSchema: ConfigProperties = {
    allowedNodeTypes: stringList("ElastiCache node types caches may use.", ["cache.t4g.medium", "cache.r6g.large", "cache.r6g.xlarge"]),
};

export const allowedCacheNodeTypes: ResourceValidationPolicy = {
    name: "cost-allowed-cache-node-types",
    description: "ElastiCache replication groups use only the stack's allowed node types.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: cacheNodeSchema },
    validateResource: validateResourceOfType(
        elasticache.ReplicationGroup,
        whenKnown((group, args, report) => {
            const { allowedNodeTypes } = configOf<{ allowedNodeTypes: string[] }>(args, cacheNodeSchema);
            if (group.nodeType && !allowedNodeTypes.includes(group.nodeType))
                report(`node type ${group.nodeType} is not allowed (allowed: ${list(allowedNodeTypes)}).`);
        }),
    ),
};

const searchInstanceSchema: ConfigProperties = {
    allowedInstanceTypes: stringList("OpenSearch instance types data, master and warm nodes may use.", [
        "t3.medium.search",
        "r6g.large.search",
        "r6g.xlarge.search",
    ]),
    maxInstanceCount: integer("Most data nodes a domain may run.", 6, 1),
};

export const allowedSearchInstances: ResourceValidationPolicy = {
    name: "cost-allowed-opensearch-instances",
    description: "OpenSearch domains use only the stack's allowed instance types and stay within its data-node ceiling.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: searchInstanceSchema },
    validateResource: validateResourceOfType(
        opensearch.Domain,
        whenKnown((domain, args, report) => {
            const { allowedInstanceTypes, maxInstanceCount } = configOf<{ allowedInstanceTypes: string[]; maxInstanceCount: number }>(
                args,
                searchInstanceSchema,
            );
            const cluster = domain.clusterConfig;
            const used = [
                { role: "data", type: cluster?.instanceType },
                { role: "dedicated master", type: cluster?.dedicatedMasterEnabled ? cluster.dedicatedMasterType : undefined },
                { role: "warm", type: cluster?.warmEnabled ? cluster.warmType : undefined },
            ];
            for (const { role, type } of used) {
                if (type && !allowedInstanceTypes.includes(type))
                    report(`${role} instance type ${type} is not allowed (allowed: ${list(allowedInstanceTypes)}).`);
            }
            const count = cluster?.instanceCount ?? 1;
            if (count > maxInstanceCount) report(`clusterConfig.instanceCount is ${count}; the ceiling is ${maxInstanceCount}.`);
        }),
    ),
};

const nodeGroupSizeSchema: ConfigProperties = {
    maxSize: integer("Largest maxSize a node group may scale to.", 20, 1),
};

export const nodeGroupMaxSize: ResourceValidationPolicy = {
    name: "cost-node-group-max-size",
    description: "EKS node groups scale to no more than the stack's node ceiling.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: nodeGroupSizeSchema },
    validateResource: validateResourceOfType(
        eks.NodeGroup,
        whenKnown((group, args, report) => {
            const { maxSize } = configOf<{ maxSize: number }>(args, nodeGroupSizeSchema);
            if (group.scalingConfig.maxSize > maxSize)
                report(`scalingConfig.maxSize is ${group.scalingConfig.maxSize}; the ceiling is ${maxSize}.`);
        }),
    ),
};

const replicaSchema: ConfigProperties = {
    maxReplicas: integer("Most replicas a workload or autoscaler may run.", 20, 1),
};

export const maxReplicas: ResourceValidationPolicy = {
    name: "cost-max-replicas",
    description: "Workloads and horizontal pod autoscalers stay within the stack's replica ceiling.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: replicaSchema },
    validateResource: perType(
        typed(
            k8sAutoscaling.HorizontalPodAutoscaler,
            whenKnown((hpa, args, report) => {
                const { maxReplicas: ceiling } = configOf<{ maxReplicas: number }>(args, replicaSchema);
                const max = hpa.spec?.maxReplicas;
                if (max !== undefined && max > ceiling) report(`maxReplicas is ${max}; the ceiling is ${ceiling}.`);
            }),
        ),
        workloads((_workload, report, args) => {
            const { maxReplicas: ceiling } = configOf<{ maxReplicas: number }>(args, replicaSchema);
            const replicas = (args.props as { spec?: { replicas?: number } }).spec?.replicas;
            if (replicas !== undefined && replicas > ceiling) report(`replicas is ${replicas}; the ceiling is ${ceiling}.`);
        }),
    ),
};

const spotSchema: ConfigProperties = {
    // The program's NODE_ROLE_LABEL (components/nodeGroupSettings.ts); the pack does not import the program, a test ties the two.
    appLabelKey: { type: "string", default: "claude-enhancer.io/role", description: "Node label that marks an application node group." },
    appLabelValue: { type: "string", default: "app", description: "Value of that label on application node groups." },
};

export const spotAppNodes: ResourceValidationPolicy = {
    name: "cost-spot-app-nodes",
    description: "Application node groups of non-production stacks run on spot capacity.",
    severity: "low",
    enforcementLevel: "mandatory",
    configSchema: { properties: spotSchema },
    validateResource: validateResourceOfType(
        eks.NodeGroup,
        whenKnown((group, args, report) => {
            const { appLabelKey, appLabelValue } = configOf<{ appLabelKey: string; appLabelValue: string }>(args, spotSchema);
            if (group.labels?.[appLabelKey] !== appLabelValue) return;
            if (group.capacityType !== "SPOT")
                report(`application node group uses ${group.capacityType ?? "ON_DEMAND"} capacity; expected SPOT.`);
        }),
    ),
};

const costTagSchema: ConfigProperties = {
    requiredTags: stringList("Cost-allocation tags every AWS resource carries.", ["Project", "Environment", "CostCenter", "ManagedBy"]),
};

export const providerDefaultTags: ResourceValidationPolicy = {
    name: "cost-provider-default-tags",
    description: "AWS providers set the cost-allocation tags as defaultTags, so every resource they create carries them.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: costTagSchema },
    validateResource: validateResourceOfTypeToken("pulumi:providers:aws", (args, report) =>
        whenKnown<Record<string, any>>((props, a, r) => {
            const { requiredTags } = configOf<{ requiredTags: string[] }>(a, costTagSchema);
            const defaults = parseTags(props.defaultTags)?.tags ?? {};
            const missing = requiredTags.filter((t) => !defaults[t]);
            if (missing.length > 0) r(`defaultTags lack ${list(missing)}.`);
        })(args.props, args, report),
    ),
};

/** Provider inputs arrive as strings when set through stack config, as objects when set in code. */
function parseTags(value: unknown): { tags?: Record<string, string> } | undefined {
    if (typeof value === "string") {
        try {
            return JSON.parse(value);
        } catch {
            return undefined;
        }
    }
    return value as { tags?: Record<string, string> } | undefined;
}

/**
 * The tags an AWS resource ends up with: its `tagsAll` output when known, else its provider's
 * defaultTags merged with its own tags; UNKNOWN when those are unknown too (preview), undefined when
 * the resource type takes no tags (neither `tagsAll` nor `tags` among its properties).
 */
function effectiveTags(resource: PolicyResource): Record<string, string> | typeof UNKNOWN | undefined {
    if (!("tagsAll" in resource.props) && !("tags" in resource.props)) return undefined;
    const all = peek(() => ({ ...(resource.props.tagsAll ?? {}) }) as Record<string, string>);
    if (all !== UNKNOWN && "tagsAll" in resource.props) return all;
    return peek(
        () =>
            ({ ...(parseTags(resource.provider?.props.defaultTags)?.tags ?? {}), ...(resource.props.tags ?? {}) }) as Record<
                string,
                string
            >,
    );
}

export const requiredCostTags: StackValidationPolicy = {
    name: "cost-required-tags",
    description: "Every taggable AWS resource carries the cost-allocation tags (Project, Environment, CostCenter, ManagedBy).",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: costTagSchema },
    validateStack: (args, report) => {
        const { requiredTags } = configOf<{ requiredTags: string[] }>(args, costTagSchema);
        for (const resource of args.resources) {
            if (!resource.type.startsWith("aws:")) continue;
            const tags = effectiveTags(resource);
            if (tags === undefined || tags === UNKNOWN) continue;
            const missing = requiredTags.filter((t) => !tags[t]);
            if (missing.length > 0) report(`${describe(resource)} lacks cost tags ${list(missing)}.`, resource.urn);
        }
    },
};

const budgetSchema: ConfigProperties = {
    maxMonthlyLimitUsd: integer("Largest monthly budget limit (USD) a stack may set.", 10000, 1),
};

export const budgetExists: StackValidationPolicy = {
    name: "cost-budget-exists",
    description: "Every AWS stack has a monthly COST budget, no larger than the configured ceiling.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: budgetSchema },
    validateStack: (args, report) => {
        if (!hasAwsResources(args)) args.notApplicable("the stack has no AWS resources");
        const { maxMonthlyLimitUsd } = configOf<{ maxMonthlyLimitUsd: number }>(args, budgetSchema);
        const monthlyCost = ofType(args, "aws:budgets/budget:Budget").filter(
            (b) => peek(() => b.props.budgetType === "COST" && b.props.timeUnit === "MONTHLY") !== false,
        );
        if (monthlyCost.length === 0) {
            report("the stack has AWS resources but no monthly COST budget (aws.budgets.Budget).");
            return;
        }
        for (const budget of monthlyCost) {
            const limit = peek(() => Number(budget.props.limitAmount));
            if (limit !== UNKNOWN && !(limit > 0)) report(`${describe(budget)} has no limitAmount.`, budget.urn);
            else if (limit !== UNKNOWN && limit > maxMonthlyLimitUsd)
                report(`${describe(budget)} allows ${limit} USD a month; the ceiling is ${maxMonthlyLimitUsd}.`, budget.urn);
        }
    },
};

const budgetNotificationSchema: ConfigProperties = {
    actualThresholdPercent: integer("Highest percentage of actual spend that must notify.", 80, 1),
    forecastThresholdPercent: integer("Highest percentage of forecast spend that must notify.", 100, 1),
};

export const budgetNotifications: ResourceValidationPolicy = {
    name: "cost-budget-notifications",
    description: "Budgets notify subscribers on actual spend (80 %) and on forecast spend (100 %).",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: budgetNotificationSchema },
    validateResource: validateResourceOfType(
        budgets.Budget,
        whenKnown((budget, args, report) => {
            const { actualThresholdPercent, forecastThresholdPercent } = configOf<{
                actualThresholdPercent: number;
                forecastThresholdPercent: number;
            }>(args, budgetNotificationSchema);
            const notifications = budget.notifications ?? [];
            const notifies = (type: string, max: number) =>
                notifications.some(
                    (n) =>
                        n.notificationType === type &&
                        n.thresholdType === "PERCENTAGE" &&
                        n.threshold <= max &&
                        (n.subscriberEmailAddresses?.length ?? 0) + (n.subscriberSnsTopicArns?.length ?? 0) > 0,
                );
            if (!notifies("ACTUAL", actualThresholdPercent))
                report(`no notification with subscribers at or below ${actualThresholdPercent} % of ACTUAL spend.`);
            if (!notifies("FORECASTED", forecastThresholdPercent))
                report(`no notification with subscribers at or below ${forecastThresholdPercent} % of FORECASTED spend.`);
        }),
    ),
};

const GP3_OK = ["gp3", "io1", "io2"];

function volumeTypeProblem(volumeType: string | undefined, defaultType: string): string | undefined {
    const effective = volumeType ?? defaultType;
    return GP3_OK.includes(effective) ? undefined : `volume type ${effective}${volumeType === undefined ? " (the default)" : ""}; use gp3`;
}

export const gp3Volumes: ResourceValidationPolicy = {
    name: "cost-gp3-volumes",
    description: "Block storage uses gp3 (cheaper and faster than gp2) for node volumes, databases, EBS volumes and storage classes.",
    severity: "low",
    enforcementLevel: "mandatory",
    validateResource: perType(
        typed(
            ec2.LaunchTemplate,
            whenKnown((template, _args, report) => {
                for (const m of template.blockDeviceMappings ?? []) {
                    const problem = m.ebs ? volumeTypeProblem(m.ebs.volumeType, "gp2") : undefined;
                    if (problem) report(`block device ${m.deviceName ?? "?"}: ${problem}.`);
                }
            }),
        ),
        typed(
            rds.Instance,
            whenKnown((db, _args, report) => {
                if (db.replicateSourceDb && db.storageType === undefined) return;
                const problem = volumeTypeProblem(db.storageType, db.iops !== undefined ? "io1" : "gp2");
                if (problem) report(`storage: ${problem}.`);
            }),
        ),
        typed(
            ebs.Volume,
            whenKnown((volume, _args, report) => {
                const problem = volumeTypeProblem(volume.type, "gp2");
                if (problem) report(`${problem}.`);
            }),
        ),
        typed(
            storage.StorageClass,
            whenKnown((sc, _args, report) => {
                if (sc.provisioner !== "ebs.csi.aws.com" && sc.provisioner !== "kubernetes.io/aws-ebs") return;
                const type = sc.parameters?.type ?? (sc.provisioner === "ebs.csi.aws.com" ? "gp3" : "gp2");
                if (!GP3_OK.includes(type)) report(`parameters.type is ${type}; use gp3.`);
            }),
        ),
    ),
};

const natSchema: ConfigProperties = {
    maxNatGateways: integer("Most NAT gateways the stack may run (one per AZ in production, one shared elsewhere).", 3, 0),
};

export const natGatewayCount: StackValidationPolicy = {
    name: "cost-nat-gateway-count",
    description: "The stack runs no more NAT gateways than configured (about 32 USD a month each, plus traffic).",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: natSchema },
    validateStack: (args, report) => {
        const { maxNatGateways } = configOf<{ maxNatGateways: number }>(args, natSchema);
        const gateways = ofType(args, "aws:ec2/natGateway:NatGateway");
        if (gateways.length > maxNatGateways)
            report(`${gateways.length} NAT gateways (${list(gateways.map((g) => g.name))}); at most ${maxNatGateways} allowed.`);
    },
};

const replicaAzSchema: ConfigProperties = {
    allowMultiAzReplicas: {
        type: "boolean",
        default: false,
        description: "Whether read replicas may run Multi-AZ (a standby per replica doubles its cost).",
    },
};

export const replicaMultiAz: ResourceValidationPolicy = {
    name: "cost-rds-replica-multi-az",
    description: "RDS read replicas run Multi-AZ only where the stack's policy config allows it.",
    severity: "low",
    enforcementLevel: "mandatory",
    configSchema: { properties: replicaAzSchema },
    validateResource: validateResourceOfType(
        rds.Instance,
        whenKnown((db, args, report) => {
            if (!db.replicateSourceDb) return;
            const { allowMultiAzReplicas } = configOf<{ allowMultiAzReplicas: boolean }>(args, replicaAzSchema);
            if (db.multiAz === true && !allowMultiAzReplicas)
                report("the read replica is Multi-AZ, which this stack's policy config does not allow.");
        }),
    ),
};

const storageCapSchema: ConfigProperties = {
    maxAllocatedStorageGb: integer("Highest storage-autoscaling ceiling (GiB) a database may set.", 1000, 20),
};

export const rdsStorageCap: ResourceValidationPolicy = {
    name: "cost-rds-storage-cap",
    description: "RDS storage autoscaling stops at the stack's storage ceiling.",
    severity: "low",
    enforcementLevel: "mandatory",
    configSchema: { properties: storageCapSchema },
    validateResource: validateResourceOfType(
        rds.Instance,
        whenKnown((db, args, report) => {
            const { maxAllocatedStorageGb } = configOf<{ maxAllocatedStorageGb: number }>(args, storageCapSchema);
            const ceiling = db.maxAllocatedStorage ?? db.allocatedStorage ?? 0;
            if (ceiling > maxAllocatedStorageGb) report(`storage may grow to ${ceiling} GiB; the ceiling is ${maxAllocatedStorageGb} GiB.`);
        }),
    ),
};

const logRetentionSchema: ConfigProperties = {
    maxRetentionDays: integer("Longest CloudWatch Logs retention (days).", 365, 1),
};

export const logRetentionCap: ResourceValidationPolicy = {
    name: "cost-log-retention-cap",
    description: "CloudWatch log groups expire their events, within the stack's retention cap.",
    severity: "low",
    enforcementLevel: "mandatory",
    configSchema: { properties: logRetentionSchema },
    validateResource: validateResourceOfType(
        cloudwatch.LogGroup,
        whenKnown((group, args, report) => {
            const { maxRetentionDays } = configOf<{ maxRetentionDays: number }>(args, logRetentionSchema);
            const days = group.retentionInDays ?? 0;
            if (days === 0) report("retentionInDays is not set: events are kept (and billed) forever.");
            else if (days > maxRetentionDays) report(`retentionInDays is ${days}; the cap is ${maxRetentionDays}.`);
        }),
    ),
};

const backupRetentionCapSchema: ConfigProperties = {
    maxDeleteAfterDays: integer("Longest AWS Backup recovery-point retention (days), copies included.", 35, 1),
};

export const backupRetentionCap: ResourceValidationPolicy = {
    name: "cost-backup-retention-cap",
    description: "AWS Backup rules delete recovery points (and their DR copies) within the retention cap.",
    severity: "low",
    enforcementLevel: "mandatory",
    configSchema: { properties: backupRetentionCapSchema },
    validateResource: validateResourceOfType(
        backup.Plan,
        whenKnown((plan, args, report) => {
            const { maxDeleteAfterDays } = configOf<{ maxDeleteAfterDays: number }>(args, backupRetentionCapSchema);
            for (const rule of plan.rules) {
                const lifecycles = [
                    { what: "recovery points", lifecycle: rule.lifecycle },
                    ...(rule.copyActions ?? []).map((c) => ({ what: `copies to ${c.destinationVaultArn}`, lifecycle: c.lifecycle })),
                ];
                for (const { what, lifecycle } of lifecycles) {
                    const days = lifecycle?.deleteAfter;
                    if (days === undefined) report(`rule ${rule.ruleName}: ${what} are never deleted.`);
                    else if (days > maxDeleteAfterDays)
                        report(`rule ${rule.ruleName}: ${what} are kept ${days} days; the cap is ${maxDeleteAfterDays}.`);
                }
            }
        }),
    ),
};

const lifecycleSchema: ConfigProperties = {
    maxExpirationDays: integer("Latest day on which bucket objects must expire.", 400, 1),
};

interface LifecycleRule {
    status?: string;
    transitions?: unknown[];
    expiration?: { days?: number };
}

export const bucketLifecycle: StackValidationPolicy = {
    name: "cost-s3-lifecycle",
    description: "Every S3 bucket has an enabled lifecycle rule that moves objects to cheaper storage and expires them within the cap.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: lifecycleSchema },
    validateStack: (args, report) => {
        const { maxExpirationDays } = configOf<{ maxExpirationDays: number }>(args, lifecycleSchema);
        const adequate = (c: PolicyResource) =>
            peek(() =>
                ((c.props.rules ?? []) as LifecycleRule[]).some(
                    (r) =>
                        r.status === "Enabled" &&
                        (r.transitions ?? []).length > 0 &&
                        r.expiration?.days !== undefined &&
                        r.expiration.days <= maxExpirationDays,
                ),
            );
        for (const bucket of bucketsWithout(args, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", adequate)) {
            report(
                `${describe(bucket)} has no enabled lifecycle rule with transitions and an expiration within ${maxExpirationDays} days.`,
                bucket.urn,
            );
        }
    },
};

export const offHoursScaling: StackValidationPolicy = {
    name: "cost-off-hours-scaling",
    description: "Non-production stacks scale their node groups down out of hours (a scheduled scale-down and scale-up).",
    severity: "low",
    enforcementLevel: "advisory",
    validateStack: (args, report) => {
        if (ofType(args, "aws:eks/nodeGroup:NodeGroup").length === 0) args.notApplicable("the stack has no EKS node groups");
        const schedules = args.resources.filter((r) => r.isType(autoscaling.Schedule));
        const capacities = schedules.map((s) => peek(() => (s.props.desiredCapacity ?? s.props.maxSize) as number | undefined));
        const down = capacities.some((c) => c === UNKNOWN || c === 0);
        const up = capacities.some((c) => c === UNKNOWN || (typeof c === "number" && c > 0));
        if (!down || !up) report(`no scheduled ${!down ? "scale-down to 0" : "scale-up"} (aws.autoscaling.Schedule) for the node groups.`);
    },
};

export const costPolicies = [
    allowedInstanceTypes,
    allowedDbInstanceClasses,
    allowedCacheNodeTypes,
    allowedSearchInstances,
    nodeGroupMaxSize,
    maxReplicas,
    spotAppNodes,
    providerDefaultTags,
    requiredCostTags,
    budgetExists,
    budgetNotifications,
    gp3Volumes,
    natGatewayCount,
    replicaMultiAz,
    rdsStorageCap,
    logRetentionCap,
    backupRetentionCap,
    bucketLifecycle,
    offHoursScaling,
];
