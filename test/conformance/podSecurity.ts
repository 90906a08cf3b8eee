import { ApiError, KubeObject } from "../harness/apiserver";
import { DeclaredStack } from "./cluster";
import { objectKey } from "./manifests";

/**
 * Pod Security as the cluster applies it. No controller creates pods here, so each pod template
 * the program declares is also sent as a Pod (server-side dry run) to its namespace: that is what
 * the PodSecurity admission plugin enforces (Deployments and Jobs only draw warnings).
 */

export interface PodTemplate {
    /** The object holding the template, e.g. "apps/Deployment claude-enhancer/claude-enhancer-stable". */
    owner: string;
    namespace: string;
    template: {
        metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
        spec: Record<string, unknown> & { serviceAccountName?: string };
    };
}

/** Where each workload kind keeps its pod template. */
const TEMPLATE_PATHS: Record<string, string[]> = {
    Deployment: ["spec", "template"],
    ReplicaSet: ["spec", "template"],
    StatefulSet: ["spec", "template"],
    DaemonSet: ["spec", "template"],
    ReplicationController: ["spec", "template"],
    Job: ["spec", "template"],
    CronJob: ["spec", "jobTemplate", "spec", "template"],
    PodTemplate: ["template"],
};

/** Every pod template (and bare Pod) among `objects`. */
export function podTemplates(objects: KubeObject[]): PodTemplate[] {
    const found: PodTemplate[] = [];
    for (const object of objects) {
        const namespace = object.metadata.namespace ?? "default";
        if (object.kind === "Pod") {
            found.push({
                owner: objectKey(object),
                namespace,
                template: {
                    metadata: object.metadata as PodTemplate["template"]["metadata"],
                    spec: object.spec as PodTemplate["template"]["spec"],
                },
            });
            continue;
        }
        const at = TEMPLATE_PATHS[object.kind];
        if (!at) continue;
        const template = at.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], object) as
            PodTemplate["template"] | undefined;
        if (!template?.spec) continue;
        found.push({
            owner: objectKey(object),
            namespace,
            template: object.kind === "StatefulSet" ? withClaimVolumes(object, template) : template,
        });
    }
    return found;
}

/** The StatefulSet controller gives each pod a volume per claim template (claim `<template>-<set>-<ordinal>`); as for pod 0. */
function withClaimVolumes(set: KubeObject, template: PodTemplate["template"]): PodTemplate["template"] {
    const claims = ((set.spec as { volumeClaimTemplates?: { metadata?: { name?: string } }[] }).volumeClaimTemplates ?? []).map(
        (c) => c.metadata?.name ?? "",
    );
    const volumes = (template.spec.volumes as unknown[] | undefined) ?? [];
    const claimVolumes = claims.map((name) => ({ name, persistentVolumeClaim: { claimName: `${name}-${set.metadata.name}-0` } }));
    return { ...template, spec: { ...template.spec, volumes: [...volumes, ...claimVolumes] } };
}

export interface ProbeResult {
    owner: string;
    namespace: string;
    /** The API server's refusal of the pod, if any. */
    refusal?: string;
    warnings: string[];
}

/** Sends each template as a Pod in its namespace (dry run: admitted and validated, not stored). */
export async function probePods(stack: DeclaredStack, templates: PodTemplate[]): Promise<ProbeResult[]> {
    const results: ProbeResult[] = [];
    for (const { owner, namespace, template } of templates) {
        if (!template.spec.serviceAccountName || template.spec.serviceAccountName === "default")
            await stack.ensureDefaultServiceAccount(namespace);
        const pod: KubeObject = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: {
                name: "pod-security-probe",
                namespace,
                labels: template.metadata?.labels,
                annotations: template.metadata?.annotations,
            },
            spec: template.spec,
        };
        try {
            const response = await stack.client.create(pod, { dryRun: true });
            results.push({ owner, namespace, warnings: response.warnings });
        } catch (e) {
            if (!(e instanceof ApiError)) throw e;
            results.push({ owner, namespace, refusal: `${e.status} ${e.reason}: ${e.apiMessage}`, warnings: e.warnings });
        }
    }
    return results;
}

/** PodSecurity's warnings start like this ("would violate PodSecurity \"restricted:latest\": ..."). */
export const POD_SECURITY_WARNING = /PodSecurity/;
