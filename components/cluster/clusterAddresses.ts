import * as pulumi from "@pulumi/pulumi";
import type { ApiServerAddress } from "../kubernetes/networkPeers";

/** Where a cluster's pods reach its API server and its nodes, for the NetworkPolicies' egress (docs/network-fences.md). */
export interface ClusterAddresses {
    apiServer: ApiServerAddress;
    /** The nodes' addresses: the kubelets (10250) and what runs on the host network (node-exporter). */
    nodeCidrs: pulumi.Input<string>[];
}

/** The `kubernetes` Service's ClusterIP as a /32: Kubernetes gives it the first address of the service range. */
export function kubernetesServiceAddress(serviceCidr: string): string {
    const [address, prefix] = serviceCidr.split("/");
    const octets = address.split(".").map(Number);
    if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255) || !/^\d+$/.test(prefix ?? "")) {
        throw new Error(`not an IPv4 service range: ${serviceCidr}`);
    }
    const first = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) + 1;
    return `${[24, 16, 8, 0].map((shift) => (first >>> shift) & 255).join(".")}/32`;
}

/**
 * EKS: the control plane's ENIs and the nodes are in the private subnets, the API server answers on
 * 443 there and behind the `kubernetes` Service's ClusterIP (the first address of the cluster's service
 * range, which EKS reports).
 */
export function eksClusterAddresses(privateSubnetCidrs: string[], serviceCidr: pulumi.Input<string>): ClusterAddresses {
    return {
        apiServer: { cidrs: [...privateSubnetCidrs, pulumi.output(serviceCidr).apply(kubernetesServiceAddress)], ports: [443] },
        nodeCidrs: [...privateSubnetCidrs],
    };
}

/** A cluster from a kubeconfig or kind: what `cluster.apiServerCidrs`, `apiServerPorts` and `nodeCidrs` say. */
export function configuredClusterAddresses(config: {
    apiServerCidrs: string[];
    apiServerPorts: number[];
    nodeCidrs: string[];
}): ClusterAddresses {
    return { apiServer: { cidrs: [...config.apiServerCidrs], ports: [...config.apiServerPorts] }, nodeCidrs: [...config.nodeCidrs] };
}
