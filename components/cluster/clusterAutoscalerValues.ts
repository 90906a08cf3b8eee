import type { AccountScope, PolicyDocument } from "../aws/iamDocuments";
import { NODE_ROLE_LABEL, SYSTEM_TAINT } from "./nodeGroupSettings";
import { FIXED_REQUESTS } from "../../config/capacity";

/**
 * The Kubernetes Cluster Autoscaler (docs/capacity.md, Autoscaling) as plain values: its release, service
 * account and requests, the Auto Scaling group tags it discovers node groups by, its IAM permissions and
 * its chart values.
 */

export const CLUSTER_AUTOSCALER_RELEASE = "cluster-autoscaler";
/** Where it runs; the IRSA role trusts exactly this namespace and service account. */
export const CLUSTER_AUTOSCALER_NAMESPACE = "kube-system";
export const CLUSTER_AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler";
/** The autoscaler pod's requests (the capacity check counts them). */
export const CLUSTER_AUTOSCALER_REQUESTS = FIXED_REQUESTS.clusterAutoscaler;

/** Priority expander weights: a higher number wins; ties go to least-waste. */
export const SPOT_PRIORITY = 50;
export const ON_DEMAND_PRIORITY = 10;

/**
 * The tags the autoscaler discovers node groups by. EKS puts exactly these on the Auto Scaling group of
 * every managed node group (value "owned" for the cluster's own tag); a managed node group's own tags
 * never reach its Auto Scaling group, so nothing else has to tag it.
 */
export function discoveryTags(clusterName: string): Record<string, string> {
    return { "k8s.io/cluster-autoscaler/enabled": "true", [`k8s.io/cluster-autoscaler/${clusterName}`]: "owned" };
}

/** Read-only calls the autoscaler makes; AWS offers no resource-level scoping for them. */
export const CLUSTER_AUTOSCALER_READ_ACTIONS = [
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "autoscaling:DescribeTags",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
];

/** What changes capacity: only on Auto Scaling groups carrying this cluster's discovery tag. */
export const CLUSTER_AUTOSCALER_WRITE_ACTIONS = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"];

/**
 * The IRSA role's permissions: describe Auto Scaling groups and instance types; scale and terminate only
 * in groups tagged as this cluster's; read this cluster's managed node groups (their labels and taints,
 * which the autoscaler needs to scale a group up from zero nodes).
 */
export function clusterAutoscalerPolicy(clusterName: string, scope: AccountScope): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "DescribeScalingTargets", Effect: "Allow", Action: [...CLUSTER_AUTOSCALER_READ_ACTIONS], Resource: "*" },
            {
                Sid: "ScaleOwnNodeGroups",
                Effect: "Allow",
                Action: [...CLUSTER_AUTOSCALER_WRITE_ACTIONS],
                Resource: "*",
                Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" } },
            },
            {
                Sid: "DescribeOwnNodeGroups",
                Effect: "Allow",
                Action: ["eks:DescribeNodegroup"],
                Resource: `arn:${scope.partition}:eks:${scope.region}:${scope.accountId}:nodegroup/${clusterName}/*`,
            },
        ],
    };
}

/** One configured node group as the priority expander sees it. */
export interface ScalableNodeGroup {
    /** The Auto Scaling group EKS created for the managed node group (the autoscaler's node group id). */
    autoscalingGroupName: string;
    capacityType: "ON_DEMAND" | "SPOT";
}

/**
 * The priority expander's table: spot groups first (cheaper), on-demand after; each entry matches exactly
 * one node group's Auto Scaling group by name.
 */
export function expanderPriorities(groups: ScalableNodeGroup[]): Record<number, string[]> {
    const pattern = (g: ScalableNodeGroup) => `^${g.autoscalingGroupName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`;
    const priorities: Record<number, string[]> = {};
    for (const [priority, capacityType] of [
        [SPOT_PRIORITY, "SPOT"],
        [ON_DEMAND_PRIORITY, "ON_DEMAND"],
    ] as const) {
        const matching = groups.filter((g) => g.capacityType === capacityType).map(pattern);
        if (matching.length > 0) priorities[priority] = matching;
    }
    return priorities;
}

export interface ClusterAutoscalerValuesArgs {
    clusterName: string;
    region: string;
    roleArn: string;
    imageTag: string;
    scaleDownUnneededTime: string;
    nodeGroups: ScalableNodeGroup[];
}

/** Values of the cluster-autoscaler chart: AWS auto-discovery, IRSA service account, expanders, restricted pod. */
export function clusterAutoscalerValues(args: ClusterAutoscalerValuesArgs): Record<string, unknown> {
    const tags = discoveryTags(args.clusterName);
    return {
        cloudProvider: "aws",
        awsRegion: args.region,
        fullnameOverride: CLUSTER_AUTOSCALER_RELEASE,
        // Tag keys as the chart's `asg:tag=` filter takes them (a key matches whatever its value).
        autoDiscovery: { clusterName: args.clusterName, tags: Object.keys(tags) },
        image: { tag: args.imageTag },
        rbac: {
            create: true,
            serviceAccount: {
                create: true,
                name: CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
                annotations: { "eks.amazonaws.com/role-arn": args.roleArn, "eks.amazonaws.com/sts-regional-endpoints": "true" },
            },
        },
        extraArgs: {
            // Nodes are added where the pending pods fit; the limits are each group's minSize / maxSize.
            "balance-similar-node-groups": true,
            expander: "priority,least-waste",
            "scale-down-unneeded-time": args.scaleDownUnneededTime,
            // emptyDir scratch space (the service, Istio sidecars) must not pin a node forever.
            "skip-nodes-with-local-storage": false,
        },
        expanderPriorities: args.nodeGroups.length > 0 ? expanderPriorities(args.nodeGroups) : {},
        resources: { requests: { ...CLUSTER_AUTOSCALER_REQUESTS }, limits: { memory: CLUSTER_AUTOSCALER_REQUESTS.memory } },
        // On the system nodes when there are any, never evicted for capacity (it is what adds capacity).
        priorityClassName: "system-cluster-critical",
        tolerations: [{ key: SYSTEM_TAINT.key, operator: "Equal", value: SYSTEM_TAINT.value, effect: "NoSchedule" }],
        affinity: {
            nodeAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                    { weight: 100, preference: { matchExpressions: [{ key: NODE_ROLE_LABEL, operator: "In", values: ["system"] }] } },
                ],
            },
        },
        securityContext: {
            runAsNonRoot: true,
            runAsUser: 65534,
            runAsGroup: 65534,
            fsGroup: 65534,
            seccompProfile: { type: "RuntimeDefault" },
        },
        containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        serviceMonitor: { enabled: false },
    };
}
