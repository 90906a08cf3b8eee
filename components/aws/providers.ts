import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { costTags, CostTagsArgs } from "./tags";
import { componentType } from "../../identity";

export interface AwsProvidersArgs extends CostTagsArgs {
    region: string;
    drRegion: string;
}

/**
 * Explicit AWS providers for the primary and the DR region. Every AWS resource is created through one
 * of them, so the cost tags reach all of them via `defaultTags` and no ambient `aws:region` is used.
 */
export class AwsProviders extends pulumi.ComponentResource {
    readonly primary: aws.Provider;
    readonly dr: aws.Provider;

    constructor(name: string, args: AwsProvidersArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("aws", "Providers"), name, {}, opts);
        const defaultTags = { tags: costTags(args) };
        this.primary = new aws.Provider(`${name}-primary`, { region: args.region as aws.Region, defaultTags }, { parent: this });
        this.dr = new aws.Provider(`${name}-dr`, { region: args.drRegion as aws.Region, defaultTags }, { parent: this });
        this.registerOutputs({});
    }
}
