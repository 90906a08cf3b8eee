/** The compliant and violating cases of every awsSecurity policy (test/policies/awsSecurity.test.ts runs them; coverage.test.ts checks every pack policy has some). */
import * as f from "./fixtures";
import * as h from "./awsSecurity.fixtures";
import { PolicyCases, changed, changedIn } from "./harness";

const bucketNamed = (name: string) => f.bucketSet().filter((r) => r.name !== name);

export const awsSecurityCases: PolicyCases = {
    "aws-rds-storage-encrypted": [
        { title: "encrypted with a customer-managed key", resource: f.rdsPrimary },
        { title: "read replica encrypted", resource: f.rdsReplica },
        {
            title: "storageEncrypted false",
            resource: () => changed(f.rdsPrimary(), ["storageEncrypted"], false),
            violation: "storageEncrypted is not true.",
        },
        { title: "no kmsKeyId", resource: () => changed(f.rdsPrimary(), ["kmsKeyId"], undefined), violation: "uses the AWS-managed key" },
    ],
    "aws-rds-not-public": [
        { title: "private", resource: f.rdsPrimary },
        {
            title: "publicly accessible",
            resource: () => changed(f.rdsPrimary(), ["publiclyAccessible"], true),
            violation: "publiclyAccessible is true",
        },
    ],
    "aws-rds-force-ssl": [
        { title: "postgres15 with rds.force_ssl=1", resource: f.parameterGroup },
        {
            title: "rds.force_ssl=0",
            resource: () => changed(f.parameterGroup(), ["parameters", 0, "value"], "0"),
            violation: "rds.force_ssl is 0; expected 1.",
        },
        {
            title: "rds.force_ssl missing",
            resource: () => changed(f.parameterGroup(), ["parameters"], []),
            violation: "does not set rds.force_ssl",
        },
    ],
    "aws-rds-deletion-protection": [
        { title: "protected with a final snapshot", resource: f.rdsPrimary },
        { title: "replica (deleted with its source)", resource: f.rdsReplica },
        {
            title: "deletionProtection false",
            resource: () => changed(f.rdsPrimary(), ["deletionProtection"], false),
            violation: "deletionProtection is not true.",
        },
        {
            title: "skipFinalSnapshot",
            resource: () => changed(f.rdsPrimary(), ["skipFinalSnapshot"], true),
            violation: "no final snapshot",
        },
    ],
    "aws-rds-backup-retention": [
        { title: "30 days against 30", resource: f.rdsPrimary, config: { minRetentionDays: 30 } },
        { title: "7 days against the default 7", resource: () => changed(f.rdsPrimary(), ["backupRetentionPeriod"], 7) },
        {
            title: "7 days against production's 30",
            resource: () => changed(f.rdsPrimary(), ["backupRetentionPeriod"], 7),
            config: { minRetentionDays: 30 },
            violation: "backupRetentionPeriod is 7 days; expected at least 30.",
        },
        {
            title: "backups disabled",
            resource: () => changed(f.rdsPrimary(), ["backupRetentionPeriod"], 0),
            violation: "backupRetentionPeriod is 0 days",
        },
    ],
    "aws-rds-multi-az": [
        { title: "Multi-AZ primary", resource: f.rdsPrimary },
        { title: "single-AZ replica", resource: f.rdsReplica },
        { title: "single-AZ primary", resource: () => changed(f.rdsPrimary(), ["multiAz"], false), violation: "multiAz is not true" },
    ],
    "aws-rds-managed-credentials": [
        { title: "RDS-managed master password", resource: f.rdsPrimary },
        {
            title: "password input",
            resource: () => changed(f.rdsPrimary(), ["password"], "hunter2"),
            violation: "a master password is passed as an input",
        },
        {
            title: "not managed",
            resource: () => changed(f.rdsPrimary(), ["manageMasterUserPassword"], false),
            violation: "manageMasterUserPassword is not true.",
        },
    ],
    "aws-elasticache-at-rest-encryption": [
        { title: "KMS at rest", resource: f.replicationGroup },
        {
            title: "unencrypted",
            resource: () => changed(f.replicationGroup(), ["atRestEncryptionEnabled"], false),
            violation: "atRestEncryptionEnabled is not true.",
        },
        {
            title: "AWS-managed key",
            resource: () => changed(f.replicationGroup(), ["kmsKeyId"], undefined),
            violation: "uses the AWS-managed key",
        },
    ],
    "aws-elasticache-transit-encryption": [
        { title: "TLS and AUTH", resource: f.replicationGroup },
        {
            title: "no TLS",
            resource: () => changed(f.replicationGroup(), ["transitEncryptionEnabled"], false),
            violation: "transitEncryptionEnabled is not true.",
        },
        {
            title: "preferred mode",
            resource: () => changed(f.replicationGroup(), ["transitEncryptionMode"], "preferred"),
            violation: 'transitEncryptionMode is "preferred"',
        },
        { title: "no AUTH token", resource: () => changed(f.replicationGroup(), ["authToken"], undefined), violation: "no authToken" },
    ],
    "aws-elasticache-failover": [
        { title: "failover and Multi-AZ", resource: f.replicationGroup },
        {
            title: "no automatic failover",
            resource: () => changed(f.replicationGroup(), ["automaticFailoverEnabled"], false),
            violation: "automaticFailoverEnabled is not true.",
        },
        {
            title: "single AZ",
            resource: () => changed(f.replicationGroup(), ["multiAzEnabled"], false),
            violation: "multiAzEnabled is not true.",
        },
    ],
    "aws-elasticache-snapshot-retention": [
        { title: "7 days", resource: f.replicationGroup, config: { minRetentionDays: 7 } },
        {
            title: "no snapshots",
            resource: () => changed(f.replicationGroup(), ["snapshotRetentionLimit"], 0),
            violation: "snapshotRetentionLimit is 0 days; expected at least 1.",
        },
    ],
    "aws-s3-kms-encryption": [
        { title: "SSE-KMS", resources: () => f.bucketSet() },
        {
            title: "no encryption configuration",
            resources: () => bucketNamed("storage-backups-sse"),
            violation: 'Bucket "storage-backups" has no server-side encryption',
            violator: "storage-backups",
        },
        {
            title: "AES256 instead of KMS",
            resources: () =>
                changedIn(f.bucketSet(), "storage-backups-sse", (r) =>
                    changed(r, ["rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm"], "AES256"),
                ),
            violation: "has no server-side encryption configuration with aws:kms",
        },
        {
            title: "configuration for another bucket",
            resources: () =>
                changedIn(f.bucketSet(), "storage-backups-sse", (r) => ({ ...changed(r, ["bucket"], "other-bucket"), dependencies: [] })),
            violation: "has no server-side encryption",
        },
        { title: "access-log bucket with SSE-S3", resources: h.bucketsWithAccessLogs },
        {
            title: "SSE-S3 on a bucket that is no log target",
            resources: () =>
                changedIn(f.bucketSet(), "storage-backups-sse", (r) =>
                    changed(r, ["rules"], [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]),
                ),
            violation: 'Bucket "storage-backups" has no server-side encryption configuration with aws:kms.',
        },
        {
            title: "access-log bucket without default encryption",
            resources: () => h.bucketsWithAccessLogs().filter((r) => r.name !== "storage-access-logs-sse"),
            violation:
                'Bucket "storage-access-logs" has no server-side encryption configuration (an access-log bucket needs AES256, SSE-S3).',
        },
    ],
    "aws-kms-explicit-key-policy": [
        { title: "account administers, principals use it through RDS and Secrets Manager", resource: h.kmsKeyWithPolicy },
        {
            title: "log key: CloudWatch Logs for one log group",
            resource: () =>
                changed(
                    h.kmsKeyWithPolicy(),
                    ["policy"],
                    JSON.stringify({
                        Statement: [
                            h.keyPolicy().Statement[0],
                            {
                                Effect: "Allow",
                                Principal: { Service: "logs.us-east-1.amazonaws.com" },
                                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"],
                                Resource: "*",
                                Condition: {
                                    ArnEquals: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:123456789012:log-group:/x" },
                                },
                            },
                        ],
                    }),
                ),
        },
        {
            title: "default key policy",
            resource: f.kmsKey,
            violation: "no policy: the default key policy applies, which names neither the services that use the key nor any condition.",
        },
        {
            title: "kms:* to every principal",
            resource: () =>
                changed(
                    h.kmsKeyWithPolicy(),
                    ["policy"],
                    JSON.stringify({
                        Statement: [
                            ...h.keyPolicy().Statement,
                            { Sid: "Everyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" },
                        ],
                    }),
                ),
            violation: "statement Everyone grants kms:* to every principal (*).",
        },
        {
            title: "no account administration",
            resource: () => changed(h.kmsKeyWithPolicy(), ["policy"], JSON.stringify({ Statement: [h.keyPolicy().Statement[1]] })),
            violation:
                "no statement lets the account's root principal administer the key (kms:PutKeyPolicy); the account could lose control of it.",
        },
        {
            title: "policy that is not a document",
            resource: () => changed(h.kmsKeyWithPolicy(), ["policy"], "{"),
            violation: "policy is not a policy document.",
        },
    ],
    "aws-vpc-default-security-group-locked": [
        { title: "default group adopted with no rules", resources: h.vpcWithLockedDefaultGroup },
        {
            title: "default group not managed",
            resources: () => h.vpcWithLockedDefaultGroup().filter((r) => r.name !== "network-default-sg"),
            violation:
                'Vpc "network-vpc" has no DefaultSecurityGroup: its default security group keeps AWS\'s rules (all traffic among members, all egress).',
            violator: "network-vpc",
        },
        {
            title: "default group keeps the all-egress rule",
            resources: () =>
                changedIn(h.vpcWithLockedDefaultGroup(), "network-default-sg", (r) =>
                    changed(r, ["egress"], [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }]),
                ),
            violation: 'DefaultSecurityGroup "network-default-sg" of Vpc "network-vpc" has egress rules; expected none.',
            violator: "network-default-sg",
        },
        {
            title: "default group of another VPC",
            resources: () => changedIn(h.vpcWithLockedDefaultGroup(), "network-default-sg", (r) => changed(r, ["vpcId"], "vpc-other")),
            violation: "has no DefaultSecurityGroup",
        },
    ],
    "aws-s3-access-logging": [
        { title: "data bucket logs to the access-log bucket", resources: h.bucketsWithAccessLogs },
        {
            title: "no logging resource",
            resources: () => h.bucketsWithAccessLogs().filter((r) => r.type !== "aws:s3/bucketLogging:BucketLogging"),
            violation: 'Bucket "storage-backups" has no server access logging and is no access-log target.',
            violator: "storage-backups",
        },
        {
            title: "logging resource of another bucket",
            resources: () =>
                changedIn(h.bucketsWithAccessLogs(), "storage-backups-logging", (r) => ({
                    ...changed(r, ["bucket"], "other-bucket"),
                    dependencies: [],
                })),
            violation: 'Bucket "storage-backups" has no server access logging',
        },
    ],
    "aws-rds-log-exports": [
        { title: "postgresql and upgrade exported", resource: h.rdsPrimaryExportingLogs },
        { title: "replica exports too", resource: h.rdsReplicaExportingLogs },
        { title: "another engine", resource: () => changed(f.rdsPrimary(), ["engine"], "mysql") },
        {
            title: "no exports",
            resource: () => changed(f.rdsPrimary(), ["enabledCloudwatchLogsExports"], undefined),
            violation: "enabledCloudwatchLogsExports lacks postgresql, upgrade: RDS keeps those logs on the instance only, for days.",
        },
        {
            title: "replica without the upgrade log",
            resource: () => changed(h.rdsReplicaExportingLogs(), ["enabledCloudwatchLogsExports"], ["postgresql"]),
            violation: "enabledCloudwatchLogsExports lacks upgrade",
        },
    ],
    "aws-opensearch-log-publishing": [
        { title: "slow, application and audit logs published", resource: h.opensearchDomainWithLogs },
        {
            title: "audit not required by config, no fine-grained access control",
            resource: () => changed(h.opensearchDomainWithLogs(), ["advancedSecurityOptions"], undefined),
            config: { requiredLogTypes: ["INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS", "ES_APPLICATION_LOGS"] },
        },
        {
            title: "nothing published",
            resource: f.opensearchDomain,
            violation:
                "logPublishingOptions do not publish INDEX_SLOW_LOGS, SEARCH_SLOW_LOGS, ES_APPLICATION_LOGS, AUDIT_LOGS to a log group.",
        },
        {
            title: "audit publishing disabled",
            resource: () => changed(h.opensearchDomainWithLogs(), ["logPublishingOptions", 3, "enabled"], false),
            violation: "logPublishingOptions do not publish AUDIT_LOGS to a log group.",
        },
        {
            title: "audit logs without fine-grained access control",
            resource: () => changed(h.opensearchDomainWithLogs(), ["advancedSecurityOptions", "enabled"], false),
            violation: "AUDIT_LOGS needs fine-grained access control, but advancedSecurityOptions.enabled is not true.",
        },
    ],
    "aws-data-store-cmk": [
        { title: "OpenSearch with a customer-managed key", resource: h.opensearchDomainWithLogs },
        { title: "bucket encrypted with a customer-managed key", resource: h.bucketEncryption },
        {
            title: "access-log bucket with SSE-S3 (aws-s3-kms-encryption judges it)",
            resource: () => changed(h.bucketEncryption(), ["rules"], [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]),
        },
        {
            title: "OpenSearch with the AWS-managed key",
            resource: f.opensearchDomain,
            violation: "encryptAtRest has no kmsKeyId: the domain's data is encrypted with the AWS-managed aws/es key.",
        },
        {
            title: "SSE-KMS without a key",
            resource: () => changed(h.bucketEncryption(), ["rules", 0, "applyServerSideEncryptionByDefault", "kmsMasterKeyId"], undefined),
            violation: "default encryption aws:kms has no kmsMasterKeyId: objects are encrypted with the AWS-managed aws/s3 key.",
        },
    ],
    "aws-s3-public-access-block": [
        { title: "all four blocks", resources: () => f.bucketSet() },
        { title: "missing", resources: () => bucketNamed("storage-backups-public-access"), violation: "has no public access block" },
        {
            title: "public policies allowed",
            resources: () => changedIn(f.bucketSet(), "storage-backups-public-access", (r) => changed(r, ["blockPublicPolicy"], false)),
            violation: "all four settings true",
        },
    ],
    "aws-s3-tls-only": [
        { title: "deny without TLS", resources: () => f.bucketSet() },
        {
            title: "no bucket policy",
            resources: () => bucketNamed("storage-backups-tls-only"),
            violation: "has no bucket policy denying aws:SecureTransport=false",
        },
        {
            title: "policy that allows instead",
            resources: () =>
                changedIn(f.bucketSet(), "storage-backups-tls-only", (r) =>
                    changed(r, ["policy"], JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject" }] })),
                ),
            violation: "has no bucket policy denying",
        },
    ],
    "aws-s3-versioning": [
        { title: "enabled", resources: () => f.bucketSet() },
        {
            title: "suspended",
            resources: () =>
                changedIn(f.bucketSet(), "storage-backups-versioning", (r) =>
                    changed(r, ["versioningConfiguration", "status"], "Suspended"),
                ),
            violation: "has no versioning configuration with status Enabled",
        },
    ],
    "aws-s3-backup-replication": [
        { title: "backup bucket replicated", resources: () => f.bucketSet() },
        {
            title: "log bucket without replication (not a backup bucket)",
            resources: () => f.bucketSet("storage-logs").filter((r) => r.name !== "storage-logs-replication"),
        },
        {
            title: "backup bucket without replication",
            resources: () => bucketNamed("storage-backups-replication"),
            violation: 'Bucket "storage-backups" has no enabled replication configuration',
        },
    ],
    "aws-ebs-encrypted": [
        { title: "encrypted launch template volume", resource: f.launchTemplate },
        { title: "encrypted volume", resource: f.ebsVolume },
        {
            title: "unencrypted node volume",
            resource: () => changed(f.launchTemplate(), ["blockDeviceMappings", 0, "ebs", "encrypted"], "false"),
            violation: "block device /dev/xvda is not encrypted.",
        },
        {
            title: "no block device mappings",
            resource: () => changed(f.launchTemplate(), ["blockDeviceMappings"], []),
            violation: "no blockDeviceMappings",
        },
        { title: "unencrypted volume", resource: () => changed(f.ebsVolume(), ["encrypted"], false), violation: "encrypted is not true." },
    ],
    "aws-ec2-imdsv2": [
        { title: "launch template requires tokens", resource: f.launchTemplate },
        { title: "instance requires tokens", resource: f.ec2Instance },
        {
            title: "optional tokens",
            resource: () => changed(f.launchTemplate(), ["metadataOptions", "httpTokens"], "optional"),
            violation: 'metadataOptions.httpTokens is optional; expected "required".',
        },
        {
            title: "instance without metadata options",
            resource: () => changed(f.ec2Instance(), ["metadataOptions"], undefined),
            violation: "metadataOptions.httpTokens is unset",
        },
    ],
    "aws-ec2-imds-hop-limit": [
        { title: "launch template with hop limit 1", resource: f.launchTemplate },
        {
            title: "hop limit 2 allowed by config",
            resource: () => changed(f.launchTemplate(), ["metadataOptions", "httpPutResponseHopLimit"], 2),
            config: { maxHopLimit: 2 },
        },
        {
            title: "launch template with hop limit 2",
            resource: () => changed(f.launchTemplate(), ["metadataOptions", "httpPutResponseHopLimit"], 2),
            violation:
                "metadataOptions.httpPutResponseHopLimit is 2; expected at most 1, so pods cannot reach the node role's credentials.",
        },
        {
            title: "instance without metadata options",
            resource: () => changed(f.ec2Instance(), ["metadataOptions"], undefined),
            violation: "metadataOptions.httpPutResponseHopLimit is unset (the AMI's default applies); expected at most 1.",
        },
    ],
    "aws-kms-key-rotation": [
        { title: "rotating", resource: f.kmsKey },
        {
            title: "asymmetric key (cannot rotate)",
            resource: () => changed(changed(f.kmsKey(), ["enableKeyRotation"], false), ["customerMasterKeySpec"], "RSA_2048"),
        },
        {
            title: "not rotating",
            resource: () => changed(f.kmsKey(), ["enableKeyRotation"], false),
            violation: "enableKeyRotation is not true.",
        },
    ],
    "aws-no-public-ingress": [
        { title: "443 from anywhere, 5432 from the cluster", resource: f.securityGroup },
        { title: "standalone rule on 80", resource: f.securityGroupRule },
        { title: "vpc ingress rule from a security group", resource: f.ingressRule },
        {
            title: "5432 from anywhere",
            resource: () => changed(f.securityGroup(), ["ingress", 1, "cidrBlocks"], ["0.0.0.0/0"]),
            violation: "ingress from 0.0.0.0/0 on port 5432; only ports 80, 443 may be public.",
        },
        {
            title: "all traffic from anywhere (rule)",
            resource: () => changed(changed(f.securityGroupRule(), ["protocol"], "-1"), ["toPort"], 0),
            violation: "on all protocols and ports",
        },
        {
            title: "SSH from anywhere over IPv6 (vpc rule)",
            resource: () => changed(changed(changed(f.ingressRule(), ["cidrIpv6"], "::/0"), ["fromPort"], 22), ["toPort"], 22),
            violation: "ingress from ::/0 on port 22",
        },
        {
            title: "port range from anywhere",
            resource: () => changed(f.securityGroup(), ["ingress", 0, "toPort"], 8443),
            violation: "on ports 443-8443",
        },
    ],
    "aws-eks-secrets-encryption": [
        { title: "secrets encrypted", resource: f.eksCluster },
        {
            title: "no encryption config",
            resource: () => changed(f.eksCluster(), ["encryptionConfig"], undefined),
            violation: 'encryptionConfig does not cover "secrets".',
        },
        {
            title: "no key",
            resource: () => changed(f.eksCluster(), ["encryptionConfig", "provider", "keyArn"], ""),
            violation: "encryptionConfig has no provider.keyArn.",
        },
    ],
    "aws-eks-control-plane-logging": [
        { title: "api, audit, authenticator", resource: f.eksCluster },
        {
            title: "audit missing",
            resource: () => changed(f.eksCluster(), ["enabledClusterLogTypes"], ["api", "authenticator"]),
            violation: "enabledClusterLogTypes lacks audit.",
        },
        {
            title: "scheduler required by config",
            resource: f.eksCluster,
            config: { requiredLogTypes: ["api", "scheduler"] },
            violation: "lacks scheduler",
        },
    ],
    "aws-eks-private-endpoint": [
        { title: "private only", resource: f.eksCluster },
        {
            title: "public to a CIDR",
            resource: () =>
                changed(
                    changed(f.eksCluster(), ["vpcConfig", "endpointPublicAccess"], true),
                    ["vpcConfig", "publicAccessCidrs"],
                    ["203.0.113.0/24"],
                ),
            violation: "the API endpoint is public (to 203.0.113.0/24).",
        },
        {
            title: "public by default",
            resource: () => changed(f.eksCluster(), ["vpcConfig", "endpointPublicAccess"], undefined),
            violation: "the API endpoint is public (to 0.0.0.0/0).",
        },
        {
            title: "no private access",
            resource: () => changed(f.eksCluster(), ["vpcConfig", "endpointPrivateAccess"], false),
            violation: "endpointPrivateAccess is not true.",
        },
    ],
    "aws-eks-public-endpoint-restricted": [
        { title: "private only", resource: f.eksCluster },
        {
            title: "public to a CIDR",
            resource: () =>
                changed(
                    changed(f.eksCluster(), ["vpcConfig", "endpointPublicAccess"], true),
                    ["vpcConfig", "publicAccessCidrs"],
                    ["203.0.113.0/24"],
                ),
        },
        {
            title: "public to the internet",
            resource: () =>
                changed(
                    changed(f.eksCluster(), ["vpcConfig", "endpointPublicAccess"], true),
                    ["vpcConfig", "publicAccessCidrs"],
                    ["0.0.0.0/0"],
                ),
            violation: "publicAccessCidrs includes 0.0.0.0/0.",
        },
        {
            title: "public without CIDRs",
            resource: () => changed(f.eksCluster(), ["vpcConfig", "endpointPublicAccess"], true),
            violation: "has no publicAccessCidrs",
        },
    ],
    "aws-vpc-flow-logs": [
        { title: "flow log on the VPC", resources: f.vpcWithFlowLog },
        {
            title: "no flow log",
            resources: () => f.vpcWithFlowLog().filter((r) => r.type !== "aws:ec2/flowLog:FlowLog"),
            violation: 'Vpc "network-vpc" has no flow log.',
            violator: "network-vpc",
        },
        {
            title: "flow log of another VPC",
            resources: () => changedIn(f.vpcWithFlowLog(), "network-flow-log", (r) => changed(r, ["vpcId"], "vpc-other")),
            violation: "has no flow log",
        },
    ],
    "aws-backup-plan-for-databases": [
        { title: "plan and selection", resources: () => [f.rdsPrimary(), f.backupPlan(), f.backupSelection()] },
        { title: "no plan", resources: () => [f.rdsPrimary()], violation: "no AWS Backup plan" },
        { title: "plan without selection", resources: () => [f.rdsPrimary(), f.backupPlan()], violation: "no aws.backup.Selection" },
    ],
    "aws-backup-vault-kms": [
        { title: "customer-managed key", resource: f.backupVault },
        {
            title: "AWS-managed key",
            resource: () => changed(f.backupVault(), ["kmsKeyArn"], undefined),
            violation: "no kmsKeyArn: recovery points use the AWS-managed backup key.",
        },
    ],
    "aws-log-group-kms": [
        { title: "customer-managed key", resource: f.logGroup },
        {
            title: "no key",
            resource: () => changed(f.logGroup(), ["kmsKeyId"], undefined),
            violation: "no kmsKeyId: events are encrypted with a key the account does not control.",
        },
    ],
    "aws-opensearch-encryption": [
        { title: "encrypted at rest and between nodes, HTTPS with TLS 1.2", resource: f.opensearchDomain },
        {
            title: "not encrypted at rest",
            resource: () => changed(f.opensearchDomain(), ["encryptAtRest", "enabled"], false),
            violation: "encryptAtRest.enabled is not true.",
        },
        {
            title: "plaintext between nodes",
            resource: () => changed(f.opensearchDomain(), ["nodeToNodeEncryption"], undefined),
            violation: "nodeToNodeEncryption.enabled is not true.",
        },
        {
            title: "HTTP allowed",
            resource: () => changed(f.opensearchDomain(), ["domainEndpointOptions", "enforceHttps"], false),
            violation: "domainEndpointOptions.enforceHttps is not true",
        },
        {
            title: "TLS 1.0",
            resource: () => changed(f.opensearchDomain(), ["domainEndpointOptions", "tlsSecurityPolicy"], "Policy-Min-TLS-1-0-2019-07"),
            violation: "tlsSecurityPolicy is Policy-Min-TLS-1-0-2019-07; expected a Policy-Min-TLS-1-2 policy.",
        },
    ],
    "aws-opensearch-private": [
        { title: "in the VPC, open access policy behind fine-grained access control", resource: f.opensearchDomain },
        {
            title: "no access policy",
            resource: () => changed(changed(f.opensearchDomain(), ["accessPolicies"], undefined), ["advancedSecurityOptions"], undefined),
        },
        {
            title: "public endpoint",
            resource: () => changed(f.opensearchDomain(), ["vpcOptions"], undefined),
            violation: "no vpcOptions.subnetIds: the domain gets a public endpoint.",
        },
        {
            title: "open access policy without fine-grained access control",
            resource: () => changed(f.opensearchDomain(), ["advancedSecurityOptions", "enabled"], false),
            violation: "accessPolicies allow every principal (*) while advancedSecurityOptions (fine-grained access control) is off",
        },
        {
            title: "access policy that is not a document",
            resource: () => changed(f.opensearchDomain(), ["accessPolicies"], "allow all"),
            violation: "accessPolicies is not a policy document.",
        },
    ],
    "aws-iam-role-trust-scoped": [
        { title: "IRSA pinned to one service account and the STS audience", resource: f.irsaRole },
        { title: "service principal (document as an object)", resource: f.serviceRole },
        {
            title: "trusts every principal",
            resource: () => changed(f.serviceRole(), ["assumeRolePolicy", "Statement", 0, "Principal"], { AWS: "*" }),
            violation: "statement 1 lets every principal (*) assume the role.",
        },
        {
            title: "IRSA without a :sub condition",
            resource: () =>
                changed(
                    f.irsaRole(),
                    ["assumeRolePolicy"],
                    JSON.stringify({
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/x" },
                                Action: "sts:AssumeRoleWithWebIdentity",
                            },
                        ],
                    }),
                ),
            violation:
                "statement 1 has no StringEquals condition on the token's :sub (any service account of the cluster could assume the role).",
        },
        {
            title: "IRSA with a wildcard subject",
            resource: () =>
                changed(
                    f.irsaRole(),
                    ["assumeRolePolicy"],
                    JSON.stringify({
                        Statement: [
                            {
                                Sid: "Irsa",
                                Effect: "Allow",
                                Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/x" },
                                Action: "sts:AssumeRoleWithWebIdentity",
                                Condition: { StringLike: { "x:sub": "system:serviceaccount:*:*" } },
                            },
                        ],
                    }),
                ),
            violation: 'statement Irsa pins x:sub with StringLike "system:serviceaccount:*:*"; use StringEquals on one service account.',
        },
        {
            title: "IRSA without an audience",
            resource: () =>
                changed(
                    f.irsaRole(),
                    ["assumeRolePolicy"],
                    JSON.stringify({
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/x" },
                                Action: "sts:AssumeRoleWithWebIdentity",
                                Condition: { StringEquals: { "x:sub": "system:serviceaccount:claude-enhancer:claude-enhancer" } },
                            },
                        ],
                    }),
                ),
            violation: "has no StringEquals condition on the token's :aud",
        },
        {
            title: "trust policy that is not a document",
            resource: () => changed(f.irsaRole(), ["assumeRolePolicy"], "{"),
            violation: "assumeRolePolicy is not a policy document.",
        },
    ],
    "aws-iam-least-privilege": [
        { title: "inline policy with named actions on named resources", resource: f.rolePolicy },
        { title: "managed policy with named actions on every resource", resource: f.managedPolicy },
        { title: "AWS-managed worker-node policy attached", resource: f.rolePolicyAttachment },
        {
            title: "every action",
            resource: () =>
                changed(f.rolePolicy(), ["policy"], JSON.stringify({ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] })),
            violation: "statement 1 allows every action (*).",
        },
        {
            title: "service-wide on every resource",
            resource: () => changed(f.managedPolicy(), ["policy", "Statement", 0, "Action"], "s3:*"),
            violation: "statement ReadLogs allows s3:* on every resource (*).",
        },
        {
            title: "NotAction",
            resource: () => changed(f.rolePolicy(), ["policy"], { Statement: { Effect: "Allow", NotAction: "iam:*", Resource: "*" } }),
            violation: "allows NotAction",
        },
        {
            title: "AdministratorAccess attached",
            resource: () => changed(f.rolePolicyAttachment(), ["policyArn"], "arn:aws:iam::aws:policy/AdministratorAccess"),
            violation: "attaches arn:aws:iam::aws:policy/AdministratorAccess.",
        },
    ],
};
