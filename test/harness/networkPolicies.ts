/**
 * NetworkPolicy semantics (networking.k8s.io/v1) over plain objects, to ask of a stack's policies
 * whether a connection is let through: a pod is isolated for a direction once any policy selecting it
 * names that direction, and then only connections some rule of those policies allows get through, on
 * both ends. Peers by namespace and pod labels match pods; ipBlocks match addresses outside the pod
 * network (the API server, nodes, the internet), as the policies here use them.
 */
import { LabelSelector, selectorMatches } from "../../policies/workloads";

export interface PolicySpec {
    podSelector?: LabelSelector;
    policyTypes?: string[];
    ingress?: Rule[];
    egress?: Rule[];
}

export interface NetworkPolicyObject {
    namespace: string;
    name: string;
    spec: PolicySpec;
}

interface Peer {
    ipBlock?: { cidr: string; except?: string[] };
    namespaceSelector?: LabelSelector;
    podSelector?: LabelSelector;
}

interface Rule {
    from?: Peer[];
    to?: Peer[];
    ports?: { protocol?: string; port?: number | string; endPort?: number }[];
}

export interface Pod {
    namespace: string;
    labels: Record<string, string>;
}

/** One end of a connection: a pod, or an address outside the pod network. */
export type Endpoint = { pod: Pod } | { address: string };

export interface Connection {
    from: Endpoint;
    to: Endpoint;
    port: number;
    protocol?: "TCP" | "UDP";
}

function ipv4(address: string): number {
    return address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function inCidr(address: string, cidr: string): boolean {
    const [base, bits] = cidr.split("/");
    const size = 2 ** (32 - Number(bits));
    const start = Math.floor(ipv4(base) / size) * size;
    return ipv4(address) >= start && ipv4(address) < start + size;
}

/** The policy's types as the API server defaults them: Ingress always, Egress when it has egress rules. */
function typesOf(spec: PolicySpec): string[] {
    return spec.policyTypes ?? ["Ingress", ...(spec.egress ? ["Egress"] : [])];
}

function selects(policy: NetworkPolicyObject, pod: Pod): boolean {
    return policy.namespace === pod.namespace && selectorMatches(policy.spec.podSelector ?? {}, pod.labels);
}

/** Every namespace carries its name as kubernetes.io/metadata.name (the API server sets it). */
function namespaceLabels(name: string): Record<string, string> {
    return { "kubernetes.io/metadata.name": name };
}

function peerMatches(peer: Peer, endpoint: Endpoint, policyNamespace: string): boolean {
    if (peer.ipBlock) {
        if (!("address" in endpoint)) return false;
        return inCidr(endpoint.address, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(endpoint.address, c));
    }
    if (!("pod" in endpoint)) return false;
    const pod = endpoint.pod;
    const namespaceOk = peer.namespaceSelector
        ? selectorMatches(peer.namespaceSelector, namespaceLabels(pod.namespace))
        : pod.namespace === policyNamespace;
    return namespaceOk && selectorMatches(peer.podSelector ?? {}, pod.labels);
}

function portMatches(rule: Rule, port: number, protocol: string): boolean {
    if (!rule.ports || rule.ports.length === 0) return true;
    return rule.ports.some(
        (p) =>
            (p.protocol ?? "TCP") === protocol &&
            (p.port === undefined ||
                p.port === port ||
                (typeof p.port === "number" && p.endPort !== undefined && port >= p.port && port <= p.endPort)),
    );
}

function ruleAllows(
    rule: Rule,
    peers: Peer[] | undefined,
    other: Endpoint,
    policyNamespace: string,
    port: number,
    protocol: string,
): boolean {
    const peerOk = !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, other, policyNamespace));
    return peerOk && portMatches(rule, port, protocol);
}

/** Whether the policies let `connection` leave its source and enter its destination. */
export function allows(policies: NetworkPolicyObject[], connection: Connection): boolean {
    const protocol = connection.protocol ?? "TCP";
    const side = (endpoint: Endpoint, direction: "Ingress" | "Egress", other: Endpoint): boolean => {
        if (!("pod" in endpoint)) return true;
        const isolating = policies.filter((p) => selects(p, endpoint.pod) && typesOf(p.spec).includes(direction));
        if (isolating.length === 0) return true;
        return isolating.some((p) =>
            (direction === "Egress" ? (p.spec.egress ?? []) : (p.spec.ingress ?? [])).some((rule) =>
                ruleAllows(rule, direction === "Egress" ? rule.to : rule.from, other, p.namespace, connection.port, protocol),
            ),
        );
    };
    return side(connection.from, "Egress", connection.to) && side(connection.to, "Ingress", connection.from);
}

/** The directions in which the policies isolate a pod. */
export function isolation(policies: NetworkPolicyObject[], pod: Pod): { ingress: boolean; egress: boolean } {
    const types = policies.filter((p) => selects(p, pod)).flatMap((p) => typesOf(p.spec));
    return { ingress: types.includes("Ingress"), egress: types.includes("Egress") };
}

/** The policies selecting a pod other than a namespace-wide one (an empty podSelector). */
export function ownFences(policies: NetworkPolicyObject[], pod: Pod): NetworkPolicyObject[] {
    return policies.filter(
        (p) =>
            selects(p, pod) &&
            Object.keys(p.spec.podSelector?.matchLabels ?? {}).length + (p.spec.podSelector?.matchExpressions?.length ?? 0) > 0,
    );
}
