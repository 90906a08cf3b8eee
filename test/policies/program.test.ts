/**
 * The resources the whole program registers, for every stack and in every rollout stage, through
 * the pack with that stack's policy config: no mandatory violation, and exactly the advisory ones
 * accepted below (with the reason each is accepted; the README lists them).
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePlatformConfig } from "../../config";
import { chartArchive } from "../../components/kubernetes/chartSource";
import { helmCharts } from "../../components/kubernetes/helmCharts";
import { STACKS, readStackSettings } from "../../config/stackFile";
import { STAGE_NAMES } from "../../rollout/stages";
import { AnalyzedResource, Diagnostic, analyzeStack, reconcileConfig } from "../../policies/analyzer";
import { pack } from "../../policies/pack";
import { FORWARD_STAGES, HEALTH_GATE } from "../../policies/rollout";
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

/** The stack's settings with the rollout moved to `stage` (a candidate version in every stage but stable). */
function atStage(stack: Stack, stage: string): Record<string, unknown> {
    const rollout = readStackSettings(stack).rollout as Record<string, unknown>;
    return { rollout: stage === "stable" ? rollout : { ...rollout, stage, candidateVersion: "5.1.0" } };
}

describe("the program's own resources through the policy pack", function () {
    this.timeout(300_000);

    for (const stack of STACKS) {
        for (const stage of STAGE_NAMES) {
            describe(`stack ${stack}, stage ${stage}`, () => {
                const forward = FORWARD_STAGES.includes(stage);
                let diagnostics: Diagnostic[];
                let previewDiagnostics: Diagnostic[];
                let resources: AnalyzedResource[];
                before(async () => {
                    const run = await runProgram(stack, { overrides: atStage(stack, stage) });
                    resources = toAnalyzedResources(run.resources);
                    const config = reconcileConfig(pack, policyConfig(stack));
                    diagnostics = (await analyzeStack(pack, resources, config)).diagnostics;
                    previewDiagnostics = (await analyzeStack(pack, asFirstPreview(resources, UNKNOWN), config)).diagnostics;
                });

                it("has no mandatory violation", () => {
                    assert.ok(resources.length > 0);
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
                    assert.deepEqual(
                        previewDiagnostics
                            .filter((d) => d.enforcementLevel === "mandatory" || d.message.startsWith("can't run"))
                            .map(label),
                        [],
                    );
                });

                it(
                    forward ? "has a HealthGate the rollout policies judge (a stricter bake makes them report it)" : "has no HealthGate",
                    async () => {
                        const gates = resources.filter((r) => r.type === HEALTH_GATE);
                        assert.equal(gates.length, forward ? 1 : 0);
                        if (!forward) return;
                        const stricter = reconcileConfig(pack, {
                            ...(policyConfig(stack) as object),
                            "rollout-gate-bake": { minBakeSeconds: 86_400 },
                        });
                        const found = (await analyzeStack(pack, resources, stricter)).diagnostics.filter(
                            (d) => d.policyName === "rollout-gate-bake",
                        );
                        assert.deepEqual(
                            found.map((d) => d.urn),
                            [gates[0].urn],
                        );
                        assert.match(found[0].message, new RegExp(`the ${stage} gate bakes \\d+ s; at least 86400 s\\.`));
                    },
                );
            });
        }
    }
});

describe("the program's own resources through the policy pack, with charts from a directory mirror", function () {
    this.timeout(300_000);
    let mirror: string;
    before(() => {
        mirror = mkdtempSync(join(tmpdir(), "pack-chart-mirror-"));
        // The program checks that each archive exists; the pack judges the releases that name them.
        for (const stack of STACKS) {
            for (const chart of helmCharts(parsePlatformConfig(readStackSettings(stack))))
                writeFileSync(join(mirror, chartArchive(chart)), "");
        }
    });
    after(() => rmSync(mirror, { recursive: true, force: true }));

    for (const stack of STACKS) {
        it(`${stack}: no mandatory violation (each release's chart is still known by its name, from <chart>-<version>.tgz)`, async () => {
            const run = await runProgram(stack, { overrides: { charts: { mirror } } });
            assert.ok(run.resources.some((r) => r.type === "kubernetes:helm.sh/v3:Release" && String(r.inputs.chart).startsWith(mirror)));
            const config = reconcileConfig(pack, policyConfig(stack));
            const diagnostics = (await analyzeStack(pack, toAnalyzedResources(run.resources), config)).diagnostics;
            assert.deepEqual(diagnostics.filter((d) => d.enforcementLevel === "mandatory").map(label), []);
        });
    }
});
