import { STAGE_NAMES, Stage, StageName, candidateReplicas, resolveStageTable } from "../rollout/stages";
import { AppConfig, cpuMillis, memoryBytes } from "./app";
import type { CacheConfig } from "./cache";
import type { ClusterConfig, NodeGroupConfig } from "./cluster";
import type { DatabaseConfig } from "./database";
import { MeshConfig, routerFootprint } from "./mesh";
import type { LoggingConfig, MonitoringConfig, TracingConfig } from "./observability";
import { RolloutConfig, stageOverridesOf } from "./rollout";
import { certManagerInstalled, TlsConfig } from "./tls";

/**
 * Capacity per rollout stage (docs/capacity.md, "Capacity per stage"): the CPU and memory the
 * platform's pods request in a stage against what the node groups hold at their maxSize. The
 * scheduler places pods by their requests, so requests (not limits or usage) are what must fit.
 *
 * Pods are packed onto the nodes the groups can grow to (first fit, largest pod first), each node
 * being the smallest instance type of its group (the one the group can guarantee), DaemonSets
 * subtracted per node. Pods that do not tolerate the system group's taint only go to "app" groups.
 */

/** CPU in millicores and memory in bytes: the scheduler's units. */
export interface Requests {
    cpuMillis: number;
    memoryBytes: number;
}

/** Where a pod may run: untainted ("app") groups only, or any group (it tolerates the system taint CriticalAddonsOnly). */
export type Placement = "app" | "any";

/** Identical pods of one workload. */
export interface PodGroup {
    /** The workload as `kubectl get` names it (Deployment, StatefulSet, Job or Helm release part). */
    name: string;
    pods: number;
    /** Requests of one pod (all its containers, the injected Istio sidecar included). */
    perPod: Requests;
    placement: Placement;
}

/** A DaemonSet: one pod on every node of every group (they all tolerate every taint). */
export interface NodeDaemon {
    name: string;
    perPod: Requests;
}

/** What an EC2 instance type offers before the kubelet's reservations. */
export interface InstanceCapacity {
    vcpu: number;
    memoryMiB: number;
    /** Pods per node with the VPC CNI without prefix delegation (amazon-eks-ami eni-max-pods.txt). */
    maxPods: number;
}

/** What a node leaves for pods (Kubernetes' "allocatable"), and how many pods it may run. */
export interface NodeAllocatable extends Requests {
    pods: number;
}

const MIB = 2 ** 20;
const GIB = 2 ** 30;

function sizes(families: string[], shapes: Record<string, InstanceCapacity>): Record<string, InstanceCapacity> {
    return Object.fromEntries(families.flatMap((family) => Object.entries(shapes).map(([size, c]) => [`${family}.${size}`, c])));
}

/**
 * vCPU, memory and max pods per instance type (EC2 instance type specifications; max pods from
 * amazon-eks-ami's eni-max-pods.txt: ENIs × (IPv4 addresses per ENI − 1) + 2). A node group using a type
 * missing here fails validation until it is added, so the check never guesses.
 */
export const INSTANCE_CAPACITY: Readonly<Record<string, InstanceCapacity>> = {
    // Burstable: 2 GiB per vCPU at medium, 4 GiB per vCPU from large.
    ...sizes(["t3", "t3a", "t4g"], {
        medium: { vcpu: 2, memoryMiB: 4 * 1024, maxPods: 17 },
        large: { vcpu: 2, memoryMiB: 8 * 1024, maxPods: 35 },
        xlarge: { vcpu: 4, memoryMiB: 16 * 1024, maxPods: 58 },
        "2xlarge": { vcpu: 8, memoryMiB: 32 * 1024, maxPods: 58 },
    }),
    // General purpose: 4 GiB per vCPU.
    ...sizes(["m5", "m5a", "m6i", "m6a", "m6g", "m7i", "m7a", "m7g"], {
        large: { vcpu: 2, memoryMiB: 8 * 1024, maxPods: 29 },
        xlarge: { vcpu: 4, memoryMiB: 16 * 1024, maxPods: 58 },
        "2xlarge": { vcpu: 8, memoryMiB: 32 * 1024, maxPods: 58 },
    }),
    // Compute optimised: 2 GiB per vCPU.
    ...sizes(["c5", "c5a", "c6i", "c6a", "c6g", "c7i", "c7g"], {
        large: { vcpu: 2, memoryMiB: 4 * 1024, maxPods: 29 },
        xlarge: { vcpu: 4, memoryMiB: 8 * 1024, maxPods: 58 },
        "2xlarge": { vcpu: 8, memoryMiB: 16 * 1024, maxPods: 58 },
    }),
    // Memory optimised: 8 GiB per vCPU.
    ...sizes(["r5", "r5a", "r6i", "r6a", "r6g", "r7i", "r7g"], {
        large: { vcpu: 2, memoryMiB: 16 * 1024, maxPods: 29 },
        xlarge: { vcpu: 4, memoryMiB: 32 * 1024, maxPods: 58 },
        "2xlarge": { vcpu: 8, memoryMiB: 64 * 1024, maxPods: 58 },
    }),
};

/**
 * kube-reserved CPU of the EKS-optimised AMIs (amazon-eks-ami, bootstrap.sh / nodeadm): 6 % of the first
 * core, 1 % of the second, 0.5 % of the third and fourth, 0.25 % of every further core.
 */
export function kubeReservedCpuMillis(vcpu: number): number {
    const share = [60, 10, 5, 5];
    let millis = 0;
    for (let core = 0; core < vcpu; core++) millis += share[core] ?? 2.5;
    return millis;
}

/** kube-reserved memory of the EKS-optimised AMIs: 255 MiB plus 11 MiB per pod the node may run. */
export function kubeReservedMemoryMiB(maxPods: number): number {
    return 255 + 11 * maxPods;
}

/** The kubelet's hard eviction threshold on the EKS AMIs (memory.available < 100Mi); EKS sets no system-reserved. */
export const EVICTION_HARD_MIB = 100;

/**
 * Share of an instance's nominal memory the node does not report as capacity (kernel, firmware):
 * Karpenter's default VM_MEMORY_OVERHEAD_PERCENT, which it uses for the same prediction.
 */
export const VM_MEMORY_OVERHEAD = 0.075;

/** Allocatable = capacity − kube-reserved − system-reserved (none on EKS) − hard eviction threshold. */
export function nodeAllocatable(instanceType: string): NodeAllocatable | undefined {
    const c = INSTANCE_CAPACITY[instanceType];
    if (!c) return undefined;
    const capacityMiB = Math.floor(c.memoryMiB * (1 - VM_MEMORY_OVERHEAD));
    return {
        cpuMillis: c.vcpu * 1000 - kubeReservedCpuMillis(c.vcpu),
        memoryBytes: (capacityMiB - kubeReservedMemoryMiB(c.maxPods) - EVICTION_HARD_MIB) * MIB,
        pods: c.maxPods,
    };
}

/** The instance type a group can guarantee: its smallest (CPU, then memory) of the types it may launch. */
export function smallestInstanceType(group: Pick<NodeGroupConfig, "instanceTypes">): string | undefined {
    const known = group.instanceTypes.filter((t) => INSTANCE_CAPACITY[t] !== undefined);
    if (known.length !== group.instanceTypes.length) return undefined;
    return [...known].sort((a, b) => {
        const x = nodeAllocatable(a)!;
        const y = nodeAllocatable(b)!;
        return x.cpuMillis - y.cpuMillis || x.memoryBytes - y.memoryBytes;
    })[0];
}

/**
 * Requests the components set that are not stack keys: each named file reads its entry from here, so
 * the check counts what is deployed (the in-cluster stores' entries are sums of a container and its
 * exporter sidecar); test/config/capacityDrift.test.ts runs the program and fails when they part.
 */
export const FIXED_REQUESTS = {
    /** components/rollout/guard.ts */
    rolloutGuard: { cpu: "10m", memory: "64Mi" },
    /** components/observability/exporters.ts (prometheus-cloudwatch-exporter values) */
    cloudwatchExporter: { cpu: "50m", memory: "256Mi" },
    /** components/observability/loggingValues.ts (openSearchDashboardsValues) */
    opensearchDashboards: { cpu: "100m", memory: "512Mi" },
    /** components/observability/logging.ts (the ISM retention set-up Job) */
    retentionSetup: { cpu: "10m", memory: "16Mi" },
    /** components/data/database.ts plus the exporter sidecar of components/data/inClusterStore.ts */
    inClusterPostgres: { cpu: "260m", memory: "288Mi" },
    /** components/data/cache.ts plus the exporter sidecar of components/data/inClusterStore.ts */
    inClusterRedis: { cpu: "110m", memory: "160Mi" },
    /** metrics-server (issue 15, item 3): the HPAs' resource metrics. */
    metricsServer: { cpu: "100m", memory: "200Mi" },
    /** cluster-autoscaler (issue 15, item 1), AWS stacks only. */
    clusterAutoscaler: { cpu: "100m", memory: "300Mi" },
    /** components/tls/certManagerValues.ts: controller, webhook and cainjector, wherever cert-manager runs (certManagerInstalled). */
    certManagerController: { cpu: "50m", memory: "128Mi" },
    certManagerWebhook: { cpu: "20m", memory: "64Mi" },
    certManagerCainjector: { cpu: "20m", memory: "128Mi" },
} as const;

/**
 * Requests set by chart or add-on defaults that the stack does not override (the pinned versions'
 * values.yaml / add-on manifests). kube-prometheus-stack's operator, kube-state-metrics and
 * node-exporter request nothing, but still take a pod slot.
 */
export const DEFAULT_REQUESTS = {
    none: { cpu: "0", memory: "0" },
    /** EKS add-on vpc-cni: the aws-node DaemonSet. */
    awsNode: { cpu: "25m", memory: "0" },
    /** EKS add-on kube-proxy. */
    kubeProxy: { cpu: "100m", memory: "0" },
    /** EKS add-on coredns (2 replicas; they tolerate CriticalAddonsOnly). */
    coredns: { cpu: "100m", memory: "70Mi" },
    /** EKS add-on aws-ebs-csi-driver: controller (6 containers × 10m / 40Mi; 2 replicas) and node plugin (3 × 10m / 40Mi). */
    ebsCsiController: { cpu: "60m", memory: "240Mi" },
    ebsCsiNode: { cpu: "30m", memory: "120Mi" },
} as const;

/** The parts of the validated configuration the check reads. */
export interface CapacityConfig {
    cluster: ClusterConfig;
    app: Pick<AppConfig, "resources" | "autoscaling">;
    rollout: RolloutConfig;
    monitoring: Pick<MonitoringConfig, "prometheus" | "alertmanager" | "grafana">;
    logging: Pick<LoggingConfig, "enabled" | "fluentBitRequests" | "opensearch">;
    tracing: Pick<TracingConfig, "enabled" | "requests">;
    mesh: MeshConfig;
    database: Pick<DatabaseConfig, "mode">;
    cache: Pick<CacheConfig, "mode">;
    /** Set when cert-manager issues the service's certificate (config/tls.ts). */
    tls?: TlsConfig;
}

/** Requests of a `{cpu, memory}` quantity pair (the schema has validated both). */
export function requestsOf(q: { cpu: string; memory: string }): Requests {
    return { cpuMillis: Math.round(cpuMillis(q.cpu) ?? 0), memoryBytes: memoryBytes(q.memory) ?? 0 };
}

function plus(a: Requests, b: Requests): Requests {
    return { cpuMillis: a.cpuMillis + b.cpuMillis, memoryBytes: a.memoryBytes + b.memoryBytes };
}

/** The pods of a stage: what is scheduled once per workload, and the DaemonSets on every node. */
export interface StagePods {
    pods: PodGroup[];
    daemons: NodeDaemon[];
}

/**
 * Every pod the platform runs in `stage`: both application tracks at the stage's sizes (the stable
 * track at its autoscaler's floor, which full-switch raises to keep blue a hot standby; the candidate
 * as a canary or green), the rollout guard and the migration Job in forward stages, monitoring,
 * mesh or ingress, logging, tracing, the in-cluster data stores, metrics-server and, on EKS, the
 * cluster autoscaler and the add-ons.
 */
export function stagePods(config: CapacityConfig, stage: Stage): StagePods {
    const pods: PodGroup[] = [];
    const add = (name: string, count: number, perPod: Requests, placement: Placement = "app") => {
        if (count > 0) pods.push({ name, pods: count, perPod, placement });
    };
    const router = routerFootprint(config.mesh);
    const app = requestsOf(config.app.resources.requests);
    // With a sidecar (Istio's Envoy) each application pod carries it.
    const appPod = router.sidecarRequests ? plus(app, requestsOf(router.sidecarRequests)) : app;
    add("claude-enhancer-stable", stage.blueReplicas, appPod);
    if (stage.candidatePresent) add("claude-enhancer-candidate", candidateReplicas(stage), appPod);
    if (stage.forward) {
        add("claude-enhancer-rollout-guard", 1, requestsOf(FIXED_REQUESTS.rolloutGuard));
        // Counted in every forward stage: a rollout may start at any of them (allowStageJump); outside the mesh.
        if (config.rollout.migration.enabled) add("claude-enhancer-migrate", 1, app);
    }

    const { prometheus, alertmanager, grafana } = config.monitoring;
    add("prometheus", prometheus.replicas, requestsOf(prometheus.requests));
    add("alertmanager", alertmanager.replicas, requestsOf(alertmanager.requests));
    add("grafana", 1, requestsOf(grafana.requests));
    add("prometheus-operator", 1, requestsOf(DEFAULT_REQUESTS.none));
    add("kube-state-metrics", 1, requestsOf(DEFAULT_REQUESTS.none));
    const eks = config.cluster.mode === "eks";
    if (eks && (config.database.mode === "rds" || config.cache.mode === "elasticache")) {
        add("prometheus-cloudwatch-exporter", 1, requestsOf(FIXED_REQUESTS.cloudwatchExporter));
    }
    add("metrics-server", 1, requestsOf(FIXED_REQUESTS.metricsServer));

    for (const pod of router.pods) add(pod.name, pod.replicas, requestsOf(pod.requests));

    if (config.logging.enabled && config.logging.opensearch.mode === "in-cluster") {
        add("opensearch", 1, requestsOf(config.logging.opensearch.requests));
        add("opensearch-dashboards", 1, requestsOf(FIXED_REQUESTS.opensearchDashboards));
    }
    // The index retention set-up runs in the cluster against either OpenSearch.
    if (config.logging.enabled) add("opensearch-retention-setup", 1, requestsOf(FIXED_REQUESTS.retentionSetup));
    if (config.tracing.enabled) add("jaeger", 1, requestsOf(config.tracing.requests));
    if (config.database.mode === "in-cluster") add("postgres", 1, requestsOf(FIXED_REQUESTS.inClusterPostgres));
    if (config.cache.mode === "in-cluster") add("redis", 1, requestsOf(FIXED_REQUESTS.inClusterRedis));
    if (certManagerInstalled(config)) {
        add("cert-manager", 1, requestsOf(FIXED_REQUESTS.certManagerController));
        add("cert-manager-webhook", 1, requestsOf(FIXED_REQUESTS.certManagerWebhook));
        add("cert-manager-cainjector", 1, requestsOf(FIXED_REQUESTS.certManagerCainjector));
    }

    const daemons: NodeDaemon[] = [{ name: "node-exporter", perPod: requestsOf(DEFAULT_REQUESTS.none) }];
    if (config.logging.enabled) daemons.push({ name: "fluent-bit", perPod: requestsOf(config.logging.fluentBitRequests) });
    for (const daemon of router.daemons) daemons.push({ name: daemon.name, perPod: requestsOf(daemon.requests) });
    if (eks) {
        add("cluster-autoscaler", 1, requestsOf(FIXED_REQUESTS.clusterAutoscaler));
        add("coredns", 2, requestsOf(DEFAULT_REQUESTS.coredns), "any");
        add("ebs-csi-controller", 2, requestsOf(DEFAULT_REQUESTS.ebsCsiController), "any");
        daemons.push(
            { name: "aws-node", perPod: requestsOf(DEFAULT_REQUESTS.awsNode) },
            { name: "kube-proxy", perPod: requestsOf(DEFAULT_REQUESTS.kubeProxy) },
            { name: "ebs-csi-node", perPod: requestsOf(DEFAULT_REQUESTS.ebsCsiNode) },
        );
    }
    return { pods, daemons };
}

/** One node group at its maxSize, as the check sees it. */
export interface GroupCapacity {
    name: string;
    /** Index in cluster.nodeGroups (for the key path of an error). */
    index: number;
    role: NodeGroupConfig["role"];
    maxSize: number;
    instanceType: string;
    /** One node's allocatable. */
    perNode: NodeAllocatable;
    /** One node's allocatable left after the DaemonSets. */
    perNodeForPods: NodeAllocatable;
}

/** The outcome of one stage. */
export interface StageCapacity {
    stage: StageName;
    /** Pods of the stage outside DaemonSets, and their summed requests. */
    pods: PodGroup[];
    requested: Requests & { pods: number };
    /** Application pods (both tracks). */
    appPods: number;
    /** DaemonSet requests on each node. */
    perNodeDaemons: Requests & { pods: number };
    groups: GroupCapacity[];
    /** Allocatable of every group at maxSize after the DaemonSets. */
    allocatable: Requests & { pods: number };
    /** Pods the packing could not place (empty when the stage fits). */
    unplaced: { name: string; pods: number; perPod: Requests }[];
    /** The smallest maxSize of `raise` with which the stage fits (the others unchanged); undefined when none up to 100 does. */
    minimumMaxSize?: number;
    /** The group whose maxSize the check proposes to change: the first "app" group. */
    raise: GroupCapacity;
}

interface Bin {
    free: NodeAllocatable;
    role: NodeGroupConfig["role"];
}

/** Places every pod on the nodes (first fit, largest first; pods that may go anywhere fill the system nodes first). */
function pack(pods: PodGroup[], bins: Bin[]): PodGroup[] {
    const weight = (r: Requests, n: NodeAllocatable) => Math.max(r.cpuMillis / n.cpuMillis, r.memoryBytes / n.memoryBytes);
    const ref = bins[0]?.free ?? { cpuMillis: 1, memoryBytes: 1, pods: 1 };
    const order = [...pods].sort((a, b) => weight(b.perPod, ref) - weight(a.perPod, ref));
    const unplaced = new Map<string, PodGroup>();
    const fits = (bin: Bin, r: Requests) =>
        bin.free.pods >= 1 && bin.free.cpuMillis >= r.cpuMillis && bin.free.memoryBytes >= r.memoryBytes;
    const place = (bin: Bin, r: Requests) => {
        bin.free = {
            cpuMillis: bin.free.cpuMillis - r.cpuMillis,
            memoryBytes: bin.free.memoryBytes - r.memoryBytes,
            pods: bin.free.pods - 1,
        };
    };
    const candidates = (placement: Placement) =>
        placement === "app"
            ? bins.filter((b) => b.role === "app")
            : [...bins.filter((b) => b.role !== "app"), ...bins.filter((b) => b.role === "app")];
    // The pods that may go anywhere first, so they take the system nodes, which nothing else can use.
    for (const group of [...order.filter((p) => p.placement === "any"), ...order.filter((p) => p.placement === "app")]) {
        const options = candidates(group.placement);
        for (let i = 0; i < group.pods; i++) {
            const bin = options.find((b) => fits(b, group.perPod));
            if (bin) place(bin, group.perPod);
            else {
                const left = unplaced.get(group.name) ?? { ...group, pods: 0 };
                unplaced.set(group.name, { ...left, pods: left.pods + 1 });
            }
        }
    }
    return [...unplaced.values()];
}

function sum(items: { pods: number; perPod: Requests }[]): Requests & { pods: number } {
    return items.reduce(
        (s, p) => ({
            cpuMillis: s.cpuMillis + p.pods * p.perPod.cpuMillis,
            memoryBytes: s.memoryBytes + p.pods * p.perPod.memoryBytes,
            pods: s.pods + p.pods,
        }),
        { cpuMillis: 0, memoryBytes: 0, pods: 0 },
    );
}

/** The node groups at maxSize as the packing sees them: each node of the smallest type, DaemonSets subtracted. */
export function groupCapacities(groups: NodeGroupConfig[], daemons: Requests & { pods: number }): GroupCapacity[] {
    return groups.map((g, index): GroupCapacity => {
        const instanceType = smallestInstanceType(g)!;
        const perNode = nodeAllocatable(instanceType)!;
        return {
            name: g.name,
            index,
            role: g.role,
            maxSize: g.maxSize,
            instanceType,
            perNode,
            perNodeForPods: {
                cpuMillis: perNode.cpuMillis - daemons.cpuMillis,
                memoryBytes: perNode.memoryBytes - daemons.memoryBytes,
                pods: perNode.pods - daemons.pods,
            },
        };
    });
}

/** The pods left over when `pods` are packed onto `groups` at their maxSize (none: the stage fits). */
export function unplacedPods(pods: PodGroup[], groups: GroupCapacity[]): PodGroup[] {
    const bins = groups.flatMap((g) => Array.from({ length: g.maxSize }, (): Bin => ({ free: { ...g.perNodeForPods }, role: g.role })));
    return pack(pods, bins);
}

/** Node group problems that keep the check from running (instance types it has no capacity for). */
export function instanceTypeIssues(cluster: ClusterConfig): { path: (string | number)[]; message: string }[] {
    if (cluster.mode !== "eks") return [];
    return cluster.nodeGroups.flatMap((g, i) =>
        g.instanceTypes.flatMap((t, j) =>
            INSTANCE_CAPACITY[t]
                ? []
                : [
                      {
                          path: ["cluster", "nodeGroups", i, "instanceTypes", j],
                          message: `an instance type whose allocatable capacity the capacity check knows (add "${t}" to INSTANCE_CAPACITY in config/capacity.ts)`,
                      },
                  ],
        ),
    );
}

/** The capacity of one stage on an EKS stack; undefined where the nodes are not in the config (kind, existing). */
export function stageCapacity(config: CapacityConfig, stageName: StageName): StageCapacity | undefined {
    if (config.cluster.mode !== "eks" || instanceTypeIssues(config.cluster).length > 0) return undefined;
    const stage = resolveStageTable(stageOverridesOf(config.rollout), config.app.autoscaling)[stageName];
    const { pods, daemons } = stagePods(config, stage);
    const perNodeDaemons = sum(daemons.map((d) => ({ pods: 1, perPod: d.perPod })));
    const groups = groupCapacities(config.cluster.nodeGroups, perNodeDaemons);
    const raise = groups.find((g) => g.role === "app")!;
    const unplaced = unplacedPods(pods, groups);
    // The schema bounds maxSize to 1..100, and so the search.
    let minimumMaxSize: number | undefined;
    for (let size = 1; size <= 100 && minimumMaxSize === undefined; size++) {
        const resized = groups.map((g) => (g === raise ? { ...g, maxSize: size } : g));
        if (unplacedPods(pods, resized).length === 0) minimumMaxSize = size;
    }
    const allocatable = groups.reduce(
        (s, g) => ({
            cpuMillis: s.cpuMillis + g.maxSize * Math.max(0, g.perNodeForPods.cpuMillis),
            memoryBytes: s.memoryBytes + g.maxSize * Math.max(0, g.perNodeForPods.memoryBytes),
            pods: s.pods + g.maxSize * Math.max(0, g.perNodeForPods.pods),
        }),
        { cpuMillis: 0, memoryBytes: 0, pods: 0 },
    );
    const appPods = pods
        .filter((p) => p.name === "claude-enhancer-stable" || p.name === "claude-enhancer-candidate")
        .reduce((n, p) => n + p.pods, 0);
    return {
        stage: stageName,
        pods,
        requested: sum(pods),
        appPods,
        perNodeDaemons,
        groups,
        allocatable,
        unplaced: unplaced.map(({ name, pods: n, perPod }) => ({ name, pods: n, perPod })),
        minimumMaxSize,
        raise,
    };
}

/** Every stage's capacity, in the stage machine's order (for docs/capacity.md); empty where nothing is checked. */
export function capacityByStage(config: CapacityConfig): StageCapacity[] {
    return STAGE_NAMES.flatMap((name) => stageCapacity(config, name) ?? []);
}

export const cpuText = (millis: number) => `${(millis / 1000).toFixed(1)} CPU`;
export const memoryText = (bytes: number) => `${(bytes / GIB).toFixed(1)} GiB`;
const requestsText = (r: Requests) => `${cpuText(r.cpuMillis)} / ${memoryText(r.memoryBytes)}`;

/** "app" (max 6 × m5.large: 9.5 CPU / 38.4 GiB for pods after DaemonSets) */
function groupText(g: GroupCapacity): string {
    const total = {
        cpuMillis: g.maxSize * Math.max(0, g.perNodeForPods.cpuMillis),
        memoryBytes: g.maxSize * Math.max(0, g.perNodeForPods.memoryBytes),
    };
    return `"${g.name}" (max ${g.maxSize} × ${g.instanceType}: ${requestsText(total)} allocatable after DaemonSets)`;
}

/** Why a stage does not fit, with the numbers and the way out. */
export function capacityMessage(c: StageCapacity): string {
    const over = c.unplaced.map((u) => `${u.pods} × ${u.name} (${requestsText(u.perPod)} each)`).join(", ");
    const remedy =
        c.minimumMaxSize !== undefined
            ? `raise cluster.nodeGroups[${c.raise.index}].maxSize ("${c.raise.name}") to >= ${c.minimumMaxSize}`
            : `add larger instance types or node groups (no maxSize of "${c.raise.name}" up to 100 holds it)`;
    return (
        `a stage whose pods fit the node groups at their maxSize: rollout.stage "${c.stage}" needs ${requestsText(c.requested)} requested ` +
        `(${c.requested.pods} pods, ${c.appPods} of them the application's) plus ${requestsText(c.perNodeDaemons)} of DaemonSets per node, ` +
        `but node groups ${c.groups.map(groupText).join(" and ")} cannot place ${over}; ${remedy}, or lower the stage's replicas or the pods' requests`
    );
}

/**
 * The validation hook: the stage this stack deploys must fit its node groups at maxSize (EKS
 * stacks; kind and existing clusters describe no nodes, so they are not checked).
 */
export function capacityIssues(config: CapacityConfig): { path: (string | number)[]; message: string }[] {
    const typeIssues = instanceTypeIssues(config.cluster);
    if (typeIssues.length > 0) return typeIssues;
    const c = stageCapacity(config, config.rollout.stage);
    if (!c || c.unplaced.length === 0) return [];
    return [{ path: ["rollout", "stage"], message: capacityMessage(c) }];
}
