/**
 * The table of the pack's policies in docs/policies.md, generated from the policies' own definitions and the
 * per-stack policy configs (`npm run docs:policies` prints it; a test keeps docs/policies.md in step).
 */
import { PolicyPackDefinition, reconcileConfig } from "./analyzer";

/** The stacks in the order the table shows them, each with its policy config (policies/config/<stack>.json). */
export type StackConfigs = Record<string, unknown>;

function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function value(v: unknown): string {
    if (Array.isArray(v)) return v.map((x) => String(x)).join(", ");
    if (typeof v === "object" && v !== null)
        return Object.entries(v)
            .map(([k, x]) => `${k}: ${value(x)}`)
            .join(", ");
    return String(v);
}

/** One Markdown row per policy: name, what it checks, severity, the level per stack, and its config with each stack's values. */
export function policyTableMarkdown(pack: PolicyPackDefinition, configs: StackConfigs): string {
    const stacks = Object.keys(configs);
    const settings = Object.fromEntries(stacks.map((s) => [s, reconcileConfig(pack, configs[s])]));
    const rows = [
        `| Policy | What it checks | Severity | ${stacks.join(" | ")} | Config (default; per-stack values) |`,
        `|---|---|---|${stacks.map(() => "---").join("|")}|---|`,
    ];
    for (const policy of pack.policies) {
        const levels = stacks.map((s) => settings[s].get(policy.name)!.enforcementLevel);
        const properties = Object.entries(policy.configSchema?.properties ?? {}).map(([key, schema]) => {
            const defaults = value(schema.default);
            const perStack = stacks
                .map((s) => ({ stack: s, v: value(settings[s].get(policy.name)!.properties[key]) }))
                .filter(({ v }) => v !== defaults)
                .map(({ stack, v }) => `${stack}: ${v}`);
            return `\`${key}\` = ${defaults}${perStack.length > 0 ? ` (${perStack.join("; ")})` : ""}`;
        });
        rows.push(
            `| \`${policy.name}\` | ${cell(policy.description)} | ${policy.severity ?? ""} | ${levels.join(" | ")} | ${cell(properties.join("<br>")) || "–"} |`,
        );
    }
    return rows.join("\n");
}
