import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accountScope } from "./accountScope";
import { serviceKeyPolicy } from "./iamDocuments";

/**
 * A symmetric customer-managed KMS key with yearly automatic rotation, an alias and an explicit key
 * policy (serviceKeyPolicy): the account administers the key, and its principals may use it only
 * through `services` (short names as in `rds.<region>.amazonaws.com`: "rds", "s3", "backup" ...) of
 * the key's region. `opts` carries the parent and, for DR copies, the DR region's provider, whose
 * region the policy then names.
 */
export function rotatingKey(
    name: string,
    alias: string,
    description: string,
    services: readonly string[],
    opts: pulumi.CustomResourceOptions & { parent: pulumi.Resource },
): aws.kms.Key {
    const policy = accountScope(opts.parent, opts.provider).apply((scope) => JSON.stringify(serviceKeyPolicy(scope, services)));
    const key = new aws.kms.Key(name, { description, enableKeyRotation: true, deletionWindowInDays: 30, policy }, opts);
    new aws.kms.Alias(name, { name: `alias/${alias}`, targetKeyId: key.keyId }, opts);
    return key;
}
