import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkConfig } from "../../config/network";
import { subnetPlan } from "./subnetPlan";
import { componentType } from "../../identity";
import { vpcFlowLogs } from "../aws/flowLogs";
import { lockedDefaultSecurityGroup } from "../aws/defaultSecurityGroup";

export type NetworkArgs = NetworkConfig;

/** Subnet tags the AWS Load Balancer Controller and the in-tree controller use to place load balancers. */
export const PUBLIC_ELB_TAG = "kubernetes.io/role/elb";
export const INTERNAL_ELB_TAG = "kubernetes.io/role/internal-elb";

/**
 * The VPC the platform runs in:
 * - a VPC with DNS support and hostnames (EKS private endpoints and RDS need both);
 * - per AZ a public subnet (load balancers, NAT gateways) and a private subnet (nodes, databases),
 *   CIDRs from subnetPlan;
 * - an internet gateway for the public subnets; `natGateways` NAT gateways with Elastic IPs, one
 *   private route table per AZ pointing at its gateway (1 shared, or one per AZ);
 * - VPC flow logs (all traffic) to a KMS-encrypted CloudWatch log group with bounded retention,
 *   delivered by a role that may write only there;
 * - the VPC's default security group with every rule removed (nothing uses it).
 */
export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly vpcCidr: string;
    readonly availabilityZones: pulumi.Output<string>[];
    readonly publicSubnetIds: pulumi.Output<string>[];
    readonly privateSubnetIds: pulumi.Output<string>[];
    /** The private subnets' CIDR blocks, in AZ order (subnetPlan). */
    readonly privateSubnetCidrs: string[];
    readonly natGatewayIds: pulumi.Output<string>[];
    /** One route table per AZ's private subnet (e.g. for peering routes). */
    readonly privateRouteTableIds: pulumi.Output<string>[];
    readonly flowLogGroupName: pulumi.Output<string>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("network", "Network"), name, {}, opts);
        const prefix = `${pulumi.getProject()}-${pulumi.getStack()}`;
        const plan = subnetPlan(args.cidr, args.azCount, args.natGateways);

        // Local Zones and Wavelength Zones cannot host EKS nodes or NAT gateways: standard AZs only.
        const zones = aws.getAvailabilityZonesOutput(
            { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
            { parent: this },
        );
        this.availabilityZones = plan.map((_, i) =>
            zones.names.apply((names) => {
                if (names.length < args.azCount) {
                    throw new Error(
                        `network.azCount is ${args.azCount} but the region offers ${names.length} availability zones (${names.join(", ")})`,
                    );
                }
                return names[i];
            }),
        );

        const vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            { cidrBlock: args.cidr, enableDnsSupport: true, enableDnsHostnames: true, tags: { Name: prefix } },
            { parent: this },
        );
        lockedDefaultSecurityGroup(`${name}-default-sg`, vpc.id, { Name: `${prefix}-default-locked` }, { parent: this });
        const internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: prefix } }, { parent: this });

        const publicSubnets = plan.map(
            (az, i) =>
                new aws.ec2.Subnet(
                    `${name}-public-${i}`,
                    {
                        vpcId: vpc.id,
                        cidrBlock: az.publicCidr,
                        availabilityZone: this.availabilityZones[i],
                        mapPublicIpOnLaunch: false,
                        tags: { Name: `${prefix}-public-${i}`, [PUBLIC_ELB_TAG]: "1" },
                    },
                    { parent: this },
                ),
        );
        const privateSubnets = plan.map(
            (az, i) =>
                new aws.ec2.Subnet(
                    `${name}-private-${i}`,
                    {
                        vpcId: vpc.id,
                        cidrBlock: az.privateCidr,
                        availabilityZone: this.availabilityZones[i],
                        tags: { Name: `${prefix}-private-${i}`, [INTERNAL_ELB_TAG]: "1" },
                    },
                    { parent: this },
                ),
        );

        const publicRouteTable = new aws.ec2.RouteTable(
            `${name}-public`,
            { vpcId: vpc.id, tags: { Name: `${prefix}-public` } },
            { parent: this },
        );
        // Routes are separate resources, not inline `routes`, so other components (the DR peering) can add
        // routes to these tables without the next update removing them.
        new aws.ec2.Route(
            `${name}-public-internet`,
            { routeTableId: publicRouteTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id },
            { parent: this },
        );
        publicSubnets.forEach(
            (subnet, i) =>
                new aws.ec2.RouteTableAssociation(
                    `${name}-public-${i}`,
                    { subnetId: subnet.id, routeTableId: publicRouteTable.id },
                    { parent: this },
                ),
        );

        const natGateways = Array.from({ length: args.natGateways }, (_, i) => {
            const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: { Name: `${prefix}-nat-${i}` } }, { parent: this });
            return new aws.ec2.NatGateway(
                `${name}-nat-${i}`,
                { allocationId: eip.id, subnetId: publicSubnets[i].id, connectivityType: "public", tags: { Name: `${prefix}-nat-${i}` } },
                { parent: this, dependsOn: [internetGateway] },
            );
        });

        const privateRouteTables = plan.map((az, i) => {
            const table = new aws.ec2.RouteTable(
                `${name}-private-${i}`,
                { vpcId: vpc.id, tags: { Name: `${prefix}-private-${i}` } },
                { parent: this },
            );
            new aws.ec2.Route(
                `${name}-private-${i}-nat`,
                { routeTableId: table.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: natGateways[az.natGatewayIndex].id },
                { parent: this },
            );
            new aws.ec2.RouteTableAssociation(
                `${name}-private-${i}`,
                { subnetId: privateSubnets[i].id, routeTableId: table.id },
                { parent: this },
            );
            return table;
        });

        const flowLogs = vpcFlowLogs(
            name,
            {
                vpcId: vpc.id,
                logGroupName: `/${pulumi.getProject()}/${pulumi.getStack()}/vpc-flow-logs`,
                retentionInDays: args.flowLogRetentionDays,
                keyAlias: `alias/${prefix}-vpc-flow-logs`,
                purpose: "VPC flow logs",
                roleDescription: "Delivers VPC flow logs to CloudWatch Logs",
                flowLogName: `${name}-flow-logs`,
                tags: { Name: prefix },
            },
            this,
        );

        this.vpcId = vpc.id;
        this.vpcCidr = args.cidr;
        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.privateSubnetIds = privateSubnets.map((s) => s.id);
        this.privateSubnetCidrs = plan.map((az) => az.privateCidr);
        this.natGatewayIds = natGateways.map((g) => g.id);
        this.privateRouteTableIds = privateRouteTables.map((t) => t.id);
        this.flowLogGroupName = flowLogs.logGroup.name;
        this.registerOutputs({
            vpcId: this.vpcId,
            vpcCidr: this.vpcCidr,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            natGatewayIds: this.natGatewayIds,
            privateRouteTableIds: this.privateRouteTableIds,
            flowLogGroupName: this.flowLogGroupName,
        });
    }
}
