import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accountScope } from "./accountScope";
import { logsKeyPolicy } from "./iamDocuments";
import { componentType } from "../../identity";

export interface EncryptedLogGroupArgs {
    /** The log group's name; AWS services writing to a fixed name (EKS) need it exact. */
    logGroupName: string;
    retentionInDays: number;
    /** Alias of the key, e.g. alias/claude-enhancer-staging-flow-logs (alias/aws/ is reserved). */
    keyAlias: string;
    /** What the log group holds, for the key's description. */
    purpose: string;
}

/**
 * A CloudWatch Logs log group encrypted with its own rotating customer-managed KMS key, whose policy
 * lets CloudWatch Logs use it for this log group only, and with bounded retention.
 */
export class EncryptedLogGroup extends pulumi.ComponentResource {
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly arn: pulumi.Output<string>;
    readonly kmsKeyArn: pulumi.Output<string>;

    constructor(name: string, args: EncryptedLogGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("logs", "EncryptedLogGroup"), name, {}, opts);
        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Encrypts ${args.purpose} (${args.logGroupName})`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: accountScope(this).apply((scope) => JSON.stringify(logsKeyPolicy(scope, args.logGroupName))),
            },
            { parent: this },
        );
        new aws.kms.Alias(`${name}-key`, { name: args.keyAlias, targetKeyId: key.keyId }, { parent: this });
        this.logGroup = new aws.cloudwatch.LogGroup(
            name,
            { name: args.logGroupName, retentionInDays: args.retentionInDays, kmsKeyId: key.arn },
            { parent: this },
        );
        this.arn = this.logGroup.arn;
        this.kmsKeyArn = key.arn;
        this.registerOutputs({ arn: this.arn, kmsKeyArn: this.kmsKeyArn });
    }
}
