import * as assert from "assert";
import { ImageRepository, imageLifecyclePolicy } from "../../../components/aws/imageRepository";
import { RecordingMocks } from "../../harness/recorder";
import { isDescendantOf, resolved, withAwsProvider } from "../awsComponentFixtures";

const REPOSITORY = "aws:ecr/repository:Repository";

describe("ImageRepository component", function () {
    this.timeout(60_000);
    let mocks: RecordingMocks;
    let images: ImageRepository;
    before(async () => {
        ({ mocks, built: images } = await withAwsProvider(
            "staging",
            (provider) =>
                new ImageRepository(
                    "images",
                    { repositoryName: "claude-enhancer-staging", keepReleases: 30, untaggedExpiryDays: 7 },
                    { providers: [provider] },
                ),
        ));
    });

    it("keeps tags immutable, scans every push and encrypts with the stack's rotating key", () => {
        const repository = mocks.one(REPOSITORY);
        const key = mocks.one("aws:kms/key:Key");
        assert.strictEqual(repository.inputs.name, "claude-enhancer-staging");
        assert.strictEqual(repository.inputs.imageTagMutability, "IMMUTABLE");
        assert.deepStrictEqual(repository.inputs.imageScanningConfiguration, { scanOnPush: true });
        assert.deepStrictEqual(repository.inputs.encryptionConfigurations, [{ encryptionType: "KMS", kmsKey: key.state.arn }]);
        assert.strictEqual(repository.inputs.forceDelete, false);
        assert.strictEqual(key.inputs.enableKeyRotation, true);
        assert.strictEqual(mocks.one("aws:kms/alias:Alias").inputs.name, "alias/claude-enhancer-staging-images");
        for (const child of [repository, key])
            assert.ok(isDescendantOf(mocks, child, mocks.one("claude-enhancer:aws:ImageRepository").urn));
    });

    it("expires untagged images and all but the last releases of this repository", () => {
        const lifecycle = mocks.one("aws:ecr/lifecyclePolicy:LifecyclePolicy");
        assert.strictEqual(lifecycle.inputs.repository, mocks.one(REPOSITORY).state.name);
        assert.deepStrictEqual(JSON.parse(lifecycle.inputs.policy), imageLifecyclePolicy(30, 7));
    });

    it("exposes the repository URL the app image is built from", async () => {
        assert.strictEqual(await resolved(images.repositoryUrl), "123456789012.dkr.ecr.us-east-1.amazonaws.com/claude-enhancer-staging");
    });
});

describe("ECR lifecycle policy", () => {
    it("expires untagged images by age first, then tagged images beyond the count", () => {
        assert.deepStrictEqual(imageLifecyclePolicy(12, 3).rules, [
            {
                rulePriority: 1,
                description: "Expire untagged images after 3 days",
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 3 },
                action: { type: "expire" },
            },
            {
                rulePriority: 2,
                description: "Keep the last 12 releases",
                selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 12 },
                action: { type: "expire" },
            },
        ]);
    });
});
