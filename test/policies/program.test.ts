/**
 * The resources the whole program registers, for every stack, through the pack with that stack's
 * policy config: no mandatory violation, and exactly the advisory ones accepted below (with the
 * reason each is accepted; the README lists them).
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { STACKS } from "../../config/stackFile";
import { Diagnostic, analyzeStack, reconcileConfig } from "../../policies/analyzer";
import { pack } from "../../policies/pack";
import { runProgram } from "../harness/program";
import { asFirstPreview, toAnalyzedResources } from "./fromProgram";
import { UNKNOWN } from "./harness";

type Stack = (typeof STACKS)[number];

export interface AcceptedAdvisory {
    policy: string;
    /** Logical name of the resource, or undefined for a violation of the stack as a whole. */
    resource?: string;
    reason: string;
}

/** Advisory violations each stack carries on purpose. */
export const ACCEPTED_ADVISORIES: Record<Stack, AcceptedAdvisory[]> = {
    staging: [
        {
            policy: "aws-eks-private-endpoint",
            resource: "cluster-eks",
            reason: "Staging keeps the API endpoint public for CI and operators, limited to the listed CIDRs (aws-eks-public-endpoint-restricted stays mandatory); production's is private.",
        },
        {
            policy: "aws-rds-deletion-protection",
            resource: "database-primary",
            reason: "The staging database is disposable test data, recreated from migrations; deletion protection and the final snapshot would block tearing the stack down. Production has both.",
        },
        {
            policy: "aws-rds-multi-az",
            resource: "database-primary",
            reason: "A standby doubles the staging database's cost; staging tolerates an AZ outage (the read replica remains). Production runs Multi-AZ.",
        },
    ],
    production: [],
    local: [],
};

function policyConfig(stack: Stack): unknown {
    return JSON.parse(readFileSync(join(__dirname, "..", "..", "policies", "config", `${stack}.json`), "utf8"));
}

function label(d: Diagnostic): string {
    const name = d.urn ? d.urn.slice(d.urn.lastIndexOf("::") + 2) : "(stack)";
    return `${d.enforcementLevel} ${d.policyName} ${name}: ${d.message.split("\n").slice(1).join(" ")}`;
}

describe("the program's own resources through the policy pack", function () {
    this.timeout(300_000);

    for (const stack of STACKS) {
        describe(`stack ${stack}`, () => {
            let diagnostics: Diagnostic[];
            let previewDiagnostics: Diagnostic[];
            let resourceCount: number;
            before(async () => {
                const run = await runProgram(stack);
                const resources = toAnalyzedResources(run.resources);
                resourceCount = resources.length;
                const config = reconcileConfig(pack, policyConfig(stack));
                diagnostics = (await analyzeStack(pack, resources, config)).diagnostics;
                previewDiagnostics = (await analyzeStack(pack, asFirstPreview(resources, UNKNOWN), config)).diagnostics;
            });

            it("has no mandatory violation", () => {
                assert.ok(resourceCount > 0);
                assert.deepEqual(diagnostics.filter((d) => d.enforcementLevel === "mandatory").map(label), []);
            });

            it("has exactly the accepted advisory violations", () => {
                const advisory = diagnostics.filter((d) => d.enforcementLevel === "advisory");
                const key = (policy: string, resource?: string) => `${policy} ${resource ?? "(stack)"}`;
                const found = advisory.map((d) => key(d.policyName, d.urn ? d.urn.slice(d.urn.lastIndexOf("::") + 2) : undefined));
                const accepted = ACCEPTED_ADVISORIES[stack].map((a) => key(a.policy, a.resource));
                assert.deepEqual([...new Set(found)].sort(), accepted.sort(), advisory.map(label).join("\n"));
            });

            it("in its first preview (every computed value unknown) reports no mandatory violation and nothing a policy could not run", () => {
                assert.deepEqual(previewDiagnostics.filter((d) => d.enforcementLevel === "mandatory" || d.message.startsWith("can't run")).map(label), []);
            });
        });
    }
});
