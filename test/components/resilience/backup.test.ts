import * as assert from "assert";
import { Backup } from "../../../components/resilience/backup";
import { loadStackConfig } from "../../../config/stackFile";
import { RecordingMocks } from "../../harness/recorder";
import { awsProviders, regionOf, registered } from "../backupDrFixtures";

async function backupOf(stack: "staging" | "production"): Promise<RecordingMocks> {
    const config = loadStackConfig(stack);
    return registered(stack, () => {
        const aws = awsProviders(stack);
        new Backup(
            "backup",
            { backup: config.backup, environment: stack, drProvider: config.dr.enabled ? aws.dr : undefined },
            { providers: [aws.primary] },
        );
    });
}

describe("Backup component", function () {
    this.timeout(60_000);

    describe("production", () => {
        let mocks: RecordingMocks;
        before(async () => {
            mocks = await backupOf("production");
        });

        it("keeps a vault encrypted with a rotating KMS key in the primary region", () => {
            const vault = mocks.one("aws:backup/vault:Vault", "backup-vault");
            const key = mocks.one("aws:kms/key:Key", "backup-vault-key");
            assert.strictEqual(vault.inputs.name, "claude-enhancer-production");
            assert.strictEqual(vault.inputs.kmsKeyArn, key.state.arn);
            assert.strictEqual(key.inputs.enableKeyRotation, true);
            assert.strictEqual(regionOf(mocks, vault), "us-east-1");
            assert.strictEqual(regionOf(mocks, key), "us-east-1");
        });

        it("creates the DR vault and its key with the DR provider", () => {
            const vault = mocks.one("aws:backup/vault:Vault", "backup-dr-vault");
            const key = mocks.one("aws:kms/key:Key", "backup-dr-vault-key");
            assert.strictEqual(vault.inputs.name, "claude-enhancer-production-dr");
            assert.strictEqual(vault.inputs.kmsKeyArn, key.state.arn);
            assert.strictEqual(key.inputs.enableKeyRotation, true);
            assert.strictEqual(regionOf(mocks, vault), "us-west-2");
            assert.strictEqual(regionOf(mocks, key), "us-west-2");
            assert.strictEqual(regionOf(mocks, mocks.one("aws:kms/alias:Alias", "backup-dr-vault-key")), "us-west-2");
        });

        it("backs up daily with 30-day retention and copies each recovery point to the DR vault", () => {
            const plan = mocks.one("aws:backup/plan:Plan");
            const drVault = mocks.one("aws:backup/vault:Vault", "backup-dr-vault");
            assert.deepStrictEqual(plan.inputs.rules, [
                {
                    ruleName: "daily",
                    targetVaultName: "claude-enhancer-production",
                    schedule: "cron(0 3 * * ? *)",
                    scheduleExpressionTimezone: "Etc/UTC",
                    startWindow: 60,
                    completionWindow: 360,
                    lifecycle: { deleteAfter: 30 },
                    recoveryPointTags: { Environment: "production", BackupPlan: "claude-enhancer-production-daily" },
                    copyActions: [{ destinationVaultArn: drVault.state.arn, lifecycle: { deleteAfter: 30 } }],
                },
            ]);
        });

        it("selects this stack's RDS instances and EBS volumes tagged Backup=daily, with a role holding the AWS managed policies", () => {
            const selection = mocks.one("aws:backup/selection:Selection");
            const role = mocks.one("aws:iam/role:Role", "backup-role");
            assert.strictEqual(selection.inputs.planId, "backup-plan-id"); // the mock engine's id of the plan
            assert.strictEqual(selection.inputs.iamRoleArn, role.state.arn);
            assert.deepStrictEqual(selection.inputs.resources, ["arn:aws:rds:*:*:db:*", "arn:aws:ec2:*:*:volume/*"]);
            assert.deepStrictEqual(selection.inputs.conditions, [
                {
                    stringEquals: [
                        { key: "aws:ResourceTag/Backup", value: "daily" },
                        { key: "aws:ResourceTag/Environment", value: "production" },
                    ],
                },
            ]);
            assert.deepStrictEqual(role.inputs.assumeRolePolicy.Statement, [
                { Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" },
            ]);
            const attached = mocks
                .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                .map((a) => [a.inputs.role, a.inputs.policyArn]);
            assert.deepStrictEqual(attached, [
                [role.state.name, "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"],
                [role.state.name, "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"],
            ]);
        });
    });

    describe("staging", () => {
        let mocks: RecordingMocks;
        before(async () => {
            mocks = await backupOf("staging");
        });

        it("keeps 7 days and copies nothing to the DR region", () => {
            const [rule] = mocks.one("aws:backup/plan:Plan").inputs.rules;
            assert.deepStrictEqual(rule.lifecycle, { deleteAfter: 7 });
            assert.deepStrictEqual(rule.copyActions, []);
            assert.deepStrictEqual(
                mocks.ofType("aws:backup/vault:Vault").map((v) => v.inputs.name),
                ["claude-enhancer-staging"],
            );
            assert.deepStrictEqual(
                mocks.ofType("aws:kms/key:Key").map((k) => regionOf(mocks, k)),
                ["us-east-1"],
            );
        });
    });
});
