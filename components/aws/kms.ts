import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

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
