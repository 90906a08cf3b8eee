import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import type { KubeObject } from "../harness/apiserver";
import { RecordedResource, kubernetesAutoname } from "../harness/recorder";

/**
 * From what the program registers under the mock runtime to the objects Pulumi's Kubernetes
 * provider would send the API server: secrets unwrapped, names the provider would generate,
 * and a plain account of every `kubernetes:*` resource that cannot be sent.
 */

/** A Kubernetes object the program declares, ready for server-side apply. */
export interface Manifest {
    urn: string;
    /** Pulumi type token, e.g. `kubernetes:apps/v1:Deployment`. */
    type: string;
    object: KubeObject;
    /** Namespace the provider puts a namespaced object without one in (its `namespace` setting, else "default"). */
    defaultNamespace: string;
    /** Input paths the mock runtime left unresolved, and what was done about each. */
    placeholders: string[];
}

/** A `kubernetes:*` resource this tier cannot validate, and why. */
export interface Uncovered {
    urn: string;
    type: string;
    name: string;
    reason: string;
}

/** What interpolating a pulumi.Output into a string produces (instead of its value). */
const OUTPUT_TO_STRING = "Calling [toString] on an [Output<T>]";

/** API groups the API server serves itself (core is ""), read from its discovery; see builtinGroups(). */
export type GroupSet = ReadonlySet<string>;

/** The API group of an apiVersion ("apps/v1" → "apps"; "v1" → core, ""). */
export function groupOf(apiVersion: string): string {
    return apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
}

/** apiVersion and kind from a type token: `kubernetes:apps/v1:Deployment` → ["apps/v1", "Deployment"], `core/v1` → "v1". */
export function typeTokenKind(type: string): { apiVersion: string; kind: string } {
    const [, module, kind] = type.split(":");
    return { apiVersion: module.startsWith("core/") ? module.slice("core/".length) : module, kind };
}

/** The identity of an object on the cluster, independent of the API version it was written in. */
export function objectKey(object: KubeObject, namespace = object.metadata.namespace): string {
    return `${groupOf(object.apiVersion) || "core"}/${object.kind} ${namespace ? `${namespace}/` : ""}${object.metadata.name}`;
}

function isSecret(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;
}

/**
 * `inputs` with secrets unwrapped (the provider receives their plaintext). Values the mock runtime
 * could not resolve (the unknown marker) are taken from the recorded `state` at the same path when
 * it holds a known value there, and listed; a stringified Output is left as is and listed, so the
 * API server or the test reports it.
 */
export function resolveInputs(inputs: unknown, state: unknown, at = ""): { value: unknown; placeholders: string[] } {
    const placeholders: string[] = [];
    const walk = (value: unknown, known: unknown, where: string): unknown => {
        if (isSecret(value)) return walk(value.value, isSecret(known) ? known.value : known, where);
        if (value === unknownValue) {
            const filled = isSecret(known) ? known.value : known;
            if (filled !== undefined && filled !== unknownValue) {
                placeholders.push(`${where}: unknown at deploy time, filled from the recorded state (${JSON.stringify(filled)})`);
                return filled;
            }
            placeholders.push(`${where}: unknown at deploy time and absent from the recorded state`);
            return value;
        }
        if (typeof value === "string" && value.includes(OUTPUT_TO_STRING)) {
            placeholders.push(`${where}: a pulumi.Output was interpolated into a string`);
            return value;
        }
        if (Array.isArray(value)) return value.map((v, i) => walk(v, Array.isArray(known) ? known[i] : undefined, `${where}[${i}]`));
        if (typeof value === "object" && value !== null) {
            const out: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(value)) {
                if (v === undefined) continue;
                out[k] = walk(
                    v,
                    typeof known === "object" && known !== null ? (known as Record<string, unknown>)[k] : undefined,
                    where ? `${where}.${k}` : k,
                );
            }
            return out;
        }
        return value;
    };
    return { value: walk(inputs, state, at), placeholders };
}

/** Helm releases and charts: Helm renders their objects at deploy time, from a chart this program does not hold. */
const HELM_TYPES = /^kubernetes:helm\.sh\//;

/**
 * Splits the program's `kubernetes:*` resources into objects to apply and resources the tier
 * cannot validate: Helm releases/charts, objects whose CRD is neither built in nor defined by the
 * program (it comes with a third-party chart), objects read with `Resource.get`, Patch resources
 * (they patch an object something else created) and components that register no objects under the mock runtime.
 */
export function kubernetesObjects(resources: RecordedResource[], builtin: GroupSet): { manifests: Manifest[]; uncovered: Uncovered[] } {
    const manifests: Manifest[] = [];
    const uncovered: Uncovered[] = [];
    const providerNamespace = new Map<string, string>();
    for (const r of resources) {
        if (r.type === "pulumi:providers:kubernetes" && typeof r.inputs.namespace === "string")
            providerNamespace.set(`${r.urn}::${r.id}`, r.inputs.namespace);
    }
    const kube = resources.filter((r) => r.type.startsWith("kubernetes:"));
    // Groups of the CRDs the program defines: objects of those groups are validated against the program's own schema.
    const programGroups = new Set<string>();
    for (const r of kube) {
        if (r.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition" && typeof r.inputs.spec?.group === "string")
            programGroups.add(r.inputs.spec.group);
    }

    for (const r of kube) {
        const skip = (reason: string) => uncovered.push({ urn: r.urn, type: r.type, name: r.name, reason });
        if (HELM_TYPES.test(r.type)) {
            skip("Helm renders and installs the chart's objects at deploy time; the chart is not part of this program");
            continue;
        }
        if (!r.custom) {
            // Components such as yaml.ConfigFile register their objects as children, which are applied one by one.
            const children = kube.some((c) => c.parentUrn === r.urn);
            if (!children) skip("a component that registers no objects under the mock runtime (it renders them at deploy time)");
            continue;
        }
        if (r.read) {
            skip("read with Resource.get: an object its chart creates, which the program only looks at");
            continue;
        }
        if (r.type.endsWith("Patch")) {
            skip("a Patch resource: it changes an object created outside this program");
            continue;
        }
        const fromToken = typeTokenKind(r.type);
        const { value, placeholders } = resolveInputs(r.inputs, r.state);
        const object = value as KubeObject;
        object.apiVersion ??= fromToken.apiVersion;
        object.kind ??= fromToken.kind;
        object.metadata ??= {};
        const group = groupOf(object.apiVersion);
        if (!builtin.has(group) && !programGroups.has(group)) {
            skip(`its CRD (group ${group}) comes from a third-party chart, not from this program, so the API server has no schema for it`);
            continue;
        }
        if (!object.metadata.name) {
            object.metadata.name =
                (r.state.metadata as { name?: string } | undefined)?.name ?? (kubernetesAutoname(r).metadata as { name: string }).name;
            placeholders.push(`metadata.name: autonamed by the provider at deploy time; here ${object.metadata.name}`);
        }
        manifests.push({
            urn: r.urn,
            type: r.type,
            object,
            defaultNamespace: (r.provider && providerNamespace.get(r.provider)) || "default",
            placeholders,
        });
    }
    return { manifests, uncovered };
}

/** Placeholders that could not be filled: the program would send something the real provider cannot. */
export function unfilledPlaceholders(manifests: Manifest[]): string[] {
    return manifests.flatMap((m) =>
        m.placeholders
            .filter((p) => !p.includes("filled from") && !p.startsWith("metadata.name: autonamed"))
            .map((p) => `${m.type} ${objectKey(m.object)}: ${p}`),
    );
}
