import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EncryptedLogGroup } from "./encryptedLogGroup";

/** What PostgreSQL instances export to CloudWatch Logs: the server log and the major-version upgrade log. */
export const RDS_LOG_EXPORTS = ["postgresql", "upgrade"] as const;

/** The log group RDS writes an instance's exported log to (a fixed name: RDS creates it unless it exists). */
export function rdsLogGroupName(instanceIdentifier: string, log: string): string {
    return `/aws/rds/instance/${instanceIdentifier}/${log}`;
}

/**
 * The log groups of an RDS instance's exported logs, created before the instance so they have
 * retention and a customer-managed key (RDS would otherwise create them unencrypted and kept
 * forever). Children of `parent`, named `<name>-<log>-logs`, in `regionProvider`'s region when given.
 */
export function rdsLogGroups(
    name: string,
    instanceIdentifier: string,
    retentionInDays: number,
    parent: pulumi.Resource,
    regionProvider?: aws.Provider,
): EncryptedLogGroup[] {
    return RDS_LOG_EXPORTS.map(
        (log) =>
            new EncryptedLogGroup(
                `${name}-${log}-logs`,
                {
                    logGroupName: rdsLogGroupName(instanceIdentifier, log),
                    retentionInDays,
                    keyAlias: `alias/${instanceIdentifier}-${log}-logs`,
                    purpose: `RDS ${log} logs of ${instanceIdentifier}`,
                },
                regionProvider ? { parent, providers: [regionProvider] } : { parent },
            ),
    );
}
