import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** What the AWS data stores need of the Network component: the VPC and its private subnets. */
export interface DataStoreNetwork {
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string>[];
}

/** What the data stores need of the Cluster component: the security group of its nodes (EKS only). */
export interface DataStoreClients {
    /** Security group EKS attaches to the control plane and managed nodes; undefined for an existing cluster. */
    clusterSecurityGroupId?: pulumi.Input<string>;
}

/** Where a data store runs, for the NetworkPolicy's egress rule. */
export type StoreLocation = { namespace: pulumi.Input<string> } | { cidrs: string[] };

/**
 * The security group of an AWS data store: in the stack's VPC, admitting only the EKS cluster's
 * security group (nodes and pods) on the store's port. Children `<name>-sg` and `<name>-from-cluster`.
 */
export function clusterOnlySecurityGroup(
    name: string,
    args: { name: string; service: string; port: number; vpcId: pulumi.Input<string>; clusterSecurityGroupId: pulumi.Input<string> },
    opts: pulumi.CustomResourceOptions,
): aws.ec2.SecurityGroup {
    const securityGroup = new aws.ec2.SecurityGroup(
        `${name}-sg`,
        {
            name: args.name,
            description: `${args.service}, reachable from the EKS cluster only`,
            vpcId: args.vpcId,
            tags: { Name: args.name },
        },
        opts,
    );
    new aws.vpc.SecurityGroupIngressRule(
        `${name}-from-cluster`,
        {
            securityGroupId: securityGroup.id,
            referencedSecurityGroupId: args.clusterSecurityGroupId,
            ipProtocol: "tcp",
            fromPort: args.port,
            toPort: args.port,
            description: `${args.service} from the EKS cluster's nodes and pods`,
        },
        opts,
    );
    return securityGroup;
}
