import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../../config/cluster";
import { ClusterNetwork, EksCluster } from "./eksCluster";
import { afterEndpointCheck, defaultEndpointConnector, EndpointConnector } from "./endpointReachability";
import { KindCluster } from "./kindCluster";
import { ambientKubeconfigPath, readKubeconfigFile } from "./kubeconfig";
import { ClusterAddresses, configuredClusterAddresses, eksClusterAddresses } from "./clusterAddresses";
import { componentType } from "../../identity";

export type { ClusterNetwork } from "./eksCluster";

export interface ClusterArgs {
    cluster: ClusterConfig;
    environment: string;
    /** The VPC to run in; required in `eks` mode, unused in `existing` mode. */
    network?: ClusterNetwork;
    /**
     * How the EKS API endpoint is probed before Kubernetes objects are registered (endpointReachability.ts);
     * default: a TCP connect when a Pulumi engine runs the program, none under the mock runtime or an HTTPS proxy.
     */
    endpointConnector?: EndpointConnector;
}

/**
 * The Kubernetes cluster every in-cluster component deploys to, behind one `k8s.Provider`:
 * - `eks`: an EKS cluster built by EksCluster in the given network;
 * - `kind`: a kind cluster the stack creates and deletes itself (KindCluster), for a laptop with Docker;
 * - `existing`: any cluster reachable with a kubeconfig (kind, minikube, GKE, AKS ...): no AWS resource,
 *   the provider uses `cluster.kubeconfigPath` (read when the program runs) or the ambient
 *   KUBECONFIG, and `cluster.context` or the kubeconfig's current context.
 * The provider applies server-side, so fields other managers own (e.g. replicas set by an HPA) are not fought over.
 */
export class Cluster extends pulumi.ComponentResource {
    readonly provider: k8s.Provider;
    readonly clusterName: pulumi.Output<string>;
    /** Secret: the EKS or kind kubeconfig, or in `existing` mode the configured or ambient kubeconfig's text (empty when there is none). */
    readonly kubeconfig: pulumi.Output<string>;
    /** The EKS side (`eks` mode only). */
    readonly eks?: EksCluster;
    /** The kind cluster (`kind` mode only). */
    readonly kind?: KindCluster;
    readonly oidcProviderArn?: pulumi.Output<string>;
    readonly oidcProviderUrl?: pulumi.Output<string>;
    readonly clusterSecurityGroupId?: pulumi.Output<string>;
    readonly kmsKeyArn?: pulumi.Output<string>;
    /** The router as the machine running `pulumi up` reaches it (`cluster.routerUrl`; not in `eks` mode). */
    readonly routerUrl?: string;
    /** Managed node groups by configured name; empty outside `eks` mode. */
    readonly nodeGroups: Record<string, aws.eks.NodeGroup>;
    /** Where the pods reach the API server and the nodes (the NetworkPolicies' egress). */
    readonly addresses: ClusterAddresses;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("cluster", "Cluster"), name, {}, opts);
        const config = args.cluster;
        this.routerUrl = config.mode === "eks" ? undefined : config.routerUrl;
        if (config.mode === "eks") {
            if (!args.network) throw new Error('cluster.mode "eks" needs a network (the Network component) to run in');
            const eks = new EksCluster(
                `${name}-eks`,
                { cluster: config, environment: args.environment, network: args.network },
                { parent: this },
            );
            this.eks = eks;
            this.clusterName = eks.clusterName;
            this.kubeconfig = eks.kubeconfig;
            this.oidcProviderArn = eks.oidcProviderArn;
            this.oidcProviderUrl = eks.oidcProviderUrl;
            this.clusterSecurityGroupId = eks.clusterSecurityGroupId;
            this.kmsKeyArn = eks.kmsKeyArn;
            this.nodeGroups = eks.nodeGroups;
            this.addresses = eksClusterAddresses(
                args.network.privateSubnetCidrs,
                eks.cluster.kubernetesNetworkConfig.apply((network) => {
                    if (!network?.serviceIpv4Cidr) throw new Error(`EKS cluster ${name} reports no service IPv4 range`);
                    return network.serviceIpv4Cidr;
                }),
            );
            // A runner that cannot reach the endpoint fails here, with what to change, not at the first object's timeout.
            const connect = args.endpointConnector ?? defaultEndpointConnector(pulumi.runtime.hasEngine(), process.env);
            const access = {
                stack: args.environment,
                endpointPublicAccess: config.endpointPublicAccess,
                publicAccessCidrs: config.publicAccessCidrs,
            };
            // Workloads need nodes with networking before they can become ready.
            this.provider = new k8s.Provider(
                `${name}-k8s`,
                {
                    kubeconfig: connect ? afterEndpointCheck(this.kubeconfig, eks.cluster.endpoint, access, connect) : this.kubeconfig,
                    enableServerSideApply: true,
                },
                { parent: this, dependsOn: [...Object.values(eks.nodeGroups), ...Object.values(eks.addons)] },
            );
        } else if (config.mode === "kind") {
            const kind = new KindCluster(`${name}-kind`, { kind: config }, { parent: this });
            this.kind = kind;
            this.clusterName = kind.clusterName;
            this.kubeconfig = kind.kubeconfig;
            this.nodeGroups = {};
            this.addresses = configuredClusterAddresses(config);
            this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this });
        } else {
            const content = config.kubeconfigPath !== undefined ? readKubeconfigFile(config.kubeconfigPath) : undefined;
            // The health gate reaches the cluster on its own (Prometheus proxy, traffic cut), so it gets the ambient kubeconfig's text.
            const ambient = content === undefined ? ambientKubeconfigPath() : undefined;
            this.clusterName = pulumi.output(config.context ?? "existing");
            this.kubeconfig = pulumi.secret(content ?? (ambient !== undefined ? readKubeconfigFile(ambient) : ""));
            this.nodeGroups = {};
            this.addresses = configuredClusterAddresses(config);
            this.provider = new k8s.Provider(
                `${name}-k8s`,
                { kubeconfig: content !== undefined ? this.kubeconfig : undefined, context: config.context, enableServerSideApply: true },
                { parent: this },
            );
        }
        this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig });
    }
}
