/**
 * The Kubernetes objects every stack and rollout stage registers, rendered to YAML files for the
 * scanner tier: the same harness as the schema and API-server tiers (runProgram under the mock
 * runtime, kubernetesObjects), one file per distinct object of a stack (identical objects of
 * several stages are scanned once).
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { readStackSettings, StackName } from "../../config/stackFile";
import { STAGE_NAMES, StageName } from "../../rollout/stages";
import type { KubeObject } from "../harness/apiserver";
import { runProgram } from "../harness/program";
import type { RecordedResource } from "../harness/recorder";
import { groupOf, kubernetesObjects, typeTokenKind } from "../conformance/manifests";

/** A rendered object: how findings name it (`Kind namespace/name`), and the stages that register it. */
export interface RenderedObject {
    stack: string;
    name: string;
    object: KubeObject;
    stages: string[];
}

/** `Kind namespace/name`, the name waivers and findings use. */
export function objectName(object: KubeObject): string {
    return `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`;
}

/** The stack's settings moved to `stage` (a candidate version in every stage but stable), as the policy tier runs them. */
export function stageOverrides(stack: StackName, stage: StageName): Record<string, unknown> {
    const rollout = readStackSettings(stack).rollout as Record<string, unknown>;
    return { rollout: stage === "stable" ? rollout : { ...rollout, stage, candidateVersion: "5.1.0" } };
}

/** The Kubernetes objects of one program run, namespaced as the provider would send them. */
export function objectsOf(resources: RecordedResource[]): KubeObject[] {
    const kube = resources.filter((r) => r.type.startsWith("kubernetes:"));
    // Every group counts as known: the scanner reads custom resources too (it skips kinds it has no check for).
    const groups = new Set(kube.map((r) => groupOf(typeTokenKind(r.type).apiVersion)));
    return kubernetesObjects(kube, groups).manifests.map((m) => {
        const object = structuredClone(m.object);
        if (!object.metadata.namespace && m.defaultNamespace !== "default" && isNamespaced(object.kind))
            object.metadata.namespace = m.defaultNamespace;
        return object;
    });
}

const CLUSTER_SCOPED = new Set([
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
]);
const isNamespaced = (kind: string) => !CLUSTER_SCOPED.has(kind);

/** Adds one stage's objects to a stack's set, merging objects identical to one already there. */
export function mergeStage(into: Map<string, RenderedObject>, stack: string, stage: string, objects: KubeObject[]): void {
    for (const object of objects) {
        const hash = createHash("sha256").update(JSON.stringify(object)).digest("hex").slice(0, 10);
        const key = `${objectName(object)} ${hash}`;
        const seen = into.get(key);
        if (seen) seen.stages.push(stage);
        else into.set(key, { stack, name: objectName(object), object, stages: [stage] });
    }
}

/**
 * Every distinct object of a stack across all rollout stages; `onRun` sees each stage's registered
 * resources too (the tier runs the pack over them for its waivers).
 */
export async function renderStack(
    stack: StackName,
    stages: readonly StageName[] = STAGE_NAMES,
    onRun?: (stage: StageName, resources: RecordedResource[]) => Promise<void>,
): Promise<RenderedObject[]> {
    const objects = new Map<string, RenderedObject>();
    for (const stage of stages) {
        const run = await runProgram(stack, { overrides: stageOverrides(stack, stage) });
        mergeStage(objects, stack, stage, objectsOf(run.resources));
        await onRun?.(stage, run.resources);
    }
    return [...objects.values()];
}

/** Writes each object to `<dir>/<stack>/<n>.yaml`; returns the file (relative to dir) of each. */
export function writeObjects(dir: string, rendered: RenderedObject[]): Map<string, RenderedObject> {
    const files = new Map<string, RenderedObject>();
    const counters = new Map<string, number>();
    for (const r of rendered) {
        const n = (counters.get(r.stack) ?? 0) + 1;
        counters.set(r.stack, n);
        mkdirSync(join(dir, r.stack), { recursive: true });
        const file = `${r.stack}/${String(n).padStart(4, "0")}-${r.object.kind.toLowerCase()}.yaml`;
        writeFileSync(join(dir, file), stringify(r.object));
        files.set(file, r);
    }
    return files;
}
