import * as assert from "assert";
import { readStackSettings } from "../config/stackFile";
import { ProgramRun, runProgram } from "./harness/program";
import { RecordedResource } from "./harness/recorder";

/** Region of the AWS provider a resource was created with, by the provider's reference. */
function regionOf(run: ProgramRun, resource: RecordedResource): string | undefined {
    const provider = run.resources.find((r) => r.type === "pulumi:providers:aws" && resource.provider === `${r.urn}::${r.id}`);
    return provider?.inputs.region;
}

const inDrRegion = (run: ProgramRun) => run.resources.filter((r) => r.type.startsWith("aws:") && regionOf(run, r) === "us-west-2");

/** Backup, DR and off-hours scaling as the whole program composes them, per stack file. */
describe("the whole program: backup, DR and off-hours scaling", function () {
    this.timeout(180_000);

    describe("production", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runProgram("production");
        });

        it("replicates the primary database into the DR region, encrypted with the DR key", () => {
            const instances = run.mocks.ofType("aws:rds/instance:Instance");
            const primary = instances.find((r) => r.inputs.identifier === "claude-enhancer-production");
            const replica = run.mocks.one("aws:rds/instance:Instance", "dr-replica");
            assert.ok(primary, "no primary");
            assert.strictEqual(replica.inputs.replicateSourceDb, primary.state.arn);
            assert.strictEqual(regionOf(run, replica), "us-west-2");
            const drKey = run.mocks.one("aws:kms/key:Key", "dr-key");
            assert.strictEqual(regionOf(run, drKey), "us-west-2");
            assert.strictEqual(replica.inputs.kmsKeyId, drKey.state.arn);
            const drParameters = run.mocks.one("aws:rds/parameterGroup:ParameterGroup", "dr-database");
            assert.strictEqual(replica.inputs.parameterGroupName, drParameters.state.name);
            assert.deepStrictEqual(drParameters.inputs.parameters, primaryParameters(run));
        });

        it("peers the DR VPC with the primary VPC's private route tables", () => {
            const peering = run.mocks.one("aws:ec2/vpcPeeringConnection:VpcPeeringConnection");
            assert.strictEqual(peering.inputs.vpcId, "network-vpc-id"); // the mock engine's id of the primary VPC
            assert.strictEqual(peering.inputs.peerVpcId, "dr-vpc-id");
            const toDr = run.mocks.ofType("aws:ec2/route:Route").filter((r) => r.inputs.destinationCidrBlock === "10.250.0.0/16");
            assert.deepStrictEqual(toDr.map((r) => r.inputs.routeTableId).sort(), ["network-private-0-id", "network-private-1-id", "network-private-2-id"]);
        });

        it("replicates the Storage backup bucket with a role scoped to the two buckets and the two keys", () => {
            const source = run.mocks.one("aws:s3/bucket:Bucket", "storage-backups");
            const target = run.mocks.one("aws:s3/bucket:Bucket", "dr-bucket");
            const replication = run.mocks.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig");
            assert.strictEqual(replication.inputs.bucket, source.state.bucket);
            assert.strictEqual(replication.inputs.rules[0].destination.bucket, target.state.arn);
            const policy = run.mocks.one("aws:iam/rolePolicy:RolePolicy", "dr-replication").inputs.policy;
            const resources = new Set(policy.Statement.flatMap((s: { Resource: string[] }) => s.Resource));
            const storageKey = run.mocks.one("aws:kms/key:Key", "storage-key").state.arn;
            const drKey = run.mocks.one("aws:kms/key:Key", "dr-key").state.arn;
            assert.deepStrictEqual(resources, new Set([source.state.arn, `${source.state.arn}/*`, `${target.state.arn}/*`, storageKey, drKey]));
        });

        it("backs up the tagged primary daily for 30 days and copies to the DR vault", () => {
            const [rule] = run.mocks.one("aws:backup/plan:Plan").inputs.rules;
            const drVault = run.mocks.one("aws:backup/vault:Vault", "backup-dr-vault");
            assert.strictEqual(regionOf(run, drVault), "us-west-2");
            assert.deepStrictEqual(rule.lifecycle, { deleteAfter: 30 });
            assert.deepStrictEqual(rule.copyActions, [{ destinationVaultArn: drVault.state.arn, lifecycle: { deleteAfter: 30 } }]);
            const primary = run.mocks.ofType("aws:rds/instance:Instance").find((r) => r.inputs.identifier === "claude-enhancer-production");
            assert.strictEqual(primary?.inputs.tags.Backup, "daily", "the Database component tags the primary for the plan's selection");
        });

        it("protects the DR stateful resources and exports what the runbook needs", () => {
            for (const [type, name] of [
                ["aws:rds/instance:Instance", "dr-replica"],
                ["aws:s3/bucket:Bucket", "dr-bucket"],
                ["aws:kms/key:Key", "dr-key"],
                ["aws:backup/vault:Vault", "backup-dr-vault"],
            ]) {
                assert.strictEqual(run.mocks.one(type, name).protect, true, `${type} ${name}`);
            }
            const o = run.outputs;
            assert.deepStrictEqual(
                [o.drRegion, o.drReplicaIdentifier, o.drBackupVault, o.backupVault, o.drBucket],
                ["us-west-2", "claude-enhancer-production-dr", "claude-enhancer-production-dr", "claude-enhancer-production", "claude-enhancer-production-backups-dr-123456789012"],
            );
            assert.strictEqual(o.drReplicaArn, run.mocks.one("aws:rds/instance:Instance", "dr-replica").state.arn);
            assert.match(String(o.drReplicaUrn), /\$aws:rds\/instance:Instance::dr-replica$/);
            assert.strictEqual(o.databaseHost, run.mocks.ofType("aws:rds/instance:Instance").find((r) => r.inputs.identifier === "claude-enhancer-production")?.state.address);
        });

        it("schedules no off-hours scale-down", () => {
            assert.deepStrictEqual(run.mocks.ofType("aws:autoscaling/schedule:Schedule"), []);
        });
    });

    describe("production after failover (dr.activeDatabase: dr)", () => {
        it("points the stack's database endpoint and credentials at the promoted DR instance", async () => {
            const dr = { ...(readStackSettings("production").dr as Record<string, unknown>), activeDatabase: "dr" };
            const run = await runProgram("production", { overrides: { dr } });
            const promoted = run.mocks.one("aws:rds/instance:Instance", "dr-replica");
            assert.strictEqual(promoted.inputs.replicateSourceDb, undefined);
            assert.strictEqual(run.outputs.databaseHost, promoted.state.address);
            assert.strictEqual(run.outputs.databaseCredentialsSecretArn, promoted.state.masterUserSecrets[0].secretArn);
        });
    });

    describe("staging", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runProgram("staging");
        });

        it("scales every node group's Auto Scaling group down at 22:00 and up at 08:00 Mon–Fri", () => {
            const schedules = run.mocks.ofType("aws:autoscaling/schedule:Schedule").map((s) => s.inputs);
            const groups = Object.fromEntries(run.mocks.ofType("aws:eks/nodeGroup:NodeGroup").map((g) => [g.state.resources[0].autoscalingGroups[0].name, g]));
            assert.strictEqual(schedules.length, 4);
            for (const s of schedules) {
                assert.ok(groups[s.autoscalingGroupName], `unknown Auto Scaling group ${s.autoscalingGroupName}`);
                assert.strictEqual(s.timeZone, "Asia/Shanghai");
            }
            assert.deepStrictEqual(schedules.filter((s) => s.recurrence === "0 22 * * *").map((s) => s.desiredCapacity), [0, 0]);
            assert.deepStrictEqual(schedules.filter((s) => s.recurrence === "0 8 * * 1-5").map((s) => s.desiredCapacity).sort(), [2, 3]);
        });

        it("backs up for 7 days and has nothing in the DR region", () => {
            const [rule] = run.mocks.one("aws:backup/plan:Plan").inputs.rules;
            assert.deepStrictEqual([rule.lifecycle, rule.copyActions], [{ deleteAfter: 7 }, []]);
            assert.deepStrictEqual(inDrRegion(run).map((r) => `${r.type} ${r.name}`), []);
            assert.deepStrictEqual(run.mocks.ofType("aws:s3/bucketReplicationConfig:BucketReplicationConfig"), []);
            assert.deepStrictEqual([run.outputs.drReplicaIdentifier, run.outputs.drBucket, run.outputs.drBackupVault], [undefined, undefined, undefined]);
        });
    });

    describe("local", () => {
        it("has no backup, DR or schedule", async () => {
            const run = await runProgram("local");
            const types = ["aws:backup/plan:Plan", "aws:backup/vault:Vault", "aws:autoscaling/schedule:Schedule", "aws:s3/bucketReplicationConfig:BucketReplicationConfig"];
            assert.deepStrictEqual(types.flatMap((t) => run.mocks.ofType(t)), []);
            assert.deepStrictEqual([run.outputs.backupVault, run.outputs.drReplicaIdentifier], [undefined, undefined]);
        });
    });
});

/** The parameters of the primary's parameter group, which the DR region repeats. */
function primaryParameters(run: ProgramRun): unknown {
    const groups = run.mocks.ofType("aws:rds/parameterGroup:ParameterGroup").filter((g) => g.name !== "dr-database");
    assert.strictEqual(groups.length, 1);
    return groups[0].inputs.parameters;
}
