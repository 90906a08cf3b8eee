import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { componentType } from "../../identity";
import { rotatingKey } from "./kms";

export interface ImageRepositoryArgs {
    /** Repository name, e.g. claude-enhancer-production. */
    repositoryName: string;
    /** Tagged images (releases) kept; the older ones expire. */
    keepReleases: number;
    /** Days an untagged image is kept. */
    untaggedExpiryDays: number;
}

/** An ECR lifecycle policy document (docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html). */
export interface LifecyclePolicyDocument {
    rules: {
        rulePriority: number;
        description: string;
        selection: {
            tagStatus: "tagged" | "untagged" | "any";
            tagPatternList?: string[];
            countType: "imageCountMoreThan" | "sinceImagePushed";
            countUnit?: "days";
            countNumber: number;
        };
        action: { type: "expire" };
    }[];
}

/**
 * Untagged images (a tag moved away is impossible with IMMUTABLE tags, so these are failed or
 * superseded pushes) expire after `untaggedExpiryDays`; of the tagged releases the newest
 * `keepReleases` stay, so a rollback to any recent version finds its image.
 */
export function imageLifecyclePolicy(keepReleases: number, untaggedExpiryDays: number): LifecyclePolicyDocument {
    return {
        rules: [
            {
                rulePriority: 1,
                description: `Expire untagged images after ${untaggedExpiryDays} days`,
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: untaggedExpiryDays },
                action: { type: "expire" },
            },
            {
                rulePriority: 2,
                description: `Keep the last ${keepReleases} releases`,
                selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: keepReleases },
                action: { type: "expire" },
            },
        ],
    };
}

/**
 * The stack's registry for the service's release images (docs/image-and-network.md):
 * - an ECR repository with immutable tags (a version always names the same image, which the rollout
 *   and the pinned-tag policy rely on), scanned on push, encrypted with a rotating customer-managed key;
 * - a lifecycle policy expiring untagged images and all but the last releases.
 * The nodes pull with their role's AmazonEC2ContainerRegistryReadOnly policy (components/cluster).
 */
export class ImageRepository extends pulumi.ComponentResource {
    readonly repositoryUrl: pulumi.Output<string>;
    readonly repositoryArn: pulumi.Output<string>;
    readonly repositoryName: pulumi.Output<string>;
    readonly kmsKeyArn: pulumi.Output<string>;

    constructor(name: string, args: ImageRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("aws", "ImageRepository"), name, {}, opts);
        const key = rotatingKey(`${name}-key`, `${args.repositoryName}-images`, `ECR images of ${args.repositoryName}`, ["ecr"], {
            parent: this,
        });
        const repository = new aws.ecr.Repository(
            name,
            {
                name: args.repositoryName,
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: key.arn }],
                // A repository with images is never deleted with them; releases are removed by the lifecycle policy.
                forceDelete: false,
            },
            { parent: this },
        );
        new aws.ecr.LifecyclePolicy(
            name,
            {
                repository: repository.name,
                policy: JSON.stringify(imageLifecyclePolicy(args.keepReleases, args.untaggedExpiryDays)),
            },
            { parent: this },
        );

        this.repositoryUrl = repository.repositoryUrl;
        this.repositoryArn = repository.arn;
        this.repositoryName = repository.name;
        this.kmsKeyArn = key.arn;
        this.registerOutputs({
            repositoryUrl: this.repositoryUrl,
            repositoryArn: this.repositoryArn,
            repositoryName: this.repositoryName,
            kmsKeyArn: this.kmsKeyArn,
        });
    }
}
