/** The pack's policies, by domain, and its metadata: one definition shared by the CLI, the audit and the tests. */
import { Policies, PolicyPackArgs } from "@pulumi/policy";
import packageJson from "./package.json";
import { awsSecurityPolicies } from "./awsSecurity";
import { costPolicies } from "./cost";
import { kubernetesSecurityPolicies } from "./kubernetesSecurity";
import { rolloutPolicies } from "./rollout";
import type { PolicyPackDefinition } from "./analyzer";

export const PACK_NAME = "claude-enhancer";
export const PACK_VERSION: string = packageJson.version;

export const policies: Policies = [...awsSecurityPolicies, ...kubernetesSecurityPolicies, ...costPolicies, ...rolloutPolicies];

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
