import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DrConfig } from "../../config/backup";
import type { RdsDatabaseConfig } from "../../config/database";
import type { StorageConfig } from "../../config/storage";
import { accountScope } from "../aws/accountScope";
import { checkedIdentifier, currentStackPrefix } from "../aws/names";
import { rotatingKey } from "../aws/kms";
import { RDS_LOG_EXPORTS, rdsLogGroups } from "../aws/rdsLogGroups";
import { POSTGRES_PORT } from "../data/database";
import { accessLogBucket, bucketName, hardenedBucket, lifecycleRules } from "../aws/hardenedBucket";
import { componentType } from "../../identity";
import { vpcFlowLogs } from "../aws/flowLogs";
import { lockedDefaultSecurityGroup } from "../aws/defaultSecurityGroup";

/** The primary VPC the application runs in (the Network component); peered with the DR VPC so it can reach a promoted replica. */
export interface PrimaryNetwork {
    vpcId: pulumi.Input<string>;
    vpcCidr: string;
    /** Route tables of the primary's private subnets (where the cluster's nodes run). */
    privateRouteTableIds: pulumi.Input<string>[];
}

/** The primary-region backup bucket that is replicated to the DR region (the Storage component). */
export interface ReplicatedBucket {
    backupBucketName: pulumi.Input<string>;
    backupBucketArn: pulumi.Input<string>;
    /** KMS key its objects are encrypted with (SSE-KMS). */
    kmsKeyArn: pulumi.Input<string>;
}

export interface DisasterRecoveryArgs {
    dr: DrConfig;
    primaryRegion: string;
    drRegion: string;
    /** Provider of the DR region; every DR-region resource is created with it. */
    drProvider: aws.Provider;
    database: RdsDatabaseConfig;
    /** The primary RDS instance the DR replica follows. */
    primaryDatabase: aws.rds.Instance;
    /** Parameters of the primary's parameter group, repeated in the DR region (parameter groups are regional). */
    databaseParameters: aws.types.input.rds.ParameterGroupParameter[];
    primaryNetwork: PrimaryNetwork;
    backupBucket: ReplicatedBucket;
    /** Lifecycle of the backup bucket, repeated on the DR bucket (lifecycle rules are not replicated). */
    storage: StorageConfig;
    /** Retention of the DR VPC's flow logs (days). */
    flowLogRetentionDays: number;
}

/** Splits a VPC CIDR into four equal blocks and returns the first `count` (one private subnet per AZ). */
export function drSubnetCidrs(vpcCidr: string, count: number): string[] {
    const [address, prefixText] = vpcCidr.split("/");
    const prefix = Number(prefixText);
    const base = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
    const blockSize = 2 ** (32 - prefix - 2);
    return Array.from({ length: count }, (_, i) => {
        const start = base + i * blockSize;
        const octets = [24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256);
        return `${octets.join(".")}/${prefix + 2}`;
    });
}

/**
 * Disaster recovery in the DR region:
 * - a DR-region KMS key encrypting everything below;
 * - a private-only DR VPC (no internet gateway, no NAT: nothing in it needs egress), peered with the
 *   primary VPC so the application can reach the database after a failover; its default security
 *   group has no rules;
 * - a cross-region read replica of the primary RDS instance in that VPC. With `dr.activeDatabase: dr`
 *   the replication source is dropped, which makes Pulumi promote the replica to a standalone
 *   instance (or adopt a replica already promoted by hand), and it gets backups and deletion guards;
 * - S3 replication of the backup bucket into a versioned, SSE-KMS, non-public DR bucket, through a
 *   role allowed only on the two buckets and the two keys.
 */
export class DisasterRecovery extends pulumi.ComponentResource {
    readonly kmsKeyArn: pulumi.Output<string>;
    readonly vpcId: pulumi.Output<string>;
    readonly replicaIdentifier: pulumi.Output<string>;
    readonly replicaArn: pulumi.Output<string>;
    /** Secrets Manager secret of the promoted instance's master credentials (absent while it is a replica). */
    readonly credentialsSecretArn: pulumi.Output<string | undefined>;
    /** URN of the replica, for `pulumi refresh --target` after a manual promotion. */
    readonly replicaUrn: pulumi.Output<string>;
    readonly replicaAddress: pulumi.Output<string>;
    readonly replicaPort: pulumi.Output<number>;
    readonly bucketName: pulumi.Output<string>;
    readonly bucketArn: pulumi.Output<string>;
    readonly replicationRoleArn: pulumi.Output<string>;

    constructor(name: string, args: DisasterRecoveryArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("dr", "DisasterRecovery"), name, {}, opts);
        const prefix = currentStackPrefix();
        const dr = { parent: this, provider: args.drProvider };
        const promoted = args.dr.activeDatabase === "dr";

        const key = rotatingKey(
            `${name}-key`,
            `${prefix}-dr`,
            `DR copies of ${prefix} (database replica, replicated backups)`,
            // A promoted replica keeps its master password in Secrets Manager; S3 replication writes the bucket copies.
            ["rds", "secretsmanager", "s3"],
            dr,
        );

        // Network: private subnets only, one route table (local + the peering route).
        const vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            { cidrBlock: args.dr.vpcCidr, enableDnsSupport: true, enableDnsHostnames: true, tags: { Name: `${prefix}-dr` } },
            dr,
        );
        lockedDefaultSecurityGroup(`${name}-default-sg`, vpc.id, { Name: `${prefix}-dr-default-locked` }, dr);
        const zones = aws.getAvailabilityZonesOutput({ state: "available" }, dr);
        const routeTable = new aws.ec2.RouteTable(`${name}-private`, { vpcId: vpc.id, tags: { Name: `${prefix}-dr-private` } }, dr);
        const subnets = drSubnetCidrs(args.dr.vpcCidr, args.dr.azCount).map((cidrBlock, i) => {
            const subnet = new aws.ec2.Subnet(
                `${name}-private-${i}`,
                {
                    vpcId: vpc.id,
                    cidrBlock,
                    availabilityZone: zones.names[i],
                    mapPublicIpOnLaunch: false,
                    tags: { Name: `${prefix}-dr-private-${i}` },
                },
                dr,
            );
            new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: routeTable.id }, dr);
            return subnet;
        });

        vpcFlowLogs(
            name,
            {
                vpcId: vpc.id,
                logGroupName: `/${pulumi.getProject()}/${pulumi.getStack()}/dr-vpc-flow-logs`,
                retentionInDays: args.flowLogRetentionDays,
                keyAlias: `alias/${prefix}-dr-vpc-flow-logs`,
                purpose: "DR VPC flow logs",
                roleDescription: "Delivers the DR VPC's flow logs to CloudWatch Logs",
                flowLogName: `${name}-vpc`,
                tags: { Name: `${prefix}-dr` },
            },
            this,
            args.drProvider,
        );

        // Inter-region peering: requested from the primary region, accepted in the DR region.
        const peering = new aws.ec2.VpcPeeringConnection(
            `${name}-peering`,
            { vpcId: args.primaryNetwork.vpcId, peerVpcId: vpc.id, peerRegion: args.drRegion, tags: { Name: `${prefix}-primary-to-dr` } },
            { parent: this },
        );
        const accepter = new aws.ec2.VpcPeeringConnectionAccepter(
            `${name}-peering`,
            { vpcPeeringConnectionId: peering.id, autoAccept: true, tags: { Name: `${prefix}-primary-to-dr` } },
            dr,
        );
        new aws.ec2.Route(
            `${name}-to-primary`,
            { routeTableId: routeTable.id, destinationCidrBlock: args.primaryNetwork.vpcCidr, vpcPeeringConnectionId: peering.id },
            { ...dr, dependsOn: [accepter] },
        );
        args.primaryNetwork.privateRouteTableIds.forEach(
            (routeTableId, i) =>
                new aws.ec2.Route(
                    `${name}-to-dr-${i}`,
                    { routeTableId, destinationCidrBlock: args.dr.vpcCidr, vpcPeeringConnectionId: peering.id },
                    { parent: this, dependsOn: [accepter] },
                ),
        );

        const securityGroup = new aws.ec2.SecurityGroup(
            `${name}-database`,
            {
                vpcId: vpc.id,
                description: `PostgreSQL of ${prefix} in the DR region, reachable from the primary VPC only`,
                ingress: [
                    {
                        protocol: "tcp",
                        fromPort: POSTGRES_PORT,
                        toPort: POSTGRES_PORT,
                        cidrBlocks: [args.primaryNetwork.vpcCidr],
                        description: "PostgreSQL from the primary VPC (peering)",
                    },
                ],
                tags: { Name: `${prefix}-dr-database` },
            },
            dr,
        );
        const subnetGroup = new aws.rds.SubnetGroup(
            `${name}-database`,
            { description: `DR-region private subnets of ${prefix}`, subnetIds: subnets.map((s) => s.id) },
            dr,
        );
        const parameterGroup = new aws.rds.ParameterGroup(
            `${name}-database`,
            { family: "postgres15", description: `${prefix} PostgreSQL 15 (DR region)`, parameters: args.databaseParameters },
            dr,
        );

        const replicaIdentifier = checkedIdentifier(`${prefix}-dr`, 63, "RDS instance identifier");
        const replica = new aws.rds.Instance(
            `${name}-replica`,
            {
                identifier: replicaIdentifier,
                // Cross-region replicas name their source by ARN; removing it promotes the replica.
                replicateSourceDb: promoted ? undefined : args.primaryDatabase.arn,
                instanceClass: args.dr.replicaInstanceClass ?? args.database.instanceClass,
                storageType: "gp3",
                storageEncrypted: true,
                kmsKeyId: key.arn,
                maxAllocatedStorage: args.database.maxAllocatedStorageGb,
                dbSubnetGroupName: subnetGroup.name,
                vpcSecurityGroupIds: [securityGroup.id],
                parameterGroupName: parameterGroup.name,
                publiclyAccessible: false,
                // Like-for-like with the primary, so a promoted replica is a Multi-AZ primary at once
                // instead of converting (tens of minutes) in the middle of a failover.
                multiAz: args.database.multiAz,
                // A replica has no master password of its own; once promoted, RDS manages (and
                // rotates) it in Secrets Manager in the DR region, as for the primary.
                manageMasterUserPassword: promoted ? true : undefined,
                autoMinorVersionUpgrade: true,
                copyTagsToSnapshot: true,
                deletionProtection: args.database.deletionProtection,
                // A replica has no backups of its own and cannot leave a final snapshot; once promoted
                // it is the database of record and gets both.
                backupRetentionPeriod: promoted ? args.database.backupRetentionDays : 0,
                skipFinalSnapshot: !promoted,
                finalSnapshotIdentifier: promoted ? `${replicaIdentifier}-final` : undefined,
                applyImmediately: true,
                enabledCloudwatchLogsExports: [...RDS_LOG_EXPORTS],
            },
            { ...dr, dependsOn: rdsLogGroups(`${name}-replica`, replicaIdentifier, args.database.logRetentionDays, this, args.drProvider) },
        );

        // Replica lag is the data a failover loses: alarm when it exceeds the RPO target.
        if (!promoted) {
            new aws.cloudwatch.MetricAlarm(
                `${name}-replica-lag`,
                {
                    name: `${replicaIdentifier}-replica-lag`,
                    alarmDescription: `Replica lag of ${replicaIdentifier} above the DR path's RPO target (${args.dr.replicaLagAlarmSeconds} s)`,
                    namespace: "AWS/RDS",
                    metricName: "ReplicaLag",
                    dimensions: { DBInstanceIdentifier: replica.identifier },
                    statistic: "Maximum",
                    period: 60,
                    evaluationPeriods: 3,
                    datapointsToAlarm: 2,
                    threshold: args.dr.replicaLagAlarmSeconds,
                    comparisonOperator: "GreaterThanThreshold",
                    alarmActions: args.dr.alarmTopicArns,
                    okActions: args.dr.alarmTopicArns,
                    // No lag data means replication is not reporting, which is itself a DR problem.
                    treatMissingData: "breaching",
                },
                dr,
            );
        }

        // Backup bucket replica, hardened like the Storage component's buckets, in the DR region with the DR key.
        // Lifecycle rules are not replicated: the DR copies tier and expire like the originals.
        const accountId = accountScope(this).apply((scope) => scope.accountId);
        // S3 delivers server access logs within a region only: the DR bucket logs to a DR-region log bucket.
        const drBucketName = accountId.apply((id) => bucketName(prefix, "backups-dr", id));
        const accessLogs = accessLogBucket(
            `${name}-access-logs`,
            {
                bucketName: accountId.apply((id) => bucketName(prefix, "access-logs-dr", id)),
                tags: { Name: `${prefix}-access-logs-dr`, Purpose: "access-logs-dr" },
                accountId,
                sourceBucketNames: [drBucketName],
                expirationDays: args.storage.accessLogExpirationDays,
            },
            dr,
        );
        const { bucket, versioning } = hardenedBucket(
            `${name}-bucket`,
            {
                bucketName: drBucketName,
                tags: { Name: `${prefix}-backups-dr`, Purpose: "backups-dr" },
                kmsKeyArn: key.arn,
                lifecycleRules: lifecycleRules(args.storage, args.storage.backupExpirationDays),
                accessLogs: { bucketName: accessLogs.bucket.bucket, prefix: "backups-dr/", deliveryPolicy: accessLogs.deliveryPolicy },
            },
            dr,
        );

        const replicationRole = new aws.iam.Role(
            `${name}-replication`,
            {
                description: `S3 replication of the ${prefix} backup bucket to the DR region`,
                assumeRolePolicy: {
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" }],
                },
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(
            `${name}-replication`,
            {
                role: replicationRole.id,
                policy: replicationPolicy({
                    sourceBucketArn: args.backupBucket.backupBucketArn,
                    sourceKeyArn: args.backupBucket.kmsKeyArn,
                    sourceRegion: args.primaryRegion,
                    destinationBucketArn: bucket.arn,
                    destinationKeyArn: key.arn,
                    destinationRegion: args.drRegion,
                }),
            },
            { parent: this },
        );
        new aws.s3.BucketReplicationConfig(
            `${name}-backups`,
            {
                bucket: args.backupBucket.backupBucketName,
                role: replicationRole.arn,
                rules: [
                    {
                        id: "backups-to-dr-region",
                        status: "Enabled",
                        filter: {},
                        // Deletions stay in the primary: a delete there (by mistake or by an attacker)
                        // must not remove the DR copy.
                        deleteMarkerReplication: { status: "Disabled" },
                        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                        destination: { bucket: bucket.arn, encryptionConfiguration: { replicaKmsKeyId: key.arn } },
                    },
                ],
            },
            { parent: this, dependsOn: [versioning] },
        );

        this.kmsKeyArn = key.arn;
        this.vpcId = vpc.id;
        this.replicaIdentifier = replica.identifier;
        this.replicaArn = replica.arn;
        this.replicaUrn = replica.urn;
        this.credentialsSecretArn = replica.masterUserSecrets.apply((secrets) => secrets?.[0]?.secretArn);
        this.replicaAddress = replica.address;
        this.replicaPort = replica.port;
        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.replicationRoleArn = replicationRole.arn;
        this.registerOutputs({
            kmsKeyArn: this.kmsKeyArn,
            vpcId: this.vpcId,
            replicaIdentifier: this.replicaIdentifier,
            replicaArn: this.replicaArn,
            replicaUrn: this.replicaUrn,
            credentialsSecretArn: this.credentialsSecretArn,
            replicaAddress: this.replicaAddress,
            bucketName: this.bucketName,
            bucketArn: this.bucketArn,
            replicationRoleArn: this.replicationRoleArn,
        });
    }
}

export interface ReplicationPolicyArgs {
    sourceBucketArn: pulumi.Input<string>;
    sourceKeyArn: pulumi.Input<string>;
    sourceRegion: string;
    destinationBucketArn: pulumi.Input<string>;
    destinationKeyArn: pulumi.Input<string>;
    destinationRegion: string;
}

/**
 * What S3 replication of SSE-KMS objects needs (AWS S3 user guide, "Replicating encrypted objects"),
 * on the two buckets and the two keys only; KMS use is further limited to S3 calls on those buckets.
 */
export function replicationPolicy(a: ReplicationPolicyArgs): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ReadSourceConfiguration",
                Effect: "Allow",
                Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                Resource: [a.sourceBucketArn],
            },
            {
                Sid: "ReadSourceObjects",
                Effect: "Allow",
                Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                Resource: [pulumi.interpolate`${a.sourceBucketArn}/*`],
            },
            {
                Sid: "WriteReplicas",
                Effect: "Allow",
                Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                Resource: [pulumi.interpolate`${a.destinationBucketArn}/*`],
            },
            {
                Sid: "DecryptSource",
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: [a.sourceKeyArn],
                Condition: {
                    StringLike: {
                        "kms:ViaService": `s3.${a.sourceRegion}.amazonaws.com`,
                        "kms:EncryptionContext:aws:s3:arn": [
                            pulumi.interpolate`${a.sourceBucketArn}`,
                            pulumi.interpolate`${a.sourceBucketArn}/*`,
                        ],
                    },
                },
            },
            {
                Sid: "EncryptReplicas",
                Effect: "Allow",
                Action: ["kms:Encrypt", "kms:GenerateDataKey"],
                Resource: [a.destinationKeyArn],
                Condition: {
                    StringLike: {
                        "kms:ViaService": `s3.${a.destinationRegion}.amazonaws.com`,
                        "kms:EncryptionContext:aws:s3:arn": [
                            pulumi.interpolate`${a.destinationBucketArn}`,
                            pulumi.interpolate`${a.destinationBucketArn}/*`,
                        ],
                    },
                },
            },
        ],
    };
}
