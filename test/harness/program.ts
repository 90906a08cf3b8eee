import * as pulumi from "@pulumi/pulumi";
import { readStackSettings } from "../../config/stackFile";
import { CONFIG_NAMESPACE } from "../../config";
import { RecordedResource, RecordingMocks, RegisterRequest } from "./recorder";

// Internal to @pulumi/pulumi but stable for years: resolves when every outstanding RPC has finished,
// i.e. when the program has registered everything it will.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

export interface ProgramRun {
    mocks: RecordingMocks;
    resources: RecordedResource[];
    /** The stack outputs, resolved (secrets unwrapped). */
    outputs: Record<string, unknown>;
    /** Names of the stack outputs that are Pulumi secrets. */
    secretOutputs: string[];
}

/** Installs recording mocks for a stack, and hooks the monitor to learn URNs, parents and options. */
export async function installMocks(stack: string, preview = false, project = "claude-enhancer"): Promise<RecordingMocks> {
    const mocks = new RecordingMocks();
    await pulumi.runtime.setMocks(mocks, project, stack, preview);
    type Callback = (err: unknown, resp?: { getUrn(): string }) => void;
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(req: RegisterRequest, cb: Callback): Promise<void>;
        readResource(req: Pick<RegisterRequest, "getType" | "getName" | "getParent" | "getDependenciesList">, cb: Callback): Promise<void>;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) =>
        register(req, (err, resp) => {
            if (resp) mocks.annotate(req, resp.getUrn());
            cb(err, resp);
        });
    // Reads (Resource.get) have a parent too; they carry no protect, ignoreChanges or secret outputs.
    const read = monitor.readResource.bind(monitor);
    monitor.readResource = (req, cb) =>
        read(req, (err, resp) => {
            if (resp) {
                const none = () => [];
                mocks.annotate(
                    {
                        ...req,
                        getType: () => req.getType(),
                        getName: () => req.getName(),
                        getParent: () => req.getParent(),
                        getDependenciesList: () => req.getDependenciesList(),
                        getProtect: () => false,
                        getAdditionalsecretoutputsList: none,
                        getIgnorechangesList: none,
                    },
                    resp.getUrn(),
                    true,
                );
            }
            cb(err, resp);
        });
    return mocks;
}

/**
 * The secret settings each stack's operators set with `pulumi config set --secret` (encrypted in a real
 * stack's file, which the tests cannot read): made-up values of the right shape. Production refuses to
 * deploy without the secrets of its critical Alertmanager receivers (config/secrets.ts).
 */
export const STACK_SECRETS: Record<string, Record<string, string>> = {
    production: {
        alertmanagerPagerdutyRoutingKey: "test0routing0key0000000000000000",
        alertmanagerSlackWebhookUrl: "https://hooks.slack.com/services/T0TEST/B0TEST/test0webhook0secret",
    },
};

/** `STACK_SECRETS` of `stack` as runtime configuration keys (`claude-enhancer:<key>`). */
export function stackSecrets(stack: string): Record<string, string> {
    return Object.fromEntries(Object.entries(STACK_SECRETS[stack] ?? {}).map(([key, value]) => [`${CONFIG_NAMESPACE}:${key}`, value]));
}

/** Sets the runtime configuration to `settings` (keys without namespace), as `pulumi up` would from the stack file. */
export function setStackConfig(settings: Record<string, unknown>, extra: Record<string, string> = {}): void {
    const all: Record<string, string> = { ...extra };
    for (const [key, value] of Object.entries(settings)) {
        all[`${CONFIG_NAMESPACE}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    pulumi.runtime.setAllConfig(all, Object.keys(extra));
}

async function resolve(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        return new Promise((res) => (value as pulumi.Output<unknown>).apply((v) => res(v)));
    }
    return value;
}

/**
 * Runs the whole program (index.ts) under the mock runtime with the settings of `Pulumi.<stack>.yaml`
 * (optionally overridden) and the stack's secrets (`STACK_SECRETS` unless given), waits until it has
 * registered everything, and returns what it registered.
 */
export async function runProgram(
    stack: string,
    options: { overrides?: Record<string, unknown>; secrets?: Record<string, string>; preview?: boolean } = {},
): Promise<ProgramRun> {
    const mocks = await installMocks(stack, options.preview ?? false);
    setStackConfig({ ...readStackSettings(stack), ...options.overrides }, options.secrets ?? stackSecrets(stack));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const main = require("../../index") as () => Promise<Record<string, unknown>>;
    const exported = await main();
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [key, value] of Object.entries(exported ?? {})) {
        outputs[key] = await resolve(value);
        if (pulumi.Output.isInstance(value) && (await pulumi.isSecret(value as pulumi.Output<unknown>))) secretOutputs.push(key);
    }
    await settings.waitForRPCs();
    return { mocks, resources: mocks.resources, outputs, secretOutputs };
}
