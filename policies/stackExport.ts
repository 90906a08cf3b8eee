/** Reads `pulumi stack export` output (deployment format version 3) into the resources a policy pack sees. */
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { AnalyzedResource } from "./analyzer";

export class StackExportError extends Error {}

/** What a secret whose plaintext the export does not carry (`pulumi stack export` without --show-secrets) reads as. */
export const REDACTED_SECRET = "[secret]";

interface ExportedResource {
    urn?: unknown;
    type?: unknown;
    custom?: unknown;
    delete?: unknown;
    inputs?: unknown;
    outputs?: unknown;
    parent?: unknown;
    provider?: unknown;
    protect?: unknown;
    dependencies?: unknown;
    propertyDependencies?: unknown;
}

/**
 * Secrets are exported as `{<sig key>: <secret sig>, ciphertext | plaintext}`; a policy sees the
 * plaintext when the export has it (`--show-secrets`), an opaque marker otherwise.
 */
function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (typeof value !== "object" || value === null) return value;
    const record = value as Record<string, unknown>;
    if (record[specialSigKey] === specialSecretSig) {
        if (typeof record.plaintext === "string") {
            try {
                return unwrapSecrets(JSON.parse(record.plaintext));
            } catch {
                return record.plaintext;
            }
        }
        return REDACTED_SECRET;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) out[k] = unwrapSecrets(v);
    return out;
}

function properties(value: unknown, what: string, urn: string): Record<string, any> {
    if (value === undefined || value === null) return {};
    if (typeof value !== "object" || Array.isArray(value)) throw new StackExportError(`resource ${urn}: ${what} is not an object`);
    return unwrapSecrets(value) as Record<string, any>;
}

function strings(value: unknown, what: string, urn: string): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
        throw new StackExportError(`resource ${urn}: ${what} is not a list of URNs`);
    return value as string[];
}

/** The resources of a stack export, current ones only (pending deletions are skipped). */
export function parseStackExport(text: string): AnalyzedResource[] {
    let document: unknown;
    try {
        document = JSON.parse(text);
    } catch (e) {
        throw new StackExportError(`not JSON: ${(e as Error).message}`);
    }
    const root = document as { version?: unknown; deployment?: { resources?: unknown } } | null;
    if (typeof root !== "object" || root === null || typeof root.deployment !== "object" || root.deployment === null) {
        throw new StackExportError('not a `pulumi stack export` document: no "deployment" object');
    }
    if (root.version !== undefined && root.version !== 3) {
        throw new StackExportError(
            `deployment format version ${JSON.stringify(root.version)} is not supported; expected 3 (pulumi stack export)`,
        );
    }
    const resources = root.deployment.resources ?? [];
    if (!Array.isArray(resources)) throw new StackExportError('"deployment.resources" is not a list');
    return (resources as ExportedResource[])
        .filter((r) => r.delete !== true)
        .map((r, index) => {
            if (typeof r.urn !== "string" || typeof r.type !== "string")
                throw new StackExportError(`deployment.resources[${index}] has no urn or type`);
            const urn = r.urn;
            const propertyDependencies: Record<string, string[]> = {};
            for (const [key, urns] of Object.entries(properties(r.propertyDependencies, "propertyDependencies", urn))) {
                propertyDependencies[key] = strings(urns, `propertyDependencies.${key}`, urn);
            }
            return {
                urn,
                type: r.type,
                name: urn.slice(urn.lastIndexOf("::") + 2),
                inputs: properties(r.inputs, "inputs", urn),
                outputs: properties(r.outputs, "outputs", urn),
                parent: typeof r.parent === "string" && r.parent !== "" ? r.parent : undefined,
                provider: typeof r.provider === "string" && r.provider !== "" ? r.provider : undefined,
                protect: r.protect === true,
                dependencies: strings(r.dependencies, "dependencies", urn),
                propertyDependencies,
            };
        });
}

/** The inverse of parseStackExport: a `pulumi stack export` document (deployment v3) holding `resources`. */
export function toStackExport(resources: AnalyzedResource[]): string {
    return JSON.stringify({
        version: 3,
        deployment: {
            manifest: { time: new Date(0).toISOString(), magic: "", version: "" },
            resources: resources.map((r) => ({
                urn: r.urn,
                id: r.outputs.id,
                type: r.type,
                inputs: r.inputs,
                outputs: r.outputs,
                parent: r.parent,
                provider: r.provider,
                protect: r.protect,
                dependencies: r.dependencies,
                propertyDependencies: r.propertyDependencies,
            })),
        },
    });
}
