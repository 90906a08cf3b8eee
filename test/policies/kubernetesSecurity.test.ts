import * as assert from "node:assert/strict";
import { kubernetesSecurityPolicies, runAsNonRoot, unpinnedImage } from "../../policies/kubernetesSecurity";
import { selectorMatches } from "../../policies/workloads";
import * as f from "./fixtures";
import { UNKNOWN, changed, checkResource, describePolicies } from "./harness";
import { POD, kubernetesSecurityCases } from "./kubernetesSecurity.cases";

describePolicies("Kubernetes security policies", kubernetesSecurityPolicies, kubernetesSecurityCases);

describe("Kubernetes policy details", () => {
    it("does not judge a workload whose container list is unknown during preview", async () => {
        const outcome = await checkResource(runAsNonRoot, changed(f.deployment(), [...POD, "containers"], UNKNOWN));
        assert.deepEqual(outcome.violations, []);
        assert.match(outcome.notApplicable ?? "", /containers can't be known during preview/);
    });

    it("passes over resources other than workloads without a verdict", async () => {
        assert.deepEqual(await checkResource(runAsNonRoot, f.rdsPrimary()), { violations: [] });
    });

    it("evaluates label selectors like the API server", () => {
        const labels = { app: "x", tier: "web" };
        assert.equal(selectorMatches({}, labels), true);
        assert.equal(selectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["web"] }] }, labels), true);
        assert.equal(selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["web"] }] }, labels), false);
        assert.equal(
            selectorMatches({ matchLabels: { app: "x" }, matchExpressions: [{ key: "canary", operator: "DoesNotExist" }] }, labels),
            true,
        );
        assert.equal(
            selectorMatches(
                {
                    matchExpressions: [
                        { key: "app", operator: "Exists" },
                        { key: "tier", operator: "Gt" },
                    ],
                },
                labels,
            ),
            false,
        );
    });

    it("accepts only tagged or digested images", () => {
        assert.equal(unpinnedImage("ghcr.io/org/img:1.2.3"), undefined);
        assert.equal(unpinnedImage(undefined), "has no image");
        assert.match(unpinnedImage("localhost:5000/img") ?? "", /no tag/);
    });
});
