import { z } from "zod";
import { CONFIG_NAMESPACE, PlatformSchema } from "./index";

/** One documented stack setting: its full key path, accepted values, default and description. */
export interface ConfigKeyDoc {
    key: string;
    /** The variant the key belongs to, e.g. `mode=eks`; empty when it always applies. */
    when: string;
    accepts: string;
    default: string;
    description: string;
}

interface JsonSchema {
    type?: string | string[];
    properties?: Record<string, JsonSchema>;
    required?: string[];
    items?: JsonSchema;
    additionalProperties?: JsonSchema | boolean;
    oneOf?: JsonSchema[];
    anyOf?: JsonSchema[];
    enum?: unknown[];
    const?: unknown;
    default?: unknown;
    minimum?: number;
    maximum?: number;
    exclusiveMinimum?: number;
    description?: string;
}

function accepts(s: JsonSchema): string {
    if (s.const !== undefined) return JSON.stringify(s.const);
    if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" \\| ");
    const alternatives = s.anyOf ?? s.oneOf;
    if (alternatives) return alternatives.map(accepts).join(" \\| ");
    if (s.type === "array") return `list of ${s.items ? accepts(s.items) : "values"}`;
    if (s.type === "integer" || s.type === "number") {
        const bounds = [
            s.minimum !== undefined && s.minimum > Number.MIN_SAFE_INTEGER ? `≥ ${s.minimum}` : "",
            s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : "",
            s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? `≤ ${s.maximum}` : "",
        ].filter(Boolean);
        return `${s.type}${bounds.length ? ` (${bounds.join(", ")})` : ""}`;
    }
    if (s.type === "object" && typeof s.additionalProperties === "object") return "map of string";
    return String(s.type ?? "value");
}

function discriminant(branch: JsonSchema): string | undefined {
    for (const [name, prop] of Object.entries(branch.properties ?? {})) {
        if (prop.const !== undefined) return `${name}=${String(prop.const)}`;
    }
    return undefined;
}

function walk(s: JsonSchema, key: string, required: boolean, rows: ConfigKeyDoc[], inherited: unknown, when = ""): void {
    const alternatives = s.oneOf ?? s.anyOf;
    if (alternatives && alternatives.every((b) => b.properties && discriminant(b))) {
        const base = key.slice(key.indexOf(":") + 1);
        const [field] = discriminant(alternatives[0])!.split("=");
        rows.push({
            key: `${key}.${field}`,
            when,
            accepts: alternatives.map((b) => JSON.stringify(b.properties![field].const)).join(" \\| "),
            default: "**required**",
            description: s.description ?? "",
        });
        for (const branch of alternatives) walk(branch, key, required, rows, undefined, `${base}.${discriminant(branch)}`);
        return;
    }
    if (s.type === "object" && s.properties) {
        for (const [name, prop] of Object.entries(s.properties)) {
            const isRequired = (s.required ?? []).includes(name) && prop.default === undefined;
            const nested = (inherited as Record<string, unknown> | undefined)?.[name];
            walk(prop, `${key}${key.endsWith(":") ? "" : "."}${name}`, isRequired, rows, prop.default ?? nested, when);
        }
        return;
    }
    if (s.type === "array" && s.items?.type === "object" && s.items.properties) {
        walk(s.items, `${key}[]`, required, rows, undefined, when);
        return;
    }
    const fallback = s.default ?? inherited;
    if (when.endsWith(`.${key.slice(key.lastIndexOf(".") + 1)}=${String(s.const)}`)) return; // the discriminant itself
    rows.push({
        key,
        when,
        accepts: accepts(s),
        default: fallback !== undefined ? `\`${JSON.stringify(fallback)}\`` : required ? "**required**" : "unset",
        description: s.description ?? "",
    });
}

/** Every stack setting the schema accepts, derived from the schema itself so the docs cannot drift. */
export function configKeyDocs(): ConfigKeyDoc[] {
    const schema = z.toJSONSchema(PlatformSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    const rows: ConfigKeyDoc[] = [];
    walk(schema, `${CONFIG_NAMESPACE}:`, false, rows, undefined);
    return rows;
}

/** The table of stack settings in docs/configuration.md. */
export function configKeysMarkdown(): string {
    const lines = ["| key | when | accepts | default |", "|---|---|---|---|"];
    for (const row of configKeyDocs()) {
        lines.push(`| \`${row.key}\` | ${row.when ? `\`${row.when}\`` : ""} | ${row.accepts} | ${row.default} |`);
    }
    return lines.join("\n");
}
