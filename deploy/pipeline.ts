import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import { DEPLOYED_STACKS, DeployedStack, DeploymentsConfig, POLICY_PACK_NAME, deploymentSettingsArgs, policyGroupArgs } from "./settings";

export interface DeploymentPipelineArgs {
    config: DeploymentsConfig;
    /** The pack directory, relative to this project (the provider uploads it). */
    policyPackPath: string;
    policyPackVersion: string;
    /** Each deployed stack's policy config (policies/config/<stack>.json). */
    policyConfigs: Record<DeployedStack, Record<string, unknown>>;
}

/**
 * The platform in Pulumi Cloud: the policy pack published at its package.json version, one policy
 * group per stack enforcing it with that stack's config, and Deployments settings per stack.
 */
export class DeploymentPipeline extends pulumi.ComponentResource {
    readonly policyPackVersion: pulumi.Output<string>;
    readonly deploymentSettings: Record<DeployedStack, service.DeploymentSettings>;
    readonly policyGroups: Record<DeployedStack, service.PolicyGroup>;

    constructor(name: string, args: DeploymentPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("claude-enhancer:deploy:Pipeline", name, {}, opts);
        const policyPack = new service.PolicyPack(
            `${name}-policy-pack`,
            {
                organization: args.config.organization,
                name: POLICY_PACK_NAME,
                displayName: "Claude Enhancer guardrails",
                sourcePath: args.policyPackPath,
                versionTag: args.policyPackVersion,
            },
            { parent: this },
        );
        this.policyPackVersion = policyPack.versionTag;
        const groups = {} as Record<DeployedStack, service.PolicyGroup>;
        const settings = {} as Record<DeployedStack, service.DeploymentSettings>;
        for (const stack of DEPLOYED_STACKS) {
            groups[stack] = new service.PolicyGroup(
                `${name}-${stack}-policies`,
                policyGroupArgs(args.config, stack, args.policyPackVersion, args.policyConfigs[stack]),
                {
                    parent: this,
                    // The group references the published version, which must exist first.
                    dependsOn: [policyPack],
                },
            );
            settings[stack] = new service.DeploymentSettings(`${name}-${stack}`, deploymentSettingsArgs(args.config, stack), {
                parent: this,
                dependsOn: [groups[stack]],
            });
        }
        this.policyGroups = groups;
        this.deploymentSettings = settings;
        this.registerOutputs({ policyPackVersion: this.policyPackVersion });
    }
}
