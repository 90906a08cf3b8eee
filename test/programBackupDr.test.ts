import * as assert from "assert";
import { subnetPlan } from "../components/network/subnetPlan";
import { loadStackConfig, readStackSettings } from "../config/stackFile";
import { ProgramRun, runProgram } from "./harness/program";
import { RecordedResource } from "./harness/recorder";

/** Region of the AWS provider a resource was created with, by the provider's reference. */
function regionOf(run: ProgramRun, resource: RecordedResource): string | undefined {
    const provider = run.resources.find((r) => r.type === "pulumi:providers:aws" && resource.provider === `${r.urn}::${r.id}`);
    return provider?.inputs.region;
}

const inDrRegion = (run: ProgramRun) => run.resources.filter((r) => r.type.startsWith("aws:") && regionOf(run, r) === "us-west-2");

const primaryInstance = (run: ProgramRun, stack: string): RecordedResource => {
    const primary = run.mocks.ofType("aws:rds/instance:Instance").find((r) => r.inputs.identifier === `claude-enhancer-${stack}`);
    assert.ok(primary, `no RDS primary claude-enhancer-${stack}`);
    return primary;
};

/** The tags an AWS Backup selection requires (its stringEquals conditions), as key → value. */
function requiredTags(selection: RecordedResource): Record<string, string> {
    const conditions: { key: string; value: string }[] = selection.inputs.conditions.flatMap(
        (c: { stringEquals: unknown[] }) => c.stringEquals,
    );
    return Object.fromEntries(conditions.map((c) => [c.key.replace(/^aws:ResourceTag\//, ""), c.value]));
}

/** The tags the EBS CSI driver puts on every volume of a StorageClass (its tagSpecification_<n> parameters). */
function volumeTagsOf(storageClass: RecordedResource): Record<string, string> {
    return Object.fromEntries(
        Object.entries(storageClass.inputs.parameters as Record<string, string>)
            .filter(([name]) => name.startsWith("tagSpecification_"))
            .map(([, tag]) => tag.split("=") as [string, string]),
    );
}

/** The application's container environment, by variable name (every Deployment of the service). */
function appEnvironments(run: ProgramRun): Record<string, string>[] {
    const deployments = run.mocks.ofType("kubernetes:apps/v1:Deployment").filter((d) => d.name.startsWith("app-"));
    assert.ok(deployments.length > 0, "no application Deployment");
    return deployments.flatMap((d) =>
        d.inputs.spec.template.spec.containers.map((c: { env: { name: string; value?: string }[] }) =>
            Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value])),
        ),
    );
}

/** Where the application's NetworkPolicy lets it reach PostgreSQL. */
function postgresEgress(run: ProgramRun): unknown[] {
    const policy = run.mocks.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "app-network-policy");
    return policy.inputs.spec.egress
        .filter((rule: { ports: { port: number }[] }) => rule.ports.some((p) => p.port === 5432))
        .flatMap((rule: { to: unknown[] }) => rule.to);
}

/** The policy of the IAM role the pods assume to read the database credentials. */
function credentialsReaderPolicy(run: ProgramRun): { Statement: { Action: string | string[]; Resource: string }[] } {
    return JSON.parse(run.mocks.one("aws:iam/rolePolicy:RolePolicy", "app-database-credentials-reader").inputs.policy);
}

/**
 * The backup plan's tag selection picks up the monitoring stack's persistent volumes: Prometheus and
 * Alertmanager claim their volumes from the gp3 StorageClass, which tags every EBS volume it
 * provisions with each tag the selection requires.
 */
function assertMonitoringVolumesSelected(run: ProgramRun, stack: string): void {
    const selection = run.mocks.one("aws:backup/selection:Selection");
    assert.ok(selection.inputs.resources.includes("arn:aws:ec2:*:*:volume/*"), "the selection does not cover EBS volumes");
    const required = requiredTags(selection);
    assert.deepStrictEqual(required, { Backup: "daily", Environment: stack });
    const storageClass = run.mocks.one("kubernetes:storage.k8s.io/v1:StorageClass", "gp3");
    const volumeTags = volumeTagsOf(storageClass);
    for (const [key, value] of Object.entries(required))
        assert.strictEqual(volumeTags[key], value, `EBS volumes of the gp3 StorageClass: tag ${key}`);
    const values = run.mocks.one("kubernetes:helm.sh/v3:Release", "monitoring-kube-prometheus-stack").inputs.values;
    assert.strictEqual(
        values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName,
        storageClass.inputs.metadata.name,
    );
    assert.strictEqual(
        values.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.storageClassName,
        storageClass.inputs.metadata.name,
    );
    // The RDS primary matches the same conditions: Backup from the Database component, Environment from the provider's defaultTags.
    const primary = primaryInstance(run, stack);
    assert.strictEqual(primary.inputs.tags.Backup, required.Backup);
    const provider = run.resources.find((r) => primary.provider === `${r.urn}::${r.id}`);
    assert.strictEqual(JSON.parse(provider?.inputs.defaultTags).tags.Environment, required.Environment);
}

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
            const lag = run.mocks.one("aws:cloudwatch/metricAlarm:MetricAlarm", "dr-replica-lag").inputs;
            assert.deepStrictEqual(
                [lag.metricName, lag.threshold, lag.dimensions],
                ["ReplicaLag", 60, { DBInstanceIdentifier: "claude-enhancer-production-dr" }],
            );
        });

        it("peers the DR VPC with the primary VPC's private route tables", () => {
            const peering = run.mocks.one("aws:ec2/vpcPeeringConnection:VpcPeeringConnection");
            assert.strictEqual(peering.inputs.vpcId, "network-vpc-id"); // the mock engine's id of the primary VPC
            assert.strictEqual(peering.inputs.peerVpcId, "dr-vpc-id");
            const toDr = run.mocks.ofType("aws:ec2/route:Route").filter((r) => r.inputs.destinationCidrBlock === "10.250.0.0/16");
            assert.deepStrictEqual(toDr.map((r) => r.inputs.routeTableId).sort(), [
                "network-private-0-id",
                "network-private-1-id",
                "network-private-2-id",
            ]);
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
            assert.deepStrictEqual(
                resources,
                new Set([source.state.arn, `${source.state.arn}/*`, `${target.state.arn}/*`, storageKey, drKey]),
            );
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
                [
                    "us-west-2",
                    "claude-enhancer-production-dr",
                    "claude-enhancer-production-dr",
                    "claude-enhancer-production",
                    "claude-enhancer-production-backups-dr-123456789012",
                ],
            );
            assert.strictEqual(o.drReplicaArn, run.mocks.one("aws:rds/instance:Instance", "dr-replica").state.arn);
            assert.match(String(o.drReplicaUrn), /\$aws:rds\/instance:Instance::dr-replica$/);
            assert.strictEqual(
                o.databaseHost,
                run.mocks.ofType("aws:rds/instance:Instance").find((r) => r.inputs.identifier === "claude-enhancer-production")?.state
                    .address,
            );
        });

        it("schedules no off-hours scale-down", () => {
            assert.deepStrictEqual(run.mocks.ofType("aws:autoscaling/schedule:Schedule"), []);
        });

        it("backs up the monitoring stack's EBS volumes through the gp3 StorageClass's tags", () => {
            assertMonitoringVolumesSelected(run, "production");
        });

        it("runs the application against the primary database in the primary VPC", () => {
            const primary = primaryInstance(run, "production");
            for (const env of appEnvironments(run)) {
                assert.strictEqual(env.DATABASE_HOST, primary.state.address);
                assert.strictEqual(env.DATABASE_CREDENTIALS_SECRET_ARN, primary.state.masterUserSecrets[0].secretArn);
            }
            const { cidr, azCount, natGateways } = loadStackConfig("production").network;
            // The private subnets, where the RDS subnet group places the instances.
            assert.deepStrictEqual(
                postgresEgress(run),
                subnetPlan(cidr, azCount, natGateways).map((az) => ({ ipBlock: { cidr: az.privateCidr } })),
            );
        });

        it("notifies the configured e-mails at 80 % actual and 100 % forecast of the 6000 USD budget", () => {
            const budget = run.mocks.one("aws:budgets/budget:Budget").inputs;
            const emails = ["platform-team@example.com", "finance-alerts@example.com"];
            assert.strictEqual(budget.limitAmount, "6000");
            assert.deepStrictEqual(
                budget.notifications.map((n: Record<string, unknown>) => [
                    n.notificationType,
                    n.threshold,
                    n.subscriberEmailAddresses,
                    n.subscriberSnsTopicArns,
                ]),
                [
                    ["ACTUAL", 80, emails, undefined],
                    ["FORECASTED", 100, emails, undefined],
                ],
            );
        });
    });

    describe("production after failover (dr.activeDatabase: dr)", () => {
        let run: ProgramRun;
        let promoted: RecordedResource;
        before(async () => {
            const dr = { ...(readStackSettings("production").dr as Record<string, unknown>), activeDatabase: "dr" };
            run = await runProgram("production", { overrides: { dr } });
            promoted = run.mocks.one("aws:rds/instance:Instance", "dr-replica");
        });

        it("points the stack's database endpoint and credentials at the promoted DR instance", () => {
            assert.strictEqual(promoted.inputs.replicateSourceDb, undefined);
            assert.strictEqual(run.outputs.databaseHost, promoted.state.address);
            assert.strictEqual(run.outputs.databaseCredentialsSecretArn, promoted.state.masterUserSecrets[0].secretArn);
        });

        it("hands the application the promoted instance's address and credentials secret", () => {
            const primary = primaryInstance(run, "production");
            assert.notStrictEqual(promoted.state.address, primary.state.address);
            const environments = appEnvironments(run);
            for (const env of environments) {
                assert.strictEqual(env.DATABASE_HOST, promoted.state.address);
                assert.strictEqual(env.DATABASE_PORT, "5432");
                assert.strictEqual(env.DATABASE_CREDENTIALS_SECRET_ARN, promoted.state.masterUserSecrets[0].secretArn);
            }
            const [readSecret, decrypt] = credentialsReaderPolicy(run).Statement;
            assert.strictEqual(readSecret.Resource, promoted.state.masterUserSecrets[0].secretArn);
            assert.strictEqual(decrypt.Resource, run.mocks.one("aws:kms/key:Key", "dr-key").state.arn);
        });

        it("lets the application reach PostgreSQL in the DR VPC", () => {
            assert.deepStrictEqual(postgresEgress(run), [{ ipBlock: { cidr: "10.250.0.0/16" } }]);
        });

        it("sends reads to the promoted instance too, and opens HTTPS to the DR region's Secrets Manager with its reason", () => {
            for (const env of appEnvironments(run)) assert.strictEqual(env.DATABASE_READ_HOST, promoted.state.address);
            assert.strictEqual(run.outputs.databaseReadHost, promoted.state.address);
            const policy = run.mocks.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "app-network-policy");
            assert.ok(
                policy.inputs.spec.egress.some((rule: any) => rule.to?.[0]?.ipBlock?.cidr === "0.0.0.0/0" && rule.ports[0].port === 443),
            );
            assert.match(
                policy.inputs.metadata.annotations["claude-enhancer.io/open-egress-reason"],
                /^aws-apis: dr\.activeDatabase=dr: .* us-west-2/,
            );
        });

        it("takes a rollout's pre-rollout snapshot of the promoted instance, in the DR region", async () => {
            const rollout = {
                ...(readStackSettings("production").rollout as Record<string, unknown>),
                stage: "canary",
                candidateVersion: "9.9.9",
            };
            const dr = { ...(readStackSettings("production").dr as Record<string, unknown>), activeDatabase: "dr" };
            const canary = await runProgram("production", { overrides: { dr, rollout } });
            const snapshot = canary.mocks.one("aws:rds/snapshot:Snapshot");
            assert.strictEqual(snapshot.inputs.dbInstanceIdentifier, "claude-enhancer-production-dr");
            assert.match(snapshot.provider ?? "", /pulumi:providers:aws::aws-dr::/);
        });

        it("stops alarming on the lag of a replica that is no longer one", () => {
            assert.deepStrictEqual(
                run.mocks.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.name === "dr-replica-lag"),
                [],
            );
        });
    });

    describe("staging", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runProgram("staging");
        });

        it("scales every node group's Auto Scaling group down at 22:00 and up at 08:00 Mon–Fri", () => {
            const schedules = run.mocks.ofType("aws:autoscaling/schedule:Schedule").map((s) => s.inputs);
            const groups = Object.fromEntries(
                run.mocks.ofType("aws:eks/nodeGroup:NodeGroup").map((g) => [g.state.resources[0].autoscalingGroups[0].name, g]),
            );
            assert.strictEqual(schedules.length, 4);
            for (const s of schedules) {
                assert.ok(groups[s.autoscalingGroupName], `unknown Auto Scaling group ${s.autoscalingGroupName}`);
                assert.strictEqual(s.timeZone, "Asia/Shanghai");
            }
            assert.deepStrictEqual(
                schedules.filter((s) => s.recurrence === "0 22 * * *").map((s) => s.desiredCapacity),
                [0, 0],
            );
            assert.deepStrictEqual(
                schedules
                    .filter((s) => s.recurrence === "0 8 * * 1-5")
                    .map((s) => s.desiredCapacity)
                    .sort(),
                [2, 3],
            );
        });

        it("backs up the monitoring stack's EBS volumes through the gp3 StorageClass's tags", () => {
            assertMonitoringVolumesSelected(run, "staging");
        });

        it("notifies the configured e-mail of the 500 USD budget", () => {
            const budget = run.mocks.one("aws:budgets/budget:Budget").inputs;
            assert.strictEqual(budget.limitAmount, "500");
            for (const n of budget.notifications) assert.deepStrictEqual(n.subscriberEmailAddresses, ["platform-team@example.com"]);
        });

        it("backs up for 7 days and has nothing in the DR region", () => {
            const [rule] = run.mocks.one("aws:backup/plan:Plan").inputs.rules;
            assert.deepStrictEqual([rule.lifecycle, rule.copyActions], [{ deleteAfter: 7 }, []]);
            assert.deepStrictEqual(
                inDrRegion(run).map((r) => `${r.type} ${r.name}`),
                [],
            );
            assert.deepStrictEqual(run.mocks.ofType("aws:s3/bucketReplicationConfig:BucketReplicationConfig"), []);
            assert.deepStrictEqual(
                [run.outputs.drReplicaIdentifier, run.outputs.drBucket, run.outputs.drBackupVault],
                [undefined, undefined, undefined],
            );
        });
    });

    describe("staging with its own off-hours times, zone, floor and budget subscribers", () => {
        it("takes the schedule and the budget's subscribers from the stack config", async () => {
            const topic = "arn:aws:sns:us-east-1:123456789012:finops";
            const run = await runProgram("staging", {
                overrides: {
                    offHours: {
                        enabled: true,
                        timeZone: "Europe/Berlin",
                        scaleDownCron: "30 19 * * 1-5",
                        scaleUpCron: "45 6 * * 1-5",
                        nodeGroups: ["app"],
                        minNodes: 1,
                    },
                    budget: { monthlyLimitUsd: 350, notificationEmails: ["ops@example.com"], notificationTopicArns: [topic] },
                },
            });
            const app = run.mocks.ofType("aws:eks/nodeGroup:NodeGroup").find((g) => g.name.endsWith("-app"));
            assert.ok(app, "no app node group");
            const asg = app.state.resources[0].autoscalingGroups[0].name;
            const schedules = run.mocks.ofType("aws:autoscaling/schedule:Schedule").map((s) => s.inputs);
            assert.deepStrictEqual(
                schedules.map((s) => [s.autoscalingGroupName, s.recurrence, s.timeZone, s.minSize, s.desiredCapacity, s.maxSize]),
                [
                    [asg, "30 19 * * 1-5", "Europe/Berlin", 1, 1, 1],
                    [
                        asg,
                        "45 6 * * 1-5",
                        "Europe/Berlin",
                        app.inputs.scalingConfig.minSize,
                        app.inputs.scalingConfig.desiredSize,
                        app.inputs.scalingConfig.maxSize,
                    ],
                ],
            );
            const budget = run.mocks.one("aws:budgets/budget:Budget").inputs;
            assert.strictEqual(budget.limitAmount, "350");
            for (const n of budget.notifications)
                assert.deepStrictEqual([n.subscriberEmailAddresses, n.subscriberSnsTopicArns], [["ops@example.com"], [topic]]);
        });
    });

    describe("local", () => {
        it("has none of the AWS parts: no backup, DR, schedule or budget", async () => {
            const run = await runProgram("local");
            assert.deepStrictEqual(
                run.resources
                    .filter((r) => r.type.startsWith("aws:") || r.type === "pulumi:providers:aws")
                    .map((r) => `${r.type} ${r.name}`),
                [],
            );
            assert.deepStrictEqual(
                run.resources.filter((r) => /^claude-enhancer:(backup|dr|cost):/.test(r.type)).map((r) => r.type),
                [],
            );
            assert.deepStrictEqual(
                [run.outputs.backupVault, run.outputs.drReplicaIdentifier, run.outputs.drBucket],
                [undefined, undefined, undefined],
            );
        });
    });
});

/** The parameters of the primary's parameter group, which the DR region repeats. */
function primaryParameters(run: ProgramRun): unknown {
    const groups = run.mocks.ofType("aws:rds/parameterGroup:ParameterGroup").filter((g) => g.name !== "dr-database");
    assert.strictEqual(groups.length, 1);
    return groups[0].inputs.parameters;
}
