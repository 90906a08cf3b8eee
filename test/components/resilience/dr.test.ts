import * as assert from "assert";
import * as aws from "@pulumi/aws";
import { DisasterRecovery, drSubnetCidrs } from "../../../components/resilience/dr";
import type { DrConfig } from "../../../config/backup";
import { loadStackConfig } from "../../../config/stackFile";
import { RecordedResource, RecordingMocks } from "../../harness/recorder";
import { awsProviders, regionOf, registered } from "../backupDrFixtures";
import { kmsExplicitKeyPolicy } from "../../../policies/awsHardening";
import { assertCompliant, checkResource, resource } from "../../policies/harness";

/** A recorded resource as the pack sees it (its inputs). */
const asAnalyzed = (r: RecordedResource) => resource(r.type, r.name, r.inputs);

const SOURCE_BUCKET = {
    backupBucketName: "primary-backups",
    backupBucketArn: "arn:aws:s3:::primary-backups",
    kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/primary-storage",
};
const PARAMETERS = [
    { name: "rds.force_ssl", value: "1" },
    { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
];

/** Production's DR with a stand-in primary database, network and backup bucket. */
async function drOf(dr?: Partial<DrConfig>): Promise<RecordingMocks> {
    const config = loadStackConfig("production");
    if (config.database.mode !== "rds") return assert.fail("production runs RDS");
    const database = config.database;
    return registered("production", () => {
        const providers = awsProviders("production");
        const primaryDatabase = new aws.rds.Instance(
            "database-primary",
            { instanceClass: database.instanceClass, engine: "postgres", storageEncrypted: true },
            { provider: providers.primary },
        );
        new DisasterRecovery(
            "dr",
            {
                dr: { ...config.dr, ...dr },
                primaryRegion: "us-east-1",
                drRegion: "us-west-2",
                drProvider: providers.dr,
                database,
                primaryDatabase,
                databaseParameters: PARAMETERS,
                primaryNetwork: { vpcId: "vpc-primary", vpcCidr: config.network.cidr, privateRouteTableIds: ["rtb-a", "rtb-b", "rtb-c"] },
                backupBucket: SOURCE_BUCKET,
                storage: config.storage,
                flowLogRetentionDays: config.network.flowLogRetentionDays,
            },
            { providers: [providers.primary] },
        );
    });
}

describe("DisasterRecovery component", function () {
    this.timeout(60_000);

    describe("production", () => {
        let mocks: RecordingMocks;
        let key: RecordedResource;
        before(async () => {
            mocks = await drOf();
            key = mocks.one("aws:kms/key:Key", "dr-key");
        });

        it("has a rotating KMS key in the DR region", () => {
            assert.strictEqual(regionOf(mocks, key), "us-west-2");
            assert.strictEqual(key.inputs.enableKeyRotation, true);
        });

        it("replicates the primary database to the DR region, encrypted with the DR key, in the DR VPC's subnets", () => {
            const replica = mocks.one("aws:rds/instance:Instance", "dr-replica");
            const primary = mocks.one("aws:rds/instance:Instance", "database-primary");
            assert.strictEqual(regionOf(mocks, replica), "us-west-2");
            assert.strictEqual(regionOf(mocks, primary), "us-east-1");
            assert.strictEqual(replica.inputs.replicateSourceDb, primary.state.arn);
            assert.strictEqual(replica.inputs.kmsKeyId, key.state.arn);
            assert.strictEqual(replica.inputs.storageEncrypted, true);
            assert.strictEqual(replica.inputs.identifier, "claude-enhancer-production-dr");
            assert.strictEqual(replica.inputs.instanceClass, "db.r6g.large");
            assert.strictEqual(replica.inputs.publiclyAccessible, false);
            assert.strictEqual(replica.inputs.multiAz, true, "like-for-like with the Multi-AZ primary");
            assert.strictEqual(replica.inputs.manageMasterUserPassword, undefined);
            assert.strictEqual(replica.inputs.deletionProtection, true);
            assert.strictEqual(replica.inputs.skipFinalSnapshot, true);
            assert.strictEqual(replica.inputs.backupRetentionPeriod, 0);

            const subnetGroup = mocks.one("aws:rds/subnetGroup:SubnetGroup");
            assert.strictEqual(replica.inputs.dbSubnetGroupName, subnetGroup.state.name);
            assert.deepStrictEqual(subnetGroup.inputs.subnetIds, ["dr-private-0-id", "dr-private-1-id"]);
            assert.strictEqual(regionOf(mocks, subnetGroup), "us-west-2");
            const parameterGroup = mocks.one("aws:rds/parameterGroup:ParameterGroup");
            assert.strictEqual(replica.inputs.parameterGroupName, parameterGroup.state.name);
            assert.deepStrictEqual(parameterGroup.inputs.parameters, PARAMETERS);
            assert.strictEqual(parameterGroup.inputs.family, "postgres15");
        });

        it("puts the replica in a private DR VPC reachable from the primary VPC only, through peering", () => {
            const vpc = mocks.one("aws:ec2/vpc:Vpc");
            assert.strictEqual(vpc.inputs.cidrBlock, "10.250.0.0/16");
            assert.strictEqual(regionOf(mocks, vpc), "us-west-2");
            assert.deepStrictEqual(
                mocks.ofType("aws:ec2/subnet:Subnet").map((s) => [s.inputs.cidrBlock, s.inputs.mapPublicIpOnLaunch]),
                [
                    ["10.250.0.0/18", false],
                    ["10.250.64.0/18", false],
                ],
            );
            assert.deepStrictEqual(mocks.ofType("aws:ec2/internetGateway:InternetGateway"), []);
            assert.deepStrictEqual(mocks.ofType("aws:ec2/natGateway:NatGateway"), []);

            const sg = mocks.one("aws:ec2/securityGroup:SecurityGroup");
            assert.deepStrictEqual(
                sg.inputs.ingress.map((r: Record<string, unknown>) => [r.protocol, r.fromPort, r.toPort, r.cidrBlocks]),
                [["tcp", 5432, 5432, ["10.20.0.0/16"]]],
            );
            assert.deepStrictEqual(mocks.one("aws:rds/instance:Instance", "dr-replica").inputs.vpcSecurityGroupIds, ["dr-database-id"]); // the mock engine's id of the security group

            const peering = mocks.one("aws:ec2/vpcPeeringConnection:VpcPeeringConnection");
            assert.deepStrictEqual(
                [peering.inputs.vpcId, peering.inputs.peerVpcId, peering.inputs.peerRegion],
                ["vpc-primary", "dr-vpc-id", "us-west-2"],
            );
            assert.strictEqual(regionOf(mocks, peering), "us-east-1");
            const accepter = mocks.one("aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter");
            assert.strictEqual(regionOf(mocks, accepter), "us-west-2");
            assert.strictEqual(accepter.inputs.autoAccept, true);

            const routes = mocks
                .ofType("aws:ec2/route:Route")
                .map((r) => [r.inputs.routeTableId, r.inputs.destinationCidrBlock, r.inputs.vpcPeeringConnectionId, regionOf(mocks, r)]);
            assert.deepStrictEqual(routes.sort(), [
                ["dr-private-id", "10.20.0.0/16", "dr-peering-id", "us-west-2"],
                ["rtb-a", "10.250.0.0/16", "dr-peering-id", "us-east-1"],
                ["rtb-b", "10.250.0.0/16", "dr-peering-id", "us-east-1"],
                ["rtb-c", "10.250.0.0/16", "dr-peering-id", "us-east-1"],
            ]);
            const flowLog = mocks.one("aws:ec2/flowLog:FlowLog");
            assert.deepStrictEqual([flowLog.inputs.vpcId, flowLog.inputs.trafficType], ["dr-vpc-id", "ALL"]);
            const logGroup = mocks.one("aws:cloudwatch/logGroup:LogGroup", "dr-flow-logs");
            assert.strictEqual(logGroup.inputs.retentionInDays, 90);
            assert.strictEqual(regionOf(mocks, logGroup), "us-west-2");
            assert.strictEqual(flowLog.inputs.logDestination, logGroup.state.arn);
            const trust = JSON.parse(mocks.one("aws:iam/role:Role", "dr-flow-logs").inputs.assumeRolePolicy);
            assert.deepStrictEqual(trust.Statement[0].Condition.ArnLike, {
                "aws:SourceArn": "arn:aws:ec2:us-west-2:123456789012:vpc-flow-log/*",
            });
        });

        it("gives the DR key an explicit policy naming the DR region's RDS, Secrets Manager and S3", async () => {
            const policy = JSON.parse(key.inputs.policy);
            assert.deepStrictEqual(policy.Statement[0].Principal, { AWS: "arn:aws:iam::123456789012:root" });
            assert.deepStrictEqual(policy.Statement[1].Condition.StringEquals["kms:ViaService"], [
                "rds.us-west-2.amazonaws.com",
                "secretsmanager.us-west-2.amazonaws.com",
                "s3.us-west-2.amazonaws.com",
            ]);
            assertCompliant(await checkResource(kmsExplicitKeyPolicy, asAnalyzed(key)));
        });

        it("locks the DR VPC's default security group: no ingress, no egress", () => {
            const group = mocks.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
            assert.strictEqual(regionOf(mocks, group), "us-west-2");
            assert.deepStrictEqual([group.inputs.vpcId, group.inputs.ingress, group.inputs.egress], ["dr-vpc-id", [], []]);
        });

        it("exports the replica's PostgreSQL and upgrade logs to DR-region log groups made first, encrypted, with retention", () => {
            const replica = mocks.one("aws:rds/instance:Instance", "dr-replica");
            assert.deepStrictEqual(replica.inputs.enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
            for (const log of ["postgresql", "upgrade"]) {
                const group = mocks.one("aws:cloudwatch/logGroup:LogGroup", `dr-replica-${log}-logs`);
                assert.strictEqual(group.inputs.name, `/aws/rds/instance/claude-enhancer-production-dr/${log}`);
                assert.strictEqual(regionOf(mocks, group), "us-west-2");
                assert.strictEqual(group.inputs.retentionInDays, 30);
                assert.strictEqual(group.inputs.kmsKeyId, mocks.one("aws:kms/key:Key", `dr-replica-${log}-logs-key`).state.arn);
                assert.ok(replica.dependsOn.includes(group.urn), `the replica waits for ${group.name}`);
            }
        });

        it("logs the DR bucket's accesses to a DR-region access-log bucket (SSE-S3, only S3 logging for the DR bucket may write)", () => {
            const logBucket = mocks.one("aws:s3/bucket:Bucket", "dr-access-logs");
            assert.strictEqual(regionOf(mocks, logBucket), "us-west-2");
            assert.strictEqual(logBucket.inputs.bucket, "claude-enhancer-production-access-logs-dr-123456789012");
            const logging = mocks.one("aws:s3/bucketLogging:BucketLogging", "dr-bucket");
            assert.strictEqual(regionOf(mocks, logging), "us-west-2");
            assert.deepStrictEqual(
                [logging.inputs.bucket, logging.inputs.targetBucket, logging.inputs.targetPrefix],
                [mocks.one("aws:s3/bucket:Bucket", "dr-bucket").id, logBucket.state.bucket, "backups-dr/"],
            );
            assert.deepStrictEqual(
                mocks.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "dr-access-logs").inputs
                    .rules,
                [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
            );
            const delivery = JSON.parse(mocks.one("aws:s3/bucketPolicy:BucketPolicy", "dr-access-logs").inputs.policy).Statement[2];
            assert.deepStrictEqual(delivery.Condition.ArnLike, {
                "aws:SourceArn": ["arn:aws:s3:::claude-enhancer-production-backups-dr-123456789012"],
            });
            assert.strictEqual(mocks.ofType("aws:s3/bucketLogging:BucketLogging").length, 1, "the log bucket does not log itself");
        });

        it("alarms in the DR region when replica lag exceeds the RPO target", () => {
            const alarm = mocks.one("aws:cloudwatch/metricAlarm:MetricAlarm");
            assert.strictEqual(regionOf(mocks, alarm), "us-west-2");
            const a = alarm.inputs;
            assert.deepStrictEqual(
                [a.namespace, a.metricName, a.dimensions, a.statistic, a.threshold, a.comparisonOperator, a.treatMissingData],
                [
                    "AWS/RDS",
                    "ReplicaLag",
                    { DBInstanceIdentifier: "claude-enhancer-production-dr" },
                    "Maximum",
                    60,
                    "GreaterThanThreshold",
                    "breaching",
                ],
            );
        });

        it("replicates the backup bucket into a versioned, SSE-KMS (DR key), non-public, TLS-only DR bucket", () => {
            const bucket = mocks.one("aws:s3/bucket:Bucket", "dr-bucket");
            assert.strictEqual(regionOf(mocks, bucket), "us-west-2");
            assert.deepStrictEqual(mocks.one("aws:s3/bucketVersioning:BucketVersioning", "dr-bucket").inputs.versioningConfiguration, {
                status: "Enabled",
            });
            assert.deepStrictEqual(
                mocks.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "dr-bucket").inputs
                    .rules,
                [
                    {
                        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.state.arn },
                        bucketKeyEnabled: true,
                    },
                ],
            );
            const block = mocks.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "dr-bucket").inputs;
            assert.deepStrictEqual(
                [block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets],
                [true, true, true, true],
            );
            assert.strictEqual(bucket.inputs.bucket, "claude-enhancer-production-backups-dr-123456789012");
            const [tlsOnly] = JSON.parse(mocks.one("aws:s3/bucketPolicy:BucketPolicy", "dr-bucket").inputs.policy).Statement;
            assert.deepStrictEqual(
                [tlsOnly.Effect, tlsOnly.Resource, tlsOnly.Condition],
                ["Deny", [bucket.state.arn, `${bucket.state.arn}/*`], { Bool: { "aws:SecureTransport": "false" } }],
            );
            const [lifecycle] = mocks.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "dr-bucket").inputs.rules;
            assert.deepStrictEqual(lifecycle.transitions, [
                { days: 30, storageClass: "STANDARD_IA" },
                { days: 90, storageClass: "GLACIER" },
            ]);
            assert.deepStrictEqual(lifecycle.expiration, { days: 365 });

            const replication = mocks.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig");
            assert.strictEqual(regionOf(mocks, replication), "us-east-1");
            assert.strictEqual(replication.inputs.bucket, "primary-backups");
            assert.strictEqual(replication.inputs.role, mocks.one("aws:iam/role:Role", "dr-replication").state.arn);
            assert.deepStrictEqual(replication.inputs.rules, [
                {
                    id: "backups-to-dr-region",
                    status: "Enabled",
                    filter: {},
                    deleteMarkerReplication: { status: "Disabled" },
                    sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                    destination: { bucket: bucket.state.arn, encryptionConfiguration: { replicaKmsKeyId: key.state.arn } },
                },
            ]);
        });

        it("lets the replication role touch only the two buckets and the two keys", () => {
            const role = mocks.one("aws:iam/role:Role", "dr-replication");
            assert.deepStrictEqual(role.inputs.assumeRolePolicy.Statement, [
                { Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" },
            ]);
            const policy = mocks.one("aws:iam/rolePolicy:RolePolicy", "dr-replication");
            assert.strictEqual(policy.inputs.role, "dr-replication-id"); // the mock engine's id of the role
            const drBucketArn = mocks.one("aws:s3/bucket:Bucket", "dr-bucket").state.arn;
            const resources = policy.inputs.policy.Statement.flatMap((s: { Resource: string[] }) => s.Resource);
            assert.deepStrictEqual(
                new Set(resources),
                new Set([
                    SOURCE_BUCKET.backupBucketArn,
                    `${SOURCE_BUCKET.backupBucketArn}/*`,
                    `${drBucketArn}/*`,
                    SOURCE_BUCKET.kmsKeyArn,
                    key.state.arn,
                ]),
            );
            const kms = policy.inputs.policy.Statement.filter(
                (s: { Sid: string }) => s.Sid === "DecryptSource" || s.Sid === "EncryptReplicas",
            );
            assert.deepStrictEqual(
                kms.map((s: { Action: string[]; Condition: { StringLike: Record<string, unknown> } }) => [
                    s.Action,
                    s.Condition.StringLike["kms:ViaService"],
                ]),
                [
                    [["kms:Decrypt"], "s3.us-east-1.amazonaws.com"],
                    [["kms:Encrypt", "kms:GenerateDataKey"], "s3.us-west-2.amazonaws.com"],
                ],
            );
            for (const s of policy.inputs.policy.Statement)
                assert.ok(!JSON.stringify(s.Action).includes("*"), `wildcard action in ${s.Sid}`);
        });

        it("creates no AWS resource without an explicit provider", () => {
            const implicit = mocks.resources.filter((r) => r.type.startsWith("aws:") && !r.provider);
            assert.deepStrictEqual(
                implicit.map((r) => r.name),
                [],
            );
        });
    });

    describe("after failover (dr.activeDatabase: dr)", () => {
        it("drops the replication source (promotes), keeps backups and a final snapshot", async () => {
            const mocks = await drOf({ activeDatabase: "dr" });
            const replica = mocks.one("aws:rds/instance:Instance", "dr-replica").inputs;
            assert.strictEqual(replica.replicateSourceDb, undefined);
            assert.strictEqual(replica.backupRetentionPeriod, 30);
            assert.strictEqual(replica.manageMasterUserPassword, true);
            assert.strictEqual(replica.multiAz, true);
            assert.strictEqual(replica.skipFinalSnapshot, false);
            assert.strictEqual(replica.finalSnapshotIdentifier, "claude-enhancer-production-dr-final");
            assert.strictEqual(replica.kmsKeyId, mocks.one("aws:kms/key:Key", "dr-key").state.arn);
            assert.deepStrictEqual(
                mocks.ofType("aws:cloudwatch/metricAlarm:MetricAlarm"),
                [],
                "a promoted instance reports no replica lag",
            );
        });
    });

    it("splits the DR VPC into one block per AZ", () => {
        assert.deepStrictEqual(drSubnetCidrs("10.250.0.0/16", 3), ["10.250.0.0/18", "10.250.64.0/18", "10.250.128.0/18"]);
        assert.deepStrictEqual(drSubnetCidrs("172.16.8.0/22", 2), ["172.16.8.0/24", "172.16.9.0/24"]);
    });
});
