import * as assert from "node:assert/strict";
import { canaryIngressShare, rolloutPolicies, virtualServiceCandidateShare } from "../../policies/rollout";
import * as f from "./fixtures";
import { describePolicies } from "./harness";
import { rolloutCases } from "./rollout.cases";

describePolicies("Rollout safety policies", rolloutPolicies, rolloutCases);

describe("rollout policy details", () => {
    it("measures the candidate's share of a VirtualService as the largest weighted split away from stable", () => {
        assert.equal(virtualServiceCandidateShare(f.virtualService({ stable: 80, canary: 20 }).inputs.spec, "stable"), 20);
        assert.equal(
            virtualServiceCandidateShare({ http: [{ route: [{ destination: { subset: "canary" }, weight: 100 }] }] }, "stable"),
            0,
        );
        assert.equal(virtualServiceCandidateShare(undefined, "stable"), 0);
    });

    it("reads an ingress-nginx canary's share only from canary Ingresses", () => {
        assert.equal(canaryIngressShare({ "nginx.ingress.kubernetes.io/canary-weight": "30" }), 0);
        assert.equal(canaryIngressShare(f.canaryIngress("30").inputs.metadata.annotations), 30);
    });
});
