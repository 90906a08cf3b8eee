import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * Adopts the default security group of a VPC and removes every rule from it (the provider revokes
 * the rules AWS created): a resource launched without a security group (by mistake, or by a service
 * that falls back to the default) then reaches nothing and is reachable from nothing. Nothing of the
 * program uses the default group: every resource names its own.
 */
export function lockedDefaultSecurityGroup(
    name: string,
    vpcId: pulumi.Input<string>,
    tags: Record<string, string>,
    opts: pulumi.CustomResourceOptions,
): aws.ec2.DefaultSecurityGroup {
    return new aws.ec2.DefaultSecurityGroup(name, { vpcId, ingress: [], egress: [], tags }, opts);
}
