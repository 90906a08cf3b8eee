import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DnsConfig } from "../../config/tls";
import { componentType } from "../../identity";

export interface ServiceHostRecordArgs {
    dns: DnsConfig;
    /** The public host (app.ingress.host), a name below dns.zoneName. */
    host: string;
    /** "namespace/name" of the router's LoadBalancer Service (RouterController.loadBalancerService). */
    loadBalancerService: pulumi.Input<string>;
}

/** What a Service's status says about its load balancer. */
export interface LoadBalancerStatus {
    loadBalancer?: { ingress?: { hostname?: string; ip?: string }[] };
}

/**
 * The DNS name of a Service's AWS load balancer, from its status. AWS load balancers are reached by
 * name, never by a fixed address; a Service without one has not been given its load balancer.
 */
export function loadBalancerHostname(service: string, status: LoadBalancerStatus | undefined): string {
    const hostname = status?.loadBalancer?.ingress?.find((i) => i.hostname)?.hostname;
    if (!hostname) {
        throw new pulumi.RunError(
            `Service ${service} has no load balancer host name in its status (got ${JSON.stringify(status?.loadBalancer ?? {})}); ` +
                "check its events (`kubectl describe service`) for why AWS did not provision it",
        );
    }
    return hostname;
}

/**
 * The service host's Route 53 record (docs/tls-and-dns.md): a CNAME to the router's load balancer, as
 * the Service's status names it. The Service is read, not managed: its Helm chart owns it. A record
 * that exists already (made by hand) is not overwritten: the update fails and says so.
 */
export class ServiceHostRecord extends pulumi.ComponentResource {
    readonly fqdn: pulumi.Output<string>;
    readonly target: pulumi.Output<string>;

    constructor(name: string, args: ServiceHostRecordArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("mesh", "ServiceHostRecord"), name, {}, opts);
        // The ID is unknown while the router's release is being installed, so a first preview reads nothing.
        const service = k8s.core.v1.Service.get(`${name}-load-balancer`, args.loadBalancerService, { parent: this });
        this.target = pulumi
            .all([pulumi.output(args.loadBalancerService), service.status])
            .apply(([ref, status]) => loadBalancerHostname(ref, status));
        const record = new aws.route53.Record(
            `${name}-record`,
            {
                zoneId: args.dns.hostedZoneId,
                name: args.host,
                type: "CNAME",
                ttl: args.dns.recordTtlSeconds,
                records: [this.target],
                allowOverwrite: false,
            },
            { parent: this },
        );
        this.fqdn = record.fqdn;
        this.registerOutputs({ fqdn: this.fqdn, target: this.target });
    }
}
