import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** What the AWS data stores need of the Network component: the VPC and its private subnets. */
export interface DataStoreNetwork {
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string>[];
}

/** What the data stores need of the Cluster component: the security group of its nodes (EKS only). */
export interface DataStoreClients {
    /** Security group EKS attaches to the control plane and managed nodes; undefined for an existing cluster. */
    clusterSecurityGroupId?: pulumi.Input<string>;
}

/**
 * `<project>-<stack>` as AWS resource identifiers accept it (lowercase letters, digits, single
 * hyphens, starting with a letter), the stem of every name the data stores give their resources.
 */
export function stackPrefix(project: string, stack: string): string {
    const prefix = `${project}-${stack}`
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-+/g, "-")
        .replace(/^[^a-z]+|-+$/g, "");
    if (prefix === "") throw new Error(`project "${project}" and stack "${stack}" give no usable resource name`);
    return prefix;
}

/** The prefix of the running stack. */
export function currentStackPrefix(): string {
    return stackPrefix(pulumi.getProject(), pulumi.getStack());
}

/** Fails with a clear message when a generated identifier exceeds the service's limit. */
export function checkedIdentifier(identifier: string, maxLength: number, what: string): string {
    if (identifier.length > maxLength) {
        throw new Error(`${what} "${identifier}" is ${identifier.length} characters; AWS allows ${maxLength}. Use a shorter stack name.`);
    }
    return identifier;
}

/**
 * A symmetric customer-managed KMS key with yearly automatic rotation and an alias. The default key
 * policy applies: the account administers the key and grants its use through IAM, which is how RDS,
 * ElastiCache, S3, Secrets Manager, EKS and AWS Backup use it on behalf of callers. `opts` carries the
 * parent and, for DR copies, the DR region's provider.
 */
export function rotatingKey(name: string, alias: string, description: string, opts: pulumi.CustomResourceOptions): aws.kms.Key {
    const key = new aws.kms.Key(name, { description, enableKeyRotation: true, deletionWindowInDays: 30 }, opts);
    new aws.kms.Alias(name, { name: `alias/${alias}`, targetKeyId: key.keyId }, opts);
    return key;
}
