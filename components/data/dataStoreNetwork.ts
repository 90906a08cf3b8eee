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
