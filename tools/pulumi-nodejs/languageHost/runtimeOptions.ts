/**
 * The `runtime.options` of a Pulumi.yaml (or PulumiPlugin.yaml / PulumiPolicy.yaml) as the Node.js
 * language host reads them, and what they turn into for the Node process: its arguments and the
 * environment variables @pulumi/pulumi's runner reads. Same defaults and errors as the upstream host.
 */
import { split } from "shlex";

export interface RuntimeOptions {
    /** Whether the SDK's runner registers ts-node itself (default true). */
    typescript: boolean;
    /** tsconfig.json the runner's ts-node uses, when not the default. */
    tsconfig?: string;
    /** Extra arguments for the `node` process, before the runner's script. */
    nodeargs: string[];
}

/** Reads the options object the CLI passes in ProgramInfo (a protobuf Struct as plain JavaScript). */
export function runtimeOptions(options: Record<string, unknown>): RuntimeOptions {
    const { typescript = true, tsconfig, nodeargs = "" } = options;
    if (typeof typescript !== "boolean") throw new Error("typescript option must be a boolean");
    if (tsconfig !== undefined && typeof tsconfig !== "string") throw new Error("tsconfigpath option must be a string");
    if (typeof nodeargs !== "string") throw new Error("nodeargs option must be a string");
    return { typescript, tsconfig, nodeargs: split(nodeargs) };
}

/** Environment variables that carry the TypeScript options to the SDK's runner. */
export function typescriptEnvironment(options: RuntimeOptions): Record<string, string> {
    return {
        ...(options.typescript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {}),
        ...(options.tsconfig ? { PULUMI_NODEJS_TSCONFIG_PATH: options.tsconfig } : {}),
    };
}
