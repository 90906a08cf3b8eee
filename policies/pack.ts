/** The pack's policies, by domain, and its metadata: one definition shared by the CLI, the audit and the tests. */
import {
    Policies,
    Policy,
    PolicyPackArgs,
    ReportViolation,
    ResourceValidation,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import packageJson from "./package.json";
import { awsSecurityPolicies } from "./awsSecurity";
import { costPolicies } from "./cost";
import { kubernetesSecurityPolicies } from "./kubernetesSecurity";
import { rolloutPolicies } from "./rollout";
import { workloadNetworkPolicies } from "./workloadNetwork";
import { imageSupplyPolicies } from "./imageSupply";
import type { PolicyPackDefinition } from "./analyzer";
import { Waiver, stackAndName, waiverFor, waivers } from "./waiving";

export const PACK_NAME = "claude-enhancer";
export const PACK_VERSION: string = packageJson.version;

/** A report that drops violations waived in waivers.json for that policy, resource and stack. */
function waivable(policy: string, list: readonly Waiver[], report: ReportViolation, subject?: string): ReportViolation {
    return (message, urn) => {
        const target = urn ?? subject;
        if (target) {
            const { stack, name } = stackAndName(target);
            if (waiverFor(list, policy, name, stack)) return;
        }
        report(message, urn);
    };
}

/** The policy with the waivers of `list` applied to what it reports. */
export function withWaivers(policy: Policy, list: readonly Waiver[] = waivers): ResourceValidationPolicy | StackValidationPolicy {
    if (!list.some((w) => w.check === policy.name)) return policy as ResourceValidationPolicy | StackValidationPolicy;
    if ("validateStack" in policy) {
        const stackPolicy = policy as StackValidationPolicy;
        const validate = stackPolicy.validateStack;
        return { ...stackPolicy, validateStack: (args, report) => validate(args, waivable(policy.name, list, report)) };
    }
    const resourcePolicy = policy as ResourceValidationPolicy;
    if (resourcePolicy.validateResource) {
        const wrap = (validate: ResourceValidation): ResourceValidation =>
            // Keeps the type a typed validation is limited to (the analyzer reads it).
            Object.assign(
                (args: Parameters<ResourceValidation>[0], report: ReportViolation) =>
                    validate(args, waivable(policy.name, list, report, args.urn)),
                validate,
            );
        const v = resourcePolicy.validateResource;
        return { ...resourcePolicy, validateResource: Array.isArray(v) ? v.map(wrap) : wrap(v) };
    }
    return resourcePolicy;
}

export const policies: Policies = [
    ...awsSecurityPolicies,
    ...kubernetesSecurityPolicies,
    ...costPolicies,
    ...rolloutPolicies,
    ...workloadNetworkPolicies,
    ...imageSupplyPolicies,
].map((p) => withWaivers(p));

export const packArgs: PolicyPackArgs = {
    policies,
    // Every policy states its own level; this applies only to a policy added without one.
    enforcementLevel: "advisory",
    displayName: "Claude Enhancer guardrails",
    description: "AWS and Kubernetes security, cost, and rollout-safety rules of the Claude Enhancer platform.",
    tags: ["aws", "kubernetes", "cost", "rollout"],
};

export const pack: PolicyPackDefinition = {
    name: PACK_NAME,
    version: PACK_VERSION,
    policies,
    enforcementLevel: packArgs.enforcementLevel!,
};
