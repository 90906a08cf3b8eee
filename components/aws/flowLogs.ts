import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accountScope } from "./accountScope";
import { EncryptedLogGroup } from "./encryptedLogGroup";
import { flowLogsAssumeRolePolicy, flowLogsDeliveryPolicy } from "./iamDocuments";

export interface VpcFlowLogsArgs {
    vpcId: pulumi.Input<string>;
    logGroupName: string;
    retentionInDays: number;
    /** Alias of the log group's key (alias/aws/ is reserved). */
    keyAlias: string;
    /** What the logs are, in the key's description. */
    purpose: string;
    roleDescription: string;
    /** Name of the FlowLog resource (part of its URN, so each caller keeps its own). */
    flowLogName: string;
    tags: Record<string, string>;
}

/**
 * Flow logs of a VPC (all traffic) to a KMS-encrypted CloudWatch log group with bounded retention,
 * delivered by a role that may write only there. Children of `parent`, named `name-flow-logs`; the
 * log group and the flow log live in `regionProvider`'s region when given (a DR VPC), the role is global.
 */
export function vpcFlowLogs(
    name: string,
    args: VpcFlowLogsArgs,
    parent: pulumi.Resource,
    regionProvider?: aws.Provider,
): EncryptedLogGroup {
    const logGroup = new EncryptedLogGroup(
        `${name}-flow-logs`,
        { logGroupName: args.logGroupName, retentionInDays: args.retentionInDays, keyAlias: args.keyAlias, purpose: args.purpose },
        regionProvider ? { parent, providers: [regionProvider] } : { parent },
    );
    const role = new aws.iam.Role(
        `${name}-flow-logs`,
        {
            description: args.roleDescription,
            // Scope of the log group's provider: the region the logs are delivered in.
            assumeRolePolicy: accountScope(logGroup).apply((scope) => JSON.stringify(flowLogsAssumeRolePolicy(scope))),
        },
        { parent },
    );
    const policy = new aws.iam.RolePolicy(
        `${name}-flow-logs`,
        { role: role.id, policy: logGroup.arn.apply((arn) => JSON.stringify(flowLogsDeliveryPolicy(arn))) },
        { parent },
    );
    new aws.ec2.FlowLog(
        args.flowLogName,
        {
            vpcId: args.vpcId,
            trafficType: "ALL",
            logDestinationType: "cloud-watch-logs",
            logDestination: logGroup.arn,
            iamRoleArn: role.arn,
            tags: args.tags,
        },
        { parent, provider: regionProvider, dependsOn: [policy] },
    );
    return logGroup;
}
