import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APP_NAME, componentType, PLATFORM_LABELS } from "../../identity";

/**
 * The cluster's own certificate authority (docs/tls-and-dns.md, "The cluster CA"), for services with no
 * public name: a self-signed ClusterIssuer signs one CA certificate, whose key stays in a Secret of
 * cert-manager's namespace, and a CA ClusterIssuer signs with it. Clients trust the `ca.crt` that
 * cert-manager writes next to every certificate it issues.
 */

export const SELF_SIGNED_ISSUER = `${APP_NAME}-selfsigned`;
export const CLUSTER_CA_ISSUER = `${APP_NAME}-cluster-ca`;
/** The CA's key pair (in cert-manager's namespace, where a ClusterIssuer reads its Secret). */
export const CLUSTER_CA_SECRET = `${APP_NAME}-cluster-ca`;

/** The CA certificate: five years, renewed by cert-manager at two thirds, ECDSA P-256. */
export function clusterCaCertificateSpec(): Record<string, unknown> {
    return {
        isCA: true,
        commonName: `${APP_NAME} cluster CA`,
        secretName: CLUSTER_CA_SECRET,
        duration: "43800h",
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: SELF_SIGNED_ISSUER },
    };
}

export interface ClusterCaArgs {
    /** CERT_MANAGER_NAMESPACE (cert-manager's cluster resource namespace: ClusterIssuers read Secrets there). */
    namespace: pulumi.Input<string>;
    /** The cert-manager release: its CRDs and webhook must be up. */
    certManager: pulumi.Resource;
}

export class ClusterCa extends pulumi.ComponentResource {
    /** The CA ClusterIssuer; Certificates that use it are created after it. */
    readonly issuer: pulumi.Resource;
    readonly issuerName: pulumi.Output<string>;

    constructor(name: string, args: ClusterCaArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("tls", "ClusterCa"), name, {}, opts);
        const clusterIssuer = (suffix: string, issuerName: string, spec: Record<string, unknown>, dependsOn: pulumi.Resource[]) =>
            new k8s.apiextensions.CustomResource(
                `${name}-${suffix}`,
                { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: issuerName, labels: PLATFORM_LABELS }, spec },
                { parent: this, dependsOn },
            );
        const selfSigned = clusterIssuer("selfsigned", SELF_SIGNED_ISSUER, { selfSigned: {} }, [args.certManager]);
        const certificate = new k8s.apiextensions.CustomResource(
            `${name}-certificate`,
            {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: CLUSTER_CA_SECRET, namespace: args.namespace, labels: PLATFORM_LABELS },
                spec: clusterCaCertificateSpec(),
            },
            { parent: this, dependsOn: [args.certManager, selfSigned] },
        );
        const issuer = clusterIssuer("issuer", CLUSTER_CA_ISSUER, { ca: { secretName: CLUSTER_CA_SECRET } }, [certificate]);
        this.issuer = issuer;
        this.issuerName = issuer.metadata.name;
        this.registerOutputs({ issuerName: this.issuerName });
    }
}
