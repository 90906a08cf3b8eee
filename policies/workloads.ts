/** The pod templates of Kubernetes workloads, whatever kind carries them. */
import * as apps from "@pulumi/kubernetes/apps/v1";
import * as batch from "@pulumi/kubernetes/batch/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import * as k8sInput from "@pulumi/kubernetes/types/input";
import { PolicyResource, ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { Unwrap } from "@pulumi/pulumi";
import { ConfigProperties, TypedValidation, configOf, stringList, whenKnown } from "./lib";

export type PodSpec = Unwrap<k8sInput.core.v1.PodSpec>;
export type Container = Unwrap<k8sInput.core.v1.Container>;

export interface Workload {
    kind: string;
    namespace?: string;
    pod: PodSpec;
    /** Deployments, StatefulSets and DaemonSets run until replaced; Jobs and CronJobs run to completion. */
    longRunning: boolean;
}

/** The pod template of a workload resource, or undefined for anything that is not one (or has no pod spec). */
export function workloadOf(args: ResourceValidationArgs): Workload | undefined {
    const of = (kind: string, metadata: { namespace?: string } | undefined, pod: PodSpec | undefined, longRunning: boolean) =>
        pod ? { kind, namespace: metadata?.namespace, pod, longRunning } : undefined;
    const deployment = args.asType(apps.Deployment);
    if (deployment) return of("Deployment", deployment.metadata, deployment.spec?.template.spec, true);
    const statefulSet = args.asType(apps.StatefulSet);
    if (statefulSet) return of("StatefulSet", statefulSet.metadata, statefulSet.spec?.template.spec, true);
    const daemonSet = args.asType(apps.DaemonSet);
    if (daemonSet) return of("DaemonSet", daemonSet.metadata, daemonSet.spec?.template.spec, true);
    const job = args.asType(batch.Job);
    if (job) return of("Job", job.metadata, job.spec?.template.spec, false);
    const cronJob = args.asType(batch.CronJob);
    if (cronJob) return of("CronJob", cronJob.metadata, cronJob.spec?.jobTemplate.spec?.template.spec, false);
    const pod = args.asType(core.Pod);
    if (pod) return of("Pod", pod.metadata, pod.spec, false);
    return undefined;
}

export const WORKLOAD_TYPES = [apps.Deployment, apps.StatefulSet, apps.DaemonSet, batch.Job, batch.CronJob, core.Pod].map(
    (cls) => (cls as unknown as { __pulumiType: string }).__pulumiType,
);

/** Every container of a pod, init containers included, each named for messages. */
export function containersOf(pod: PodSpec): { label: string; container: Container; init: boolean }[] {
    return [
        ...(pod.initContainers ?? []).map((c) => ({ label: `init container "${c.name}"`, container: c, init: true })),
        ...(pod.containers ?? []).map((c) => ({ label: `container "${c.name}"`, container: c, init: false })),
    ];
}

export const exemptionSchema: ConfigProperties = {
    exemptNamespaces: stringList(
        "Namespaces whose workloads are exempt (each needs a Pod Security exception documented on its Namespace).",
        [],
    ),
};

/** validateWorkloads as one of the types a multi-type policy checks. */
export function workloads(check: (workload: Workload, report: ReportViolation, args: ResourceValidationArgs) => void): TypedValidation {
    return { label: "Kubernetes workload", applies: (args) => WORKLOAD_TYPES.includes(args.type), validate: validateWorkloads(check) };
}

/**
 * A resource validation for every workload kind. Workloads in namespaces the policy's config exempts
 * are declared not applicable; other resources are passed over silently (see perType for why).
 */
export function validateWorkloads(
    check: (workload: Workload, report: ReportViolation, args: ResourceValidationArgs) => void,
): ResourceValidation {
    return (args, report) => {
        if (!WORKLOAD_TYPES.includes(args.type)) return;
        whenKnown<ResourceValidationArgs>((_props, a, r) => {
            const workload = workloadOf(a);
            if (!workload) return a.notApplicable("the workload has no pod template");
            const { exemptNamespaces } = configOf<{ exemptNamespaces: string[] }>(a, exemptionSchema);
            if (workload.namespace && exemptNamespaces.includes(workload.namespace)) {
                a.notApplicable(`namespace ${workload.namespace} is exempt by policy config`);
            }
            check(workload, r, a);
        })(args, args, report);
    };
}

/** The labels of a workload's pods (its pod template's), by resource type; none for anything else. */
export function podTemplateLabels(type: string, props: Record<string, any>): Record<string, string> {
    const template = type === "kubernetes:batch/v1:CronJob" ? props.spec?.jobTemplate?.spec?.template : props.spec?.template;
    return { ...((template?.metadata?.labels ?? {}) as Record<string, string>) };
}

export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes label-selector semantics: every matchLabels pair and every expression holds (an empty selector selects all). */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
    const pairs = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const expressions = (selector.matchExpressions ?? []).every((e) => {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        switch (e.operator) {
            case "In":
                return has && (e.values ?? []).includes(labels[e.key]);
            case "NotIn":
                return !has || !(e.values ?? []).includes(labels[e.key]);
            case "Exists":
                return has;
            case "DoesNotExist":
                return !has;
            default:
                return false;
        }
    });
    return pairs && expressions;
}

/** The directions in which NetworkPolicies isolate a set of pods (Kubernetes: a pod is isolated for a direction once any policy selecting it names it). */
export interface Isolation {
    selected: boolean;
    ingress: boolean;
    egress: boolean;
}

/**
 * How the NetworkPolicies of `namespace` isolate pods with `labels`. A policy without policyTypes
 * isolates ingress, and egress when it has egress rules (the API server's default). Reads the policies'
 * properties, which may be unknown during preview (callers peek).
 */
export function isolationOf(policies: PolicyResource[], namespace: string, labels: Record<string, string>): Isolation {
    const selecting = policies.filter(
        (np) => np.props.metadata?.namespace === namespace && selectorMatches((np.props.spec?.podSelector ?? {}) as LabelSelector, labels),
    );
    const types = selecting.flatMap((np): string[] => {
        const spec = np.props.spec ?? {};
        return spec.policyTypes ?? ["Ingress", ...(spec.egress ? ["Egress"] : [])];
    });
    return { selected: selecting.length > 0, ingress: types.includes("Ingress"), egress: types.includes("Egress") };
}

/** What an isolation lacks, for messages ("not isolated for egress"); undefined when both directions are. */
export function isolationGap(isolation: Isolation): string | undefined {
    const open = [isolation.ingress ? [] : ["ingress"], isolation.egress ? [] : ["egress"]].flat();
    return open.length === 0 ? undefined : `not isolated for ${open.join(" or ")}`;
}
