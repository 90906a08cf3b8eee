import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StorageConfig } from "../../config/storage";
import { checkedIdentifier } from "./names";
import type { PolicyDocument } from "./iamDocuments";

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

export interface HardenedBucketArgs {
    bucketName: pulumi.Input<string>;
    tags: Record<string, string>;
    /** Customer-managed key objects are encrypted with by default. */
    kmsKeyArn: pulumi.Input<string>;
    lifecycleRules: aws.types.input.s3.BucketLifecycleConfigurationRule[];
}

/**
 * An S3 bucket as every bucket of the platform is: versioned, encrypted by default with a
 * customer-managed KMS key (S3 Bucket Keys on, to cut KMS calls), owner-enforced (ACLs off), closed to
 * the public, reachable over TLS >= 1.2 only, with a lifecycle. Its parts are named `resourceName`
 * and created with `opts` (the parent, and the provider of the bucket's region).
 */
export function hardenedBucket(
    resourceName: string,
    args: HardenedBucketArgs,
    opts: pulumi.CustomResourceOptions,
): { bucket: aws.s3.Bucket; versioning: aws.s3.BucketVersioning } {
    const bucket = new aws.s3.Bucket(resourceName, { bucket: args.bucketName, tags: args.tags }, opts);
    new aws.s3.BucketOwnershipControls(resourceName, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
        resourceName,
        { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        opts,
    );
    const versioning = new aws.s3.BucketVersioning(
        resourceName,
        { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
        opts,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
        resourceName,
        {
            bucket: bucket.id,
            rules: [
                { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true },
            ],
        },
        opts,
    );
    // S3 rejects concurrent configuration changes to one bucket; the policy waits for the public access block.
    new aws.s3.BucketPolicy(
        resourceName,
        { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))) },
        { ...opts, dependsOn: [publicAccessBlock] },
    );
    // Noncurrent-version rules need versioning in place first.
    new aws.s3.BucketLifecycleConfiguration(
        resourceName,
        { bucket: bucket.id, rules: args.lifecycleRules },
        { ...opts, dependsOn: [versioning] },
    );
    return { bucket, versioning };
}
