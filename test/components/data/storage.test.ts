import * as assert from "assert";
import {
    accessLogBucketPolicy,
    accessLogLifecycleRules,
    bucketName,
    lifecycleRules,
    tlsOnlyBucketPolicy,
} from "../../../components/aws/hardenedBucket";
import { Storage } from "../../../components/data/storage";
import { loadStackConfig } from "../../../config/stackFile";
import { deniesInsecureTransport } from "../../../policies/awsSecurity";
import { RecordedResource, RecordingMocks } from "../../harness/recorder";
import { providers, registered, resolved } from "../dataStoreFixtures";

const PRODUCTION = loadStackConfig("production").storage;
const BUCKETS = {
    "storage-backups": "claude-enhancer-production-backups-123456789012",
    "storage-log-archive": "claude-enhancer-production-log-archive-123456789012",
};

describe("Storage component", function () {
    this.timeout(60_000);
    let mocks: RecordingMocks;
    let storage: Storage;
    before(async () => {
        ({ mocks, built: storage } = await registered(
            "production",
            () =>
                new Storage(
                    "storage",
                    { storage: PRODUCTION, environment: "production" },
                    { providers: providers("production", true).slice(0, 1), protect: true },
                ),
        ));
    });

    /** The companion resource of `type` configuring the bucket registered as `bucketResource`. */
    const companion = (type: string, bucketResource: string): RecordedResource => {
        const bucket = mocks.one("aws:s3/bucket:Bucket", bucketResource);
        const found = mocks.ofType(type).filter((r) => r.inputs.bucket === bucket.id);
        assert.strictEqual(found.length, 1, `${type} for ${bucketResource}: ${found.length}`);
        return found[0];
    };

    it("names the two buckets after the stack and the account", () => {
        for (const [resourceName, name] of Object.entries(BUCKETS)) {
            assert.strictEqual(mocks.one("aws:s3/bucket:Bucket", resourceName).inputs.bucket, name);
        }
    });

    it("encrypts both buckets by default with its rotating KMS key, S3 Bucket Keys on", () => {
        const key = mocks.one("aws:kms/key:Key", "storage-key");
        assert.strictEqual(key.inputs.enableKeyRotation, true);
        for (const bucket of Object.keys(BUCKETS)) {
            assert.deepStrictEqual(
                companion("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", bucket).inputs.rules,
                [
                    {
                        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.state.arn },
                        bucketKeyEnabled: true,
                    },
                ],
            );
        }
    });

    it("versions both buckets, blocks all public access and disables ACLs", () => {
        for (const bucket of Object.keys(BUCKETS)) {
            assert.deepStrictEqual(companion("aws:s3/bucketVersioning:BucketVersioning", bucket).inputs.versioningConfiguration, {
                status: "Enabled",
            });
            const block = companion("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket).inputs;
            assert.deepStrictEqual(
                [block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets],
                [true, true, true, true],
            );
            assert.deepStrictEqual(companion("aws:s3/bucketOwnershipControls:BucketOwnershipControls", bucket).inputs.rule, {
                objectOwnership: "BucketOwnerEnforced",
            });
        }
    });

    it("denies every request without TLS (or below TLS 1.2) to the bucket and its objects", () => {
        for (const bucketResource of Object.keys(BUCKETS)) {
            const bucket = mocks.one("aws:s3/bucket:Bucket", bucketResource);
            const policy = companion("aws:s3/bucketPolicy:BucketPolicy", bucketResource);
            assert.ok(deniesInsecureTransport(policy.inputs.policy), policy.inputs.policy);
            assert.deepStrictEqual(JSON.parse(policy.inputs.policy), tlsOnlyBucketPolicy(bucket.state.arn));
            const block = companion("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucketResource);
            assert.ok(policy.dependsOn.includes(block.urn), "the policy does not wait for the public access block");
        }
    });

    it("tiers to STANDARD_IA at 30 days and GLACIER at 90, expiring backups at 365 days and logs at 400", () => {
        const expected = { "storage-backups": 365, "storage-log-archive": 400 };
        for (const [bucket, days] of Object.entries(expected)) {
            const lifecycle = companion("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", bucket);
            const [tiering, markers] = lifecycle.inputs.rules;
            assert.strictEqual(tiering.status, "Enabled");
            assert.deepStrictEqual(tiering.transitions, [
                { days: 30, storageClass: "STANDARD_IA" },
                { days: 90, storageClass: "GLACIER" },
            ]);
            assert.deepStrictEqual(tiering.expiration, { days });
            assert.deepStrictEqual(tiering.noncurrentVersionTransitions, [
                { noncurrentDays: 30, storageClass: "STANDARD_IA" },
                { noncurrentDays: 90, storageClass: "GLACIER" },
            ]);
            assert.deepStrictEqual(tiering.noncurrentVersionExpiration, { noncurrentDays: days });
            assert.deepStrictEqual(tiering.abortIncompleteMultipartUpload, { daysAfterInitiation: 7 });
            assert.deepStrictEqual(markers.expiration, { expiredObjectDeleteMarker: true });
            assert.ok(lifecycle.dependsOn.includes(companion("aws:s3/bucketVersioning:BucketVersioning", bucket).urn));
        }
    });

    it("logs both buckets' server accesses, date-partitioned, each under its own prefix, to the access-log bucket", () => {
        const logBucket = mocks.one("aws:s3/bucket:Bucket", "storage-access-logs");
        assert.strictEqual(logBucket.inputs.bucket, "claude-enhancer-production-access-logs-123456789012");
        for (const [bucket, prefix] of [
            ["storage-backups", "backups/"],
            ["storage-log-archive", "log-archive/"],
        ]) {
            const loggingResource = companion("aws:s3/bucketLogging:BucketLogging", bucket);
            assert.ok(
                loggingResource.dependsOn.includes(companion("aws:s3/bucketPolicy:BucketPolicy", "storage-access-logs").urn),
                "logging starts once log delivery may write",
            );
            const logging = loggingResource.inputs;
            assert.deepStrictEqual(
                [logging.targetBucket, logging.targetPrefix, logging.targetObjectKeyFormat],
                [logBucket.state.bucket, prefix, { partitionedPrefix: { partitionDateSource: "DeliveryTime" } }],
            );
        }
        assert.strictEqual(mocks.ofType("aws:s3/bucketLogging:BucketLogging").length, 2, "the access-log bucket does not log itself");
    });

    it("hardens the access-log bucket: SSE-S3 (what log delivery accepts), no public access, TLS only, versioned, expiring after 90 days", () => {
        const logBucket = mocks.one("aws:s3/bucket:Bucket", "storage-access-logs");
        assert.deepStrictEqual(
            companion("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "storage-access-logs")
                .inputs.rules,
            [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        );
        const block = companion("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "storage-access-logs").inputs;
        assert.deepStrictEqual(
            [block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets],
            [true, true, true, true],
        );
        assert.deepStrictEqual(companion("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "storage-access-logs").inputs.rule, {
            objectOwnership: "BucketOwnerEnforced",
        });
        assert.deepStrictEqual(
            companion("aws:s3/bucketVersioning:BucketVersioning", "storage-access-logs").inputs.versioningConfiguration,
            { status: "Enabled" },
        );
        const policy = JSON.parse(companion("aws:s3/bucketPolicy:BucketPolicy", "storage-access-logs").inputs.policy);
        assert.deepStrictEqual(policy, accessLogBucketPolicy(logBucket.state.arn, "123456789012", Object.values(BUCKETS)));
        assert.ok(deniesInsecureTransport(policy));
        assert.deepStrictEqual(policy.Statement[2], {
            Sid: "S3ServerAccessLogDelivery",
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${logBucket.state.arn}/*`,
            Condition: {
                StringEquals: { "aws:SourceAccount": "123456789012" },
                ArnLike: { "aws:SourceArn": Object.values(BUCKETS).map((name) => `arn:aws:s3:::${name}`) },
            },
        });
        const [expiry] = companion("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "storage-access-logs").inputs.rules;
        assert.deepStrictEqual(
            [expiry.transitions, expiry.expiration, expiry.noncurrentVersionExpiration],
            [[{ days: 30, storageClass: "STANDARD_IA" }], { days: 90 }, { noncurrentDays: 90 }],
        );
        assert.throws(() => accessLogLifecycleRules(30), /access logs must expire after day 30 \(their STANDARD_IA transition\); got 30/);
    });

    it("gives the key an explicit policy: the account administers it, its principals use it through S3 only", () => {
        const [admin, use] = JSON.parse(mocks.one("aws:kms/key:Key", "storage-key").inputs.policy).Statement;
        assert.deepStrictEqual([admin.Principal, admin.Action], [{ AWS: "arn:aws:iam::123456789012:root" }, "kms:*"]);
        assert.deepStrictEqual(use.Condition.StringEquals["kms:ViaService"], ["s3.us-east-1.amazonaws.com"]);
    });

    it("is protected, children included, when the program asks (production)", () => {
        const unprotected = mocks.resources.filter((r) => r.custom && r.type.startsWith("aws:") && !r.protect);
        assert.deepStrictEqual(
            unprotected.map((r) => r.name),
            [],
        );
    });

    it("exposes names, ARNs and the key for the DR replication and the log shipper", async () => {
        assert.strictEqual(await resolved(storage.backupBucketName), BUCKETS["storage-backups"]);
        assert.strictEqual(await resolved(storage.logArchiveBucketName), BUCKETS["storage-log-archive"]);
        assert.strictEqual(await resolved(storage.backupBucketArn), mocks.one("aws:s3/bucket:Bucket", "storage-backups").state.arn);
        assert.strictEqual(await resolved(storage.kmsKeyArn), mocks.one("aws:kms/key:Key", "storage-key").state.arn);
        assert.strictEqual(await resolved(storage.backupBucket.urn), mocks.one("aws:s3/bucket:Bucket", "storage-backups").urn);
    });

    it("follows other lifecycle settings from config", () => {
        const [tiering] = lifecycleRules(
            {
                transitionToIaDays: 45,
                transitionToGlacierDays: 120,
                backupExpirationDays: 200,
                logArchiveExpirationDays: 150,
                accessLogExpirationDays: 90,
            },
            150,
        );
        assert.deepStrictEqual(tiering.transitions, [
            { days: 45, storageClass: "STANDARD_IA" },
            { days: 120, storageClass: "GLACIER" },
        ]);
        assert.deepStrictEqual(tiering.expiration, { days: 150 });
    });

    it("refuses a bucket name longer than S3 allows", () => {
        assert.throws(
            () => bucketName("claude-enhancer-a-very-long-stack-name-for-tests", "log-archive", "123456789012"),
            /S3 bucket name .* is 73 characters; AWS allows 63/,
        );
    });
});
