/** Stack-level joins between S3 buckets and the configuration resources that attach to them by bucket name. */
import { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { UNKNOWN, Unknown, identifiersOf, ofType, peek } from "./lib";

export const S3_BUCKET = "aws:s3/bucket:Bucket";

/**
 * True when a bucket configuration resource (versioning, encryption, policy, lifecycle ...) belongs
 * to `bucket`: by its `bucket` value when that and the bucket's names are known, else (during
 * preview) by the dependency the engine recorded for that property.
 */
function attachesTo(companion: PolicyResource, bucket: PolicyResource, bucketIds: Set<string> | Unknown): boolean {
    const target = peek(() => companion.props.bucket);
    if (typeof target === "string" && bucketIds !== UNKNOWN) return bucketIds.has(target);
    const byProperty = companion.propertyDependencies["bucket"];
    if (byProperty && byProperty.length > 0) return byProperty.includes(bucket);
    return companion.dependencies.includes(bucket);
}

/**
 * The buckets that have no `companionType` resource satisfying `satisfies`. A companion whose
 * relevant values are unknown during preview counts as satisfying: the rule runs again on `up`.
 */
export function bucketsWithout(
    args: StackValidationArgs,
    companionType: string,
    satisfies: (companion: PolicyResource) => boolean | Unknown,
): PolicyResource[] {
    const companions = ofType(args, companionType);
    return ofType(args, S3_BUCKET).filter((bucket) => {
        const ids = identifiersOf(bucket, ["id", "bucket"]);
        return !companions.some((c) => attachesTo(c, bucket, ids) && satisfies(c) !== false);
    });
}

export const S3_BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging";

/**
 * The buckets that receive server access logs: some aws.s3.BucketLogging names them as `targetBucket`
 * (by name when both are known, else, during preview, by the dependency the engine recorded for that
 * property, or any dependency: then the logged bucket counts too, and the rule decides on `up`).
 */
export function accessLogTargets(args: StackValidationArgs): PolicyResource[] {
    const loggings = ofType(args, S3_BUCKET_LOGGING);
    return ofType(args, S3_BUCKET).filter((bucket) => {
        const ids = identifiersOf(bucket, ["id", "bucket"]);
        return loggings.some((logging) => {
            const target = peek(() => logging.props.targetBucket);
            if (typeof target === "string" && ids !== UNKNOWN) return ids.has(target);
            const byProperty = logging.propertyDependencies["targetBucket"];
            if (byProperty && byProperty.length > 0) return byProperty.includes(bucket);
            return logging.dependencies.includes(bucket);
        });
    });
}
