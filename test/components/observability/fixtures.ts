import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig, StackName } from "../../../config/stackFile";
import type { PlatformConfig } from "../../../config";
import { installMocks, setStackConfig } from "../../harness/program";
import { RecordedResource, RecordingMocks } from "../../harness/recorder";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

/** The validated configuration of a stack, from its Pulumi.<stack>.yaml (what the program reads). */
export function stackConfig(stack: StackName): PlatformConfig {
    return loadStackConfig(stack);
}

/**
 * Runs `build` under the recording mocks of `stack`, with `secrets` as secret stack keys
 * (`claude-enhancer:<key>`, as `pulumi config set --secret` would set them), and waits until every
 * resource is registered.
 */
export async function underMocks<T>(
    stack: StackName,
    build: (provider: k8s.Provider) => T,
    secrets: Record<string, string> = {},
): Promise<{ mocks: RecordingMocks; built: T }> {
    const mocks = await installMocks(stack);
    setStackConfig({}, Object.fromEntries(Object.entries(secrets).map(([k, v]) => [`claude-enhancer:${k}`, v])));
    const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const built = build(provider);
    await settings.waitForRPCs();
    return { mocks, built };
}

export function resolved<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/** The Kubernetes object of `type` whose metadata.name is `name`. */
export function objectNamed(mocks: RecordingMocks, type: string, name: string): RecordedResource {
    const found = mocks.ofType(type).filter((r) => r.inputs.metadata?.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
}

/** Whether `dependent` was registered with a dependency on `dependency`. */
export function dependsOn(dependent: RecordedResource, dependency: RecordedResource): boolean {
    return dependent.dependsOn.includes(dependency.urn);
}

/** Runs `body` with pulumi.log.warn captured instead of printed; returns its result and the warnings. */
export async function capturingWarnings<T>(body: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
    const warnings: string[] = [];
    const warn = pulumi.log.warn;
    pulumi.log.warn = async (message: string) => void warnings.push(message);
    try {
        return { result: await body(), warnings };
    } finally {
        pulumi.log.warn = warn;
    }
}

/** `body`'s result, its warnings (e.g. receivers left out for want of secrets) not printed. */
export async function withoutWarnings<T>(body: () => Promise<T>): Promise<T> {
    return (await capturingWarnings(body)).result;
}
