import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { componentType } from "../../identity";

/** The port every AWS API answers on. */
const HTTPS = 443;

export interface InterfaceEndpointsArgs {
    vpcId: pulumi.Input<string>;
    /** The private subnets: one endpoint network interface in each, and the clients (nodes, pods) live there. */
    subnetIds: pulumi.Input<string>[];
    /** Their CIDR blocks: the only sources the endpoints admit, and where the service's NetworkPolicy sends AWS API calls. */
    subnetCidrs: string[];
    /** AWS service names as in com.amazonaws.<region>.<service>, e.g. "secretsmanager", "sts". */
    services: string[];
}

/**
 * Interface VPC endpoints (AWS PrivateLink) for the AWS APIs the pods call, so the service's
 * NetworkPolicy can allow HTTPS to the private subnets instead of to any address:
 * - one endpoint per service, with private DNS, so the SDK's default regional host name resolves to
 *   the endpoint's addresses in the private subnets (no client configuration);
 * - a security group admitting HTTPS from the private subnets only.
 */
export class InterfaceEndpoints extends pulumi.ComponentResource {
    /** The CIDR blocks the endpoints' network interfaces live in (egress destinations for the pods). */
    readonly cidrs: string[];
    readonly endpointIds: Record<string, pulumi.Output<string>>;
    readonly securityGroupId: pulumi.Output<string>;

    constructor(name: string, args: InterfaceEndpointsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("network", "InterfaceEndpoints"), name, {}, opts);
        if (args.services.length === 0) throw new Error("InterfaceEndpoints needs at least one AWS service");
        const region = aws.getRegionOutput({}, { parent: this }).region;

        const securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                description: `Interface endpoints (${args.services.join(", ")}), HTTPS from the private subnets`,
                vpcId: args.vpcId,
                tags: { Name: `${pulumi.getProject()}-${pulumi.getStack()}-endpoints` },
            },
            { parent: this },
        );
        args.subnetCidrs.forEach(
            (cidr, i) =>
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-https-${i}`,
                    {
                        securityGroupId: securityGroup.id,
                        cidrIpv4: cidr,
                        ipProtocol: "tcp",
                        fromPort: HTTPS,
                        toPort: HTTPS,
                        description: `HTTPS to the AWS API endpoints from private subnet ${cidr}`,
                    },
                    { parent: this },
                ),
        );

        this.endpointIds = {};
        for (const service of args.services) {
            const endpoint = new aws.ec2.VpcEndpoint(
                `${name}-${service}`,
                {
                    vpcId: args.vpcId,
                    serviceName: pulumi.interpolate`com.amazonaws.${region}.${service}`,
                    vpcEndpointType: "Interface",
                    privateDnsEnabled: true,
                    subnetIds: args.subnetIds,
                    securityGroupIds: [securityGroup.id],
                    tags: { Name: `${pulumi.getProject()}-${pulumi.getStack()}-${service}` },
                },
                { parent: this },
            );
            this.endpointIds[service] = endpoint.id;
        }

        this.cidrs = args.subnetCidrs;
        this.securityGroupId = securityGroup.id;
        this.registerOutputs({ cidrs: this.cidrs, endpointIds: this.endpointIds, securityGroupId: this.securityGroupId });
    }
}
