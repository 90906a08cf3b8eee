import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { BackupConfig } from "../../config/backup";
import { currentStackPrefix } from "../aws/names";
import { rotatingKey } from "../aws/kms";
import { componentType } from "../../identity";
import { BACKUP_SELECTION_TAG } from "../aws/tags";

/** Resource types the plan's tag selection covers: RDS DB instances and EBS volumes. */
export const BACKUP_RESOURCE_PATTERNS = (partition: string): string[] => [
    `arn:${partition}:rds:*:*:db:*`,
    `arn:${partition}:ec2:*:*:volume/*`,
];

/** AWS managed policies AWS Backup's service role needs to take and to restore backups. */
export const BACKUP_SERVICE_POLICIES = ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"] as const;

export interface BackupArgs {
    backup: BackupConfig;
    environment: string;
    /**
     * Provider of the DR region. When given, a vault is created there (with its own KMS key) and each
     * daily recovery point is copied into it.
     */
    drProvider?: aws.Provider;
}

/**
 * AWS Backup for the stack: a KMS-encrypted vault, a daily plan with retention from config, a copy of
 * every recovery point to a vault in the DR region, and a selection of this stack's resources tagged
 * Backup=daily, taken by a service role holding the AWS managed backup/restore policies.
 */
export class Backup extends pulumi.ComponentResource {
    readonly vaultName: pulumi.Output<string>;
    readonly vaultArn: pulumi.Output<string>;
    readonly drVaultName?: pulumi.Output<string>;
    readonly drVaultArn?: pulumi.Output<string>;
    readonly planId: pulumi.Output<string>;
    readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: BackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("backup", "Backup"), name, {}, opts);
        const prefix = currentStackPrefix();
        const retention = { deleteAfter: args.backup.retentionDays };

        const key = rotatingKey(`${name}-vault-key`, `${prefix}-backup`, `AWS Backup vault ${prefix}`, ["backup"], { parent: this });
        const vault = new aws.backup.Vault(`${name}-vault`, { name: prefix, kmsKeyArn: key.arn }, { parent: this });

        let drVault: aws.backup.Vault | undefined;
        if (args.drProvider) {
            const drOpts = { parent: this, provider: args.drProvider };
            const drKey = rotatingKey(
                `${name}-dr-vault-key`,
                `${prefix}-backup-dr`,
                `AWS Backup DR vault ${prefix}-dr`,
                ["backup"],
                drOpts,
            );
            drVault = new aws.backup.Vault(`${name}-dr-vault`, { name: `${prefix}-dr`, kmsKeyArn: drKey.arn }, drOpts);
        }

        const plan = new aws.backup.Plan(
            `${name}-plan`,
            {
                name: `${prefix}-daily`,
                rules: [
                    {
                        ruleName: "daily",
                        targetVaultName: vault.name,
                        schedule: args.backup.schedule,
                        scheduleExpressionTimezone: args.backup.scheduleTimeZone,
                        startWindow: 60,
                        completionWindow: 360,
                        lifecycle: retention,
                        recoveryPointTags: { Environment: args.environment, BackupPlan: `${prefix}-daily` },
                        copyActions: drVault ? [{ destinationVaultArn: drVault.arn, lifecycle: retention }] : [],
                    },
                ],
            },
            { parent: this },
        );

        const role = new aws.iam.Role(
            `${name}-role`,
            {
                description: `AWS Backup service role for ${prefix}`,
                assumeRolePolicy: {
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }],
                },
            },
            { parent: this },
        );
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const attachments = BACKUP_SERVICE_POLICIES.map(
            (policy) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-${policy}`,
                    { role: role.name, policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/service-role/${policy}` },
                    { parent: this },
                ),
        );

        // Conditions are ANDed: the Backup tag selects, the Environment tag (a provider default tag)
        // keeps another stack's tagged resources in the same account out of this stack's plan.
        new aws.backup.Selection(
            `${name}-selection`,
            {
                name: `${prefix}-tagged`,
                planId: plan.id,
                iamRoleArn: role.arn,
                resources: partition.apply(BACKUP_RESOURCE_PATTERNS),
                conditions: [
                    {
                        stringEquals: [
                            { key: `aws:ResourceTag/${BACKUP_SELECTION_TAG.key}`, value: BACKUP_SELECTION_TAG.value },
                            { key: "aws:ResourceTag/Environment", value: args.environment },
                        ],
                    },
                ],
            },
            { parent: this, dependsOn: attachments },
        );

        this.vaultName = vault.name;
        this.vaultArn = vault.arn;
        this.drVaultName = drVault?.name;
        this.drVaultArn = drVault?.arn;
        this.planId = plan.id;
        this.roleArn = role.arn;
        this.registerOutputs({
            vaultName: this.vaultName,
            vaultArn: this.vaultArn,
            drVaultName: this.drVaultName,
            drVaultArn: this.drVaultArn,
            planId: this.planId,
            roleArn: this.roleArn,
        });
    }
}
