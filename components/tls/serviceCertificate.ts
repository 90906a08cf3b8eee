import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CERTIFICATE_NAME, certificateSpec } from "./certManagerValues";
import { componentType, PLATFORM_LABELS } from "../../identity";

export interface ServiceCertificateArgs {
    /** The public host (app.ingress.host). */
    host: string;
    /** Namespace of the Secret the router reads: the Istio gateway's, or the application's for nginx. */
    namespace: pulumi.Input<string>;
    /** The kubernetes.io/tls Secret the router expects (mesh.istio.tlsCredentialName or app.ingress.tlsSecretName). */
    secretName: string;
    /** The CertManager's ClusterIssuer. */
    issuer: pulumi.Resource;
}

/**
 * The service host's certificate: a cert-manager Certificate that issues and renews the key pair into
 * the Secret the router already names, so the Gateway or Ingress needs no change (docs/tls-and-dns.md).
 */
export class ServiceCertificate extends pulumi.ComponentResource {
    readonly secretName: string;
    readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: ServiceCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("tls", "ServiceCertificate"), name, {}, opts);
        new k8s.apiextensions.CustomResource(
            `${name}-certificate`,
            {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: CERTIFICATE_NAME, namespace: args.namespace, labels: PLATFORM_LABELS },
                spec: certificateSpec(args.host, args.secretName),
            },
            { parent: this, dependsOn: [args.issuer] },
        );
        this.secretName = args.secretName;
        this.namespace = pulumi.output(args.namespace);
        this.registerOutputs({ secretName: this.secretName, namespace: this.namespace });
    }
}
