import * as assert from "assert";
import { GatesSchema } from "../../../config/gates";
import { MetricsSchema } from "../../../config/metrics";
import { gateDefinitionIssues, gateForStage, withOverrides } from "../../../rollout/gate/gates";
import { checkTemplates, renderQuery } from "../../../rollout/gate/queries";

const metrics = MetricsSchema.parse({});
const gates = GatesSchema.parse({});

describe("gate queries and definitions (rollout/queries.ts, rollout/gates.ts)", function () {
    describe("renderQuery", function () {
        it("fills {{version}} and {{pods}} as PromQL string literals and {{window}} as a range", function () {
            assert.strictEqual(
                renderQuery('sum(rate(x{version="{{version}}",pod=~"{{ pods }}"}[{{window}}]))', {
                    version: '5.1"x\\',
                    window: "5m",
                    pods: "ce-candidate-.+",
                }),
                'sum(rate(x{version="5.1\\"x\\\\",pod=~"ce-candidate-.+"}[5m]))',
            );
        });

        it("refuses an unknown placeholder instead of sending it to Prometheus", function () {
            assert.throws(() => renderQuery('x{env="{{environment}}"}', { version: "5.1", window: "5m", pods: ".+" }), {
                message: "unknown placeholder {{environment}} in query template; expected one of {{version}}, {{window}}, {{pods}}",
            });
        });
    });

    describe("checkTemplates", function () {
        it("builds each check over the docs/rollout.md, Metrics contract metric names, one number per version; missing bad-event series count 0", function () {
            const t = checkTemplates(metrics, gates.saturation);
            assert.strictEqual(t.traffic, 'sum(increase(http_requests_total{version="{{version}}"}[{{window}}]))');
            assert.strictEqual(
                t["error-rate"],
                '100 * (sum(increase(http_requests_total{version="{{version}}",status=~"5.."}[{{window}}])) or 0 * sum(increase(http_requests_total{version="{{version}}"}[{{window}}]))) / sum(increase(http_requests_total{version="{{version}}"}[{{window}}]))',
            );
            assert.strictEqual(
                t["latency-p95"],
                '1000 * histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{version="{{version}}"}[{{window}}])))',
            );
            assert.strictEqual(
                t["agent-availability"],
                '100 * avg(avg_over_time(claude_enhancer_agents_active_total{version="{{version}}"}[{{window}}])) / 61',
            );
            assert.match(
                t.memory,
                /container_memory_working_set_bytes\{namespace="claude-enhancer",container="claude-enhancer",pod=~"\{\{pods\}\}"\}/,
            );
        });

        it("follows the stack's metric and label names, so another service is gated by configuration alone", function () {
            const other = MetricsSchema.parse({
                requestsTotal: "api_requests_total",
                versionLabel: "app_version",
                statusLabel: "code",
                expectedAgents: 10,
            });
            const t = checkTemplates(other, gates.saturation);
            assert.strictEqual(t.traffic, 'sum(increase(api_requests_total{app_version="{{version}}"}[{{window}}]))');
            assert.match(t["error-rate"], /api_requests_total\{app_version="\{\{version\}\}",code=~"5\.\."\}/);
            assert.match(t["agent-availability"], /\/ 10$/);
        });
    });

    describe("gateForStage", function () {
        it("gives the seed triggers and criteria, stage 1's p95 < 200 ms, the comparison and the per-check no-data policies", function () {
            const canary = gateForStage(gates, metrics, "canary", 1800);
            assert.deepStrictEqual(
                {
                    bake: canary.bakeSeconds,
                    interval: canary.intervalSeconds,
                    window: canary.window,
                    min: canary.minRequests,
                    fastAbort: canary.fastAbort,
                    traffic: canary.trafficNoData,
                },
                { bake: 1800, interval: 10, window: "5m", min: 100, fastAbort: true, traffic: "wait" },
            );
            const byId = Object.fromEntries(canary.checks.map((c) => [c.id, c]));
            assert.deepStrictEqual(Object.keys(byId), [
                "error-rate",
                "latency-p95",
                "latency-p50",
                "latency-p99",
                "agent-failures",
                "workflow-errors",
                "agent-availability",
                "workflow-success",
                "memory",
                "cpu",
            ]);
            assert.deepStrictEqual(
                [byId["error-rate"].triggerAbove, byId["error-rate"].criterionBelow, byId["error-rate"].comparison],
                [0.5, 0.1, { kind: "margin", margin: 0.5 }],
            );
            assert.deepStrictEqual(
                [byId["latency-p95"].triggerAbove, byId["latency-p95"].criterionBelow, byId["latency-p95"].comparison],
                [1000, 200, { kind: "ratio", factor: 1.5 }],
            );
            assert.deepStrictEqual(
                [
                    byId["agent-failures"].triggerAbove,
                    byId["workflow-errors"].triggerAbove,
                    byId.memory.triggerAbove,
                    byId.cpu.triggerAbove,
                ],
                [5, 10, 90, 85],
            );
            assert.deepStrictEqual([byId["agent-availability"].criterionAbove, byId["workflow-success"].criterionAbove], [99, 98]);
            // Seed 002's percentiles: p50 < 200 ms, p99 < 1000 ms, success criteria only.
            assert.deepStrictEqual(
                [byId["latency-p50"].criterionBelow, byId["latency-p50"].triggerAbove, byId["latency-p99"].criterionBelow],
                [200, undefined, 1000],
            );
            assert.match(byId["latency-p99"].query, /^1000 \* histogram_quantile\(0\.99, /);
            assert.strictEqual(byId.throughput, undefined, "no weight given: no throughput comparison");
            assert.deepStrictEqual(canary.triggerEvidence, { window: "1m", minRequests: 250, consecutiveBreaches: 2 });
            assert.strictEqual(
                gateForStage(gates, metrics, "canary-expand", 2700).checks[1].criterionBelow,
                500,
                "later stages: p95 < 500 ms",
            );
        });

        it("applies stage overrides, policies, and leaves out disabled parts", function () {
            const custom = GatesSchema.parse({
                stages: { "full-switch": { triggers: { errorRatePercent: 0.3 } } },
                noData: { "error-rate": "fail" },
                comparison: { enabled: false },
                saturation: { enabled: false },
            });
            const def = gateForStage(custom, metrics, "full-switch", 900);
            assert.strictEqual(def.checks.length, 8);
            assert.strictEqual(def.checks[0].triggerAbove, 0.3);
            assert.strictEqual(def.checks[0].noData, "fail");
            assert.ok(def.checks.every((c) => c.comparison === undefined));
            assert.strictEqual(
                gateForStage(custom, metrics, "canary", 900).checks[0].triggerAbove,
                0.5,
                "the override is for full-switch only",
            );
            assert.deepStrictEqual(withOverrides({ a: 1, b: 2 }, { a: undefined, b: 3 }), { a: 1, b: 3 });
        });

        it("throughput relative to stable with the stage's weight; trigger evidence per stage", function () {
            const custom = GatesSchema.parse({
                criteria: { throughputPercentOfStable: 70 },
                triggerEvidence: { consecutiveBreaches: 3 },
                stages: { "canary-expand": { triggerEvidence: { window: "2m", minRequests: 500 } } },
            });
            const expand = gateForStage(custom, metrics, "canary-expand", 2700, 20);
            const throughput = expand.checks.find((c) => c.id === "throughput")!;
            assert.deepStrictEqual(
                [throughput.unit, throughput.comparison, throughput.needsTraffic, throughput.query],
                [
                    "rps",
                    { kind: "share", weight: 20, minPercent: 70 },
                    true,
                    'sum(rate(http_requests_total{version="{{version}}"}[{{window}}]))',
                ],
            );
            assert.strictEqual(expand.candidateWeight, 20);
            assert.deepStrictEqual(expand.triggerEvidence, { window: "2m", minRequests: 500, consecutiveBreaches: 3 });
            assert.deepStrictEqual(gateForStage(custom, metrics, "canary", 1800, 5).triggerEvidence, {
                window: "1m",
                minRequests: 250,
                consecutiveBreaches: 3,
            });
        });

        it("a definition from gateForStage has no issues; a broken one lists each", function () {
            assert.deepStrictEqual(gateDefinitionIssues(gateForStage(gates, metrics, "canary", 60)), []);
            const broken = {
                ...gateForStage(gates, metrics, "canary", 60),
                bakeSeconds: -1,
                trafficNoData: "maybe",
                triggerEvidence: { window: "1 minute", minRequests: 200, consecutiveBreaches: 0 },
                checks: [{ id: "error-rate", query: "", noData: "wait" }],
            };
            assert.deepStrictEqual(gateDefinitionIssues(broken), [
                { property: "gate.bakeSeconds", reason: "a number >= 0; got -1" },
                { property: "gate.triggerEvidence.window", reason: 'a Prometheus duration such as "1m"; got "1 minute"' },
                { property: "gate.triggerEvidence.consecutiveBreaches", reason: "an integer >= 1; got 0" },
                { property: "gate.trafficNoData", reason: "one of fail, wait, pass" },
                { property: "gate.checks[0].query", reason: "a PromQL template" },
                { property: "gate.checks[0]", reason: 'a trigger, criterion or comparison (check "error-rate" has no limit)' },
            ]);
            assert.deepStrictEqual(gateDefinitionIssues({ ...broken, checks: [] }).pop(), {
                property: "gate.checks",
                reason: "a non-empty list of checks",
            });
        });
    });
});
