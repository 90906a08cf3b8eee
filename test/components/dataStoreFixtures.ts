import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AwsProviders } from "../../components/aws/providers";
import type { DataStoreClients, DataStoreNetwork } from "../../components/data/dataStoreNetwork";
import { installMocks } from "../harness/program";
import { RecordedResource, RecordingMocks } from "../harness/recorder";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

/** How the engine marks a secret value on the wire (what the mock monitor records as the input). */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** The value inside a recorded input, asserting it was sent as a secret. */
export function secretInput(value: unknown): unknown {
    assert.ok(value !== null && typeof value === "object", `expected a secret input, got ${JSON.stringify(value)}`);
    const wrapped = value as Record<string, unknown>;
    assert.strictEqual(wrapped[SECRET_SIG_KEY], SECRET_SIG, `expected a secret input, got ${JSON.stringify(value)}`);
    return wrapped.value;
}

export const NETWORK: DataStoreNetwork = {
    vpcId: "vpc-0test",
    privateSubnetIds: ["subnet-private-a", "subnet-private-b", "subnet-private-c"],
};
export const CLUSTER_SG = "sg-0cluster";
export const EKS_CLUSTER: DataStoreClients = { clusterSecurityGroupId: pulumi.output(CLUSTER_SG) };
export const DATA_NS = "claude-enhancer-data";

/** The providers index.ts gives the data components: the primary AWS provider (AWS stacks only) and the cluster's Kubernetes provider. */
export function providers(environment: string, onAws: boolean): pulumi.ProviderResource[] {
    const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    if (!onAws) return [k8sProvider];
    const aws = new AwsProviders("aws", { region: "us-east-1", drRegion: "us-west-2", environment, costCenter: "test" });
    return [aws.primary, k8sProvider];
}

/** Runs `build` under the recording mocks of `stack`, waits until everything is registered. */
export async function registered<T>(stack: string, build: () => T): Promise<{ mocks: RecordingMocks; built: T }> {
    const mocks = await installMocks(stack);
    const built = build();
    await settings.waitForRPCs();
    return { mocks, built };
}

export function resolved<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/** Resources of the mock run that belong to AWS (resources or providers). */
export function awsResources(mocks: RecordingMocks): RecordedResource[] {
    return mocks.resources.filter((r) => r.type.startsWith("aws:") || r.type === "pulumi:providers:aws");
}

/** The URN part of a recorded provider reference (`urn::id`). */
export function providerUrn(resource: RecordedResource): string | undefined {
    return resource.provider?.split("::").slice(0, -1).join("::");
}
