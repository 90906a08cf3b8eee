import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { EksClusterConfig } from "../../config/cluster";
import { rotatingKey } from "../aws/kms";
import { EncryptedLogGroup } from "../aws/encryptedLogGroup";
import { awsManagedPolicyArn, clusterEncryptionPolicy, irsaAssumeRolePolicy, serviceAssumeRolePolicy } from "../aws/iamDocuments";
import { eksKubeconfig } from "./kubeconfig";
import { nodeGroupSettings } from "./nodeGroupSettings";
import { discoveryTags } from "./clusterAutoscalerValues";
import { APP_NAME, componentType } from "../../identity";

/** Where the cluster runs: what the Network component provides. */
export interface ClusterNetwork {
    vpcId: pulumi.Input<string>;
    /** Control-plane ENIs and nodes go here; load balancers find public subnets by their tags. */
    privateSubnetIds: pulumi.Input<string>[];
    /** Their CIDR blocks: where pods reach the control plane and the nodes. */
    privateSubnetCidrs: string[];
}

export interface EksClusterArgs {
    cluster: EksClusterConfig;
    environment: string;
    network: ClusterNetwork;
}

/**
 * Add-ons that run as DaemonSets and must be up before nodes can become Ready; coredns and
 * aws-ebs-csi-driver run Deployments, so they are created after the node groups (they only turn
 * ACTIVE once their pods can be scheduled).
 */
export const NETWORKING_ADDONS = ["vpc-cni", "kube-proxy"] as const;

/**
 * The VPC CNI's network policy agent enforces NetworkPolicies (without it EKS accepts them and
 * enforces nothing); the add-on's configuration schema spells the switch as the string "true".
 */
export const VPC_CNI_CONFIGURATION = { enableNetworkPolicy: "true" } as const;

const NETWORKING_ADDON_SETTINGS: Record<(typeof NETWORKING_ADDONS)[number], Partial<aws.eks.AddonArgs>> = {
    "vpc-cni": { configurationValues: JSON.stringify(VPC_CNI_CONFIGURATION) },
    "kube-proxy": {},
};

const EBS_CSI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "ebs-csi-controller-sa" };

/** Root volume device of the Amazon Linux 2023 EKS AMIs. */
const ROOT_DEVICE = "/dev/xvda";

/**
 * An EKS cluster (SPEC §3):
 * - IAM roles for the control plane and the nodes, with the AWS-managed policies they need;
 * - a rotating KMS key (with alias) envelope-encrypting Kubernetes secrets;
 * - control-plane logs (the configured types) into /aws/eks/<name>/cluster, KMS-encrypted, bounded retention;
 * - a private API endpoint, public only where the stack allows and then only to the listed CIDRs;
 * - access entries (API_AND_CONFIG_MAP) with the creator as cluster admin;
 * - an IAM OIDC provider for IRSA;
 * - managed add-ons vpc-cni (with its network policy agent), kube-proxy, coredns and aws-ebs-csi-driver
 *   (the latter with an IRSA role);
 * - per configured node group a launch template (gp3 encrypted root volume, IMDSv2 required, tagged
 *   instances and volumes) and a managed node group tagged for the Cluster Autoscaler's discovery;
 *   desiredSize belongs to the autoscaler and the off-hours schedule once created.
 */
export class EksCluster extends pulumi.ComponentResource {
    readonly cluster: aws.eks.Cluster;
    readonly clusterName: pulumi.Output<string>;
    /** Kubeconfig using `aws eks get-token`; marked secret because it maps the cluster's address and CA. */
    readonly kubeconfig: pulumi.Output<string>;
    readonly oidcProviderArn: pulumi.Output<string>;
    /** The OIDC issuer without https://, as IRSA trust conditions spell it. */
    readonly oidcProviderUrl: pulumi.Output<string>;
    /** The security group EKS creates for the control plane and managed nodes. */
    readonly clusterSecurityGroupId: pulumi.Output<string>;
    /** The key envelope-encrypting Kubernetes secrets. */
    readonly kmsKeyArn: pulumi.Output<string>;
    readonly nodeGroups: Record<string, aws.eks.NodeGroup>;
    readonly addons: Record<string, aws.eks.Addon>;

    constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("cluster", "EksCluster"), name, {}, opts);
        const config = args.cluster;
        const clusterName = `${APP_NAME}-${args.environment}`;
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const region = aws.getRegionOutput({}, { parent: this }).region;
        const managedPolicy = (policyPath: string) => partition.apply((p) => awsManagedPolicyArn(p, policyPath));

        const clusterRole = new aws.iam.Role(
            `${name}-cluster`,
            {
                description: `EKS control plane of ${clusterName}`,
                assumeRolePolicy: JSON.stringify(serviceAssumeRolePolicy("eks.amazonaws.com")),
            },
            { parent: this },
        );
        const clusterPolicy = new aws.iam.RolePolicyAttachment(
            `${name}-cluster-eks`,
            { role: clusterRole.name, policyArn: managedPolicy("AmazonEKSClusterPolicy") },
            { parent: this },
        );

        const secretsKey = rotatingKey(
            `${name}-secrets`,
            `${clusterName}-secrets`,
            `Envelope encryption of Kubernetes secrets in ${clusterName}`,
            ["eks"],
            { parent: this },
        );
        const secretsKeyUse = new aws.iam.RolePolicy(
            `${name}-cluster-secrets-key`,
            { role: clusterRole.id, policy: secretsKey.arn.apply((arn) => JSON.stringify(clusterEncryptionPolicy(arn))) },
            { parent: this },
        );

        // Created before the cluster, or EKS creates the group itself with no retention and no encryption.
        const controlPlaneLogs = new EncryptedLogGroup(
            `${name}-control-plane-logs`,
            {
                logGroupName: `/aws/eks/${clusterName}/cluster`,
                retentionInDays: config.logRetentionDays,
                keyAlias: `alias/${clusterName}-control-plane-logs`,
                purpose: "EKS control-plane logs",
            },
            { parent: this },
        );

        this.cluster = new aws.eks.Cluster(
            name,
            {
                name: clusterName,
                version: config.version,
                roleArn: clusterRole.arn,
                vpcConfig: {
                    subnetIds: args.network.privateSubnetIds,
                    endpointPrivateAccess: true,
                    endpointPublicAccess: config.endpointPublicAccess,
                    publicAccessCidrs: config.endpointPublicAccess ? config.publicAccessCidrs : undefined,
                },
                accessConfig: { authenticationMode: "API_AND_CONFIG_MAP", bootstrapClusterCreatorAdminPermissions: true },
                encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] },
                enabledClusterLogTypes: config.logTypes,
            },
            { parent: this, dependsOn: [clusterPolicy, secretsKeyUse, controlPlaneLogs] },
        );

        const issuer = this.cluster.identities.apply((identities) => {
            const url = identities?.[0]?.oidcs?.[0]?.issuer;
            if (!url) throw new Error(`EKS cluster ${clusterName} reports no OIDC issuer`);
            return url;
        });
        // No thumbprint list: IAM validates the EKS issuer against its own trusted CAs and fetches the
        // thumbprint itself when none is given; a pinned one would go stale when the chain rotates.
        const oidcProvider = new aws.iam.OpenIdConnectProvider(
            `${name}-oidc`,
            { url: issuer, clientIdLists: ["sts.amazonaws.com"] },
            { parent: this },
        );
        this.oidcProviderArn = oidcProvider.arn;
        this.oidcProviderUrl = issuer.apply((url) => url.replace(/^https:\/\//, ""));

        const nodeRole = new aws.iam.Role(
            `${name}-node`,
            {
                description: `Managed nodes of ${clusterName}`,
                assumeRolePolicy: JSON.stringify(serviceAssumeRolePolicy("ec2.amazonaws.com")),
            },
            { parent: this },
        );
        const nodePolicies = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"].map(
            (policy) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-node-${policy}`,
                    { role: nodeRole.name, policyArn: managedPolicy(policy) },
                    { parent: this },
                ),
        );

        const addon = (addonName: string, extra: Partial<aws.eks.AddonArgs>, dependsOn: pulumi.Resource[]) =>
            new aws.eks.Addon(
                `${name}-${addonName}`,
                {
                    clusterName: this.cluster.name,
                    addonName,
                    resolveConflictsOnCreate: "OVERWRITE",
                    resolveConflictsOnUpdate: "OVERWRITE",
                    ...extra,
                },
                { parent: this, dependsOn },
            );
        this.addons = {};
        for (const addonName of NETWORKING_ADDONS) this.addons[addonName] = addon(addonName, NETWORKING_ADDON_SETTINGS[addonName], []);

        // Instances launched by the Auto Scaling groups do not get the provider's defaultTags; the launch template carries them.
        const instanceTags = aws.getDefaultTagsOutput({}, { parent: this }).tags;
        this.nodeGroups = {};
        for (const group of config.nodeGroups) {
            const settings = nodeGroupSettings(group);
            const nodeName = `${clusterName}-${group.name}`;
            const launchTemplate = new aws.ec2.LaunchTemplate(
                `${name}-${group.name}`,
                {
                    description: `Nodes of ${nodeName}`,
                    updateDefaultVersion: true,
                    blockDeviceMappings: [
                        {
                            deviceName: ROOT_DEVICE,
                            ebs: { volumeSize: group.diskSizeGb, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                        },
                    ],
                    // Hop limit 1: pods (IRSA) cannot reach the node role's credentials; the host-network
                    // agents that need metadata (vpc-cni, the EBS CSI node plugin) make no extra hop.
                    metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
                    tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({
                        resourceType,
                        tags: instanceTags.apply((tags) => ({ ...tags, Name: nodeName })),
                    })),
                },
                { parent: this },
            );
            this.nodeGroups[group.name] = new aws.eks.NodeGroup(
                `${name}-${group.name}`,
                {
                    clusterName: this.cluster.name,
                    nodeRoleArn: nodeRole.arn,
                    subnetIds: args.network.privateSubnetIds,
                    amiType: settings.amiType,
                    capacityType: settings.capacityType,
                    instanceTypes: settings.instanceTypes,
                    scalingConfig: settings.scalingConfig,
                    labels: settings.labels,
                    taints: settings.taints,
                    launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
                    updateConfig: { maxUnavailable: 1 },
                    // EKS itself puts the Cluster Autoscaler's discovery tags on the group's Auto Scaling group (a node
                    // group's own tags never reach it); the same tags here say which cluster's autoscaler owns the group.
                    tags: { Name: nodeName, ...discoveryTags(clusterName) },
                },
                {
                    parent: this,
                    dependsOn: [...nodePolicies, ...Object.values(this.addons)],
                    ignoreChanges: ["scalingConfig.desiredSize"],
                },
            );
        }

        const ebsCsiRole = new aws.iam.Role(
            `${name}-ebs-csi`,
            {
                description: `IRSA role of the EBS CSI controller in ${clusterName}`,
                assumeRolePolicy: pulumi
                    .all([this.oidcProviderArn, this.oidcProviderUrl])
                    .apply(([arn, url]) =>
                        JSON.stringify(irsaAssumeRolePolicy(arn, url, EBS_CSI_SERVICE_ACCOUNT.namespace, EBS_CSI_SERVICE_ACCOUNT.name)),
                    ),
            },
            { parent: this },
        );
        const ebsCsiPolicy = new aws.iam.RolePolicyAttachment(
            `${name}-ebs-csi`,
            { role: ebsCsiRole.name, policyArn: managedPolicy("service-role/AmazonEBSCSIDriverPolicy") },
            { parent: this },
        );
        const nodeGroups = Object.values(this.nodeGroups);
        this.addons["coredns"] = addon("coredns", {}, nodeGroups);
        this.addons["aws-ebs-csi-driver"] = addon("aws-ebs-csi-driver", { serviceAccountRoleArn: ebsCsiRole.arn }, [
            ...nodeGroups,
            ebsCsiPolicy,
        ]);

        this.clusterName = this.cluster.name;
        this.clusterSecurityGroupId = this.cluster.vpcConfig.clusterSecurityGroupId;
        this.kmsKeyArn = secretsKey.arn;
        this.kubeconfig = pulumi.secret(
            pulumi
                .all([this.cluster.name, this.cluster.endpoint, this.cluster.certificateAuthority.data, region])
                .apply(([clusterNameOut, endpoint, certificateAuthorityData, regionName]) =>
                    JSON.stringify(eksKubeconfig({ clusterName: clusterNameOut, endpoint, certificateAuthorityData, region: regionName })),
                ),
        );
        this.registerOutputs({
            clusterName: this.clusterName,
            kubeconfig: this.kubeconfig,
            oidcProviderArn: this.oidcProviderArn,
            oidcProviderUrl: this.oidcProviderUrl,
            clusterSecurityGroupId: this.clusterSecurityGroupId,
            kmsKeyArn: this.kmsKeyArn,
        });
    }
}
