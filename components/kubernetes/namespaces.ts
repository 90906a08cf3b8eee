import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APP_NAME, componentType, LABEL_DOMAIN } from "../../identity";

/** Pod Security Standard a namespace enforces (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

export interface NamespaceSpec {
    name: string;
    podSecurity: PodSecurityLevel;
    /** Why a namespace is not `restricted`; required for any other level, so every exception is explained. */
    exception?: string;
    labels?: Record<string, string>;
}

export interface NamespacesArgs {
    namespaces: NamespaceSpec[];
}

/** Labels that make the API server's PodSecurity admission enforce, audit and warn at `level`. */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": level,
        "pod-security.kubernetes.io/warn": level,
    };
}

/** The platform's namespaces, each with its Pod Security level; created first so every other object can land in them. */
export class Namespaces extends pulumi.ComponentResource {
    readonly byName: Record<string, k8s.core.v1.Namespace> = {};

    constructor(name: string, args: NamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("kubernetes", "Namespaces"), name, {}, opts);
        for (const ns of args.namespaces) {
            if (ns.podSecurity !== "restricted" && !ns.exception) {
                throw new Error(`namespace ${ns.name} is "${ns.podSecurity}" without an exception saying why`);
            }
            this.byName[ns.name] = new k8s.core.v1.Namespace(
                ns.name,
                {
                    metadata: {
                        name: ns.name,
                        labels: { ...ns.labels, ...podSecurityLabels(ns.podSecurity), "app.kubernetes.io/part-of": APP_NAME },
                        annotations: ns.exception ? { [`${LABEL_DOMAIN}/pod-security-exception`]: ns.exception } : undefined,
                    },
                },
                { parent: this },
            );
        }
        this.registerOutputs({});
    }

    /** The namespace's name as an output, so objects placed in it wait for it to exist. */
    nameOf(namespace: string): pulumi.Output<string> {
        const ns = this.byName[namespace];
        if (!ns) throw new Error(`namespace ${namespace} is not part of this stack (have: ${Object.keys(this.byName).join(", ")})`);
        return ns.metadata.name;
    }
}
