/** The compliant and violating cases of every cost policy (test/policies/cost.test.ts runs them; coverage.test.ts checks every pack policy has some). */
import * as f from "./fixtures";
import { PolicyCases, UNKNOWN, changed, changedIn, resource } from "./harness";

const provider = () => f.awsProvider();
export const taggedBucket = () =>
    resource("aws:s3/bucket:Bucket", "storage-logs", { bucket: "logs" }, { provider: f.awsProvider(), outputs: { tagsAll: f.COST_TAGS } });
const untaggable = () =>
    resource(
        "aws:s3/bucketVersioning:BucketVersioning",
        "storage-logs-versioning",
        { bucket: "logs", versioningConfiguration: { status: "Enabled" } },
        { provider: f.awsProvider() },
    );

export const costCases: PolicyCases = {
    "cost-allowed-instance-types": [
        {
            title: "staging app group types",
            resource: () => f.nodeGroup("app"),
            config: { allowedInstanceTypes: ["t3.medium", "t3.large", "m5.large"] },
        },
        { title: "launch template type", resource: f.launchTemplate },
        { title: "instance type", resource: f.ec2Instance },
        {
            title: "m5.xlarge in staging",
            resource: () => changed(f.nodeGroup("app"), ["instanceTypes"], ["m5.xlarge"]),
            config: { allowedInstanceTypes: ["t3.medium", "t3.large", "m5.large"] },
            violation: "instance types m5.xlarge are not allowed (allowed: t3.medium, t3.large, m5.large).",
        },
        {
            title: "launch template with a GPU type",
            resource: () => changed(f.launchTemplate(), ["instanceType"], "p4d.24xlarge"),
            violation: "instance type p4d.24xlarge is not allowed",
        },
        {
            title: "instance with a large type",
            resource: () => changed(f.ec2Instance(), ["instanceType"], "m5.24xlarge"),
            violation: "instance type m5.24xlarge is not allowed",
        },
    ],
    "cost-allowed-db-instance-classes": [
        { title: "db.r6g.large", resource: f.rdsPrimary },
        {
            title: "db.r6g.16xlarge",
            resource: () => changed(f.rdsPrimary(), ["instanceClass"], "db.r6g.16xlarge"),
            violation: "instance class db.r6g.16xlarge is not allowed",
        },
        {
            title: "production class in staging",
            resource: f.rdsPrimary,
            config: { allowedInstanceClasses: ["db.t4g.medium"] },
            violation: "instance class db.r6g.large is not allowed (allowed: db.t4g.medium).",
        },
    ],
    "cost-allowed-cache-node-types": [
        { title: "cache.r6g.large", resource: f.replicationGroup },
        {
            title: "cache.r6g.12xlarge",
            resource: () => changed(f.replicationGroup(), ["nodeType"], "cache.r6g.12xlarge"),
            violation: "node type cache.r6g.12xlarge is not allowed",
        },
    ],
    "cost-node-group-max-size": [
        { title: "6 against 20", resource: () => f.nodeGroup("app") },
        { title: "6 against a ceiling of 6 (at the limit)", resource: () => f.nodeGroup("app"), config: { maxSize: 6 } },
        {
            title: "50 nodes",
            resource: () => changed(f.nodeGroup("app"), ["scalingConfig", "maxSize"], 50),
            violation: "scalingConfig.maxSize is 50; the ceiling is 20.",
        },
    ],
    "cost-max-replicas": [
        { title: "HPA up to 20", resource: f.hpa },
        { title: "3 replicas", resource: () => f.deployment() },
        {
            title: "HPA up to 100",
            resource: () => changed(f.hpa(), ["spec", "maxReplicas"], 100),
            violation: "maxReplicas is 100; the ceiling is 20.",
        },
        {
            title: "30 replicas",
            resource: () => changed(f.deployment(), ["spec", "replicas"], 30),
            violation: "replicas is 30; the ceiling is 20.",
        },
        {
            title: "HPA beyond staging's ceiling",
            resource: f.hpa,
            config: { maxReplicas: 10 },
            violation: "maxReplicas is 20; the ceiling is 10.",
        },
    ],
    "cost-spot-app-nodes": [
        { title: "spot app group", resource: () => f.nodeGroup("app") },
        { title: "on-demand system group", resource: () => f.nodeGroup("system") },
        {
            title: "on-demand app group",
            resource: () => changed(f.nodeGroup("app"), ["capacityType"], "ON_DEMAND"),
            violation: "application node group uses ON_DEMAND capacity; expected SPOT.",
        },
        {
            title: "app group with default capacity",
            resource: () => changed(f.nodeGroup("app"), ["capacityType"], undefined),
            violation: "uses ON_DEMAND capacity",
        },
    ],
    "cost-provider-default-tags": [
        { title: "provider with cost tags", resource: provider },
        { title: "defaultTags as an object", resource: () => changed(provider(), ["defaultTags"], { tags: f.COST_TAGS }) },
        {
            title: "CostCenter missing",
            resource: () => f.awsProvider({ Project: "claude-enhancer", Environment: "staging", ManagedBy: "pulumi" }),
            violation: "defaultTags lack CostCenter.",
        },
        {
            title: "default provider without defaultTags",
            resource: () => resource("pulumi:providers:aws", "default_7_48_0", { region: "us-east-1" }),
            violation: "defaultTags lack Project, Environment, CostCenter, ManagedBy.",
        },
    ],
    "cost-required-tags": [
        { title: "tagsAll carries the tags", resources: () => [provider(), taggedBucket(), untaggable()] },
        {
            title: "preview: tagsAll unknown, provider defaultTags known",
            resources: () => [provider(), changed(taggedBucket(), ["tagsAll"], UNKNOWN)],
        },
        {
            title: "resource without tagsAll on an untagged provider",
            resources: () => [resource("aws:s3/bucket:Bucket", "stray", { bucket: "stray", tags: { Name: "stray" } })],
            violation: 'Bucket "stray" lacks cost tags Project, Environment, CostCenter, ManagedBy.',
            violator: "stray",
        },
        {
            title: "tagsAll without CostCenter",
            resources: () => [
                provider(),
                changed(taggedBucket(), ["tagsAll"], { Project: "claude-enhancer", Environment: "staging", ManagedBy: "pulumi" }),
            ],
            violation: "lacks cost tags CostCenter.",
        },
    ],
    "cost-budget-exists": [
        { title: "monthly cost budget", resources: () => [f.rdsPrimary(), f.budget()] },
        { title: "AWS resources without a budget", resources: () => [f.rdsPrimary()], violation: "no monthly COST budget" },
        {
            title: "budget above the ceiling",
            resources: () => [f.rdsPrimary(), f.budget()],
            config: { maxMonthlyLimitUsd: 300 },
            violation: 'Budget "budget-monthly" allows 500 USD a month; the ceiling is 300.',
        },
        {
            title: "usage budget only",
            resources: () => [f.rdsPrimary(), changed(f.budget(), ["budgetType"], "USAGE")],
            violation: "no monthly COST budget",
        },
    ],
    "cost-budget-notifications": [
        { title: "80 % actual and 100 % forecast", resource: f.budget },
        {
            title: "no forecast notification",
            resource: () => changed(f.budget(), ["notifications"], [f.budget().inputs.notifications[0]]),
            violation: "no notification with subscribers at or below 100 % of FORECASTED spend.",
        },
        {
            title: "actual notification at 95 %",
            resource: () => changed(f.budget(), ["notifications", 0, "threshold"], 95),
            violation: "at or below 80 % of ACTUAL spend.",
        },
        {
            title: "notification without subscribers",
            resource: () => changed(f.budget(), ["notifications", 0, "subscriberEmailAddresses"], []),
            violation: "of ACTUAL spend",
        },
    ],
    "cost-gp3-volumes": [
        { title: "gp3 node volume", resource: f.launchTemplate },
        { title: "gp3 database", resource: f.rdsPrimary },
        { title: "replica inheriting storage type", resource: () => changed(f.rdsReplica(), ["storageType"], undefined) },
        { title: "gp3 volume", resource: f.ebsVolume },
        { title: "gp3 storage class", resource: f.storageClass },
        {
            title: "gp2 node volume",
            resource: () => changed(f.launchTemplate(), ["blockDeviceMappings", 0, "ebs", "volumeType"], "gp2"),
            violation: "block device /dev/xvda: volume type gp2; use gp3.",
        },
        {
            title: "database on the default storage type",
            resource: () => changed(f.rdsPrimary(), ["storageType"], undefined),
            violation: "storage: volume type gp2 (the default); use gp3.",
        },
        { title: "gp2 volume", resource: () => changed(f.ebsVolume(), ["type"], "gp2"), violation: "volume type gp2; use gp3." },
        {
            title: "in-tree provisioner defaulting to gp2",
            resource: () => changed(changed(f.storageClass(), ["provisioner"], "kubernetes.io/aws-ebs"), ["parameters"], {}),
            violation: "parameters.type is gp2; use gp3.",
        },
    ],
    "cost-nat-gateway-count": [
        { title: "one per AZ in production", resources: () => [0, 1, 2].map(f.natGateway) },
        { title: "one shared in staging", resources: () => [f.natGateway(0)], config: { maxNatGateways: 1 } },
        {
            title: "three in staging",
            resources: () => [0, 1, 2].map(f.natGateway),
            config: { maxNatGateways: 1 },
            violation: "3 NAT gateways (network-nat-0, network-nat-1, network-nat-2); at most 1 allowed.",
        },
    ],
    "cost-rds-replica-multi-az": [
        { title: "single-AZ replica", resource: f.rdsReplica },
        { title: "Multi-AZ primary", resource: f.rdsPrimary },
        {
            title: "Multi-AZ replica allowed by config",
            resource: () => changed(f.rdsReplica(), ["multiAz"], true),
            config: { allowMultiAzReplicas: true },
        },
        {
            title: "Multi-AZ replica",
            resource: () => changed(f.rdsReplica(), ["multiAz"], true),
            violation: "the read replica is Multi-AZ",
        },
    ],
    "cost-rds-storage-cap": [
        { title: "1000 GiB ceiling", resource: f.rdsPrimary },
        {
            title: "beyond staging's 200 GiB",
            resource: f.rdsPrimary,
            config: { maxAllocatedStorageGb: 200 },
            violation: "storage may grow to 1000 GiB; the ceiling is 200 GiB.",
        },
    ],
    "cost-log-retention-cap": [
        { title: "30 days", resource: f.logGroup },
        {
            title: "kept forever",
            resource: () => changed(f.logGroup(), ["retentionInDays"], undefined),
            violation: "retentionInDays is not set",
        },
        {
            title: "beyond the cap",
            resource: () => changed(f.logGroup(), ["retentionInDays"], 3653),
            violation: "retentionInDays is 3653; the cap is 365.",
        },
    ],
    "cost-backup-retention-cap": [
        { title: "30 days, copies too", resource: f.backupPlan },
        {
            title: "copies kept a year",
            resource: () => changed(f.backupPlan(), ["rules", 0, "copyActions", 0, "lifecycle", "deleteAfter"], 365),
            violation: "rule daily: copies to arn:aws:backup:us-west-2:123456789012:backup-vault:dr are kept 365 days; the cap is 35.",
        },
        {
            title: "recovery points never deleted",
            resource: () => changed(f.backupPlan(), ["rules", 0, "lifecycle"], undefined),
            violation: "rule daily: recovery points are never deleted.",
        },
    ],
    "cost-s3-lifecycle": [
        { title: "IA, Glacier, expiry", resources: () => f.bucketSet() },
        {
            title: "no lifecycle",
            resources: () => f.bucketSet().filter((r) => r.name !== "storage-backups-lifecycle"),
            violation: 'Bucket "storage-backups" has no enabled lifecycle rule with transitions and an expiration within 400 days.',
        },
        {
            title: "expiry beyond the cap",
            resources: () => f.bucketSet(),
            config: { maxExpirationDays: 180 },
            violation: "within 180 days",
        },
        {
            title: "disabled rule",
            resources: () => changedIn(f.bucketSet(), "storage-backups-lifecycle", (r) => changed(r, ["rules", 0, "status"], "Disabled")),
            violation: "has no enabled lifecycle rule",
        },
    ],
    "cost-off-hours-scaling": [
        { title: "scale down at night and up in the morning", resources: () => [f.nodeGroup("app"), f.schedule("down"), f.schedule("up")] },
        { title: "no scale-up", resources: () => [f.nodeGroup("app"), f.schedule("down")], violation: "no scheduled scale-up" },
        {
            title: "no schedule",
            resources: () => [f.nodeGroup("app")],
            violation: "no scheduled scale-down to 0 (aws.autoscaling.Schedule) for the node groups.",
        },
    ],
    "cost-allowed-opensearch-instances": [
        {
            title: "r6g.large.search x3",
            resource: f.opensearchDomain,
            config: { allowedInstanceTypes: ["r6g.large.search"], maxInstanceCount: 3 },
        },
        {
            title: "dedicated masters of an allowed type",
            resource: () =>
                changed(
                    changed(f.opensearchDomain(), ["clusterConfig", "dedicatedMasterEnabled"], true),
                    ["clusterConfig", "dedicatedMasterType"],
                    "r6g.large.search",
                ),
        },
        {
            title: "data nodes of a denied type",
            resource: f.opensearchDomain,
            config: { allowedInstanceTypes: ["t3.medium.search"] },
            violation: "data instance type r6g.large.search is not allowed (allowed: t3.medium.search).",
        },
        {
            title: "dedicated masters of a denied type",
            resource: () =>
                changed(
                    changed(f.opensearchDomain(), ["clusterConfig", "dedicatedMasterEnabled"], true),
                    ["clusterConfig", "dedicatedMasterType"],
                    "r6g.4xlarge.search",
                ),
            violation: "dedicated master instance type r6g.4xlarge.search is not allowed",
        },
        {
            title: "too many data nodes",
            resource: () => changed(f.opensearchDomain(), ["clusterConfig", "instanceCount"], 9),
            violation: "clusterConfig.instanceCount is 9; the ceiling is 6.",
        },
    ],
};
