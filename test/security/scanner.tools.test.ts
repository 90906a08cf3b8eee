/**
 * The scanner tier (docs/security.md): Checkov over every Kubernetes object of every stack and rollout
 * stage, judged against policies/waivers.json; and proof that it fails on a weakened object, naming
 * the check and the object. The same runs go through the pack's waived policies without their waivers,
 * so a pack waiver that no longer matches a report fails the tier too.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STACKS, StackName } from "../../config/stackFile";
import { PolicyPackDefinition, analyzeStack, reconcileConfig } from "../../policies/analyzer";
import { awsSecurityPolicies } from "../../policies/awsSecurity";
import { costPolicies } from "../../policies/cost";
import { kubernetesSecurityPolicies } from "../../policies/kubernetesSecurity";
import { pack } from "../../policies/pack";
import { rolloutPolicies } from "../../policies/rollout";
import { stackAndName, waivers } from "../../policies/waiving";
import { STAGE_NAMES } from "../../rollout/stages";
import { withoutWarnings } from "../components/observability/fixtures";
import { RecordedResource } from "../harness/recorder";
import { toAnalyzedResources } from "../policies/fromProgram";
import { RenderedObject, renderStack, writeObjects } from "./render";
import { CheckResult, PackReport, Verdict, judge, runCheckov, stalePackWaivers } from "./scanner";

/** The pack without its waivers, and the part of it that waivers.json waives. */
const unwaivedPack: PolicyPackDefinition = {
    ...pack,
    policies: [...awsSecurityPolicies, ...kubernetesSecurityPolicies, ...costPolicies, ...rolloutPolicies],
};
const waivedPack = { ...unwaivedPack, policies: unwaivedPack.policies.filter((p) => waivers.some((w) => w.check === p.name)) };

/** What the waived policies report on one run of the program, with the stack's policy config. */
async function packReports(stack: StackName, resources: RecordedResource[]): Promise<PackReport[]> {
    const config = JSON.parse(readFileSync(join(__dirname, "..", "..", "policies", "config", `${stack}.json`), "utf8"));
    const { diagnostics } = await analyzeStack(waivedPack, toAnalyzedResources(resources), reconcileConfig(unwaivedPack, config));
    return diagnostics.filter((d) => d.urn).map((d) => ({ policy: d.policyName, stack, name: stackAndName(d.urn!).name }));
}

describe("scanner tier: Checkov over every stack and rollout stage", function () {
    this.timeout(900_000);
    const dirs: string[] = [];
    const scratch = () => {
        const dir = mkdtempSync(join(tmpdir(), "checkov-"));
        dirs.push(dir);
        return dir;
    };
    after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

    let rendered: RenderedObject[];
    let verdict: Verdict;
    const reports: PackReport[] = [];
    /** Staging's stable stage as the program registers it (AWS resources too), for the weakened hop limit. */
    let stagingStable: RecordedResource[] = [];
    before(async () => {
        rendered = [];
        for (const stack of STACKS) {
            const onRun = async (stage: string, resources: RecordedResource[]) => {
                if (stack === "staging" && stage === "stable") stagingStable = resources;
                reports.push(...(await packReports(stack, resources)));
            };
            rendered.push(...(await withoutWarnings(() => renderStack(stack, STAGE_NAMES, onRun))));
        }
        const dir = scratch();
        const results = await runCheckov(dir, writeObjects(dir, rendered));
        verdict = judge(results, rendered, waivers, STACKS);
        console.log(`      counts per stack: ${JSON.stringify(verdict.counts)}`);
    });

    it("shows these counts in README.md and docs/security.md (objects scanned, checks passed, failed, waived)", () => {
        for (const doc of ["README.md", join("docs", "security.md")]) {
            const text = readFileSync(join(__dirname, "..", "..", doc), "utf8");
            for (const stack of STACKS) {
                const c = verdict.counts[stack];
                const row = `| ${stack} | ${c.objects} | ${c.passed} | ${c.failed} | ${c.waived} |`;
                assert.ok(text.includes(row), `${doc} has no row ${row}`);
            }
        }
    });

    for (const stack of STACKS) {
        it(`${stack}: every failed check is waived`, () => {
            assert.ok(verdict.counts[stack].objects > 20, `only ${verdict.counts[stack].objects} objects scanned`);
            assert.ok(verdict.counts[stack].passed > 100);
            assert.deepEqual(
                verdict.unwaived.filter((u) => u.startsWith(`${stack}:`)),
                [],
            );
        });
    }

    it("every waiver of a Checkov check still matches a finding in each stack it names", () => {
        assert.deepEqual(verdict.stale, []);
    });

    it("every waiver of a pack policy still matches a report of the policy in each stack it names", () => {
        assert.ok(reports.length > 0);
        assert.deepEqual(stalePackWaivers(reports, waivers, STACKS), []);
        const invented = { check: "k8s-tls-verification", object: "app-stable", stacks: ["production"], reason: "test" };
        assert.deepEqual(stalePackWaivers(reports, [invented], STACKS), [
            "production: waiver k8s-tls-verification on app-stable matches no report of the pack",
        ]);
    });

    describe("a deliberately weakened object fails the tier, naming the check and the object", () => {
        let weakened: CheckResult[];
        before(async () => {
            const local = rendered.filter((r) => r.stack === "local" && r.stages.includes("stable"));
            const weak = local.map((r) => structuredClone(r));
            const app = weak.find((r) => r.name === "Deployment claude-enhancer/claude-enhancer-stable")!;
            (app.object as any).spec.template.spec.containers[0].securityContext.privileged = true;
            // The Deployment every stack runs: a weakened pod of the service's own.
            (app.object as any).spec.template.spec.containers[0].env.push({ name: "CURL_TLS", value: "--insecure" });
            const dir = scratch();
            weakened = await runCheckov(dir, writeObjects(dir, weak));
        });

        it("a privileged container: CKV_K8S_16 on the Deployment", () => {
            const v = judge(weakened, [], waivers, ["local"]);
            assert.ok(
                v.unwaived.includes(
                    "local: CKV_K8S_16 (Container should not be privileged) on Deployment claude-enhancer/claude-enhancer-stable",
                ),
                v.unwaived.join("\n"),
            );
        });

        it("a node launch template with IMDS hop limit 2: the pack's aws-ec2-imds-hop-limit on the template (AWS resources are the pack's to judge)", async () => {
            const weak = structuredClone(stagingStable);
            const templates = weak.filter((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate");
            assert.ok(templates.length > 0, "staging registers node launch templates");
            templates[0].inputs.metadataOptions.httpPutResponseHopLimit = 2;
            const config = JSON.parse(readFileSync(join(__dirname, "..", "..", "policies", "config", "staging.json"), "utf8"));
            const { diagnostics } = await analyzeStack(pack, toAnalyzedResources(weak), reconcileConfig(pack, config));
            const found = diagnostics.filter((d) => d.policyName === "aws-ec2-imds-hop-limit");
            assert.deepEqual(
                found.map((d) => [d.enforcementLevel, stackAndName(d.urn!).name]),
                [["mandatory", templates[0].name]],
            );
        });

        it("curl --insecure: the product's CKV_CE_K8S_1 on the Deployment", () => {
            const v = judge(weakened, [], waivers, ["local"]);
            const found = v.unwaived.filter((u) => u.includes("CKV_CE_K8S_1"));
            assert.equal(found.length, 1, v.unwaived.join("\n"));
            assert.match(
                found[0],
                /^local: CKV_CE_K8S_1 \(Containers keep TLS certificate verification on \(no curl --insecure\)\) on Deployment claude-enhancer\/claude-enhancer-stable$/,
            );
        });
    });
});
