import { z } from "zod";
import { MeshConfig, routerFootprint } from "./mesh";

/** A DNS name of at least two labels, lowercase, without a trailing dot. */
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Let's Encrypt's ACME directories: production (trusted certificates) and staging (untrusted, high rate limits). */
export const LETS_ENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";
export const LETS_ENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";

/**
 * The Route 53 hosted zone the service host lives in (docs/tls-and-dns.md). When set, the program
 * writes the host's record (a CNAME to the router's load balancer) into the zone; cert-manager's
 * DNS-01 challenges (`tls`) go to the same zone. Unset: no DNS record is managed.
 */
export const DnsSchema = z.strictObject({
    /** The zone's name, e.g. example.com; `app.ingress.host` must be a name below it. */
    zoneName: z.string().regex(DNS_NAME, "a DNS zone name such as example.com (lowercase, no trailing dot)"),
    /** The zone's ID (Route 53 console or `aws route53 list-hosted-zones-by-name`); IAM grants are scoped to it. */
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, "a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ"),
    /** TTL of the host's record. */
    recordTtlSeconds: z.number().int().min(30).max(86400).default(300),
});

/**
 * Certificates for the service host from an ACME CA through cert-manager, solving DNS-01 challenges in
 * `dns`'s zone with an IRSA role (docs/tls-and-dns.md). Unset: no cert-manager; the router's TLS
 * secret is then provided by hand.
 */
export const TlsSchema = z.strictObject({
    /** Contact of the ACME account: the CA sends expiry and policy notices here. */
    acmeEmail: z.email("an e-mail address for the ACME account"),
    /** ACME directory URL; staging stacks may use Let's Encrypt staging (untrusted certificates, generous rate limits). */
    acmeServer: z
        .url({ protocol: /^https$/, error: "an https URL of an ACME directory such as " + LETS_ENCRYPT_PRODUCTION })
        .default(LETS_ENCRYPT_PRODUCTION),
});

/**
 * cert-manager, wherever it issues a certificate: the service host's (`tls`, ACME) and the in-cluster
 * OpenSearch's (a cluster CA, staging and local).
 */
export const CertManagerSchema = z.strictObject({
    /** The jetstack chart's version, which carries a "v" prefix (`helm search repo jetstack/cert-manager --versions`). */
    chartVersion: z
        .string()
        .regex(/^v\d+\.\d+\.\d+$/, 'a pinned cert-manager chart version such as "v1.18.2" (with its "v" prefix, no ranges)')
        .default("v1.18.2"),
});

export type DnsConfig = z.infer<typeof DnsSchema>;
export type TlsConfig = z.infer<typeof TlsSchema>;
export type CertManagerConfig = z.infer<typeof CertManagerSchema>;

/**
 * cert-manager runs where it issues something: the service host's certificate (`tls`) or the in-cluster
 * OpenSearch's, from the cluster CA (docs/tls-and-dns.md).
 */
export function certManagerInstalled(c: { tls?: TlsConfig; logging: { enabled: boolean; opensearch: { mode: string } } }): boolean {
    return c.tls !== undefined || (c.logging.enabled && c.logging.opensearch.mode === "in-cluster");
}

interface TlsDnsInput {
    cluster: { mode: string };
    dns?: DnsConfig;
    tls?: TlsConfig;
    app: { ingress: { host: string } };
    mesh: MeshConfig;
}

/**
 * Cross-key rules of `dns` and `tls`: AWS only, DNS-01 needs the zone, the host lies in the zone, a load
 * balancer to point at, and a public entry that is the program's.
 */
export function tlsDnsIssues(c: TlsDnsInput): { path: string[]; message: string }[] {
    const issues: { path: string[]; message: string }[] = [];
    const entry = routerFootprint(c.mesh).publicEntry;
    if ("owner" in entry) {
        const theirs = `(with mesh.router "${c.mesh.router}" the public entry is ${entry.owner}, and so are its certificate and DNS record)`;
        if (c.dns) issues.push({ path: ["dns"], message: `no value ${theirs}` });
        if (c.tls) issues.push({ path: ["tls"], message: `no value ${theirs}` });
    }
    const onAws = c.cluster.mode === "eks";
    if (c.dns && !onAws) issues.push({ path: ["dns"], message: 'no value (Route 53 records need cluster.mode "eks")' });
    if (c.tls && !onAws) issues.push({ path: ["tls"], message: 'no value (cert-manager with Route 53 needs cluster.mode "eks")' });
    if (c.tls && !c.dns) {
        issues.push({ path: ["dns"], message: "an object {zoneName, hostedZoneId} (tls solves DNS-01 challenges in that zone)" });
    }
    if (c.dns) {
        const host = c.app.ingress.host;
        // A malformed zone name is reported by its own key.
        if (DNS_NAME.test(c.dns.zoneName) && !host.endsWith(`.${c.dns.zoneName}`)) {
            issues.push({
                path: ["app", "ingress", "host"],
                message: `a name below dns.zoneName ${c.dns.zoneName} (not the zone apex, which cannot hold a CNAME)`,
            });
        }
        if ("service" in entry && entry.service.type !== "LoadBalancer") {
            issues.push({ path: entry.service.typeKey, message: '"LoadBalancer" (the DNS record points at the router\'s load balancer)' });
        }
    }
    return issues;
}
