import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterAutoscalerConfig, NodeGroupConfig } from "../../config/cluster";
import type { ChartMirror } from "../../config/charts";
import { chartSource } from "../kubernetes/chartSource";
import { CHARTS } from "../kubernetes/helmCharts";
import { accountScope } from "../aws/accountScope";
import { irsaAssumeRolePolicy } from "../aws/iamDocuments";
import {
    CLUSTER_AUTOSCALER_NAMESPACE,
    CLUSTER_AUTOSCALER_RELEASE,
    CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
    clusterAutoscalerPolicy,
    clusterAutoscalerValues,
} from "./clusterAutoscalerValues";
import { componentType } from "../../identity";

export interface ClusterAutoscalerArgs {
    clusterAutoscaler: ClusterAutoscalerConfig;
    clusterName: pulumi.Input<string>;
    region: string;
    /** EKS OIDC provider: the IRSA role trusts the autoscaler's service account only. */
    oidcProviderArn: pulumi.Input<string>;
    /** Issuer URL without https:// (Cluster component's oidcProviderUrl). */
    oidcProviderUrl: pulumi.Input<string>;
    /** The configured node groups and the EKS node groups built from them (by configured name). */
    nodeGroupConfigs: NodeGroupConfig[];
    nodeGroups: Record<string, aws.eks.NodeGroup>;
    /** `charts.mirror`: where every chart comes from instead of its public repository (undefined: the public one). */
    chartMirror: ChartMirror | undefined;
}

/**
 * The Kubernetes Cluster Autoscaler (docs/capacity.md, Autoscaling): a Helm release in kube-system that
 * discovers the cluster's managed node groups by their Auto Scaling groups' tags and adds nodes when pods
 * are pending, up to each group's maxSize; an IRSA role that may describe Auto Scaling groups and
 * instance types and scale only the groups tagged as this cluster's.
 */
export class ClusterAutoscaler extends pulumi.ComponentResource {
    readonly roleArn: pulumi.Output<string>;
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: ClusterAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("cluster", "ClusterAutoscaler"), name, {}, opts);
        const config = args.clusterAutoscaler;

        const role = new aws.iam.Role(
            `${name}-irsa`,
            {
                description: "Cluster Autoscaler (IRSA): scales the cluster's managed node groups",
                assumeRolePolicy: pulumi
                    .all([args.oidcProviderArn, args.oidcProviderUrl])
                    .apply(([arn, url]) =>
                        JSON.stringify(irsaAssumeRolePolicy(arn, url, CLUSTER_AUTOSCALER_NAMESPACE, CLUSTER_AUTOSCALER_SERVICE_ACCOUNT)),
                    ),
            },
            { parent: this },
        );
        const policy = new aws.iam.RolePolicy(
            `${name}-scaling`,
            {
                role: role.name,
                policy: pulumi
                    .all([args.clusterName, accountScope(this)])
                    .apply(([clusterName, scope]) => JSON.stringify(clusterAutoscalerPolicy(clusterName, scope))),
            },
            { parent: this },
        );
        this.roleArn = role.arn;

        const groups = args.nodeGroupConfigs.map((group) => {
            const nodeGroup = args.nodeGroups[group.name];
            if (!nodeGroup) throw new Error(`node group ${group.name} is configured but was not created`);
            return nodeGroup.resources.apply((resources) => {
                const autoscalingGroupName = resources?.[0]?.autoscalingGroups?.[0]?.name;
                if (!autoscalingGroupName) throw new Error(`EKS node group ${group.name} reports no Auto Scaling group`);
                return { autoscalingGroupName, capacityType: group.capacityType };
            });
        });
        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: CLUSTER_AUTOSCALER_RELEASE,
                ...chartSource({ ...CHARTS.clusterAutoscaler, version: config.chartVersion }, args.chartMirror),
                namespace: CLUSTER_AUTOSCALER_NAMESPACE,
                values: pulumi.all([args.clusterName, role.arn, pulumi.all(groups)]).apply(([clusterName, roleArn, nodeGroups]) =>
                    clusterAutoscalerValues({
                        clusterName,
                        region: args.region,
                        roleArn,
                        imageTag: config.imageTag,
                        scaleDownUnneededTime: config.scaleDownUnneededTime,
                        nodeGroups,
                    }),
                ),
            },
            // Its first calls need the role's permissions.
            { parent: this, dependsOn: [policy] },
        );

        this.registerOutputs({ roleArn: this.roleArn });
    }
}
