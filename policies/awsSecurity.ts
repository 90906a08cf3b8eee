/**
 * AWS security rules (docs/policies.md): encryption at rest and in transit, nothing public, IMDSv2, KMS
 * rotation, no world-open ingress but web ports, EKS private endpoint and control-plane logs,
 * deletion protection and backup retention for stateful resources; OpenSearch, IAM trust and
 * least privilege, encrypted log groups and backup vaults for what the program adds.
 */
import * as ec2 from "@pulumi/aws/ec2";
import * as backup from "@pulumi/aws/backup";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ebs from "@pulumi/aws/ebs";
import * as eks from "@pulumi/aws/eks";
import * as elasticache from "@pulumi/aws/elasticache";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import * as opensearch from "@pulumi/aws/opensearch";
import * as rds from "@pulumi/aws/rds";
import * as vpc from "@pulumi/aws/vpc";
import {
    PolicyResource,
    ReportViolation,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";
import { accessLogTargets, bucketsWithout } from "./buckets";
import { awsHardeningPolicies } from "./awsHardening";
import { PolicyStatement, deniesInsecureTransport, listOf, statementLabel, statementsOf, trustsEveryone } from "./policyDocuments";
import {
    ConfigProperties,
    UNKNOWN,
    configOf,
    describe,
    integer,
    isSet,
    list,
    ofType,
    peek,
    perType,
    stringList,
    typed,
    whenKnown,
} from "./lib";

// Other tests (components/storage) check the program's bucket policies with the pack's own predicate.
export { deniesInsecureTransport };

const WORLD = ["0.0.0.0/0", "::/0"];

/** A read replica inherits encryption, backups and deletion behaviour from its source. */
function isReadReplica(db: { replicateSourceDb?: string }): boolean {
    return typeof db.replicateSourceDb === "string" && db.replicateSourceDb !== "";
}

export const rdsStorageEncrypted: ResourceValidationPolicy = {
    name: "aws-rds-storage-encrypted",
    description: "RDS instances encrypt storage at rest with a customer-managed KMS key.",
    severity: "critical",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        rds.Instance,
        whenKnown((db, _args, report) => {
            if (db.storageEncrypted !== true) report("storageEncrypted is not true.");
            else if (!isSet(db, "kmsKeyId"))
                report("storageEncrypted without kmsKeyId uses the AWS-managed key; set a customer-managed key.");
        }),
    ),
};

export const rdsNotPublic: ResourceValidationPolicy = {
    name: "aws-rds-not-public",
    description: "RDS instances are not publicly accessible.",
    severity: "critical",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        rds.Instance,
        whenKnown((db, _args, report) => {
            if (db.publiclyAccessible === true) report("publiclyAccessible is true; databases live in private subnets only.");
        }),
    ),
};

export const rdsForceSsl: ResourceValidationPolicy = {
    name: "aws-rds-force-ssl",
    description: "PostgreSQL parameter groups set rds.force_ssl=1, so clients must connect over TLS.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        rds.ParameterGroup,
        whenKnown((group, _args, report) => {
            if (!group.family.startsWith("postgres")) return;
            const forceSsl = (group.parameters ?? []).find((p) => p.name === "rds.force_ssl");
            if (!forceSsl) report(`parameter group (family ${group.family}) does not set rds.force_ssl.`);
            else if (String(forceSsl.value) !== "1") report(`rds.force_ssl is ${forceSsl.value}; expected 1.`);
        }),
    ),
};

export const rdsDeletionProtection: ResourceValidationPolicy = {
    name: "aws-rds-deletion-protection",
    description: "RDS primary instances have deletion protection and take a final snapshot when deleted.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        rds.Instance,
        whenKnown((db, _args, report) => {
            if (isReadReplica(db)) return;
            if (db.deletionProtection !== true) report("deletionProtection is not true.");
            if (db.skipFinalSnapshot === true) report("skipFinalSnapshot is true; deleting the instance would leave no final snapshot.");
        }),
    ),
};

const backupRetentionSchema: ConfigProperties = {
    minRetentionDays: integer("Fewest days of automated backups (point-in-time recovery window).", 7, 1),
};

export const rdsBackupRetention: ResourceValidationPolicy = {
    name: "aws-rds-backup-retention",
    description: "RDS primary instances keep automated backups (point-in-time recovery) for at least the configured days.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: backupRetentionSchema },
    validateResource: validateResourceOfType(
        rds.Instance,
        whenKnown((db, args, report) => {
            if (isReadReplica(db)) return;
            const { minRetentionDays } = configOf<{ minRetentionDays: number }>(args, backupRetentionSchema);
            const days = db.backupRetentionPeriod ?? 0;
            if (days < minRetentionDays) report(`backupRetentionPeriod is ${days} days; expected at least ${minRetentionDays}.`);
        }),
    ),
};

export const rdsMultiAz: ResourceValidationPolicy = {
    name: "aws-rds-multi-az",
    description: "RDS primary instances run Multi-AZ with a synchronous standby.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        rds.Instance,
        whenKnown((db, _args, report) => {
            if (isReadReplica(db)) return;
            if (db.multiAz !== true) report("multiAz is not true; an AZ outage would take the database down.");
        }),
    ),
};

export const rdsManagedCredentials: ResourceValidationPolicy = {
    name: "aws-rds-managed-credentials",
    description: "RDS master credentials are managed by RDS in Secrets Manager (rotated), never passed as a password input.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        rds.Instance,
        whenKnown((db, _args, report) => {
            if (isReadReplica(db)) return;
            if (isSet(db, "password")) report("a master password is passed as an input; it would sit in state and never rotate.");
            if (db.manageMasterUserPassword !== true) report("manageMasterUserPassword is not true.");
        }),
    ),
};

export const elasticacheAtRestEncryption: ResourceValidationPolicy = {
    name: "aws-elasticache-at-rest-encryption",
    description: "ElastiCache replication groups encrypt data at rest with a customer-managed KMS key.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        elasticache.ReplicationGroup,
        whenKnown((group, _args, report) => {
            if (group.atRestEncryptionEnabled !== true) report("atRestEncryptionEnabled is not true.");
            else if (!isSet(group, "kmsKeyId"))
                report("at-rest encryption without kmsKeyId uses the AWS-managed key; set a customer-managed key.");
        }),
    ),
};

export const elasticacheTransitEncryption: ResourceValidationPolicy = {
    name: "aws-elasticache-transit-encryption",
    description: "ElastiCache replication groups require TLS in transit and an AUTH token.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        elasticache.ReplicationGroup,
        whenKnown((group, _args, report) => {
            if (group.transitEncryptionEnabled !== true) report("transitEncryptionEnabled is not true.");
            else if (group.transitEncryptionMode === "preferred")
                report('transitEncryptionMode is "preferred", which still accepts plaintext clients; use "required".');
            if (!isSet(group, "authToken") && !isSet(group, "authTokenWo") && !isSet(group, "userGroupIds"))
                report("no authToken (or RBAC user group): any client reaching the port can connect.");
        }),
    ),
};

export const elasticacheFailover: ResourceValidationPolicy = {
    name: "aws-elasticache-failover",
    description: "ElastiCache replication groups fail over automatically across availability zones.",
    severity: "medium",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        elasticache.ReplicationGroup,
        whenKnown((group, _args, report) => {
            if (group.automaticFailoverEnabled !== true) report("automaticFailoverEnabled is not true.");
            if (group.multiAzEnabled !== true) report("multiAzEnabled is not true.");
        }),
    ),
};

const snapshotRetentionSchema: ConfigProperties = {
    minRetentionDays: integer("Fewest days of daily snapshots kept.", 1, 1),
};

export const elasticacheSnapshotRetention: ResourceValidationPolicy = {
    name: "aws-elasticache-snapshot-retention",
    description: "ElastiCache replication groups keep daily snapshots for at least the configured days.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: snapshotRetentionSchema },
    validateResource: validateResourceOfType(
        elasticache.ReplicationGroup,
        whenKnown((group, args, report) => {
            const { minRetentionDays } = configOf<{ minRetentionDays: number }>(args, snapshotRetentionSchema);
            const days = group.snapshotRetentionLimit ?? 0;
            if (days < minRetentionDays) report(`snapshotRetentionLimit is ${days} days; expected at least ${minRetentionDays}.`);
        }),
    ),
};

function reportBuckets(report: ReportViolation, buckets: PolicyResource[], what: string): void {
    for (const bucket of buckets) report(`${describe(bucket)} has no ${what}.`, bucket.urn);
}

export const s3Encryption: StackValidationPolicy = {
    name: "aws-s3-kms-encryption",
    description:
        "Every S3 bucket has default server-side encryption with KMS (SSE-KMS); an access-log bucket, which S3 server access logging delivers to only with SSE-S3, has SSE-S3.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const targets = accessLogTargets(args);
        const algorithms = (c: PolicyResource) =>
            ((c.props.rules ?? []) as { applyServerSideEncryptionByDefault?: { sseAlgorithm?: string } }[]).map(
                (r) => r.applyServerSideEncryptionByDefault?.sseAlgorithm ?? "",
            );
        const sseKms = (c: PolicyResource) => peek(() => algorithms(c).some((a) => a.startsWith("aws:kms")));
        const sseKmsOrS3 = (c: PolicyResource) => peek(() => algorithms(c).some((a) => a.startsWith("aws:kms") || a === "AES256"));
        const type = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
        reportBuckets(
            report,
            bucketsWithout(args, type, sseKms).filter((b) => !targets.includes(b)),
            "server-side encryption configuration with aws:kms",
        );
        reportBuckets(
            report,
            bucketsWithout(args, type, sseKmsOrS3).filter((b) => targets.includes(b)),
            "server-side encryption configuration (an access-log bucket needs AES256, SSE-S3)",
        );
    },
};

export const s3PublicAccessBlock: StackValidationPolicy = {
    name: "aws-s3-public-access-block",
    description: "Every S3 bucket blocks public ACLs and policies (all four public access block settings).",
    severity: "critical",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const blocksAll = (c: PolicyResource) =>
            peek(() =>
                ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every((k) => c.props[k] === true),
            );
        reportBuckets(
            report,
            bucketsWithout(args, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", blocksAll),
            "public access block with all four settings true",
        );
    },
};

export const s3TlsOnly: StackValidationPolicy = {
    name: "aws-s3-tls-only",
    description: "Every S3 bucket has a bucket policy denying requests without TLS (aws:SecureTransport=false).",
    severity: "high",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const tlsOnly = (c: PolicyResource) => peek(() => deniesInsecureTransport(c.props.policy));
        reportBuckets(
            report,
            bucketsWithout(args, "aws:s3/bucketPolicy:BucketPolicy", tlsOnly),
            "bucket policy denying aws:SecureTransport=false",
        );
    },
};

export const s3Versioning: StackValidationPolicy = {
    name: "aws-s3-versioning",
    description: "Every S3 bucket has versioning enabled, so overwritten or deleted backups and logs can be recovered.",
    severity: "medium",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const enabled = (c: PolicyResource) => peek(() => c.props.versioningConfiguration?.status === "Enabled");
        reportBuckets(
            report,
            bucketsWithout(args, "aws:s3/bucketVersioning:BucketVersioning", enabled),
            "versioning configuration with status Enabled",
        );
    },
};

const replicationSchema: ConfigProperties = {
    bucketNamePattern: { type: "string", default: "backup", description: "Buckets whose resource name contains this text are replicated." },
};

export const s3BackupReplication: StackValidationPolicy = {
    name: "aws-s3-backup-replication",
    description: "Backup buckets replicate to the DR region.",
    severity: "medium",
    enforcementLevel: "advisory",
    configSchema: { properties: replicationSchema },
    validateStack: (args, report) => {
        const { bucketNamePattern } = configOf<{ bucketNamePattern: string }>(args, replicationSchema);
        const missing = bucketsWithout(args, "aws:s3/bucketReplicationConfig:BucketReplicationConfig", (c) =>
            peek(() => ((c.props.rules ?? []) as { status?: string }[]).some((r) => r.status === "Enabled")),
        );
        reportBuckets(
            report,
            missing.filter((b) => b.name.includes(bucketNamePattern)),
            "enabled replication configuration",
        );
    },
};

export const ebsEncrypted: ResourceValidationPolicy = {
    name: "aws-ebs-encrypted",
    description: "EBS volumes, including those node launch templates create, are encrypted.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: perType(
        typed(
            ec2.LaunchTemplate,
            whenKnown((template, _args, report) => {
                const mappings = template.blockDeviceMappings ?? [];
                if (mappings.length === 0) report("no blockDeviceMappings: the root volume falls back to the AMI's unencrypted default.");
                for (const m of mappings) {
                    if (m.ebs && String(m.ebs.encrypted) !== "true") report(`block device ${m.deviceName ?? "?"} is not encrypted.`);
                }
            }),
        ),
        typed(
            ebs.Volume,
            whenKnown((volume, _args, report) => {
                if (volume.encrypted !== true) report("encrypted is not true.");
            }),
        ),
    ),
};

export const imdsV2: ResourceValidationPolicy = {
    name: "aws-ec2-imdsv2",
    description: "Instances and node launch templates require IMDSv2 session tokens (httpTokens=required).",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: perType(
        typed(
            ec2.LaunchTemplate,
            whenKnown((template, _args, report) => {
                if (template.metadataOptions?.httpTokens !== "required")
                    report(`metadataOptions.httpTokens is ${template.metadataOptions?.httpTokens ?? "unset"}; expected "required".`);
            }),
        ),
        typed(
            ec2.Instance,
            whenKnown((instance, _args, report) => {
                if (instance.metadataOptions?.httpTokens !== "required")
                    report(`metadataOptions.httpTokens is ${instance.metadataOptions?.httpTokens ?? "unset"}; expected "required".`);
            }),
        ),
    ),
};

const hopLimitSchema: ConfigProperties = {
    maxHopLimit: integer("Largest IMDS PUT response hop limit; 1 keeps the node role's credentials from pods.", 1, 1),
};

/** Unset counts as a violation: EKS-optimized AMIs default to 2. */
function checkHopLimit(options: { httpPutResponseHopLimit?: number } | undefined, max: number, report: (m: string) => void): void {
    const limit = options?.httpPutResponseHopLimit;
    if (limit === undefined)
        report(`metadataOptions.httpPutResponseHopLimit is unset (the AMI's default applies); expected at most ${max}.`);
    else if (limit > max)
        report(
            `metadataOptions.httpPutResponseHopLimit is ${limit}; expected at most ${max}, so pods cannot reach the node role's credentials.`,
        );
}

export const imdsHopLimit: ResourceValidationPolicy = {
    name: "aws-ec2-imds-hop-limit",
    description: "Node launch templates and instances limit IMDS responses to one hop, so pods cannot fetch the node role's credentials.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: hopLimitSchema },
    validateResource: perType(
        typed(
            ec2.LaunchTemplate,
            whenKnown((template, args, report) =>
                checkHopLimit(template.metadataOptions, configOf<{ maxHopLimit: number }>(args, hopLimitSchema).maxHopLimit, report),
            ),
        ),
        typed(
            ec2.Instance,
            whenKnown((instance, args, report) =>
                checkHopLimit(instance.metadataOptions, configOf<{ maxHopLimit: number }>(args, hopLimitSchema).maxHopLimit, report),
            ),
        ),
    ),
};

export const kmsKeyRotation: ResourceValidationPolicy = {
    name: "aws-kms-key-rotation",
    description: "Symmetric customer-managed KMS keys rotate automatically.",
    severity: "medium",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        kms.Key,
        whenKnown((key, _args, report) => {
            const spec = key.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
            if (spec !== "SYMMETRIC_DEFAULT") return;
            if (key.enableKeyRotation !== true) report("enableKeyRotation is not true.");
        }),
    ),
};

const publicIngressSchema: ConfigProperties = {
    publicPorts: {
        type: "array",
        items: { type: "integer", minimum: 0, maximum: 65535 },
        default: [80, 443],
        description: "Ports a load balancer may open to the internet.",
    },
};

interface PortRange {
    fromPort?: number;
    toPort?: number;
    protocol?: string;
}

/** Why a world-open rule is not acceptable, or undefined when it opens only allowed web ports. */
function worldOpenProblem(rule: PortRange, publicPorts: number[]): string | undefined {
    const all = rule.protocol === "-1" || rule.protocol === "all";
    const from = rule.fromPort ?? 0;
    const to = rule.toPort ?? 65535;
    if (all || from !== to) return all ? "all protocols and ports" : `ports ${from}-${to}`;
    return publicPorts.includes(from) ? undefined : `port ${from}`;
}

export const noPublicIngress: ResourceValidationPolicy = {
    name: "aws-no-public-ingress",
    description: "No security group admits 0.0.0.0/0 or ::/0 except on the web ports of a load balancer (80/443).",
    severity: "critical",
    enforcementLevel: "mandatory",
    configSchema: { properties: publicIngressSchema },
    validateResource: perType(
        typed(
            ec2.SecurityGroup,
            whenKnown((group, args, report) => {
                const { publicPorts } = configOf<{ publicPorts: number[] }>(args, publicIngressSchema);
                for (const rule of group.ingress ?? []) {
                    const open = [...(rule.cidrBlocks ?? []), ...(rule.ipv6CidrBlocks ?? [])].filter((c) => WORLD.includes(c));
                    const problem = open.length > 0 ? worldOpenProblem(rule, publicPorts) : undefined;
                    if (problem) report(`ingress from ${list(open)} on ${problem}; only ports ${list(publicPorts)} may be public.`);
                }
            }),
        ),
        typed(
            ec2.SecurityGroupRule,
            whenKnown((rule, args, report) => {
                if (rule.type !== "ingress") return;
                const { publicPorts } = configOf<{ publicPorts: number[] }>(args, publicIngressSchema);
                const open = [...(rule.cidrBlocks ?? []), ...(rule.ipv6CidrBlocks ?? [])].filter((c) => WORLD.includes(c));
                const problem = open.length > 0 ? worldOpenProblem(rule, publicPorts) : undefined;
                if (problem) report(`ingress from ${list(open)} on ${problem}; only ports ${list(publicPorts)} may be public.`);
            }),
        ),
        typed(
            vpc.SecurityGroupIngressRule,
            whenKnown((rule, args, report) => {
                const { publicPorts } = configOf<{ publicPorts: number[] }>(args, publicIngressSchema);
                const open = [rule.cidrIpv4, rule.cidrIpv6].filter((c): c is string => !!c && WORLD.includes(c));
                const problem =
                    open.length > 0
                        ? worldOpenProblem({ fromPort: rule.fromPort, toPort: rule.toPort, protocol: rule.ipProtocol }, publicPorts)
                        : undefined;
                if (problem) report(`ingress from ${list(open)} on ${problem}; only ports ${list(publicPorts)} may be public.`);
            }),
        ),
    ),
};

export const eksSecretsEncryption: ResourceValidationPolicy = {
    name: "aws-eks-secrets-encryption",
    description: "EKS clusters envelope-encrypt Kubernetes secrets with a KMS key.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        eks.Cluster,
        whenKnown((cluster, _args, report) => {
            const config = cluster.encryptionConfig;
            if (!config || !config.resources.includes("secrets")) report('encryptionConfig does not cover "secrets".');
            else if (!isSet(config.provider, "keyArn")) report("encryptionConfig has no provider.keyArn.");
        }),
    ),
};

const controlPlaneLogSchema: ConfigProperties = {
    requiredLogTypes: stringList("Control-plane log types that must be enabled.", ["api", "audit", "authenticator"]),
};

export const eksControlPlaneLogging: ResourceValidationPolicy = {
    name: "aws-eks-control-plane-logging",
    description: "EKS clusters ship the api, audit and authenticator control-plane logs to CloudWatch.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: controlPlaneLogSchema },
    validateResource: validateResourceOfType(
        eks.Cluster,
        whenKnown((cluster, args, report) => {
            const { requiredLogTypes } = configOf<{ requiredLogTypes: string[] }>(args, controlPlaneLogSchema);
            const enabled = cluster.enabledClusterLogTypes ?? [];
            const missing = requiredLogTypes.filter((t) => !enabled.includes(t));
            if (missing.length > 0) report(`enabledClusterLogTypes lacks ${list(missing)}.`);
        }),
    ),
};

export const eksPrivateEndpoint: ResourceValidationPolicy = {
    name: "aws-eks-private-endpoint",
    description: "EKS cluster API endpoints are private only (no public endpoint).",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        eks.Cluster,
        whenKnown((cluster, _args, report) => {
            if (cluster.vpcConfig.endpointPrivateAccess !== true) report("vpcConfig.endpointPrivateAccess is not true.");
            // The EKS API defaults endpointPublicAccess to true when it is not set.
            if (cluster.vpcConfig.endpointPublicAccess !== false)
                report(`the API endpoint is public (to ${list(cluster.vpcConfig.publicAccessCidrs ?? ["0.0.0.0/0"])}).`);
        }),
    ),
};

export const eksPublicEndpointRestricted: ResourceValidationPolicy = {
    name: "aws-eks-public-endpoint-restricted",
    description: "A public EKS API endpoint, where allowed, is limited to listed CIDRs, never the whole internet.",
    severity: "critical",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        eks.Cluster,
        whenKnown((cluster, _args, report) => {
            if (cluster.vpcConfig.endpointPublicAccess === false) return;
            const cidrs = cluster.vpcConfig.publicAccessCidrs ?? [];
            if (cidrs.length === 0) report("the public endpoint has no publicAccessCidrs, so it is open to 0.0.0.0/0.");
            const world = cidrs.filter((c) => WORLD.includes(c));
            if (world.length > 0) report(`publicAccessCidrs includes ${list(world)}.`);
        }),
    ),
};

export const vpcFlowLogs: StackValidationPolicy = {
    name: "aws-vpc-flow-logs",
    description: "Every VPC records flow logs.",
    severity: "medium",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report) => {
        const flowLogs = ofType(args, "aws:ec2/flowLog:FlowLog");
        for (const network of ofType(args, "aws:ec2/vpc:Vpc")) {
            const id = peek(() => network.props.id);
            const covered = flowLogs.some((log) => {
                const target = peek(() => log.props.vpcId);
                if (target === UNKNOWN || id === UNKNOWN) return log.dependencies.includes(network);
                return target !== undefined && target === id;
            });
            if (!covered) report(`${describe(network)} has no flow log.`, network.urn);
        }
    },
};

export const backupPlanForDatabases: StackValidationPolicy = {
    name: "aws-backup-plan-for-databases",
    description: "Stacks with RDS databases have an AWS Backup plan and a selection assigning resources to it.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        if (ofType(args, "aws:rds/instance:Instance").length === 0) args.notApplicable("the stack has no RDS instance");
        if (ofType(args, "aws:backup/plan:Plan").length === 0)
            report("no AWS Backup plan (aws.backup.Plan) in a stack with RDS instances.");
        else if (ofType(args, "aws:backup/selection:Selection").length === 0)
            report("an AWS Backup plan exists but no aws.backup.Selection assigns resources to it.");
    },
};

export const opensearchEncryption: ResourceValidationPolicy = {
    name: "aws-opensearch-encryption",
    description: "OpenSearch domains encrypt data at rest and between nodes, and accept only HTTPS with TLS 1.2 or later.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        opensearch.Domain,
        whenKnown((domain, _args, report) => {
            if (domain.encryptAtRest?.enabled !== true) report("encryptAtRest.enabled is not true.");
            if (domain.nodeToNodeEncryption?.enabled !== true) report("nodeToNodeEncryption.enabled is not true.");
            const endpoint = domain.domainEndpointOptions;
            if (endpoint?.enforceHttps !== true)
                report("domainEndpointOptions.enforceHttps is not true: the endpoint also answers plain HTTP.");
            else if (!endpoint.tlsSecurityPolicy?.startsWith("Policy-Min-TLS-1-2"))
                report(
                    `domainEndpointOptions.tlsSecurityPolicy is ${endpoint.tlsSecurityPolicy ?? "unset"}; expected a Policy-Min-TLS-1-2 policy.`,
                );
        }),
    ),
};

export const opensearchPrivate: ResourceValidationPolicy = {
    name: "aws-opensearch-private",
    description:
        "OpenSearch domains live in the VPC (no public endpoint), and an access policy open to every principal is backed by fine-grained access control.",
    severity: "critical",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        opensearch.Domain,
        whenKnown((domain, _args, report) => {
            if ((domain.vpcOptions?.subnetIds ?? []).length === 0) report("no vpcOptions.subnetIds: the domain gets a public endpoint.");
            if (domain.accessPolicies === undefined) return;
            const statements = statementsOf(domain.accessPolicies);
            if (statements === undefined) return report("accessPolicies is not a policy document.");
            const open = statements.filter((s) => s.Effect === "Allow" && trustsEveryone(s) && s.Condition === undefined);
            if (open.length > 0 && domain.advancedSecurityOptions?.enabled !== true) {
                report(
                    "accessPolicies allow every principal (*) while advancedSecurityOptions (fine-grained access control) is off: anyone reaching the endpoint can read the logs.",
                );
            }
        }),
    ),
};

const WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity";

/** Why a web-identity (IRSA) trust statement is not pinned to one service account, or undefined when it is. */
function webIdentityProblem(statement: PolicyStatement): string | undefined {
    const equals = statement.Condition?.StringEquals ?? {};
    const sub = Object.entries(equals).find(([key]) => key.endsWith(":sub"));
    if (!sub) {
        const pattern = Object.entries(statement.Condition?.StringLike ?? {}).find(([key]) => key.endsWith(":sub"));
        return pattern
            ? `pins ${pattern[0]} with StringLike ${JSON.stringify(pattern[1])}; use StringEquals on one service account`
            : "has no StringEquals condition on the token's :sub (any service account of the cluster could assume the role)";
    }
    const subjects = Array.isArray(sub[1]) ? sub[1] : [sub[1]];
    if (subjects.some((s) => typeof s !== "string" || /[*?]/.test(s))) return `pins ${sub[0]} to ${JSON.stringify(sub[1])}, a pattern`;
    if (!Object.keys(equals).some((key) => key.endsWith(":aud")))
        return "has no StringEquals condition on the token's :aud (sts.amazonaws.com)";
    return undefined;
}

export const iamRoleTrustScoped: ResourceValidationPolicy = {
    name: "aws-iam-role-trust-scoped",
    description:
        "IAM role trust policies name their principals: never every principal, and web-identity (IRSA) trust pinned to one service account and audience.",
    severity: "critical",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        iam.Role,
        whenKnown((role, _args, report) => {
            const statements = statementsOf(role.assumeRolePolicy);
            if (statements === undefined) return report("assumeRolePolicy is not a policy document.");
            statements.forEach((s, i) => {
                if (s.Effect !== "Allow") return;
                if (trustsEveryone(s)) report(`${statementLabel(s, i)} lets every principal (*) assume the role.`);
                const federated = typeof s.Principal === "object" && s.Principal.Federated !== undefined;
                if (federated && listOf(s.Action).includes(WEB_IDENTITY)) {
                    const problem = webIdentityProblem(s);
                    if (problem) report(`${statementLabel(s, i)} ${problem}.`);
                }
            });
        }),
    ),
};

const wildcardSchema: ConfigProperties = {
    deniedManagedPolicies: stringList("Managed policies no role may have attached (by ARN suffix after :policy/).", [
        "AdministratorAccess",
        "PowerUserAccess",
        "IAMFullAccess",
    ]),
};

/** Why an Allow statement grants too much, or undefined. */
function wildcardProblem(statement: PolicyStatement): string | undefined {
    if (statement.Effect !== "Allow") return undefined;
    if (statement.NotAction !== undefined) return "allows NotAction (every action but the listed ones)";
    const actions = listOf(statement.Action);
    if (actions.includes("*")) return "allows every action (*)";
    const resources = listOf(statement.Resource);
    const serviceWide = actions.filter((a) => a.endsWith(":*"));
    if (serviceWide.length > 0 && resources.includes("*")) return `allows ${serviceWide.join(", ")} on every resource (*)`;
    return undefined;
}

/** Reports each statement of an inline or managed policy document that grants by wildcard. */
function reportWildcards(document: unknown, report: (message: string) => void): void {
    const statements = statementsOf(document);
    if (statements === undefined) return report("policy is not a policy document.");
    statements.forEach((s, i) => {
        const problem = wildcardProblem(s);
        if (problem) report(`${statementLabel(s, i)} ${problem}.`);
    });
}

export const iamNoWildcardPermissions: ResourceValidationPolicy = {
    name: "aws-iam-least-privilege",
    description:
        'IAM policies grant named actions: no Action "*", no service-wide "<service>:*" on every resource, no NotAction, and no administrator managed policies attached.',
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: wildcardSchema },
    validateResource: perType(
        typed(
            iam.RolePolicy,
            whenKnown((policy, _args, report) => reportWildcards(policy.policy, report)),
        ),
        typed(
            iam.Policy,
            whenKnown((policy, _args, report) => reportWildcards(policy.policy, report)),
        ),
        typed(
            iam.RolePolicyAttachment,
            whenKnown((attachment, args, report) => {
                const { deniedManagedPolicies } = configOf<{ deniedManagedPolicies: string[] }>(args, wildcardSchema);
                const name = attachment.policyArn.slice(attachment.policyArn.lastIndexOf("/") + 1);
                if (attachment.policyArn.startsWith("arn:aws") && deniedManagedPolicies.includes(name))
                    report(`attaches ${attachment.policyArn}.`);
            }),
        ),
    ),
};

export const logGroupEncryption: ResourceValidationPolicy = {
    name: "aws-log-group-kms",
    description: "CloudWatch log groups (flow logs, control-plane logs) encrypt their events with a customer-managed KMS key.",
    severity: "medium",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        cloudwatch.LogGroup,
        whenKnown((group, _args, report) => {
            if (!isSet(group, "kmsKeyId")) report("no kmsKeyId: events are encrypted with a key the account does not control.");
        }),
    ),
};

export const backupVaultEncryption: ResourceValidationPolicy = {
    name: "aws-backup-vault-kms",
    description: "AWS Backup vaults (primary and DR) encrypt recovery points with a customer-managed KMS key.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        backup.Vault,
        whenKnown((vault, _args, report) => {
            if (!isSet(vault, "kmsKeyArn")) report("no kmsKeyArn: recovery points use the AWS-managed backup key.");
        }),
    ),
};

export const awsSecurityPolicies = [
    rdsStorageEncrypted,
    rdsNotPublic,
    rdsForceSsl,
    rdsDeletionProtection,
    rdsBackupRetention,
    rdsMultiAz,
    rdsManagedCredentials,
    elasticacheAtRestEncryption,
    elasticacheTransitEncryption,
    elasticacheFailover,
    elasticacheSnapshotRetention,
    s3Encryption,
    s3PublicAccessBlock,
    s3TlsOnly,
    s3Versioning,
    s3BackupReplication,
    ebsEncrypted,
    imdsV2,
    imdsHopLimit,
    kmsKeyRotation,
    noPublicIngress,
    eksSecretsEncryption,
    eksControlPlaneLogging,
    eksPrivateEndpoint,
    eksPublicEndpointRestricted,
    vpcFlowLogs,
    backupPlanForDatabases,
    backupVaultEncryption,
    logGroupEncryption,
    opensearchEncryption,
    opensearchPrivate,
    iamRoleTrustScoped,
    iamNoWildcardPermissions,
    ...awsHardeningPolicies,
];
