import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CertManagerConfig, DnsConfig, TlsConfig } from "../../config/tls";
import type { ChartMirror } from "../../config/charts";
import { chartSource } from "../kubernetes/chartSource";
import { CHARTS } from "../kubernetes/helmCharts";
import { irsaAssumeRolePolicy } from "../aws/iamDocuments";
import {
    CERT_MANAGER_RELEASE,
    CERT_MANAGER_SERVICE_ACCOUNT,
    CLUSTER_ISSUER_NAME,
    certManagerValues,
    clusterIssuerSpec,
    route53ChallengePolicy,
} from "./certManagerValues";
import { componentType, PLATFORM_LABELS } from "../../identity";

/** Let's Encrypt by DNS-01 in Route 53 (the AWS stacks' `tls` and `dns`), with an IRSA role for the controller. */
export interface AcmeArgs {
    tls: TlsConfig;
    dns: DnsConfig;
    /** The service host (app.ingress.host): the only name the role may answer challenges for. */
    host: string;
    /** AWS region of the Route 53 API calls (Route 53 is global; the SDK still needs one). */
    region: string;
    oidcProviderArn: pulumi.Input<string>;
    /** The OIDC issuer without https://. */
    oidcProviderUrl: pulumi.Input<string>;
}

export interface CertManagerArgs {
    certManager: CertManagerConfig;
    /** CERT_MANAGER_NAMESPACE, as the fences' output (its pods start fenced). */
    namespace: pulumi.Input<string>;
    /** The ACME issuer of the service host's certificate; none: cert-manager issues from the cluster CA only. */
    acme?: AcmeArgs;
    /** `charts.mirror`: where every chart comes from instead of its public repository (undefined: the public one). */
    chartMirror: ChartMirror | undefined;
}

/**
 * cert-manager (docs/tls-and-dns.md) from the jetstack chart at a pinned version with its CRDs. With
 * `acme`, an IRSA role that may write only the host's `_acme-challenge` TXT record in the stack's hosted
 * zone, and the ACME ClusterIssuer solving DNS-01 there. ACM is not used: an ACM certificate cannot be
 * exported to the in-cluster Istio gateway or ingress-nginx, which terminate TLS themselves.
 */
export class CertManager extends pulumi.ComponentResource {
    /** The chart: what installs the cert-manager.io CRDs and the webhook that validates their objects. */
    readonly release: k8s.helm.v3.Release;
    readonly roleArn?: pulumi.Output<string>;
    readonly clusterIssuerName?: pulumi.Output<string>;
    /** The ACME ClusterIssuer: Certificates that use it are created after it. */
    readonly acmeIssuer?: pulumi.Resource;

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("tls", "CertManager"), name, {}, opts);
        const namespace = pulumi.output(args.namespace);
        const acme = args.acme;
        const role = acme
            ? new aws.iam.Role(
                  `${name}-route53`,
                  {
                      description: `cert-manager (IRSA): DNS-01 challenges for ${acme.host} in Route 53 zone ${acme.dns.zoneName}`,
                      assumeRolePolicy: pulumi
                          .all([acme.oidcProviderArn, acme.oidcProviderUrl, namespace])
                          .apply(([arn, url, ns]) => JSON.stringify(irsaAssumeRolePolicy(arn, url, ns, CERT_MANAGER_SERVICE_ACCOUNT))),
                  },
                  { parent: this },
              )
            : undefined;
        const policy =
            acme && role
                ? new aws.iam.RolePolicy(
                      `${name}-route53`,
                      {
                          role: role.name,
                          policy: aws
                              .getPartitionOutput({}, { parent: this })
                              .partition.apply((p) => JSON.stringify(route53ChallengePolicy(p, acme.dns.hostedZoneId, acme.host))),
                      },
                      { parent: this },
                  )
                : undefined;
        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: CERT_MANAGER_RELEASE,
                ...chartSource({ ...CHARTS.certManager, version: args.certManager.chartVersion }, args.chartMirror),
                namespace,
                values: role ? role.arn.apply((roleArn) => certManagerValues({ roleArn })) : certManagerValues(),
            },
            // The controller's first challenge needs the role's permissions.
            { parent: this, dependsOn: policy ? [policy] : [] },
        );
        if (acme && role) {
            // Needs the chart's CRDs and its webhook, which validates cert-manager objects.
            const issuer = new k8s.apiextensions.CustomResource(
                `${name}-cluster-issuer`,
                {
                    apiVersion: "cert-manager.io/v1",
                    kind: "ClusterIssuer",
                    metadata: { name: CLUSTER_ISSUER_NAME, labels: PLATFORM_LABELS },
                    spec: clusterIssuerSpec(acme.tls, acme.dns, acme.region),
                },
                { parent: this, dependsOn: [this.release] },
            );
            this.acmeIssuer = issuer;
            this.roleArn = role.arn;
            this.clusterIssuerName = issuer.metadata.name;
        }
        this.registerOutputs({ roleArn: this.roleArn, clusterIssuerName: this.clusterIssuerName });
    }
}
