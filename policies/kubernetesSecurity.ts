/**
 * Kubernetes security rules (docs/policies.md): the Pod Security "restricted" profile on every workload the
 * program creates (non-root, read-only root FS, no privilege escalation, drop ALL, seccomp, no host
 * namespaces or paths), resources, pinned images (third-party ones by digest), probes, TLS verification
 * in generated scripts, a NetworkPolicy for every pod, and Istio mTLS STRICT.
 */
import * as core from "@pulumi/kubernetes/core/v1";
import * as helm from "@pulumi/kubernetes/helm/v3";
import { ResourceValidationPolicy, StackValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import {
    ConfigProperties,
    UNKNOWN,
    configOf,
    describe,
    list,
    ofType,
    peek,
    stringList,
    validateResourceOfTypeToken,
    whenKnown,
} from "./lib";
import {
    Container,
    LabelSelector,
    containersOf,
    exemptionSchema,
    isolationGap,
    isolationOf,
    podTemplateLabels,
    selectorMatches,
    validateWorkloads,
} from "./workloads";
import { globMatches } from "./waiving";

const restricted = { properties: exemptionSchema };

export const runAsNonRoot: ResourceValidationPolicy = {
    name: "k8s-run-as-non-root",
    description: "Containers run as a non-root user (runAsNonRoot, and no runAsUser 0).",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: restricted,
    validateResource: validateWorkloads(({ pod }, report) => {
        for (const { label, container } of containersOf(pod)) {
            const nonRoot = container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
            const user = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
            if (nonRoot !== true) report(`${label}: runAsNonRoot is not true (neither on the container nor on the pod).`);
            if (user === 0) report(`${label}: runAsUser is 0 (root).`);
        }
    }),
};

export const readOnlyRootFilesystem: ResourceValidationPolicy = {
    name: "k8s-read-only-root-fs",
    description: "Containers mount their root filesystem read-only.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: restricted,
    validateResource: validateWorkloads(({ pod }, report) => {
        for (const { label, container } of containersOf(pod)) {
            if (container.securityContext?.readOnlyRootFilesystem !== true) report(`${label}: readOnlyRootFilesystem is not true.`);
        }
    }),
};

export const noPrivilegeEscalation: ResourceValidationPolicy = {
    name: "k8s-no-privilege-escalation",
    description: "Containers are not privileged and cannot escalate privileges.",
    severity: "critical",
    enforcementLevel: "mandatory",
    configSchema: restricted,
    validateResource: validateWorkloads(({ pod }, report) => {
        for (const { label, container } of containersOf(pod)) {
            if (container.securityContext?.privileged === true) report(`${label}: privileged is true.`);
            if (container.securityContext?.allowPrivilegeEscalation !== false) report(`${label}: allowPrivilegeEscalation is not false.`);
        }
    }),
};

const capabilitySchema: ConfigProperties = {
    ...exemptionSchema,
    allowedAdd: stringList("Capabilities a container may add back after dropping ALL.", ["NET_BIND_SERVICE"]),
};

export const dropAllCapabilities: ResourceValidationPolicy = {
    name: "k8s-drop-all-capabilities",
    description: "Containers drop ALL Linux capabilities and add back none but NET_BIND_SERVICE.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: capabilitySchema },
    validateResource: validateWorkloads(({ pod }, report, args) => {
        const { allowedAdd } = configOf<{ allowedAdd: string[] }>(args, capabilitySchema);
        for (const { label, container } of containersOf(pod)) {
            const caps = container.securityContext?.capabilities;
            if (!(caps?.drop ?? []).includes("ALL")) report(`${label}: capabilities.drop does not include ALL.`);
            const extra = (caps?.add ?? []).filter((c) => !allowedAdd.includes(c));
            if (extra.length > 0) report(`${label}: adds capabilities ${list(extra)}.`);
        }
    }),
};

export const seccompRuntimeDefault: ResourceValidationPolicy = {
    name: "k8s-seccomp-profile",
    description: "Containers run under the RuntimeDefault (or a Localhost) seccomp profile.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: restricted,
    validateResource: validateWorkloads(({ pod }, report) => {
        for (const { label, container } of containersOf(pod)) {
            const profile = container.securityContext?.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
            if (profile !== "RuntimeDefault" && profile !== "Localhost")
                report(`${label}: seccompProfile is ${profile ?? "unset"}; expected RuntimeDefault.`);
        }
    }),
};

export const noHostNamespaces: ResourceValidationPolicy = {
    name: "k8s-no-host-namespaces",
    description: "Pods share no host namespace (network, PID, IPC) and bind no host ports.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: restricted,
    validateResource: validateWorkloads(({ pod }, report) => {
        for (const key of ["hostNetwork", "hostPID", "hostIPC"] as const) {
            if (pod[key] === true) report(`${key} is true.`);
        }
        for (const { label, container } of containersOf(pod)) {
            const hostPorts = (container.ports ?? []).filter((p) => p.hostPort !== undefined && p.hostPort !== 0).map((p) => p.hostPort);
            if (hostPorts.length > 0) report(`${label}: binds host ports ${list(hostPorts)}.`);
        }
    }),
};

export const noHostPath: ResourceValidationPolicy = {
    name: "k8s-no-host-path",
    description: "Pods mount no hostPath volumes.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: restricted,
    validateResource: validateWorkloads(({ pod }, report) => {
        for (const volume of pod.volumes ?? []) {
            if (volume.hostPath) report(`volume "${volume.name}" mounts host path ${volume.hostPath.path}.`);
        }
    }),
};

export const resourceRequestsLimits: ResourceValidationPolicy = {
    name: "k8s-resource-requests-limits",
    description: "Containers declare CPU and memory requests and limits.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: restricted,
    validateResource: validateWorkloads(({ pod }, report) => {
        for (const { label, container } of containersOf(pod)) {
            const missing: string[] = [];
            for (const kind of ["requests", "limits"] as const) {
                for (const resource of ["cpu", "memory"]) {
                    if (container.resources?.[kind]?.[resource] === undefined) missing.push(`${kind}.${resource}`);
                }
            }
            if (missing.length > 0) report(`${label}: no ${list(missing)}.`);
        }
    }),
};

/** Why an image reference is not pinned, or undefined when it names an explicit tag or digest. */
export function unpinnedImage(image: string | undefined): string | undefined {
    if (!image) return "has no image";
    if (image.includes("@sha256:")) return undefined;
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const colon = lastSegment.lastIndexOf(":");
    if (colon < 0) return `image ${image} has no tag (defaults to latest)`;
    return lastSegment.slice(colon + 1) === "latest" ? `image ${image} uses the latest tag` : undefined;
}

export const pinnedImages: ResourceValidationPolicy = {
    name: "k8s-pinned-image-tags",
    description: "Container images name an explicit tag or digest, never latest.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: restricted,
    validateResource: validateWorkloads(({ pod }, report) => {
        for (const { label, container } of containersOf(pod)) {
            const problem = unpinnedImage(container.image);
            if (problem) report(`${label}: ${problem}.`);
        }
    }),
};

/** An image reference without its tag or digest (`registry:5000/team/name:1.0` → `registry:5000/team/name`). */
export function imageRepository(image: string): string {
    const withoutDigest = image.split("@")[0];
    const slash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.lastIndexOf(":");
    return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

const digestSchema: ConfigProperties = {
    ...exemptionSchema,
    ownRepositories: stringList(
        "Repositories of the product's own images (`*` wildcards; a stack's ECR repository is `claude-enhancer-<stack>`): its release pipeline pushes them and the rollout compares them by version, so they are exempt.",
        ["claude-enhancer", "*/claude-enhancer", "*.dkr.ecr.*.amazonaws.com/claude-enhancer-*"],
    ),
};

export const digestPinnedImages: ResourceValidationPolicy = {
    name: "k8s-digest-pinned-images",
    description: "Third-party container images are pinned by digest (@sha256:), so a re-pushed tag cannot change what runs.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: digestSchema },
    validateResource: validateWorkloads(({ pod }, report, args) => {
        const { ownRepositories } = configOf<{ ownRepositories: string[] }>(args, digestSchema);
        for (const { label, container } of containersOf(pod)) {
            const image = container.image;
            if (!image || image.includes("@sha256:")) continue;
            if (ownRepositories.some((pattern) => globMatches(pattern, imageRepository(image)))) continue;
            report(`${label}: third-party image ${image} is not pinned by digest (@sha256:...).`);
        }
    }),
};

/**
 * What turns TLS certificate verification off in a command line, a script or an environment entry
 * (`NAME=value`), named as written; undefined when nothing does. curl's `-k` counts only where curl is
 * named (`sort -k 2` is not curl).
 */
export function tlsVerificationOff(text: string): string | undefined {
    const patterns = [
        /(?<![\w-])(--insecure|--proxy-insecure|--no-check-certificate|--insecure-skip-tls-verify(=true)?|--tls-verify=false|--kubelet-insecure-tls)(?![\w=-])/,
        /\b(NODE_TLS_REJECT_UNAUTHORIZED|PYTHONHTTPSVERIFY)=["']?0(?!\w)/,
        /\bGIT_SSL_NO_VERIFY=["']?(1|true)(?!\w)/i,
        /\bhttp\.sslVerify[= ]+["']?false(?!\w)/i,
    ];
    if (/curl/i.test(text)) patterns.push(/(?<![\w-])-k(?![\w=-])/);
    for (const pattern of patterns) {
        const found = pattern.exec(text);
        if (found) return found[0];
    }
    return undefined;
}

export const tlsVerification: ResourceValidationPolicy = {
    name: "k8s-tls-verification",
    description:
        "No container command, args or environment turns TLS certificate verification off (curl --insecure/-k, wget --no-check-certificate, NODE_TLS_REJECT_UNAUTHORIZED=0 ...): a credential would go to whoever answers.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: restricted,
    validateResource: validateWorkloads(({ pod }, report) => {
        for (const { label, container } of containersOf(pod)) {
            const texts: [string, string][] = [
                ["command", (container.command ?? []).join(" ")],
                ["args", (container.args ?? []).join(" ")],
                ...(container.env ?? []).map((e): [string, string] => [`env ${e.name}`, `${e.name}=${e.value ?? ""}`]),
            ];
            for (const [where, text] of texts) {
                const found = tlsVerificationOff(text);
                if (found) report(`${label}: ${where} turns TLS certificate verification off (${found}).`);
            }
        }
    }),
};

function hasProbes(container: Container): string[] {
    return (["livenessProbe", "readinessProbe"] as const).filter((p) => container[p] === undefined);
}

export const probes: ResourceValidationPolicy = {
    name: "k8s-probes",
    description: "Long-running containers have liveness and readiness probes.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: restricted,
    validateResource: validateWorkloads(({ pod, longRunning }, report) => {
        if (!longRunning) return;
        for (const { label, container, init } of containersOf(pod)) {
            const missing = init ? [] : hasProbes(container);
            if (missing.length > 0) report(`${label}: no ${list(missing)}.`);
        }
    }),
};

/** An exact chart version (semver), not a range or a floating tag. */
const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export const helmChartPinned: ResourceValidationPolicy = {
    name: "k8s-helm-chart-pinned",
    description:
        "Helm releases install an exact chart version from an HTTPS (or OCI) repository, so a preview shows what an update installs.",
    severity: "medium",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        helm.Release,
        whenKnown((release, _args, report) => {
            if (!release.version || !EXACT_VERSION.test(release.version))
                report(`chart ${release.chart} has version ${release.version ?? "unset (latest)"}; pin an exact version.`);
            const repo = release.repositoryOpts?.repo;
            if (repo && !/^(https|oci):\/\//.test(repo)) report(`chart repository ${repo} is not HTTPS or OCI.`);
        }),
    ),
};

const ISTIO_PEER_AUTHENTICATION = [
    "kubernetes:security.istio.io/v1:PeerAuthentication",
    "kubernetes:security.istio.io/v1beta1:PeerAuthentication",
];

export const istioMtlsStrict: ResourceValidationPolicy = {
    name: "k8s-istio-mtls-strict",
    description: "Istio PeerAuthentications require mutual TLS (mode STRICT), including per-port overrides.",
    severity: "high",
    enforcementLevel: "mandatory",
    // The program writes security.istio.io/v1 (Istio >= 1.22), so the pack server can filter on that one type.
    validateResource: validateResourceOfTypeToken(ISTIO_PEER_AUTHENTICATION[0], (args, report) =>
        whenKnown<Record<string, any>>((props, _args, r) => {
            const mode = props.spec?.mtls?.mode;
            if (mode !== "STRICT") r(`spec.mtls.mode is ${mode ?? "unset (inherits, PERMISSIVE by default)"}; expected STRICT.`);
            for (const [port, setting] of Object.entries((props.spec?.portLevelMtls ?? {}) as Record<string, { mode?: string }>)) {
                if (setting.mode !== "STRICT") r(`port ${port} overrides mTLS to ${setting.mode ?? "unset"}.`);
            }
        })(args.props, args, report),
    ),
};

const ISTIO_ROUTING = [
    "kubernetes:networking.istio.io/v1:VirtualService",
    "kubernetes:networking.istio.io/v1beta1:VirtualService",
    "kubernetes:networking.istio.io/v1:DestinationRule",
    "kubernetes:networking.istio.io/v1beta1:DestinationRule",
];

const meshSchema: ConfigProperties = {
    meshRootNamespace: { type: "string", default: "istio-system", description: "A PeerAuthentication here applies mesh-wide." },
};

export const istioMtlsRequired: StackValidationPolicy = {
    name: "k8s-istio-mtls-required",
    description: "A stack that routes through Istio has a STRICT PeerAuthentication covering the mesh or each routed namespace.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: meshSchema },
    validateStack: (args, report) => {
        const routes = ofType(args, ...ISTIO_ROUTING);
        if (routes.length === 0) args.notApplicable("the stack has no Istio routing");
        const { meshRootNamespace } = configOf<{ meshRootNamespace: string }>(args, meshSchema);
        const strictIn = new Set<string>();
        for (const pa of ofType(args, ...ISTIO_PEER_AUTHENTICATION)) {
            const spec = peek(() => ({
                ns: pa.props.metadata?.namespace,
                mode: pa.props.spec?.mtls?.mode,
                selector: pa.props.spec?.selector,
            }));
            if (typeof spec === "symbol") return;
            if (spec.mode === "STRICT" && !spec.selector && typeof spec.ns === "string") strictIn.add(spec.ns);
        }
        if (strictIn.has(meshRootNamespace)) return;
        const namespaces = new Set<string>();
        for (const route of routes) {
            const ns = peek(() => route.props.metadata?.namespace);
            if (typeof ns === "symbol") return;
            namespaces.add(typeof ns === "string" ? ns : "default");
        }
        for (const ns of namespaces) {
            if (!strictIn.has(ns))
                report(
                    `namespace ${ns} routes through Istio but no STRICT PeerAuthentication covers it (none mesh-wide in ${meshRootNamespace} either).`,
                );
        }
    },
};

const POD_SECURITY_LABEL = "pod-security.kubernetes.io/enforce";

const namespaceSchema: ConfigProperties = {
    exceptionAnnotation: {
        type: "string",
        default: "claude-enhancer.io/pod-security-exception",
        description: "Annotation that explains why a namespace is not restricted.",
    },
};

export const namespacePodSecurity: ResourceValidationPolicy = {
    name: "k8s-namespace-pod-security",
    description: "Namespaces enforce a Pod Security level; anything below restricted carries an annotation saying why.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: namespaceSchema },
    validateResource: validateResourceOfType(
        core.Namespace,
        whenKnown((ns, args, report) => {
            const { exceptionAnnotation } = configOf<{ exceptionAnnotation: string }>(args, namespaceSchema);
            const level = ns.metadata?.labels?.[POD_SECURITY_LABEL];
            if (!level) report(`no ${POD_SECURITY_LABEL} label.`);
            else if (level !== "restricted" && !ns.metadata?.annotations?.[exceptionAnnotation]) {
                report(`enforces "${level}" without a ${exceptionAnnotation} annotation explaining why.`);
            }
        }),
    ),
};

export const noDefaultNamespace: ResourceValidationPolicy = {
    name: "k8s-no-default-namespace",
    description: "Workloads run in a platform namespace, never in default.",
    severity: "low",
    enforcementLevel: "mandatory",
    configSchema: restricted,
    validateResource: validateWorkloads(({ namespace, kind }, report) => {
        if (namespace === undefined || namespace === "default") report(`the ${kind} is in the default namespace.`);
    }),
};

const WORKLOADS_WITH_TEMPLATES = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"];
/**
 * Judged only in a namespace the stack itself creates: a DaemonSet or Job in a namespace the program
 * does not own (an add-on's) is fenced by whoever owns that namespace.
 */
const WORKLOADS_IN_MANAGED_NAMESPACES = ["kubernetes:apps/v1:DaemonSet", "kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"];

export const networkPolicyPerNamespace: StackValidationPolicy = {
    name: "k8s-network-policy",
    description:
        "Every Deployment and StatefulSet the stack runs, and every DaemonSet, Job and CronJob in a namespace the stack creates, is isolated for ingress and egress by NetworkPolicies of its namespace.",
    severity: "medium",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const policies = ofType(args, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
        const managed = new Set<string>();
        for (const ns of ofType(args, "kubernetes:core/v1:Namespace")) {
            const name = peek(() => ns.props.metadata?.name);
            if (typeof name === "string") managed.add(name);
        }
        const workloads = [
            ...ofType(args, ...WORKLOADS_WITH_TEMPLATES),
            ...ofType(args, ...WORKLOADS_IN_MANAGED_NAMESPACES).filter((w) => {
                const ns = peek(() => w.props.metadata?.namespace);
                return typeof ns === "string" && managed.has(ns);
            }),
        ];
        for (const workload of workloads) {
            // Anything unknown during preview leaves this workload to the check at update.
            const isolation = peek(() =>
                isolationOf(policies, workload.props.metadata?.namespace, podTemplateLabels(workload.type, workload.props)),
            );
            if (isolation === UNKNOWN) continue;
            if (!isolation.selected) report(`${describe(workload)} is selected by no NetworkPolicy of its namespace.`, workload.urn);
            else {
                const gap = isolationGap(isolation);
                if (gap) report(`${describe(workload)} is ${gap} by the NetworkPolicies of its namespace (policyTypes).`, workload.urn);
            }
        }
    },
};

export const podDisruptionBudget: StackValidationPolicy = {
    name: "k8s-pod-disruption-budget",
    description: "Deployments and StatefulSets of several replicas (or autoscaled) are covered by a PodDisruptionBudget.",
    severity: "medium",
    enforcementLevel: "advisory",
    validateStack: (args, report) => {
        const budgets = ofType(args, "kubernetes:policy/v1:PodDisruptionBudget");
        const autoscaled = new Set<string>();
        for (const hpa of ofType(args, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")) {
            const target = peek(() => hpa.props.spec?.scaleTargetRef?.name);
            if (typeof target === "string") autoscaled.add(target);
        }
        for (const workload of ofType(args, ...WORKLOADS_WITH_TEMPLATES)) {
            const problem = peek(() => {
                const replicas: number = workload.props.spec?.replicas ?? 1;
                if (replicas < 2 && !autoscaled.has(workload.props.metadata?.name)) return undefined;
                const labels = { ...((workload.props.spec?.template?.metadata?.labels ?? {}) as Record<string, string>) };
                const ns = workload.props.metadata?.namespace;
                const covered = budgets.some(
                    (pdb) =>
                        pdb.props.metadata?.namespace === ns &&
                        !!pdb.props.spec?.selector &&
                        selectorMatches(pdb.props.spec.selector as LabelSelector, labels),
                );
                return covered
                    ? undefined
                    : `${describe(workload)} runs ${replicas < 2 ? "autoscaled" : replicas} replicas without a PodDisruptionBudget.`;
            });
            if (typeof problem === "string") report(problem, workload.urn);
        }
    },
};

export const kubernetesSecurityPolicies = [
    runAsNonRoot,
    readOnlyRootFilesystem,
    noPrivilegeEscalation,
    dropAllCapabilities,
    seccompRuntimeDefault,
    noHostNamespaces,
    noHostPath,
    resourceRequestsLimits,
    pinnedImages,
    digestPinnedImages,
    tlsVerification,
    helmChartPinned,
    probes,
    istioMtlsStrict,
    istioMtlsRequired,
    namespacePodSecurity,
    noDefaultNamespace,
    networkPolicyPerNamespace,
    podDisruptionBudget,
];
