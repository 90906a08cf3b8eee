import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { costTags } from "../../components/aws/tags";
import { installMocks } from "../harness/program";
import { RecordedResource, RecordingMocks } from "../harness/recorder";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

export const TEST_COST_TAGS = costTags({ environment: "test", costCenter: "test-center" });

/**
 * Runs `build` under the recording mocks of `stack` with one explicit AWS provider (named "aws",
 * us-east-1, the cost tags as defaultTags), waits until everything is registered, and returns the
 * mocks and what `build` returned.
 */
export async function withAwsProvider<T>(
    stack: string,
    build: (provider: aws.Provider) => T,
): Promise<{ mocks: RecordingMocks; built: T }> {
    const mocks = await installMocks(stack);
    const provider = new aws.Provider("aws", { region: "us-east-1", defaultTags: { tags: TEST_COST_TAGS } });
    const built = build(provider);
    await settings.waitForRPCs();
    return { mocks, built };
}

/** The value of an output, as the mock engine resolved it. */
export function resolved<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/** Whether `resource` sits (directly or further down) under the resource with URN `ancestorUrn`. */
export function isDescendantOf(mocks: RecordingMocks, resource: RecordedResource, ancestorUrn: string): boolean {
    let parent = resource.parentUrn;
    while (parent) {
        if (parent === ancestorUrn) return true;
        parent = mocks.resources.find((r) => r.urn === parent)?.parentUrn;
    }
    return false;
}
