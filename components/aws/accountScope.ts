import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AccountScope } from "./iamDocuments";

/**
 * Partition, account and region of `provider`, else of the AWS provider `parent` resolves to (the
 * invokes inherit the provider from the parent), for ARNs and service principals in policy documents.
 */
export function accountScope(parent: pulumi.Resource, provider?: pulumi.ProviderResource): pulumi.Output<AccountScope> {
    const opts = { parent, provider };
    return pulumi
        .all([aws.getPartitionOutput({}, opts), aws.getCallerIdentityOutput({}, opts), aws.getRegionOutput({}, opts)])
        .apply(([partition, identity, region]) => ({
            partition: partition.partition,
            dnsSuffix: partition.dnsSuffix,
            accountId: identity.accountId,
            region: region.region,
        }));
}
