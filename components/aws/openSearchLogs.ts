import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accountScope } from "./accountScope";
import { EncryptedLogGroup } from "./encryptedLogGroup";
import type { AccountScope, PolicyDocument } from "./iamDocuments";

/** Every log an Amazon OpenSearch domain can publish; AUDIT_LOGS needs fine-grained access control. */
export const OPENSEARCH_LOG_TYPES = ["INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS", "ES_APPLICATION_LOGS", "AUDIT_LOGS"] as const;
export type OpenSearchLogType = (typeof OPENSEARCH_LOG_TYPES)[number];

/** `/aws/opensearch/domains/<domain>/index-slow-logs` and the like (the console's naming). */
export function openSearchLogGroupName(domainName: string, logType: OpenSearchLogType): string {
    const slug = logType.toLowerCase().replace(/^es_/, "").replace(/_/g, "-");
    return `/aws/opensearch/domains/${domainName}/${slug}`;
}

/**
 * CloudWatch Logs resource policy letting Amazon OpenSearch Service write the streams of the given log
 * groups only, and only for the named domain of this account (aws:SourceAccount / aws:SourceArn
 * guard against the confused-deputy problem).
 */
export function openSearchLogsResourcePolicy(scope: AccountScope, domainName: string, logGroupArns: readonly string[]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "OpenSearchWritesItsLogGroups",
                Effect: "Allow",
                Principal: { Service: `es.${scope.dnsSuffix}` },
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: logGroupArns.map((arn) => `${arn}:*`),
                Condition: {
                    StringEquals: { "aws:SourceAccount": scope.accountId },
                    ArnLike: { "aws:SourceArn": `arn:${scope.partition}:es:${scope.region}:${scope.accountId}:domain/${domainName}` },
                },
            },
        ],
    };
}

export interface OpenSearchLogPublishing {
    /** The domain's `logPublishingOptions`: every log type, each to its own log group. */
    options: aws.types.input.opensearch.DomainLogPublishingOption[];
    /** The domain must wait for it: OpenSearch checks it may write before it accepts the options. */
    resourcePolicy: aws.cloudwatch.LogResourcePolicy;
}

/**
 * An encrypted log group with bounded retention per OpenSearch log type, and the CloudWatch Logs
 * resource policy letting the domain write to those groups only. Children of `parent`, named
 * `<name>-<log-type>`.
 */
export function openSearchLogPublishing(
    name: string,
    domainName: string,
    retentionInDays: number,
    parent: pulumi.Resource,
): OpenSearchLogPublishing {
    const groups = OPENSEARCH_LOG_TYPES.map((logType) => {
        const logGroupName = openSearchLogGroupName(domainName, logType);
        const slug = logGroupName.slice(logGroupName.lastIndexOf("/") + 1);
        const group = new EncryptedLogGroup(
            `${name}-${slug}`,
            { logGroupName, retentionInDays, keyAlias: `alias/${domainName}-${slug}`, purpose: `OpenSearch ${logType} of ${domainName}` },
            { parent },
        );
        return { logType, group };
    });
    const resourcePolicy = new aws.cloudwatch.LogResourcePolicy(
        `${name}-log-publishing`,
        {
            policyName: `${domainName}-log-publishing`,
            policyDocument: pulumi
                .all([accountScope(parent), pulumi.all(groups.map((g) => g.group.arn))])
                .apply(([scope, arns]) => JSON.stringify(openSearchLogsResourcePolicy(scope, domainName, arns))),
        },
        { parent },
    );
    return {
        options: groups.map(({ logType, group }) => ({ logType, cloudwatchLogGroupArn: group.arn, enabled: true })),
        resourcePolicy,
    };
}
