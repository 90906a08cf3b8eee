import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StorageConfig } from "../../config/storage";
import { accountScope } from "../aws/accountScope";
import { checkedIdentifier, currentStackPrefix } from "../aws/names";
import { rotatingKey } from "../aws/kms";
import type { PolicyDocument } from "../aws/iamDocuments";
import { componentType } from "../../identity";

/** Incomplete multipart uploads are billed until aborted. */
const ABORT_MULTIPART_AFTER_DAYS = 7;

/**
 * A bucket policy allowing nothing and denying every request that does not use TLS, or uses TLS
 * older than 1.2, whoever makes it.
 */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
    const resources = [bucketArn, `${bucketArn}/*`];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: { AWS: "*" },
                Action: "s3:*",
                Resource: resources,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "DenyTlsBelow12",
                Effect: "Deny",
                Principal: { AWS: "*" },
                Action: "s3:*",
                Resource: resources,
                Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
            },
        ],
    };
}

/**
 * Lifecycle of a bucket: current and noncurrent objects move to STANDARD_IA, then to GLACIER, and
 * expire after `expirationDays` (noncurrent versions that long after they were replaced); incomplete
 * multipart uploads are aborted, and delete markers left without versions are removed.
 */
export function lifecycleRules(storage: StorageConfig, expirationDays: number): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    return [
        {
            id: "tiering-and-expiry",
            status: "Enabled",
            filter: {},
            transitions: [
                { days: storage.transitionToIaDays, storageClass: "STANDARD_IA" },
                { days: storage.transitionToGlacierDays, storageClass: "GLACIER" },
            ],
            expiration: { days: expirationDays },
            noncurrentVersionTransitions: [
                { noncurrentDays: storage.transitionToIaDays, storageClass: "STANDARD_IA" },
                { noncurrentDays: storage.transitionToGlacierDays, storageClass: "GLACIER" },
            ],
            noncurrentVersionExpiration: { noncurrentDays: expirationDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_AFTER_DAYS },
        },
        {
            // S3 does not allow this in a rule that expires by age.
            id: "expired-delete-markers",
            status: "Enabled",
            filter: {},
            expiration: { expiredObjectDeleteMarker: true },
        },
    ];
}

/** `<prefix>-<purpose>-<account>`: bucket names are global, the account id keeps them unique. */
export function bucketName(prefix: string, purpose: string, accountId: string): string {
    return checkedIdentifier(`${prefix}-${purpose}-${accountId}`, 63, "S3 bucket name");
}

export interface StorageArgs {
    storage: StorageConfig;
    environment: string;
}

/**
 * The platform's S3 buckets (SPEC §3): `backups` (database dumps, pre-rollout exports; replicated to
 * the DR region by the DR component) and `log-archive` (the log shipper's cold tier). Each is versioned,
 * encrypted by default with a rotating customer-managed KMS key (S3 Bucket Keys on, to cut KMS calls),
 * owner-enforced (ACLs off), closed to the public, reachable over TLS ≥ 1.2 only, and tiered to
 * STANDARD_IA and GLACIER before expiring, per config.
 */
export class Storage extends pulumi.ComponentResource {
    readonly backupBucket: aws.s3.Bucket;
    readonly backupBucketName: pulumi.Output<string>;
    readonly backupBucketArn: pulumi.Output<string>;
    readonly logArchiveBucket: aws.s3.Bucket;
    readonly logArchiveBucketName: pulumi.Output<string>;
    readonly logArchiveBucketArn: pulumi.Output<string>;
    readonly kmsKeyArn: pulumi.Output<string>;

    constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("storage", "Storage"), name, {}, opts);
        const prefix = currentStackPrefix();
        const key = rotatingKey(`${name}-key`, `${prefix}-storage`, `Objects in the S3 buckets of ${prefix}`, { parent: this });
        const accountId = accountScope(this).apply((scope) => scope.accountId);

        const bucket = (purpose: string, expirationDays: number): aws.s3.Bucket => {
            const parent = { parent: this };
            const resourceName = `${name}-${purpose}`;
            const created = new aws.s3.Bucket(
                resourceName,
                { bucket: accountId.apply((id) => bucketName(prefix, purpose, id)), tags: { Name: `${prefix}-${purpose}`, Purpose: purpose } },
                parent,
            );
            new aws.s3.BucketOwnershipControls(resourceName, { bucket: created.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
            const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
                resourceName,
                { bucket: created.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
                parent,
            );
            const versioning = new aws.s3.BucketVersioning(resourceName, { bucket: created.id, versioningConfiguration: { status: "Enabled" } }, parent);
            new aws.s3.BucketServerSideEncryptionConfiguration(
                resourceName,
                { bucket: created.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }] },
                parent,
            );
            // S3 rejects concurrent configuration changes to one bucket; the policy waits for the public access block.
            new aws.s3.BucketPolicy(
                resourceName,
                { bucket: created.id, policy: created.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))) },
                { parent: this, dependsOn: [publicAccessBlock] },
            );
            // Noncurrent-version rules need versioning in place first.
            new aws.s3.BucketLifecycleConfiguration(
                resourceName,
                { bucket: created.id, rules: lifecycleRules(args.storage, expirationDays) },
                { parent: this, dependsOn: [versioning] },
            );
            return created;
        };

        this.backupBucket = bucket("backups", args.storage.backupExpirationDays);
        this.logArchiveBucket = bucket("log-archive", args.storage.logArchiveExpirationDays);
        this.backupBucketName = this.backupBucket.bucket;
        this.backupBucketArn = this.backupBucket.arn;
        this.logArchiveBucketName = this.logArchiveBucket.bucket;
        this.logArchiveBucketArn = this.logArchiveBucket.arn;
        this.kmsKeyArn = key.arn;
        this.registerOutputs({
            backupBucketName: this.backupBucketName,
            backupBucketArn: this.backupBucketArn,
            logArchiveBucketName: this.logArchiveBucketName,
            logArchiveBucketArn: this.logArchiveBucketArn,
            kmsKeyArn: this.kmsKeyArn,
        });
    }
}
