import * as assert from "node:assert/strict";
import { CHART_PODS as PROGRAM_TABLE } from "../../components/fences/chartPods";
import { CHART_PODS as PACK_TABLE } from "../../policies/chartPods";

/** The pack cannot import the program, so it keeps its own copy of the chart pods table: the two must agree. */
describe("the pack's chart pods table (policies/chartPods.ts)", () => {
    it("knows the same charts as the program's (components/fences/chartPods.ts)", () => {
        assert.deepEqual(Object.keys(PACK_TABLE).sort(), Object.keys(PROGRAM_TABLE).sort());
    });

    it("gives every chart's pods the same labels, whatever the release is called", () => {
        for (const chart of Object.keys(PROGRAM_TABLE)) {
            for (const release of [chart, "kube-prometheus-stack", "istio-ingressgateway", "other-release"]) {
                assert.deepEqual(PACK_TABLE[chart](release), PROGRAM_TABLE[chart](release), `${chart} released as ${release}`);
            }
        }
    });
});
