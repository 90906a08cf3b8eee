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

/**
 * Policy of a bucket receiving S3 server access logs: TLS only (tlsOnlyBucketPolicy), and the S3
 * logging service may put log objects for the named source buckets of this account only.
 */
export function accessLogBucketPolicy(bucketArn: string, accountId: string, sourceBucketNames: readonly string[]): PolicyDocument {
    const partition = bucketArn.split(":")[1];
    return {
        Version: "2012-10-17",
        Statement: [
            ...tlsOnlyBucketPolicy(bucketArn).Statement,
            {
                Sid: "S3ServerAccessLogDelivery",
                Effect: "Allow",
                Principal: { Service: "logging.s3.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: `${bucketArn}/*`,
                Condition: {
                    StringEquals: { "aws:SourceAccount": accountId },
                    ArnLike: { "aws:SourceArn": sourceBucketNames.map((name) => `arn:${partition}:s3:::${name}`) },
                },
            },
        ],
    };
}

/** Earliest day S3 moves objects to STANDARD_IA. */
export const ACCESS_LOG_IA_DAYS = 30;

/**
 * Lifecycle of an access-log bucket: log objects move to STANDARD_IA after 30 days (S3 skips objects
 * under 128 KB, the default minimum transition size, so small log objects are not billed IA's minimum)
 * and expire, with the versions they replaced, after `expirationDays`.
 */
export function accessLogLifecycleRules(expirationDays: number): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    if (expirationDays <= ACCESS_LOG_IA_DAYS)
        throw new Error(`access logs must expire after day ${ACCESS_LOG_IA_DAYS} (their STANDARD_IA transition); got ${expirationDays}`);
    return [
        {
            id: "tiering-and-expiry",
            status: "Enabled",
            filter: {},
            transitions: [{ days: ACCESS_LOG_IA_DAYS, storageClass: "STANDARD_IA" }],
            expiration: { days: expirationDays },
            noncurrentVersionExpiration: { noncurrentDays: expirationDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_AFTER_DAYS },
        },
        { id: "expired-delete-markers", status: "Enabled", filter: {}, expiration: { expiredObjectDeleteMarker: true } },
    ];
}

/** `<prefix>-<purpose>-<account>`: bucket names are global, the account id keeps them unique. */
export function bucketName(prefix: string, purpose: string, accountId: string): string {
    return checkedIdentifier(`${prefix}-${purpose}-${accountId}`, 63, "S3 bucket name");
}

/** Where a bucket's server access logs go: a bucket of the same region and account (accessLogBucket). */
export interface AccessLogTarget {
    bucketName: pulumi.Input<string>;
    /** Key prefix of this bucket's log objects, e.g. `backups/`. */
    prefix: string;
    /** The target's bucket policy: logging starts once S3 log delivery may write (accessLogBucket's `deliveryPolicy`). */
    deliveryPolicy: pulumi.Resource;
}

export interface HardenedBucketArgs {
    bucketName: pulumi.Input<string>;
    tags: Record<string, string>;
    /** Customer-managed key objects are encrypted with by default. */
    kmsKeyArn: pulumi.Input<string>;
    lifecycleRules: aws.types.input.s3.BucketLifecycleConfigurationRule[];
    accessLogs: AccessLogTarget;
}

/** What a bucket's default encryption is: SSE-KMS with a customer-managed key, or SSE-S3 (access-log buckets only). */
type DefaultEncryption = { sseAlgorithm: "aws:kms"; kmsMasterKeyId: pulumi.Input<string> } | { sseAlgorithm: "AES256" };

/** The parts every bucket of the platform has: ownership enforced, no public access, versioning, default encryption, a bucket policy, a lifecycle. */
function bucketWithBaseline(
    resourceName: string,
    args: {
        bucketName: pulumi.Input<string>;
        tags: Record<string, string>;
        encryption: DefaultEncryption;
        policy: (arn: string) => pulumi.Output<string>;
        lifecycleRules: aws.types.input.s3.BucketLifecycleConfigurationRule[];
    },
    opts: pulumi.CustomResourceOptions,
): { bucket: aws.s3.Bucket; versioning: aws.s3.BucketVersioning; policy: aws.s3.BucketPolicy } {
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
                args.encryption.sseAlgorithm === "aws:kms"
                    ? { applyServerSideEncryptionByDefault: args.encryption, bucketKeyEnabled: true }
                    : { applyServerSideEncryptionByDefault: args.encryption },
            ],
        },
        opts,
    );
    // S3 rejects concurrent configuration changes to one bucket; the policy waits for the public access block.
    const policy = new aws.s3.BucketPolicy(
        resourceName,
        { bucket: bucket.id, policy: bucket.arn.apply(args.policy) },
        { ...opts, dependsOn: [publicAccessBlock] },
    );
    // Noncurrent-version rules need versioning in place first.
    new aws.s3.BucketLifecycleConfiguration(
        resourceName,
        { bucket: bucket.id, rules: args.lifecycleRules },
        { ...opts, dependsOn: [versioning] },
    );
    return { bucket, versioning, policy };
}

/**
 * An S3 bucket as every bucket of the platform is: versioned, encrypted by default with a
 * customer-managed KMS key (S3 Bucket Keys on, to cut KMS calls), owner-enforced (ACLs off), closed to
 * the public, reachable over TLS >= 1.2 only, with a lifecycle, and its server access logs delivered to
 * `accessLogs` (logging is switched on once the target's delivery policy exists). Its parts are named `resourceName` and created with `opts` (the parent, and the
 * provider of the bucket's region).
 */
export function hardenedBucket(
    resourceName: string,
    args: HardenedBucketArgs,
    opts: pulumi.CustomResourceOptions,
): { bucket: aws.s3.Bucket; versioning: aws.s3.BucketVersioning } {
    const parts = bucketWithBaseline(
        resourceName,
        {
            bucketName: args.bucketName,
            tags: args.tags,
            encryption: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
            policy: (arn) => pulumi.output(JSON.stringify(tlsOnlyBucketPolicy(arn))),
            lifecycleRules: args.lifecycleRules,
        },
        opts,
    );
    new aws.s3.BucketLogging(
        resourceName,
        {
            bucket: parts.bucket.id,
            targetBucket: args.accessLogs.bucketName,
            targetPrefix: args.accessLogs.prefix,
            // Date-partitioned keys (by delivery time), so a day's logs can be listed and queried alone.
            targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "DeliveryTime" } },
        },
        { ...opts, dependsOn: [args.accessLogs.deliveryPolicy] },
    );
    return { bucket: parts.bucket, versioning: parts.versioning };
}

export interface AccessLogBucketArgs {
    bucketName: pulumi.Input<string>;
    tags: Record<string, string>;
    /** Account whose buckets may deliver logs here (aws:SourceAccount). */
    accountId: pulumi.Input<string>;
    /** Names of the buckets whose logs come here (aws:SourceArn). */
    sourceBucketNames: pulumi.Input<string>[];
    expirationDays: number;
}

/**
 * The bucket of a region that receives the server access logs of the platform's other buckets: hardened
 * like them (owner-enforced, no public access, TLS only, versioned, lifecycle expiry), except that its
 * default encryption is SSE-S3, the only default encryption S3 server access logging delivers to, and
 * that it logs no accesses itself (S3 would log its own log deliveries). Only the S3 logging service
 * for the named buckets of this account may write to it.
 */
export function accessLogBucket(
    resourceName: string,
    args: AccessLogBucketArgs,
    opts: pulumi.CustomResourceOptions,
): { bucket: aws.s3.Bucket; deliveryPolicy: aws.s3.BucketPolicy } {
    const sources = pulumi.all([args.accountId, pulumi.all(args.sourceBucketNames)]);
    const parts = bucketWithBaseline(
        resourceName,
        {
            bucketName: args.bucketName,
            tags: args.tags,
            encryption: { sseAlgorithm: "AES256" },
            policy: (arn) => sources.apply(([id, names]) => JSON.stringify(accessLogBucketPolicy(arn, id, names))),
            lifecycleRules: accessLogLifecycleRules(args.expirationDays),
        },
        opts,
    );
    return { bucket: parts.bucket, deliveryPolicy: parts.policy };
}
