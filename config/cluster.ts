import { z } from "zod";
import { CHART_VERSION } from "./mesh";
import { CLOUDWATCH_RETENTION_DAYS, IPV4_CIDR } from "./network";

/** EC2 instance type, e.g. t3.medium, m5.large, m6g.2xlarge. */
export const EC2_INSTANCE_TYPE = /^[a-z][a-z0-9-]*\d[a-z0-9-]*\.(nano|micro|small|medium|large|metal|\d{0,2}xlarge)$/;

/** CPU architecture of an EC2 instance type: Graviton families carry a "g" right after the generation (m6g, c7gn, t4g). */
export function instanceArchitecture(instanceType: string): "arm64" | "x86_64" {
    return /^[a-z]+\d+g/.test(instanceType) ? "arm64" : "x86_64";
}

export const NodeGroupSchema = z
    .strictObject({
        name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "a lowercase name of letters, digits and '-' (max 31)"),
        /** system: on-demand, tainted for cluster add-ons; app: where the service's pods run. */
        role: z.enum(["system", "app"]),
        instanceTypes: z.array(z.string().regex(EC2_INSTANCE_TYPE, "an EC2 instance type such as t3.medium or m5.large")).min(1),
        capacityType: z.enum(["ON_DEMAND", "SPOT"]),
        minSize: z.number().int().min(0).max(100),
        desiredSize: z.number().int().min(0).max(100),
        maxSize: z.number().int().min(1).max(100),
        diskSizeGb: z.number().int().min(20).max(2000).default(50),
    })
    .refine((g) => g.minSize <= g.maxSize, { message: "minSize <= maxSize", path: ["minSize"] })
    .refine((g) => g.desiredSize >= g.minSize && g.desiredSize <= g.maxSize, {
        message: "desiredSize between minSize and maxSize",
        path: ["desiredSize"],
    })
    // One node group runs one AMI, so its instance types must share a CPU architecture.
    .refine((g) => new Set(g.instanceTypes.map(instanceArchitecture)).size === 1, {
        message: "instance types of one CPU architecture (all Graviton or all x86)",
        path: ["instanceTypes"],
    });

/** The private IPv4 ranges (RFC 1918). */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
const CIDRS = z.array(z.string().regex(IPV4_CIDR, "an IPv4 CIDR block such as 172.18.0.0/16")).min(1);

/**
 * Where the pods of a cluster this stack does not build on AWS reach its API server and its nodes (the
 * kubelets, and node-exporter on the host network), for the NetworkPolicies' egress
 * (docs/network-fences.md). The API server's addresses are both its own endpoint and the `kubernetes`
 * Service's ClusterIP: CNIs differ in which of the two they judge. The defaults are the private ranges,
 * which hold kind's Docker network, minikube's VM network and the service ranges of both; narrow them to the
 * cluster's own (kind: `docker network inspect kind`, the service range 10.96.0.0/12).
 */
const KUBECONFIG_CLUSTER_ADDRESSES = {
    apiServerCidrs: CIDRS.default(PRIVATE_RANGES),
    /** 443 for the `kubernetes` Service, 6443 for kind's and kubeadm's API server endpoint. */
    apiServerPorts: z.array(z.number().int().min(1).max(65535)).min(1).default([443, 6443]),
    nodeCidrs: CIDRS.default(PRIVATE_RANGES),
};

const KUBERNETES_VERSION = z.string().regex(/^1\.(2[89]|3\d)$/, 'a Kubernetes minor version such as "1.31" (1.28 or later)');

export const ClusterSchema = z.discriminatedUnion("mode", [
    z
        .strictObject({
            mode: z.literal("eks"),
            version: KUBERNETES_VERSION.default("1.31"),
            /** Production keeps the API endpoint private; staging may expose it to the listed CIDRs. */
            endpointPublicAccess: z.boolean().default(false),
            publicAccessCidrs: z.array(z.string().regex(/^[\d.]+\/\d{1,2}$/, "an IPv4 CIDR such as 203.0.113.0/24")).default([]),
            logTypes: z
                .array(z.enum(["api", "audit", "authenticator", "controllerManager", "scheduler"]))
                .default(["api", "audit", "authenticator"]),
            /** Retention of the control-plane log group /aws/eks/<cluster>/cluster. */
            logRetentionDays: z
                .number()
                .int()
                .refine((d) => CLOUDWATCH_RETENTION_DAYS.includes(d), {
                    message: `a CloudWatch Logs retention period: one of ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`,
                })
                .default(30),
            nodeGroups: z
                .array(NodeGroupSchema)
                .min(1)
                .refine((gs) => new Set(gs.map((g) => g.name)).size === gs.length, "node group names to be unique")
                .refine((gs) => gs.some((g) => g.role === "app"), 'at least one node group with role "app"'),
        })
        .refine((c) => !c.endpointPublicAccess || c.publicAccessCidrs.length > 0, {
            // EKS opens a public endpoint without CIDRs to 0.0.0.0/0.
            message: "at least one CIDR when endpointPublicAccess is true",
            path: ["publicAccessCidrs"],
        }),
    z.strictObject({
        mode: z.literal("kind"),
        /** The kind cluster this stack creates on `pulumi up` and deletes on `pulumi destroy` (needs `kind` and Docker). */
        name: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/, "a kind cluster name of lowercase letters, digits and '-' (max 32)")
            .default("claude-enhancer"),
        /** Node image (`kind create cluster --image`); unset: the default of the installed kind release. */
        nodeImage: z
            .string()
            .regex(
                /^[a-z0-9][a-z0-9._/:-]*(:[\w.-]+|@sha256:[a-f0-9]{64})$/,
                "an image reference with a tag or digest, such as kindest/node:v1.34.0",
            )
            .optional(),
        /** How long `kind create cluster --wait` waits for the control plane. */
        waitSeconds: z.number().int().min(0).max(1800).default(300),
        ...KUBECONFIG_CLUSTER_ADDRESSES,
        /**
         * The router (ingress-nginx or the Istio gateway) as this machine reaches it, e.g. http://127.0.0.1:8080
         * through a kind port mapping or a port-forward; when set, every traffic move is followed by a smoke
         * check of the service's health endpoint through it.
         */
        routerUrl: z.url({ protocol: /^https?$/ }).optional(),
    }),
    z.strictObject({
        mode: z.literal("existing"),
        /** Path to a kubeconfig file; unset means the ambient KUBECONFIG / ~/.kube/config. */
        kubeconfigPath: z.string().min(1).optional(),
        context: z.string().min(1).optional(),
        ...KUBECONFIG_CLUSTER_ADDRESSES,
        /**
         * The router (ingress-nginx or the Istio gateway) as this machine reaches it, e.g. http://127.0.0.1:8080
         * through a kind port mapping or a port-forward; when set, every traffic move is followed by a smoke
         * check of the service's health endpoint through it.
         */
        routerUrl: z.url({ protocol: /^https?$/ }).optional(),
    }),
]);

/**
 * The Kubernetes Cluster Autoscaler on the EKS stacks (docs/capacity.md, Autoscaling): it discovers the
 * managed node groups by the tags EKS puts on their Auto Scaling groups and keeps each between its
 * `cluster.nodeGroups[].minSize` and `maxSize`.
 */
export const ClusterAutoscalerSchema = z.strictObject({
    /** kubernetes.github.io/autoscaler chart `cluster-autoscaler`. */
    chartVersion: CHART_VERSION.default("9.43.2"),
    /** The autoscaler's image tag; its minor version must be the cluster's (`cluster.version`), as the project supports no skew. */
    imageTag: z
        .string()
        .regex(/^v1\.\d+\.\d+$/, 'a Cluster Autoscaler release tag such as "v1.31.0"')
        .default("v1.31.0"),
    /** How long a node stays unneeded (all its pods fit elsewhere) before it is removed. */
    scaleDownUnneededTime: z
        .string()
        .regex(/^\d+m$/, 'a duration in minutes such as "10m"')
        .default("10m"),
});

/**
 * metrics-server (resource metrics for the HorizontalPodAutoscalers) on every stack. Turn it off only on
 * an existing cluster that already serves metrics.k8s.io (GKE, AKS, minikube's addon).
 */
export const MetricsServerSchema = z.strictObject({
    enabled: z.boolean().default(true),
    /** kubernetes-sigs.github.io/metrics-server chart `metrics-server`. */
    chartVersion: CHART_VERSION.default("3.12.2"),
    /**
     * Skip verifying the kubelets' serving certificates: kind and minikube kubelets present self-signed
     * ones. Unset: on for `kind` / `existing` clusters, off on EKS (whose kubelet certificates the cluster CA signs).
     */
    kubeletInsecureTls: z.boolean().optional(),
});

/** The Kubernetes minor version of an image tag or version string ("v1.31.0" -> "1.31"). */
export function minorVersion(version: string): string {
    return version.replace(/^v/, "").split(".").slice(0, 2).join(".");
}

export type NodeGroupConfig = z.infer<typeof NodeGroupSchema>;
export type ClusterAutoscalerConfig = z.infer<typeof ClusterAutoscalerSchema>;
export type MetricsServerConfig = z.infer<typeof MetricsServerSchema>;
export type ClusterConfig = z.infer<typeof ClusterSchema>;
export type EksClusterConfig = Extract<ClusterConfig, { mode: "eks" }>;
export type KindClusterConfig = Extract<ClusterConfig, { mode: "kind" }>;
