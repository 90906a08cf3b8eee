/**
 * The pack as a whole: every policy it serves belongs to a domain module and has compliant and
 * violating cases (a policy added without fixtures fails here), and the per-stack configs are valid
 * and make production the strictest stack.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { STACKS } from "../../config/stackFile";
import { reconcileConfig } from "../../policies/analyzer";
import { awsSecurityPolicies } from "../../policies/awsSecurity";
import { costPolicies } from "../../policies/cost";
import { kubernetesSecurityPolicies } from "../../policies/kubernetesSecurity";
import { pack, policies } from "../../policies/pack";
import { rolloutPolicies } from "../../policies/rollout";
import { workloadNetworkPolicies } from "../../policies/workloadNetwork";
import { imageSupplyPolicies } from "../../policies/imageSupply";
import { awsSecurityCases } from "./awsSecurity.cases";
import { costCases } from "./cost.cases";
import { kubernetesSecurityCases } from "./kubernetesSecurity.cases";
import { rolloutCases } from "./rollout.cases";
import { workloadNetworkCases } from "./workloadNetwork.cases";
import { imageSupplyCases } from "./imageSupply.cases";

const ALL_CASES = {
    ...awsSecurityCases,
    ...kubernetesSecurityCases,
    ...costCases,
    ...rolloutCases,
    ...workloadNetworkCases,
    ...imageSupplyCases,
};

/** Rules about non-production stacks only, which production's config switches off. */
const NON_PRODUCTION_RULES = ["cost-spot-app-nodes", "cost-off-hours-scaling"];

function stackConfig(stack: string): Record<string, unknown> {
    return JSON.parse(readFileSync(join(__dirname, "..", "..", "policies", "config", `${stack}.json`), "utf8"));
}

describe("the policy pack as a whole", () => {
    it("has at least 40 policies, uniquely named, each from one domain module", () => {
        assert.ok(policies.length >= 40, `${policies.length} policies`);
        const names = policies.map((p) => p.name);
        assert.equal(new Set(names).size, names.length, "duplicate policy names");
        assert.deepEqual(
            names,
            [
                ...awsSecurityPolicies,
                ...kubernetesSecurityPolicies,
                ...costPolicies,
                ...rolloutPolicies,
                ...workloadNetworkPolicies,
                ...imageSupplyPolicies,
            ].map((p) => p.name),
        );
    });

    it("has a compliant and a violating case for every policy it serves", () => {
        const lacking = policies.flatMap((p) => {
            const own = ALL_CASES[p.name] ?? [];
            const missing = [
                own.some((c) => !c.violation) ? undefined : "compliant",
                own.some((c) => c.violation) ? undefined : "violating",
            ].filter(Boolean);
            return missing.length > 0 ? [`${p.name}: no ${missing.join(" or ")} case`] : [];
        });
        assert.deepEqual(lacking, []);
        assert.deepEqual(
            Object.keys(ALL_CASES).filter((name) => !policies.some((p) => p.name === name)),
            [],
            "cases for policies the pack does not serve",
        );
    });

    it("gives every configurable policy defaults for all its properties", () => {
        for (const policy of policies) {
            for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
                assert.notEqual(schema.default, undefined, `${policy.name}.${key} has no default`);
                assert.ok(schema.description, `${policy.name}.${key} has no description`);
            }
        }
    });

    for (const stack of STACKS) {
        it(`accepts policies/config/${stack}.json (known policy names, levels and properties matching each schema)`, () => {
            assert.doesNotThrow(() => reconcileConfig(pack, stackConfig(stack)));
        });
    }

    it("makes production the strictest stack: every policy mandatory there but the non-production cost rules", () => {
        const production = reconcileConfig(pack, stackConfig("production"));
        const levels = Object.fromEntries([...production].map(([name, s]) => [name, s.enforcementLevel]));
        for (const policy of policies) {
            assert.equal(levels[policy.name], NON_PRODUCTION_RULES.includes(policy.name) ? "disabled" : "mandatory", policy.name);
        }
        const staging = reconcileConfig(pack, stackConfig("staging"));
        const relaxed = [...staging].filter(([, s]) => s.enforcementLevel !== "mandatory").map(([name]) => name);
        assert.deepEqual(
            relaxed.sort(),
            [
                "aws-eks-private-endpoint",
                "aws-rds-deletion-protection",
                "aws-rds-multi-az",
                "aws-s3-backup-replication",
                "k8s-pod-disruption-budget",
            ].sort(),
        );
    });
});
