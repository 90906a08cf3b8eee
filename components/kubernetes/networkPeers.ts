import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LABEL_DOMAIN } from "../../identity";

/**
 * The pieces every NetworkPolicy of the program is written with (docs/network-fences.md): ports,
 * peers by namespace, pod labels or address, and the two destinations nearly every pod has, the
 * cluster DNS and the Kubernetes API server.
 */

export type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;
export type NetworkPolicyPort = k8s.types.input.networking.v1.NetworkPolicyPort;
export type IngressRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
export type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/**
 * NetworkPolicy annotation giving the reason for every egress rule open to any address; the policy
 * pack's k8s-no-open-egress rule accepts such a rule only with it.
 */
export const OPEN_EGRESS_REASON_ANNOTATION = `${LABEL_DOMAIN}/open-egress-reason`;

/** The label the API server puts on every namespace: how a rule names one. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
export const KUBE_SYSTEM_NAMESPACE = "kube-system";

export const tcp = (port: pulumi.Input<number>): NetworkPolicyPort => ({ protocol: "TCP", port });
export const udp = (port: pulumi.Input<number>): NetworkPolicyPort => ({ protocol: "UDP", port });

export function namespacePeer(name: pulumi.Input<string>): NetworkPolicyPeer {
    return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: name } } };
}

/** Pods with these labels in the policy's own namespace. */
export function podsPeer(labels: Record<string, string>): NetworkPolicyPeer {
    return { podSelector: { matchLabels: { ...labels } } };
}

/** Pods with these labels in the namespace named. */
export function podsInNamespace(namespace: pulumi.Input<string>, labels: Record<string, string>): NetworkPolicyPeer {
    return { ...namespacePeer(namespace), ...podsPeer(labels) };
}

export function cidrPeers(cidrs: pulumi.Input<string>[]): NetworkPolicyPeer[] {
    return cidrs.map((cidr) => ({ ipBlock: { cidr } }));
}

/** The cluster DNS pods (CoreDNS keeps the kube-dns label on EKS, kind and most distributions). */
export const KUBE_DNS = podsInNamespace(KUBE_SYSTEM_NAMESPACE, { "k8s-app": "kube-dns" });

/** Name resolution: the cluster DNS pods only, so DNS cannot carry data to any other resolver. */
export const DNS_EGRESS: EgressRule = { to: [KUBE_DNS], ports: [udp(53), tcp(53)] };

/**
 * Where the pods reach the Kubernetes API server: its addresses and ports as seen from a pod. Whether a
 * CNI judges a connection to the `kubernetes` Service before or after its ClusterIP is translated to the
 * API server's own address is up to the CNI, so both belong in `cidrs` (docs/network-fences.md).
 */
export interface ApiServerAddress {
    cidrs: pulumi.Input<string>[];
    ports: number[];
}

export function apiServerEgress(apiServer: ApiServerAddress): EgressRule {
    return { to: cidrPeers(apiServer.cidrs), ports: apiServer.ports.map(tcp) };
}
