import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_NAMESPACE, PlatformConfig, parsePlatformConfig } from "./index";

/** Root of the Pulumi project (where Pulumi.yaml and the stack files live). */
export const PROJECT_ROOT = path.resolve(__dirname, "..");

export const STACKS = ["staging", "production", "local"] as const;
export type StackName = (typeof STACKS)[number];

function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && "secure" in value;
}

/**
 * The `claude-enhancer:*` settings of `Pulumi.<stack>.yaml`, namespace stripped. Encrypted
 * (`secure:`) values are left out: they are only readable through the Pulumi CLI, and the schema
 * never holds secrets. Used by the operator CLIs (cost, gate, rollout) and the tests, so they read
 * exactly what `pulumi up` reads.
 */
export function readStackSettings(stack: string, root = PROJECT_ROOT): Record<string, unknown> {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new Error(`no stack file ${file} (known stacks: ${STACKS.join(", ")})`);
    const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const settings: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        const prefix = `${CONFIG_NAMESPACE}:`;
        if (!key.startsWith(prefix) || isSecure(value)) continue;
        settings[key.slice(prefix.length)] = value;
    }
    return settings;
}

/** Validated configuration of a stack, from its file. */
export function loadStackConfig(stack: string, root = PROJECT_ROOT): PlatformConfig {
    return parsePlatformConfig(readStackSettings(stack, root));
}
