/**
 * Turns what the whole program registers under mocks into what the engine would show the pack:
 * inputs for Analyze, outputs for AnalyzeStack. The AWS provider adds one output the mocks do not:
 * `tagsAll` (its defaultTags merged with the resource's tags) on every type that takes tags.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AnalyzedResource, providerUrn } from "../../policies/analyzer";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { RecordedResource } from "../harness/recorder";

const AWS_SDK = join(__dirname, "..", "..", "node_modules", "@pulumi", "aws");
const taggable = new Map<string, boolean>();

/** Whether an AWS resource type has a `tagsAll` output, read from the SDK's declaration of its class. */
export function isTaggableAwsType(type: string): boolean {
    let known = taggable.get(type);
    if (known === undefined) {
        const module = type.split(":")[1];
        const declaration = join(AWS_SDK, `${module}.d.ts`);
        known = existsSync(declaration) && /readonly tagsAll: pulumi\.Output/.test(readFileSync(declaration, "utf8"));
        taggable.set(type, known);
    }
    return known;
}

function defaultTagsOf(provider: RecordedResource | undefined): Record<string, string> {
    const value = provider?.inputs.defaultTags;
    const parsed = typeof value === "string" ? JSON.parse(value) : value;
    return parsed?.tags ?? {};
}

/**
 * A recorded value with every secret unwrapped: the engine sends secrets to a policy pack wrapped,
 * and @pulumi/policy unwraps them before any policy reads the properties.
 */
export function unwrapSecrets(value: unknown): any {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (typeof value !== "object" || value === null) return value;
    const record = value as Record<string, unknown>;
    if (record[specialSigKey] === specialSecretSig) return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
}

export function toAnalyzedResources(recorded: RecordedResource[]): AnalyzedResource[] {
    const byUrn = new Map(recorded.map((r) => [r.urn, r]));
    return recorded.map((r) => {
        const outputs: Record<string, any> = { ...unwrapSecrets(r.state), id: r.id };
        if (r.type.startsWith("aws:") && isTaggableAwsType(r.type)) {
            const provider = r.provider ? byUrn.get(providerUrn(r.provider)) : undefined;
            outputs.tagsAll = { ...defaultTagsOf(provider), ...(r.state.tags ?? {}) };
        }
        return {
            urn: r.urn,
            type: r.type,
            name: r.name,
            inputs: unwrapSecrets(r.inputs),
            outputs,
            parent: r.parentUrn,
            provider: r.provider,
            protect: r.protect,
            dependencies: r.dependsOn,
        };
    });
}

/** Shortest computed value treated as a reference when found inside another resource's input. */
const MIN_REFERENCE_LENGTH = 8;

/**
 * The stack as the first `pulumi preview` shows it, when nothing exists yet: every value a provider
 * computes (ids, ARNs, endpoints, tagsAll ...) is unknown, and so is every input built from one (a
 * bucket name in a companion's `bucket`, a key ARN in `kmsKeyId`, a bucket ARN inside a policy
 * document). `unknown` is the sentinel the engine sends for such values.
 */
export function asFirstPreview(resources: AnalyzedResource[], unknown: string): AnalyzedResource[] {
    const computed = new Set<string>();
    for (const r of resources) {
        for (const [key, value] of Object.entries(r.outputs)) {
            if (!(key in r.inputs) && typeof value === "string" && value.length >= MIN_REFERENCE_LENGTH) computed.add(value);
        }
    }
    const references = [...computed];
    const blank = (value: unknown): unknown => {
        if (typeof value === "string") return references.some((c) => value.includes(c)) ? unknown : value;
        if (Array.isArray(value)) return value.map(blank);
        if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, blank(v)]));
        return value;
    };
    return resources.map((r) => {
        const inputs = blank(r.inputs) as Record<string, any>;
        const outputs: Record<string, any> = { ...inputs };
        for (const key of Object.keys(r.outputs)) if (!(key in r.inputs)) outputs[key] = unknown;
        return { ...r, inputs: r.type.startsWith("pulumi:providers:") ? r.inputs : inputs, outputs };
    });
}
