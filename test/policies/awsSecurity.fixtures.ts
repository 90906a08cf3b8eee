/**
 * Compliant fixtures of the AWS hardening rules (policies/awsHardening.ts), shaped like what the
 * program registers; the cases in awsSecurity.cases.ts change one property at a time.
 */
import { AnalyzedResource } from "../../policies/analyzer";
import * as f from "./fixtures";
import { changed, resource } from "./harness";

const ACCOUNT_ROOT = "arn:aws:iam::123456789012:root";

/** A key as components/aws/kms.ts creates it: the account administers it, its principals use it through RDS and Secrets Manager. */
export function kmsKeyWithPolicy(): AnalyzedResource {
    return changed(f.kmsKey(), ["policy"], JSON.stringify(keyPolicy()));
}

export function keyPolicy() {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "AccountAdministersTheKey", Effect: "Allow", Principal: { AWS: ACCOUNT_ROOT }, Action: "kms:*", Resource: "*" },
            {
                Sid: "UseThroughTheNamedServices",
                Effect: "Allow",
                Principal: { AWS: ACCOUNT_ROOT },
                Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
                Resource: "*",
                Condition: {
                    StringEquals: {
                        "kms:CallerAccount": "123456789012",
                        "kms:ViaService": ["rds.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com"],
                    },
                },
            },
        ],
    };
}

/** The network VPC with its flow log and its default security group adopted with no rules. */
export function vpcWithLockedDefaultGroup(): AnalyzedResource[] {
    const [network, ...rest] = f.vpcWithFlowLog();
    const defaultGroup = resource(
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "network-default-sg",
        { vpcId: "vpc-0abc", ingress: [], egress: [], tags: { Name: "claude-enhancer-production-default-locked" } },
        { dependsOn: [network] },
    );
    return [network, ...rest, defaultGroup];
}

/**
 * The backups bucket (every companion) logging to an access-log bucket that has every companion but
 * replication and encrypts with SSE-S3, as components/data/storage.ts builds them.
 */
export function bucketsWithAccessLogs(): AnalyzedResource[] {
    const data = f.bucketSet("storage-backups");
    const logs = f
        .bucketSet("storage-access-logs")
        .filter((r) => !r.type.endsWith(":BucketReplicationConfig"))
        .map((r) =>
            r.type.endsWith(":BucketServerSideEncryptionConfiguration")
                ? changed(r, ["rules"], [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }])
                : r,
        );
    const logging = resource(
        "aws:s3/bucketLogging:BucketLogging",
        "storage-backups-logging",
        {
            bucket: "storage-backups-bucket",
            targetBucket: "storage-access-logs-bucket",
            targetPrefix: "backups/",
            targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "DeliveryTime" } },
        },
        { dependsOn: [data[0], logs[0]] },
    );
    return [...data, ...logs, logging];
}

/** The primary with its PostgreSQL and upgrade logs exported. */
export function rdsPrimaryExportingLogs(): AnalyzedResource {
    return changed(f.rdsPrimary(), ["enabledCloudwatchLogsExports"], ["postgresql", "upgrade"]);
}

export function rdsReplicaExportingLogs(): AnalyzedResource {
    return changed(f.rdsReplica(), ["enabledCloudwatchLogsExports"], ["postgresql", "upgrade"]);
}

const LOG_GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/opensearch/domains/ce-logs-production";

/** The production log domain with a customer-managed key and every log published, as components/observability/logging.ts registers it. */
export function opensearchDomainWithLogs(): AnalyzedResource {
    const domain = changed(f.opensearchDomain(), ["encryptAtRest"], { enabled: true, kmsKeyId: f.KMS_ARN });
    return changed(
        domain,
        ["logPublishingOptions"],
        [
            { logType: "INDEX_SLOW_LOGS", cloudwatchLogGroupArn: `${LOG_GROUP_ARN}/index-slow-logs`, enabled: true },
            { logType: "SEARCH_SLOW_LOGS", cloudwatchLogGroupArn: `${LOG_GROUP_ARN}/search-slow-logs`, enabled: true },
            { logType: "ES_APPLICATION_LOGS", cloudwatchLogGroupArn: `${LOG_GROUP_ARN}/application-logs`, enabled: true },
            { logType: "AUDIT_LOGS", cloudwatchLogGroupArn: `${LOG_GROUP_ARN}/audit-logs`, enabled: true },
        ],
    );
}

/** The default encryption of a data bucket: SSE-KMS with the storage key. */
export function bucketEncryption(): AnalyzedResource {
    return f.bucketSet().find((r) => r.type.endsWith(":BucketServerSideEncryptionConfiguration"))!;
}
