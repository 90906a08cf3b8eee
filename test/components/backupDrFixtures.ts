import * as assert from "assert";
import { AwsProviders } from "../../components/aws/providers";
import { installMocks } from "../harness/program";
import { RecordedResource, RecordingMocks } from "../harness/recorder";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

/** Runs `build` under the recording mocks of `stack` and waits until everything is registered. */
export async function registered(stack: string, build: () => void): Promise<RecordingMocks> {
    const mocks = await installMocks(stack);
    build();
    await settings.waitForRPCs();
    return mocks;
}

/** The explicit AWS providers of a stack, as index.ts creates them. */
export function awsProviders(environment: string): AwsProviders {
    return new AwsProviders("aws", { region: "us-east-1", drRegion: "us-west-2", environment, costCenter: "test" });
}

/** The region of the provider a resource was created with. */
export function regionOf(mocks: RecordingMocks, resource: RecordedResource): string {
    assert.ok(resource.provider, `${resource.type} ${resource.name} has no explicit provider`);
    const providerUrn = resource.provider.split("::").slice(0, -1).join("::");
    const provider = mocks.resources.find((r) => r.urn === providerUrn);
    assert.ok(provider, `provider ${providerUrn} of ${resource.name} was not registered`);
    return provider.inputs.region;
}
