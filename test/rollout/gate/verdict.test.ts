import * as assert from "assert";
import { GatesSchema } from "../../../config/gates";
import { MetricsSchema } from "../../../config/metrics";
import { GateDefinition, gateForStage } from "../../../rollout/gate/gates";
import { GatePhase, GateSamples, Sample, evaluateGate, formatValue, reportTable } from "../../../rollout/gate/verdict";

const metrics = MetricsSchema.parse({});
const versions = { candidate: "5.1.0", stable: "5.0.0" };

function gate(overrides: Record<string, unknown> = {}, stage = "canary-expand"): GateDefinition {
    return gateForStage(GatesSchema.parse({ window: "5m", minRequests: 100, ...overrides }), metrics, stage, 60);
}

const v = (value: number): Sample => ({ value });
const none = (reason: string): Sample => ({ value: null, reason });

/** Healthy values for both versions, with `changes` by check id as [canary, stable]. */
function samples(changes: Record<string, [Sample, Sample]> = {}): GateSamples {
    const healthy: Record<string, [number, number]> = {
        traffic: [500, 1000],
        "error-rate": [0, 0],
        "latency-p50": [40, 40],
        "latency-p95": [100, 100],
        "latency-p99": [300, 300],
        "agent-failures": [0, 0],
        "workflow-errors": [0, 0],
        "agent-availability": [100, 100],
        "workflow-success": [100, 100],
        memory: [40, 40],
        cpu: [30, 30],
    };
    const pick = (id: string) => {
        const [canary, stable] = changes[id] ?? [v(healthy[id][0]), v(healthy[id][1])];
        return { canary, stable };
    };
    return {
        traffic: pick("traffic"),
        checks: Object.fromEntries(
            Object.keys(healthy)
                .filter((id) => id !== "traffic")
                .map((id) => [id, pick(id)]),
        ),
    };
}

function judge(def: GateDefinition, s: GateSamples, phase: GatePhase) {
    const e = evaluateGate(def, versions, s, phase);
    return { ...e, byId: Object.fromEntries(e.checks.map((c) => [c.id, c])) };
}

describe("gate verdicts (rollout/verdict.ts)", function () {
    it("a healthy canary is pending during the bake and passes when it ends", function () {
        assert.strictEqual(judge(gate(), samples(), "bake").verdict, "pending");
        const end = judge(gate(), samples(), "end");
        assert.strictEqual(end.verdict, "pass");
        assert.deepStrictEqual(end.failures, []);
        assert.ok(end.checks.every((c) => c.status === "pass"));
    });

    it("a rollback trigger fails the gate during the bake on its second breach in a row, naming value, threshold, window and both versions", function () {
        const breaching = samples({ "error-rate": [v(0.8), v(0.02)] });
        const first = evaluateGate(gate(), versions, breaching, "bake");
        assert.deepStrictEqual([first.verdict, first.breached, first.breachStreaks["error-rate"]], ["pending", false, 1]);
        assert.strictEqual(first.checks[0].status, "breaching");
        assert.strictEqual(first.checks[0].finding, "error-rate 0.80% > 0.5% (rollback trigger, 1 of 2 evaluations in a row)");
        const e = evaluateGate(gate(), versions, breaching, "bake", first.breachStreaks);
        assert.strictEqual(e.verdict, "fail");
        assert.strictEqual(e.breached, true);
        assert.deepStrictEqual(e.failures, [
            'gate "canary-expand" failed: error-rate 0.80% > 0.5% (rollback trigger, 2 evaluations in a row) over 5m; canary v5.1.0=0.80%, stable v5.0.0=0.02%',
        ]);
        const once = gate({ triggerEvidence: { consecutiveBreaches: 1 } });
        assert.deepStrictEqual(judge(once, breaching, "bake").failures, [
            'gate "canary-expand" failed: error-rate 0.80% > 0.5% (rollback trigger) over 5m; canary v5.1.0=0.80%, stable v5.0.0=0.02%',
        ]);
    });

    describe("evidence before abort", function () {
        /** Trigger-window samples: [canary requests, canary error rate]. */
        const withTriggers = (requests: number, errorRate: number, main: GateSamples = samples()): GateSamples => ({
            ...main,
            triggers: {
                traffic: { canary: v(requests), stable: v(requests * 19) },
                checks: { "error-rate": { canary: v(errorRate), stable: v(0) }, "latency-p95": { canary: v(100), stable: v(100) } },
            },
        });

        it("a single 5xx in a healthy canary never aborts: too few requests in the trigger window to judge it", function () {
            // 1 of 150 requests = 0.67 % > 0.5 %: on 150 requests that is one request, not evidence.
            let streaks: Record<string, number> = {};
            for (let i = 0; i < 5; i++) {
                const e = evaluateGate(gate(), versions, withTriggers(150, 100 / 150), "bake", streaks);
                assert.strictEqual(e.verdict, "pending");
                assert.strictEqual(e.checks[0].status, "pass");
                assert.strictEqual(e.checks[0].note, "trigger not judged: 150 requests in 1m < 250 (trigger evidence)");
                streaks = e.breachStreaks;
            }
            // 1 of 250 = 0.4 %: judged, and not above the trigger.
            assert.strictEqual(evaluateGate(gate(), versions, withTriggers(250, 0.4), "bake").checks[0].status, "pass");
        });

        it("a 5 % error spike over enough requests breaches, and is cut on the second evaluation in a row", function () {
            const first = evaluateGate(gate(), versions, withTriggers(600, 5), "bake");
            assert.strictEqual(first.verdict, "pending");
            const second = evaluateGate(gate(), versions, withTriggers(600, 5), "bake", first.breachStreaks);
            assert.strictEqual(second.verdict, "fail");
            assert.deepStrictEqual(second.failures, [
                'gate "canary-expand" failed: error-rate 5.00% > 0.5% (rollback trigger, 2 evaluations in a row) over 1m; canary v5.1.0=5.00%, stable v5.0.0=0.00%',
            ]);
        });

        it("a breach that stops resets the streak; an unconfirmed breach keeps the end of the bake pending, and fails at the deadline", function () {
            const first = evaluateGate(gate(), versions, withTriggers(600, 5), "bake");
            const healed = evaluateGate(gate(), versions, withTriggers(600, 0), "bake", first.breachStreaks);
            assert.strictEqual(healed.breachStreaks["error-rate"], 0);
            assert.strictEqual(evaluateGate(gate(), versions, withTriggers(600, 5), "bake", healed.breachStreaks).verdict, "pending");
            // memory has a trigger and no criterion: an unconfirmed breach when the bake ends is not a pass.
            const hot = samples({ memory: [v(95), v(40)] });
            assert.strictEqual(judge(gate(), hot, "end").verdict, "pending");
            assert.deepStrictEqual(judge(gate(), hot, "deadline").failures, [
                'gate "canary-expand" failed: memory 95.00% > 90% (rollback trigger, 1 of 2 evaluations in a row) over 5m; canary v5.1.0=95.00%, stable v5.0.0=40.00%',
            ]);
        });
    });

    it("p50 and p99 are success criteria judged when the bake ends", function () {
        const s = samples({ "latency-p50": [v(250), v(40)], "latency-p99": [v(1200), v(300)] });
        assert.strictEqual(judge(gate(), s, "bake").verdict, "pending");
        assert.deepStrictEqual(judge(gate(), s, "end").failures, [
            'gate "canary-expand" failed: latency-p50 250ms >= 200ms (success criterion < 200ms) over 5m; canary v5.1.0=250ms, stable v5.0.0=40ms',
            'gate "canary-expand" failed: latency-p99 1200ms >= 1000ms (success criterion < 1000ms) over 5m; canary v5.1.0=1200ms, stable v5.0.0=300ms',
        ]);
    });

    it("throughput relative to stable, per weight point", function () {
        const def = gateForStage(GatesSchema.parse({ window: "5m", minRequests: 100 }), metrics, "canary-expand", 60, 20);
        const withRps = (canary: number, stable: number) => {
            const s = samples();
            s.checks.throughput = { canary: v(canary), stable: v(stable) };
            return s;
        };
        // 20 % weight: stable 40 rps → the candidate's fair share is 10 rps; at least 50 % of it = 5 rps.
        assert.strictEqual(judge(def, withRps(5, 40), "end").verdict, "pass");
        assert.deepStrictEqual(judge(def, withRps(2, 40), "end").failures, [
            'gate "canary-expand" failed: throughput 2.00 rps < stable × 20/80 × 50% = 5.00 rps (canary vs stable) over 5m; canary v5.1.0=2.00 rps, stable v5.0.0=40.00 rps',
        ]);
        assert.strictEqual(judge(def, withRps(2, 40), "end").byId.throughput.threshold, ">= stable × 20/80 × 50%");
        const full = gateForStage(GatesSchema.parse({}), metrics, "full-switch", 60, 100);
        const atFull = judge(full, withRps(50, 0), "end");
        assert.strictEqual(atFull.byId.throughput.status, "pass");
        assert.match(atFull.byId.throughput.note ?? "", /^no stable baseline for the comparison \(stable carries no weighted traffic/);
    });

    it("a missed success criterion fails only when the bake ends", function () {
        const s = samples({ "latency-p95": [v(600), v(550)] });
        assert.strictEqual(judge(gate(), s, "bake").verdict, "pending");
        const end = judge(gate(), s, "end");
        assert.strictEqual(end.breached, false);
        assert.deepStrictEqual(end.failures, [
            'gate "canary-expand" failed: latency-p95 600ms >= 500ms (success criterion < 500ms) over 5m; canary v5.1.0=600ms, stable v5.0.0=550ms',
        ]);
        assert.match(
            judge(gate(), samples({ "agent-availability": [v(98.4), v(100)] }), "end").failures[0],
            /agent-availability 98\.40% <= 99% \(success criterion > 99%\)/,
        );
    });

    describe("canary against stable in the same window", function () {
        it("p95 above stable × factor fails even under the absolute ceiling", function () {
            const e = judge(gate(), samples({ "latency-p95": [v(150), v(90)] }), "end");
            assert.deepStrictEqual(e.failures, [
                'gate "canary-expand" failed: latency-p95 150ms > stable × 1.5 = 135ms (canary vs stable) over 5m; canary v5.1.0=150ms, stable v5.0.0=90ms',
            ]);
            assert.strictEqual(
                judge(gate(), samples({ "latency-p95": [v(135), v(90)] }), "end").verdict,
                "pass",
                "exactly stable × 1.5 is allowed",
            );
        });

        it("error rate above stable + margin fails; within the margin passes", function () {
            const def = gate({ criteria: { errorRatePercent: 0.4 }, comparison: { errorRateMarginPoints: 0.1 } });
            assert.deepStrictEqual(judge(def, samples({ "error-rate": [v(0.3), v(0.1)] }), "end").failures, [
                'gate "canary-expand" failed: error-rate 0.30% > stable + 0.1 pts = 0.20% (canary vs stable) over 5m; canary v5.1.0=0.30%, stable v5.0.0=0.10%',
            ]);
            assert.strictEqual(judge(def, samples({ "error-rate": [v(0.15), v(0.1)] }), "end").verdict, "pass");
        });

        it("without a stable baseline the comparison follows comparison.noBaseline", function () {
            const quietStable = samples({ traffic: [v(500), v(20)], "latency-p95": [v(150), v(90)] });
            const skipped = judge(gate(), quietStable, "end");
            assert.strictEqual(skipped.verdict, "pass");
            assert.strictEqual(
                skipped.byId["latency-p95"].note,
                'no stable baseline for the comparison (stable served 20 requests, fewer than 100); comparison skipped (no-data policy "pass")',
            );
            assert.strictEqual(judge(gate({ comparison: { noBaseline: "wait" } }), quietStable, "end").verdict, "pending");
            const failed = judge(
                gate({ comparison: { noBaseline: "fail" } }),
                samples({ "latency-p95": [v(100), none("empty result (no series in the window)")] }),
                "bake",
            );
            assert.deepStrictEqual(failed.failures, [
                'gate "canary-expand" failed: latency-p95 has no stable baseline for the comparison (empty result (no series in the window)) (no-data policy "fail") over 5m; canary v5.1.0=100ms, stable v5.0.0=no data',
            ]);
        });

        it("comparison disabled: only the absolute limits apply", function () {
            const e = judge(gate({ comparison: { enabled: false } }), samples({ "latency-p95": [v(400), v(90)] }), "end");
            assert.strictEqual(e.verdict, "pass");
            assert.strictEqual(e.byId["latency-p95"].threshold, "< 500ms; abort > 1000ms");
        });
    });

    describe("no-data policies (never healthy by default)", function () {
        const missing = none("NaN (nothing to divide by in the window)");

        it('"fail": fails at the first evaluation', function () {
            const e = judge(gate({ noData: { "workflow-success": "fail" } }), samples({ "workflow-success": [missing, v(100)] }), "bake");
            assert.deepStrictEqual(e.failures, [
                'gate "canary-expand" failed: workflow-success has no data (NaN (nothing to divide by in the window)) (no-data policy "fail") over 5m; canary v5.1.0=no data, stable v5.0.0=100.00%',
            ]);
            assert.strictEqual(e.breached, false, "missing data is not a trigger: no fast traffic cut");
        });

        it('"wait": pending through the bake and after it, failing at the deadline', function () {
            const s = samples({ "workflow-success": [missing, v(100)] });
            assert.strictEqual(judge(gate(), s, "bake").verdict, "pending");
            assert.strictEqual(judge(gate(), s, "end").verdict, "pending");
            assert.deepStrictEqual(judge(gate(), s, "deadline").failures, [
                'gate "canary-expand" failed: workflow-success has no data (NaN (nothing to divide by in the window)) still 120 s after the bake (no-data policy "wait") over 5m; canary v5.1.0=no data, stable v5.0.0=100.00%',
            ]);
        });

        it('"pass": the check is counted as met and reported as no-data under policy pass', function () {
            const e = judge(gate({ noData: { "workflow-success": "pass" } }), samples({ "workflow-success": [missing, v(100)] }), "end");
            assert.strictEqual(e.verdict, "pass");
            assert.deepStrictEqual([e.byId["workflow-success"].status, e.byId["workflow-success"].policy], ["no-data", "pass"]);
        });

        it("Prometheus unreachable is no data like any other, with its reason", function () {
            const down = none("Prometheus at http://prometheus:9090 unavailable after 4 attempts: connect ECONNREFUSED");
            const all = samples(
                Object.fromEntries(
                    [
                        "traffic",
                        "error-rate",
                        "latency-p50",
                        "latency-p95",
                        "latency-p99",
                        "agent-failures",
                        "workflow-errors",
                        "agent-availability",
                        "workflow-success",
                        "memory",
                        "cpu",
                    ].map((id) => [id, [down, down]]),
                ),
            );
            assert.strictEqual(judge(gate(), all, "end").verdict, "pending");
            const deadline = judge(gate(), all, "deadline");
            assert.strictEqual(deadline.verdict, "fail");
            assert.match(
                deadline.failures[0],
                /^gate "canary-expand" failed: traffic has no data \(Prometheus at http:\/\/prometheus:9090 unavailable after 4 attempts: connect ECONNREFUSED\) still 120 s after the bake/,
            );
        });

        it("too little traffic is no data for the guard, and request-derived checks are reported once through it", function () {
            const e = judge(gate(), samples({ traffic: [v(40), v(1000)], "error-rate": [v(50), v(0)] }), "deadline");
            assert.strictEqual(e.traffic.status, "no-data");
            assert.strictEqual(e.byId["error-rate"].status, "no-data", "a 50 % error rate over 40 requests is not judged");
            assert.deepStrictEqual(e.failures, [
                'gate "canary-expand" failed: traffic 40 requests < 100 (minimum-traffic guard) still 120 s after the bake (no-data policy "wait") over 5m; canary v5.1.0=40 requests, stable v5.0.0=1000 requests',
            ]);
        });

        it("a check missing from the samples is no data, not a pass", function () {
            const s = samples();
            delete s.checks.cpu;
            const e = judge(gate(), s, "end");
            assert.strictEqual(e.verdict, "pending");
            assert.strictEqual(e.byId.cpu.finding, "cpu has no data (not queried)");
        });
    });

    it("formats values for people and renders the report table", function () {
        assert.deepStrictEqual(
            [
                formatValue(null, "%"),
                formatValue(2.3456, "%"),
                formatValue(7.5, "ms"),
                formatValue(1234.4, "ms"),
                formatValue(3, "count"),
                formatValue(19.75, "requests"),
                formatValue(Infinity, "ms"),
                formatValue(12.345, "rps"),
            ],
            ["no data", "2.35%", "7.5ms", "1234ms", "3", "19.8 requests", "+Infms", "12.35 rps"],
        );
        const table = reportTable(evaluateGate(gate(), versions, samples({ memory: [v(95), v(40)] }), "bake"), versions).split("\n");
        assert.match(table[0], /^check +canary v5\.1\.0 +stable v5\.0\.0 +threshold +verdict$/);
        assert.match(table[1], /^-+ +-+ +-+ +-+ +-+$/);
        assert.strictEqual(table.length, 2 + 1 + 10);
        assert.match(
            table.find((l) => l.startsWith("memory"))!,
            /^memory +95\.00% +40\.00% +abort > 90% +breaching$/,
        );
    });
});
