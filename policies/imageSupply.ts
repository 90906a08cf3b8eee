/**
 * Image supply rules (docs/policies.md): the registry the service's releases come from keeps a
 * version's image fixed (immutable tags), scans every push and encrypts images with a
 * customer-managed KMS key (docs/image-and-network.md).
 */
import * as ecr from "@pulumi/aws/ecr";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { isSet, whenKnown } from "./lib";

export const ecrHardened: ResourceValidationPolicy = {
    name: "aws-ecr-hardened",
    description: "ECR repositories have immutable tags, scan images on push and encrypt them with a customer-managed KMS key.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        ecr.Repository,
        whenKnown((repository, _args, report) => {
            // The ECR API's default is MUTABLE: a re-pushed tag would change what a running version's pods pull.
            const mutability = repository.imageTagMutability ?? "MUTABLE";
            if (mutability !== "IMMUTABLE")
                report(`imageTagMutability is ${mutability}; expected IMMUTABLE, so a version always names the same image.`);
            if (repository.imageScanningConfiguration?.scanOnPush !== true) report("imageScanningConfiguration.scanOnPush is not true.");
            const encryption = repository.encryptionConfigurations?.[0];
            if (encryption?.encryptionType !== "KMS")
                report(`images are encrypted with ${encryption?.encryptionType ?? "AES256"}; expected KMS.`);
            else if (!isSet(encryption, "kmsKey"))
                report("encryptionConfigurations has no kmsKey (the AWS-managed key); expected a customer-managed key.");
        }),
    ),
};

export const imageSupplyPolicies = [ecrHardened];
