/** The compliant and violating cases of every imageSupply policy (test/policies/imageSupply.test.ts runs them; coverage.test.ts checks every pack policy has some). */
import * as f from "./fixtures";
import { PolicyCases, changed, resource } from "./harness";

/** The stack's image repository as the ImageRepository component declares it. */
const repository = () =>
    resource("aws:ecr/repository:Repository", "images", {
        name: "claude-enhancer-production",
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: f.KMS_ARN }],
        forceDelete: false,
    });

export const imageSupplyCases: PolicyCases = {
    "aws-ecr-hardened": [
        { title: "immutable, scanned, KMS-encrypted repository", resource: repository },
        {
            title: "mutable tags",
            resource: () => changed(repository(), ["imageTagMutability"], "MUTABLE"),
            violation: "imageTagMutability is MUTABLE; expected IMMUTABLE, so a version always names the same image.",
        },
        {
            title: "mutability left to the API default",
            resource: () => changed(repository(), ["imageTagMutability"], undefined),
            violation: "imageTagMutability is MUTABLE",
        },
        {
            title: "no scan on push",
            resource: () => changed(repository(), ["imageScanningConfiguration", "scanOnPush"], false),
            violation: "imageScanningConfiguration.scanOnPush is not true.",
        },
        {
            title: "AES256 encryption",
            resource: () => changed(repository(), ["encryptionConfigurations"], [{ encryptionType: "AES256" }]),
            violation: "images are encrypted with AES256; expected KMS.",
        },
        {
            title: "no encryption configuration (AES256 default)",
            resource: () => changed(repository(), ["encryptionConfigurations"], undefined),
            violation: "images are encrypted with AES256; expected KMS.",
        },
        {
            title: "the AWS-managed key",
            resource: () => changed(repository(), ["encryptionConfigurations"], [{ encryptionType: "KMS" }]),
            violation: "encryptionConfigurations has no kmsKey (the AWS-managed key); expected a customer-managed key.",
        },
    ],
};
