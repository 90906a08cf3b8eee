import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { componentType, PLATFORM_LABELS } from "../../identity";
import type { Namespaces } from "../kubernetes/namespaces";
import { OPEN_EGRESS_REASON_ANNOTATION } from "../kubernetes/networkPeers";
import type { Fence } from "./flows";

export interface NetworkFencesArgs {
    /** The stack's fences (flows.ts stackFences). */
    fences: Fence[];
    /** The namespaces the stack creates: a fence in one of them waits for it. */
    namespaces: Namespaces;
}

/**
 * The stack's fences as NetworkPolicies (docs/network-fences.md): one per fence, isolating its pods
 * for ingress and egress and letting through exactly its rules.
 */
export class NetworkFences extends pulumi.ComponentResource {
    private readonly policies = new Map<string, k8s.networking.v1.NetworkPolicy[]>();
    private readonly namespaces: Namespaces;

    constructor(name: string, args: NetworkFencesArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("kubernetes", "NetworkFences"), name, {}, opts);
        this.namespaces = args.namespaces;
        for (const fence of args.fences) {
            const namespace = fence.namespace in args.namespaces.byName ? args.namespaces.nameOf(fence.namespace) : fence.namespace;
            const policy = new k8s.networking.v1.NetworkPolicy(
                `${name}-${fence.namespace}-${fence.name}`,
                {
                    metadata: {
                        name: fence.name,
                        namespace,
                        labels: PLATFORM_LABELS,
                        annotations: fence.openEgressReason ? { [OPEN_EGRESS_REASON_ANNOTATION]: fence.openEgressReason } : undefined,
                    },
                    spec: {
                        podSelector: { matchLabels: { ...fence.podLabels } },
                        policyTypes: ["Ingress", "Egress"],
                        ingress: fence.ingress,
                        egress: fence.egress,
                    },
                },
                { parent: this },
            );
            this.policies.set(fence.namespace, [...(this.policies.get(fence.namespace) ?? []), policy]);
        }
        this.registerOutputs({});
    }

    /**
     * A namespace's name that carries its fences as dependencies (their URNs, known in every preview):
     * what is placed in the namespace with it is created after them, so no pod starts unfenced.
     */
    nameOf(namespace: string): pulumi.Output<string> {
        const name = namespace in this.namespaces.byName ? this.namespaces.nameOf(namespace) : pulumi.output(namespace);
        const fences = this.policies.get(namespace) ?? [];
        return pulumi.all([name, ...fences.map((p) => p.urn)]).apply(([n]) => n);
    }
}
