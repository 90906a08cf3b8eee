import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StorageConfig } from "../../config/storage";
import { accountScope } from "../aws/accountScope";
import { currentStackPrefix } from "../aws/names";
import { accessLogBucket, bucketName, hardenedBucket, lifecycleRules } from "../aws/hardenedBucket";
import { rotatingKey } from "../aws/kms";
import { componentType } from "../../identity";

export interface StorageArgs {
    storage: StorageConfig;
    environment: string;
}

/**
 * The platform's S3 buckets (docs/architecture.md): `backups` (database dumps, pre-rollout exports; replicated to
 * the DR region by the DR component) and `log-archive` (the log shipper's cold tier). Each is versioned,
 * encrypted by default with a rotating customer-managed KMS key (S3 Bucket Keys on, to cut KMS calls),
 * owner-enforced (ACLs off), closed to the public, reachable over TLS ≥ 1.2 only, and tiered to
 * STANDARD_IA and GLACIER before expiring, per config. Both log their server accesses to an
 * `access-logs` bucket (SSE-S3, the only default encryption S3 log delivery accepts; expiring per config).
 */
export class Storage extends pulumi.ComponentResource {
    readonly backupBucket: aws.s3.Bucket;
    readonly backupBucketName: pulumi.Output<string>;
    readonly backupBucketArn: pulumi.Output<string>;
    readonly logArchiveBucket: aws.s3.Bucket;
    readonly logArchiveBucketName: pulumi.Output<string>;
    readonly logArchiveBucketArn: pulumi.Output<string>;
    readonly kmsKeyArn: pulumi.Output<string>;
    readonly accessLogBucketName: pulumi.Output<string>;

    constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("storage", "Storage"), name, {}, opts);
        const prefix = currentStackPrefix();
        const key = rotatingKey(`${name}-key`, `${prefix}-storage`, `Objects in the S3 buckets of ${prefix}`, ["s3"], { parent: this });
        const accountId = accountScope(this).apply((scope) => scope.accountId);

        const nameOf = (purpose: string) => accountId.apply((id) => bucketName(prefix, purpose, id));
        const purposes = ["backups", "log-archive"];
        const accessLogs = accessLogBucket(
            `${name}-access-logs`,
            {
                bucketName: nameOf("access-logs"),
                tags: { Name: `${prefix}-access-logs`, Purpose: "access-logs" },
                accountId,
                sourceBucketNames: purposes.map(nameOf),
                expirationDays: args.storage.accessLogExpirationDays,
            },
            { parent: this },
        );

        const bucket = (purpose: string, expirationDays: number): aws.s3.Bucket =>
            hardenedBucket(
                `${name}-${purpose}`,
                {
                    bucketName: nameOf(purpose),
                    tags: { Name: `${prefix}-${purpose}`, Purpose: purpose },
                    kmsKeyArn: key.arn,
                    lifecycleRules: lifecycleRules(args.storage, expirationDays),
                    accessLogs: { bucketName: accessLogs.bucket.bucket, prefix: `${purpose}/`, deliveryPolicy: accessLogs.deliveryPolicy },
                },
                { parent: this },
            ).bucket;

        this.backupBucket = bucket("backups", args.storage.backupExpirationDays);
        this.logArchiveBucket = bucket("log-archive", args.storage.logArchiveExpirationDays);
        this.backupBucketName = this.backupBucket.bucket;
        this.backupBucketArn = this.backupBucket.arn;
        this.logArchiveBucketName = this.logArchiveBucket.bucket;
        this.logArchiveBucketArn = this.logArchiveBucket.arn;
        this.kmsKeyArn = key.arn;
        this.accessLogBucketName = accessLogs.bucket.bucket;
        this.registerOutputs({
            backupBucketName: this.backupBucketName,
            backupBucketArn: this.backupBucketArn,
            logArchiveBucketName: this.logArchiveBucketName,
            logArchiveBucketArn: this.logArchiveBucketArn,
            kmsKeyArn: this.kmsKeyArn,
            accessLogBucketName: this.accessLogBucketName,
        });
    }
}
