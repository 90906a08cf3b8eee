import type { PolicyDocument } from "../aws/iamDocuments";
import type { DnsConfig, TlsConfig } from "../../config/tls";
import { APP_NAME } from "../../identity";
import { FIXED_REQUESTS } from "../../config/capacity";

/**
 * cert-manager's Helm values, ACME ClusterIssuer, Certificate and the Route 53 policy of its IRSA role,
 * as plain values (docs/tls-and-dns.md).
 */

export const CERT_MANAGER_RELEASE = "cert-manager";
/** The controller's service account (the chart names it after the release); the IRSA role trusts exactly this one. */
export const CERT_MANAGER_SERVICE_ACCOUNT = "cert-manager";
export const CLUSTER_ISSUER_NAME = `${APP_NAME}-acme`;
/** The Secret holding the ACME account's private key (in cert-manager's namespace). */
export const ACME_ACCOUNT_KEY_SECRET = `${APP_NAME}-acme-account`;
export const CERTIFICATE_NAME = `${APP_NAME}-public`;

/** Restricted Pod Security for every cert-manager pod; fsGroup lets the non-root controller read the projected IRSA token. */
const POD_SECURITY = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" }, fsGroup: 1001 };
const CONTAINER_SECURITY = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

/**
 * The chart's values. With ACME (the AWS stacks' `tls`), the controller's service account carries the
 * IRSA role for Route 53, and DNS-01 self-checks ask the cluster DNS, never the zone's name servers
 * directly (its NetworkPolicy lets DNS go to kube-dns only).
 */
export function certManagerValues(acme?: { roleArn: string }): Record<string, unknown> {
    // The capacity check counts these same requests (config/capacity.ts).
    const component = (requests: { cpu: string; memory: string }) => ({
        resources: { requests: { ...requests } },
        securityContext: POD_SECURITY,
        containerSecurityContext: CONTAINER_SECURITY,
    });
    return {
        // The chart installs and upgrades its CRDs; `keep` leaves them (and so every Certificate) on uninstall.
        crds: { enabled: true, keep: true },
        ...component(FIXED_REQUESTS.certManagerController),
        serviceAccount: {
            create: true,
            name: CERT_MANAGER_SERVICE_ACCOUNT,
            ...(acme ? { annotations: { "eks.amazonaws.com/role-arn": acme.roleArn } } : {}),
        },
        ...(acme ? { dns01RecursiveNameserversOnly: true } : {}),
        webhook: component(FIXED_REQUESTS.certManagerWebhook),
        cainjector: component(FIXED_REQUESTS.certManagerCainjector),
        startupapicheck: { securityContext: POD_SECURITY, containerSecurityContext: CONTAINER_SECURITY },
    };
}

/**
 * What cert-manager's IRSA role may do: UPSERT and DELETE TXT records named `_acme-challenge.<host>` in
 * the one hosted zone, list that zone's records, and poll its changes. No route53:ListHostedZonesByName:
 * the issuer names the zone by ID, so cert-manager never looks it up
 * (https://cert-manager.io/docs/configuration/acme/dns01/route53/).
 */
export function route53ChallengePolicy(partition: string, hostedZoneId: string, host: string): PolicyDocument {
    const zoneArn = `arn:${partition}:route53:::hostedzone/${hostedZoneId}`;
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "PollChanges", Effect: "Allow", Action: "route53:GetChange", Resource: `arn:${partition}:route53:::change/*` },
            {
                Sid: "WriteChallengeRecords",
                Effect: "Allow",
                Action: "route53:ChangeResourceRecordSets",
                Resource: zoneArn,
                Condition: {
                    "ForAllValues:StringEquals": {
                        "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
                        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [`_acme-challenge.${host}`],
                    },
                },
            },
            { Sid: "ReadZoneRecords", Effect: "Allow", Action: "route53:ListResourceRecordSets", Resource: zoneArn },
        ],
    };
}

/** The ACME ClusterIssuer solving DNS-01 in the stack's zone with the controller's ambient (IRSA) credentials. */
export function clusterIssuerSpec(tls: TlsConfig, dns: DnsConfig, region: string): Record<string, unknown> {
    return {
        acme: {
            email: tls.acmeEmail,
            server: tls.acmeServer,
            privateKeySecretRef: { name: ACME_ACCOUNT_KEY_SECRET },
            solvers: [
                {
                    selector: { dnsZones: [dns.zoneName] },
                    dns01: { route53: { region, hostedZoneID: dns.hostedZoneId } },
                },
            ],
        },
    };
}

/**
 * The service host's Certificate, written to `secretName` (a kubernetes.io/tls Secret). No duration or
 * renewBefore: cert-manager renews at two thirds of whatever lifetime the CA issues, so shorter
 * ACME lifetimes need no change here. A new key on every renewal.
 */
export function certificateSpec(host: string, secretName: string): Record<string, unknown> {
    return {
        secretName,
        dnsNames: [host],
        issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: CLUSTER_ISSUER_NAME },
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        secretTemplate: { labels: { "app.kubernetes.io/part-of": APP_NAME } },
    };
}
