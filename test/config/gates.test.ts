import * as assert from "assert";
import { loadStackConfig, readStackSettings } from "../../config/stackFile";
import { problemsOf } from "./problems";

/** Staging's real settings with `gates` merged over (one level deep per key). */
function stagingWithGates(gates: Record<string, unknown>): Record<string, unknown> {
    const settings = structuredClone(readStackSettings("staging")) as Record<string, Record<string, unknown>>;
    settings.gates = { ...(settings.gates ?? {}), ...gates };
    return settings;
}

describe("gate configuration: evidence before abort, percentiles, throughput (config/gates.ts)", () => {
    it("defaults: 1m trigger window, 250 requests, 2 breaches in a row; p50 < 200 ms, p99 < 1000 ms, throughput >= 50 % of stable", () => {
        const { gates } = loadStackConfig("local");
        assert.deepStrictEqual(gates.triggerEvidence, { window: "1m", minRequests: 250, consecutiveBreaches: 2 });
        assert.deepStrictEqual(
            [gates.criteria.latencyP50Ms, gates.criteria.latencyP99Ms, gates.criteria.throughputPercentOfStable],
            [200, 1000, 50],
        );
        // With the default 0.5 % error trigger, one failed request among the minimum is never above it.
        assert.ok(100 / gates.triggerEvidence.minRequests <= gates.triggers.errorRatePercent);
    });

    const bad: { what: string; gates: Record<string, unknown>; message: string }[] = [
        {
            what: "zero consecutive breaches",
            gates: { triggerEvidence: { consecutiveBreaches: 0 } },
            message: "claude-enhancer:gates.triggerEvidence.consecutiveBreaches: got 0; expected a number >= 1",
        },
        {
            what: "a trigger window that is not a Prometheus duration",
            gates: { triggerEvidence: { window: "1 minute" } },
            message: 'claude-enhancer:gates.triggerEvidence.window: got "1 minute"; expected a Prometheus duration such as "5m" or "30s"',
        },
        {
            what: "a per-stage minimum that is negative",
            gates: { stages: { canary: { triggerEvidence: { minRequests: -1 } } } },
            message: "claude-enhancer:gates.stages.canary.triggerEvidence.minRequests: got -1; expected a number >= 0",
        },
        {
            what: "a p50 limit above the p95 one",
            gates: { criteria: { latencyP50Ms: 600 } },
            message: "claude-enhancer:gates.criteria.latencyP50Ms: got 600; expected a latencyP50Ms <= latencyP95Ms 500",
        },
        {
            what: "a throughput share above 100 %",
            gates: { criteria: { throughputPercentOfStable: 150 } },
            message: "claude-enhancer:gates.criteria.throughputPercentOfStable: got 150; expected a number <= 100",
        },
    ];
    for (const b of bad) {
        it(`rejects ${b.what} with key path, value and expectation`, () => {
            const problems = problemsOf(stagingWithGates(b.gates));
            assert.ok(
                problems.some((p) => p.startsWith(b.message)),
                `no problem starts with\n  ${b.message}\ngot:\n  ${problems.join("\n  ")}`,
            );
        });
    }
});
