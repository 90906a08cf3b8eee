/** The compliant and violating cases of every kubernetesSecurity policy (test/policies/kubernetesSecurity.test.ts runs them; coverage.test.ts checks every pack policy has some). */
import * as f from "./fixtures";
import { PolicyCases, changed, changedIn, resource } from "./harness";

const CONTAINER = ["spec", "template", "spec", "containers", 0];
const JOB_CONTAINER = ["spec", "template", "spec", "containers", 0];
export const POD = ["spec", "template", "spec"];
const inContainer = (path: (string | number)[], value: unknown) => () => changed(f.deployment(), [...CONTAINER, ...path], value);
const inPod = (path: (string | number)[], value: unknown) => () => changed(f.deployment(), [...POD, ...path], value);

const daemonSet = () =>
    resource("kubernetes:apps/v1:DaemonSet", "log-shipper", {
        metadata: { name: "log-shipper", namespace: "logging" },
        spec: {
            selector: { matchLabels: { app: "log-shipper" } },
            template: {
                metadata: { labels: { app: "log-shipper" } },
                spec: {
                    containers: [{ ...f.appContainer("fluent-bit"), securityContext: { runAsUser: 0 } }],
                    volumes: [{ name: "varlog", hostPath: { path: "/var/log" } }],
                },
            },
        },
    });

const statefulSet = () =>
    resource("kubernetes:apps/v1:StatefulSet", "postgres", {
        metadata: { name: "postgres", namespace: "claude-enhancer-data" },
        spec: {
            serviceName: "postgres",
            replicas: 1,
            selector: { matchLabels: { app: "postgres" } },
            template: {
                metadata: { labels: { app: "postgres" } },
                spec: {
                    securityContext: { runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [{ ...f.appContainer("postgres"), image: "postgres:15.8" }],
                },
            },
        },
    });

const withInit = () =>
    changed(
        f.deployment(),
        [...POD, "initContainers"],
        [
            {
                ...f.appContainer("migrate"),
                livenessProbe: undefined,
                readinessProbe: undefined,
                securityContext: { ...f.appContainer().securityContext, allowPrivilegeEscalation: true },
            },
        ],
    );

const helmRelease = () =>
    resource("kubernetes:helm.sh/v3:Release", "monitoring-stack", {
        name: "kube-prometheus-stack",
        chart: "kube-prometheus-stack",
        version: "65.1.1",
        repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" },
        namespace: "monitoring",
        values: { prometheus: { prometheusSpec: { retention: "90d" } } },
    });

const appStack = () => [f.deployment(), f.networkPolicy(), f.podDisruptionBudget(), f.hpa()];

/** The migration Job with the app's pod labels (the app's NetworkPolicy selects it), in the namespace the stack creates. */
const fencedJob = () => changed(f.migrationJob(), ["spec", "template", "metadata"], { labels: f.APP_LABELS });
const jobStack = () => [f.namespace("claude-enhancer", "restricted"), fencedJob(), f.networkPolicy()];

/** A curl Job like the log retention setup, its TLS option in the environment. */
const curlJob = () =>
    changed(
        changed(
            f.migrationJob(),
            [...JOB_CONTAINER, "command"],
            ["/bin/sh", "-c", 'curl --silent $CURL_TLS -K /run/curl/auth.conf "$URL"'],
        ),
        [...JOB_CONTAINER, "env"],
        [{ name: "CURL_TLS", value: "" }],
    );
const curlEnv = (value: string) => () => changed(curlJob(), [...JOB_CONTAINER, "env", 0, "value"], value);
const THIRD_PARTY = "curlimages/curl@sha256:" + "b".repeat(64);

export const kubernetesSecurityCases: PolicyCases = {
    "k8s-run-as-non-root": [
        { title: "migration Job of a rollout stage", resource: f.migrationJob },
        {
            title: "migration Job running as root",
            resource: () => changed(f.migrationJob(), [...JOB_CONTAINER, "securityContext", "runAsUser"], 0),
            violation: 'container "migrate": runAsUser is 0 (root).',
        },
        { title: "non-root service container", resource: f.deployment },
        {
            title: "pod-level runAsNonRoot on a StatefulSet",
            resource: () => changed(statefulSet(), [...POD, "containers", 0, "securityContext", "runAsNonRoot"], undefined),
        },
        {
            title: "exempt namespace",
            resource: daemonSet,
            config: { exemptNamespaces: ["logging"] },
            notApplicable: "namespace logging is exempt by policy config",
        },
        {
            title: "runAsNonRoot unset",
            resource: () =>
                changed(
                    inPod(["securityContext", "runAsNonRoot"], undefined)(),
                    [...CONTAINER, "securityContext", "runAsNonRoot"],
                    undefined,
                ),
            violation: 'container "claude-enhancer": runAsNonRoot is not true',
        },
        {
            title: "root user",
            resource: inContainer(["securityContext", "runAsUser"], 0),
            violation: 'container "claude-enhancer": runAsUser is 0 (root).',
        },
        {
            title: "DaemonSet running as root outside an exempt namespace",
            resource: daemonSet,
            violation: 'container "fluent-bit": runAsUser is 0',
        },
    ],
    "k8s-read-only-root-fs": [
        { title: "migration Job", resource: f.migrationJob },
        {
            title: "migration Job with a writable root",
            resource: () => changed(f.migrationJob(), [...JOB_CONTAINER, "securityContext", "readOnlyRootFilesystem"], false),
            violation: 'container "migrate": readOnlyRootFilesystem is not true.',
        },
        { title: "read-only root", resource: f.deployment },
        {
            title: "writable root",
            resource: inContainer(["securityContext", "readOnlyRootFilesystem"], false),
            violation: 'container "claude-enhancer": readOnlyRootFilesystem is not true.',
        },
        {
            title: "CronJob container with writable root",
            resource: () =>
                changed(
                    f.cronJob(),
                    ["spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "securityContext", "readOnlyRootFilesystem"],
                    false,
                ),
            violation: 'container "backup": readOnlyRootFilesystem is not true.',
        },
    ],
    "k8s-no-privilege-escalation": [
        { title: "migration Job", resource: f.migrationJob },
        {
            title: "migration Job that may escalate",
            resource: () => changed(f.migrationJob(), [...JOB_CONTAINER, "securityContext", "allowPrivilegeEscalation"], undefined),
            violation: 'container "migrate": allowPrivilegeEscalation is not false.',
        },
        { title: "no escalation", resource: f.deployment },
        { title: "privileged", resource: inContainer(["securityContext", "privileged"], true), violation: "privileged is true." },
        {
            title: "escalation allowed in an init container",
            resource: withInit,
            violation: 'init container "migrate": allowPrivilegeEscalation is not false.',
        },
    ],
    "k8s-drop-all-capabilities": [
        { title: "migration Job", resource: f.migrationJob },
        { title: "drop ALL", resource: f.deployment },
        { title: "NET_BIND_SERVICE added back", resource: inContainer(["securityContext", "capabilities", "add"], ["NET_BIND_SERVICE"]) },
        {
            title: "nothing dropped",
            resource: inContainer(["securityContext", "capabilities"], undefined),
            violation: "capabilities.drop does not include ALL.",
        },
        {
            title: "NET_ADMIN added",
            resource: inContainer(["securityContext", "capabilities", "add"], ["NET_ADMIN"]),
            violation: "adds capabilities NET_ADMIN.",
        },
    ],
    "k8s-seccomp-profile": [
        { title: "migration Job", resource: f.migrationJob },
        {
            title: "migration Job unconfined",
            resource: () =>
                changed(
                    changed(f.migrationJob(), [...JOB_CONTAINER, "securityContext", "seccompProfile", "type"], "Unconfined"),
                    ["spec", "template", "spec", "securityContext"],
                    undefined,
                ),
            violation: 'container "migrate": seccompProfile is Unconfined; expected RuntimeDefault.',
        },
        { title: "RuntimeDefault on container and pod", resource: f.deployment },
        { title: "pod-level only", resource: inContainer(["securityContext", "seccompProfile"], undefined) },
        {
            title: "Unconfined",
            resource: inContainer(["securityContext", "seccompProfile", "type"], "Unconfined"),
            violation: "seccompProfile is Unconfined; expected RuntimeDefault.",
        },
        {
            title: "unset everywhere",
            resource: () =>
                changed(
                    inContainer(["securityContext", "seccompProfile"], undefined)(),
                    [...POD, "securityContext", "seccompProfile"],
                    undefined,
                ),
            violation: "seccompProfile is unset",
        },
    ],
    "k8s-no-host-namespaces": [
        { title: "pod network", resource: f.deployment },
        { title: "hostNetwork", resource: inPod(["hostNetwork"], true), violation: "hostNetwork is true." },
        { title: "hostPID", resource: inPod(["hostPID"], true), violation: "hostPID is true." },
        { title: "host port", resource: inContainer(["ports", 0, "hostPort"], 8080), violation: "binds host ports 8080." },
    ],
    "k8s-no-host-path": [
        { title: "emptyDir only", resource: f.deployment },
        {
            title: "log shipper exempt by namespace",
            resource: daemonSet,
            config: { exemptNamespaces: ["logging"] },
            notApplicable: "namespace logging is exempt",
        },
        { title: "hostPath volume", resource: daemonSet, violation: 'volume "varlog" mounts host path /var/log.' },
    ],
    "k8s-resource-requests-limits": [
        { title: "requests and limits", resource: f.deployment },
        {
            title: "no memory limit",
            resource: inContainer(["resources", "limits", "memory"], undefined),
            violation: 'container "claude-enhancer": no limits.memory.',
        },
        {
            title: "no resources",
            resource: inContainer(["resources"], undefined),
            violation: "no requests.cpu, requests.memory, limits.cpu, limits.memory.",
        },
    ],
    "k8s-pinned-image-tags": [
        { title: "explicit version", resource: f.deployment },
        { title: "digest", resource: inContainer(["image"], "registry.example.com:5000/claude-enhancer@sha256:" + "a".repeat(64)) },
        {
            title: "latest",
            resource: inContainer(["image"], "claude-enhancer:latest"),
            violation: "image claude-enhancer:latest uses the latest tag.",
        },
        {
            title: "no tag (registry with a port)",
            resource: inContainer(["image"], "registry.example.com:5000/claude-enhancer"),
            violation: "has no tag (defaults to latest)",
        },
    ],
    "k8s-digest-pinned-images": [
        { title: "the product's own image by version (registry with a port)", resource: f.deployment },
        { title: "the product's own image without a registry", resource: inContainer(["image"], "claude-enhancer:5.0.0") },
        { title: "third-party image by digest", resource: () => changed(curlJob(), [...JOB_CONTAINER, "image"], THIRD_PARTY) },
        {
            title: "third-party image by tag and digest",
            resource: () => changed(curlJob(), [...JOB_CONTAINER, "image"], "curlimages/curl:8.11.1@sha256:" + "b".repeat(64)),
        },
        {
            title: "another repository configured as the product's own",
            resource: () => changed(curlJob(), [...JOB_CONTAINER, "image"], "ghcr.io/example/tools:1.0"),
            config: { ownRepositories: ["ghcr.io/example/*"] },
        },
        {
            title: "third-party image by tag",
            resource: () => changed(curlJob(), [...JOB_CONTAINER, "image"], "curlimages/curl:8.11.1"),
            violation: 'container "migrate": third-party image curlimages/curl:8.11.1 is not pinned by digest (@sha256:...).',
        },
        {
            title: "a repository only named like the product's",
            resource: inContainer(["image"], "docker.io/someone/claude-enhancer-tools:1.0"),
            violation: "third-party image docker.io/someone/claude-enhancer-tools:1.0 is not pinned by digest",
        },
        {
            title: "third-party sidecar beside the product's own container",
            resource: () =>
                changed(f.deployment(), [...POD, "containers", 1], {
                    ...f.appContainer("exporter"),
                    image: "oliver006/redis_exporter:v1.67.0",
                }),
            violation: 'container "exporter": third-party image oliver006/redis_exporter:v1.67.0 is not pinned by digest',
        },
    ],
    "k8s-tls-verification": [
        { title: "curl verifying certificates (empty TLS option)", resource: curlJob },
        { title: "curl with its own CA bundle", resource: curlEnv("--cacert /etc/ssl/opensearch/ca.crt") },
        { title: "sort -k is not curl", resource: () => changed(f.migrationJob(), [...JOB_CONTAINER, "args"], ["sort", "-k", "2"]) },
        {
            title: "NODE_TLS_REJECT_UNAUTHORIZED=1",
            resource: () => changed(f.deployment(), [...CONTAINER, "env"], [{ name: "NODE_TLS_REJECT_UNAUTHORIZED", value: "1" }]),
        },
        {
            title: "curl --insecure through the environment",
            resource: curlEnv("--insecure"),
            violation: 'container "migrate": env CURL_TLS turns TLS certificate verification off (--insecure).',
        },
        {
            title: "curl -k through the environment",
            resource: curlEnv("-k"),
            violation: "env CURL_TLS turns TLS certificate verification off (-k).",
        },
        {
            title: "curl -k in a script",
            resource: () => changed(curlJob(), [...JOB_CONTAINER, "command", 2], 'curl -k -K /run/curl/auth.conf "$URL"'),
            violation: 'container "migrate": command turns TLS certificate verification off (-k).',
        },
        {
            title: "wget --no-check-certificate in args",
            resource: () =>
                changed(f.migrationJob(), [...JOB_CONTAINER, "args"], ["wget", "--no-check-certificate", "https://example.com"]),
            violation: "args turns TLS certificate verification off (--no-check-certificate).",
        },
        {
            title: "NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment of a Deployment",
            resource: () => changed(f.deployment(), [...CONTAINER, "env"], [{ name: "NODE_TLS_REJECT_UNAUTHORIZED", value: "0" }]),
            violation:
                'container "claude-enhancer": env NODE_TLS_REJECT_UNAUTHORIZED turns TLS certificate verification off (NODE_TLS_REJECT_UNAUTHORIZED=0).',
        },
        {
            title: "NODE_TLS_REJECT_UNAUTHORIZED=0 exported by a CronJob's script",
            resource: () =>
                changed(
                    f.cronJob(),
                    ["spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "command"],
                    ["/bin/sh", "-c", "export NODE_TLS_REJECT_UNAUTHORIZED=0 && node backup.js"],
                ),
            violation: 'container "backup": command turns TLS certificate verification off (NODE_TLS_REJECT_UNAUTHORIZED=0).',
        },
    ],
    "k8s-helm-chart-pinned": [
        { title: "exact version from HTTPS", resource: helmRelease },
        {
            title: "OCI chart with a pre-release version",
            resource: () =>
                changed(
                    changed(helmRelease(), ["version"], "1.24.0-rc.1"),
                    ["repositoryOpts", "repo"],
                    "oci://registry.example.com/charts",
                ),
        },
        {
            title: "version range",
            resource: () => changed(helmRelease(), ["version"], "^65.0.0"),
            violation: "chart kube-prometheus-stack has version ^65.0.0; pin an exact version.",
        },
        { title: "no version", resource: () => changed(helmRelease(), ["version"], undefined), violation: "has version unset (latest)" },
        {
            title: "plain HTTP repository",
            resource: () => changed(helmRelease(), ["repositoryOpts", "repo"], "http://charts.example.com"),
            violation: "chart repository http://charts.example.com is not HTTPS or OCI.",
        },
    ],
    "k8s-probes": [
        { title: "migration Job without probes (runs to completion)", resource: f.migrationJob },
        { title: "liveness and readiness", resource: f.deployment },
        { title: "CronJob without probes", resource: f.cronJob },
        {
            title: "init container without probes",
            resource: () => changed(withInit(), [...POD, "initContainers", 0, "securityContext", "allowPrivilegeEscalation"], false),
        },
        {
            title: "no readiness probe",
            resource: inContainer(["readinessProbe"], undefined),
            violation: 'container "claude-enhancer": no readinessProbe.',
        },
    ],
    "k8s-istio-mtls-strict": [
        { title: "STRICT", resource: () => f.peerAuthentication() },
        {
            title: "PERMISSIVE",
            resource: () => changed(f.peerAuthentication(), ["spec", "mtls", "mode"], "PERMISSIVE"),
            violation: "spec.mtls.mode is PERMISSIVE; expected STRICT.",
        },
        {
            title: "port-level DISABLE",
            resource: () => changed(f.peerAuthentication(), ["spec", "portLevelMtls"], { 9090: { mode: "DISABLE" } }),
            violation: "port 9090 overrides mTLS to DISABLE.",
        },
    ],
    "k8s-istio-mtls-required": [
        { title: "mesh-wide STRICT", resources: () => [f.virtualService(), f.peerAuthentication()] },
        { title: "namespace STRICT", resources: () => [f.virtualService(), f.peerAuthentication("claude-enhancer")] },
        {
            title: "no PeerAuthentication",
            resources: () => [f.virtualService()],
            violation: "namespace claude-enhancer routes through Istio but no STRICT PeerAuthentication covers it",
        },
        {
            title: "workload-scoped STRICT only",
            resources: () => [
                f.virtualService(),
                changed(f.peerAuthentication("claude-enhancer"), ["spec", "selector"], { matchLabels: { app: "x" } }),
            ],
            violation: "no STRICT PeerAuthentication covers it",
        },
    ],
    "k8s-namespace-pod-security": [
        { title: "restricted", resource: () => f.namespace("claude-enhancer", "restricted") },
        { title: "privileged with an exception", resource: () => f.namespace("logging", "privileged", "the log shipper reads host paths") },
        {
            title: "no label",
            resource: () => changed(f.namespace("claude-enhancer", "restricted"), ["metadata", "labels"], {}),
            violation: "no pod-security.kubernetes.io/enforce label.",
        },
        {
            title: "privileged without a reason",
            resource: () => f.namespace("logging", "privileged"),
            violation: 'enforces "privileged" without a claude-enhancer.io/pod-security-exception annotation',
        },
    ],
    "k8s-no-default-namespace": [
        { title: "platform namespace", resource: f.deployment },
        {
            title: "default",
            resource: () => changed(f.deployment(), ["metadata", "namespace"], "default"),
            violation: "the Deployment is in the default namespace.",
        },
        {
            title: "no namespace",
            resource: () => changed(f.deployment(), ["metadata", "namespace"], undefined),
            violation: "in the default namespace",
        },
    ],
    "k8s-network-policy": [
        { title: "selected by a NetworkPolicy", resources: appStack },
        {
            title: "selected by an empty podSelector",
            resources: () => changedIn(appStack(), "claude-enhancer-netpol", (r) => changed(r, ["spec", "podSelector"], {})),
        },
        {
            title: "no NetworkPolicy",
            resources: () => [f.deployment()],
            violation: 'Deployment "claude-enhancer-stable" is selected by no NetworkPolicy',
            violator: "claude-enhancer-stable",
        },
        {
            title: "policy in another namespace",
            resources: () => changedIn(appStack(), "claude-enhancer-netpol", (r) => changed(r, ["metadata", "namespace"], "monitoring")),
            violation: "selected by no NetworkPolicy",
        },
        {
            title: "selected only by an Ingress policy: its egress is open",
            resources: () => changedIn(appStack(), "claude-enhancer-netpol", (r) => changed(r, ["spec", "policyTypes"], ["Ingress"])),
            violation:
                'Deployment "claude-enhancer-stable" is not isolated for egress by the NetworkPolicies of its namespace (policyTypes).',
            violator: "claude-enhancer-stable",
        },
        {
            title: "no policyTypes and no egress rules: ingress only, as the API server defaults them",
            resources: () => changedIn(appStack(), "claude-enhancer-netpol", (r) => changed(r, ["spec", "policyTypes"], undefined)),
            violation: "is not isolated for egress",
        },
        {
            title: "no policyTypes but egress rules: both directions, as the API server defaults them",
            resources: () =>
                changedIn(appStack(), "claude-enhancer-netpol", (r) =>
                    changed(
                        changed(r, ["spec", "policyTypes"], undefined),
                        ["spec", "egress"],
                        [{ ports: [{ protocol: "TCP", port: 5432 }] }],
                    ),
                ),
        },
        {
            title: "isolated for egress by a second, Egress-only policy",
            resources: () => [
                ...changedIn(appStack(), "claude-enhancer-netpol", (r) => changed(r, ["spec", "policyTypes"], ["Ingress"])),
                changed(changed(f.networkPolicy(), ["name"], "default-deny"), ["spec"], { podSelector: {}, policyTypes: ["Egress"] }),
            ],
        },
        { title: "Job in a namespace the stack creates, selected by a NetworkPolicy", resources: jobStack },
        { title: "Job in a namespace the stack does not create", resources: () => [fencedJob()] },
        {
            title: "Job in a namespace the stack creates, without a NetworkPolicy",
            resources: () => jobStack().filter((r) => r.name !== "claude-enhancer-netpol"),
            violation: 'Job "rollout-migrate-5.1.0" is selected by no NetworkPolicy of its namespace.',
            violator: "rollout-migrate-5.1.0",
        },
        {
            title: "Job whose pod labels no NetworkPolicy selects",
            resources: () => changedIn(jobStack(), "rollout-migrate-5.1.0", (r) => changed(r, ["spec", "template", "metadata"], undefined)),
            violation: 'Job "rollout-migrate-5.1.0" is selected by no NetworkPolicy',
        },
        {
            title: "CronJob in a namespace the stack creates, without a NetworkPolicy (labels on the job template's pods)",
            resources: () => [
                f.namespace("claude-enhancer-data", "restricted"),
                changed(f.cronJob(), ["spec", "jobTemplate", "spec", "template", "metadata"], { labels: f.APP_LABELS }),
            ],
            violation: 'CronJob "db-backup" is selected by no NetworkPolicy',
            violator: "db-backup",
        },
        {
            title: "DaemonSet in a namespace the stack creates, without a NetworkPolicy",
            resources: () => [f.namespace("logging", "privileged", "the log shipper reads host paths"), daemonSet()],
            violation: 'DaemonSet "log-shipper" is selected by no NetworkPolicy',
            violator: "log-shipper",
        },
    ],
    "k8s-pod-disruption-budget": [
        { title: "PDB selects the replicas", resources: appStack },
        { title: "single replica without PDB", resources: () => [changed(f.deployment(), ["spec", "replicas"], 1)] },
        {
            title: "three replicas without PDB",
            resources: () => [f.deployment()],
            violation: "runs 3 replicas without a PodDisruptionBudget.",
        },
        {
            title: "autoscaled single replica without PDB",
            resources: () => [changed(f.deployment(), ["spec", "replicas"], 1), f.hpa()],
            violation: "runs autoscaled replicas without a PodDisruptionBudget.",
        },
    ],
};
