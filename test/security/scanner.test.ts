/**
 * The scanner tier (docs/security.md): Checkov over every Kubernetes object of every stack and rollout
 * stage, judged against policies/waivers.json; and proof that it fails on a weakened object, naming
 * the check and the object.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STACKS } from "../../config/stackFile";
import { waivers } from "../../policies/waiving";
import { withoutWarnings } from "../components/observability/fixtures";
import { RenderedObject, renderStack, writeObjects } from "./render";
import { CheckResult, Verdict, judge, runCheckov } from "./scanner";

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
    before(async () => {
        rendered = [];
        for (const stack of STACKS) rendered.push(...(await withoutWarnings(() => renderStack(stack))));
        const dir = scratch();
        const results = await runCheckov(dir, writeObjects(dir, rendered));
        verdict = judge(results, rendered, waivers, STACKS);
        console.log(`      counts per stack: ${JSON.stringify(verdict.counts)}`);
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

    describe("a deliberately weakened object fails the tier, naming the check and the object", () => {
        let weakened: CheckResult[];
        before(async () => {
            const local = rendered.filter((r) => r.stack === "local" && r.stages.includes("stable"));
            const weak = local.map((r) => structuredClone(r));
            const app = weak.find((r) => r.name === "Deployment claude-enhancer/claude-enhancer-stable")!;
            (app.object as any).spec.template.spec.containers[0].securityContext.privileged = true;
            // The retention Job's --insecure is waived on local (docs/security.md), so the weakened one is the app's.
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
