import * as assert from "assert";
import { GatesSchema } from "../../../config/gates";
import { MetricsSchema } from "../../../config/metrics";
import { gateForStage } from "../../../rollout/gate/gates";
import { guardDefinition, inClusterPrometheusUrl, runGuard } from "../../../rollout/gate/guard";
import { Sample } from "../../../rollout/gate/verdict";

const metrics = MetricsSchema.parse({});
const versions = { candidate: "5.1.0", stable: "5.0.0" };
const gate = gateForStage(GatesSchema.parse({ intervalSeconds: 15 }), metrics, "canary", 1800, 5);

function healthy(promql: string): Sample {
    if (promql.startsWith("sum(increase(http_requests_total")) return { value: 500 };
    if (promql.includes("histogram_quantile")) return { value: 80 };
    return { value: 0 };
}

/** The guard on a fake clock for `evaluations` intervals: `answer(promql, elapsedSeconds)` plays Prometheus. */
async function fakeGuard(evaluations: number, answer: (promql: string, elapsed: number) => Sample, cut: () => Promise<string>) {
    let now = 1_000_000;
    let done = 0;
    const log: string[] = [];
    const cuts: number[] = [];
    await runGuard(
        guardDefinition(gate),
        versions,
        {
            query: async (promql, time) => answer(promql, time - 1000),
            now: () => now,
            sleep: async (ms) => {
                now += ms;
            },
            log: (line) => log.push(line),
            cutTraffic: () => {
                cuts.push((now - 1_000_000) / 1000);
                return cut();
            },
            heartbeat: () => done++,
        },
        () => done < evaluations,
    );
    return { log, cuts };
}

describe("rollout guard loop (rollout/gate/guard.ts)", function () {
    it("keeps only the rollback triggers, and no data can never fail a check", function () {
        const def = guardDefinition(gate);
        assert.deepStrictEqual(
            def.checks.map((c) => [c.id, c.triggerAbove, c.noData, c.criterionBelow, c.comparison]),
            [
                ["error-rate", 0.5, "wait", undefined, undefined],
                ["latency-p95", 1000, "wait", undefined, undefined],
                ["agent-failures", 5, "wait", undefined, undefined],
                ["workflow-errors", 10, "wait", undefined, undefined],
                ["memory", 90, "wait", undefined, undefined],
                ["cpu", 85, "wait", undefined, undefined],
            ],
        );
        assert.strictEqual(def.trafficNoData, "wait");
        assert.deepStrictEqual(def.triggerEvidence, gate.triggerEvidence);
    });

    it("reaches Prometheus by the Service's cluster DNS name, or by its URL", function () {
        assert.strictEqual(
            inClusterPrometheusUrl({ service: { namespace: "monitoring", name: "prometheus-operated", port: 9090, scheme: "http" } }),
            "http://prometheus-operated.monitoring.svc:9090",
        );
        assert.strictEqual(inClusterPrometheusUrl({ url: "https://prom.example.com/" }), "https://prom.example.com");
    });

    it("cuts on the second breaching evaluation, logs check, value and threshold, and needs fresh confirmation to cut again", async function () {
        const spike = (q: string, t: number) => (t >= 20 && q.includes('status=~"5.."') ? { value: 3.2 } : healthy(q));
        const { log, cuts } = await fakeGuard(6, spike, async () => "VirtualService a/b: all routes 100 % stable");
        // Seen at 30 s, confirmed at 45 s; streaks start over, so the still-high window is confirmed again at 75 s.
        assert.deepStrictEqual(cuts, [45, 75]);
        assert.ok(
            log.includes(
                'guard "canary": BREACH error-rate 3.20% > 0.5% (rollback trigger, 2 evaluations in a row); threshold abort > 0.5%; cutting traffic to 100 % stable',
            ),
            log.join("\n"),
        );
        assert.ok(log.includes('guard "canary": traffic cut to 100 % stable: VirtualService a/b: all routes 100 % stable'));
        assert.match(log[3], /^guard "canary": candidate 500 requests in 5m; error-rate 3\.20% \(abort > 0\.5%\) breaching; /);
    });

    it("a healthy candidate is never cut; Prometheus down or no data is logged, not cut", async function () {
        const ok = await fakeGuard(4, healthy, async () => assert.fail("no cut"));
        assert.deepStrictEqual(ok.cuts, []);
        assert.match(ok.log[1], /error-rate 0\.00% \(abort > 0\.5%\) pass/);
        const down = await fakeGuard(
            3,
            () => ({ value: null, reason: "connect ECONNREFUSED 10.0.0.9:9090", unavailable: true }),
            async () => assert.fail("no cut"),
        );
        assert.deepStrictEqual(down.cuts, []);
        assert.strictEqual(down.log[1], 'guard "canary": no data, no cut: connect ECONNREFUSED 10.0.0.9:9090');
        const empty = await fakeGuard(
            2,
            () => ({ value: null, reason: "empty result (no series in the window)" }),
            async () => assert.fail("no cut"),
        );
        assert.deepStrictEqual(empty.cuts, []);
        assert.match(empty.log[1], /error-rate no data \(abort > 0\.5%\) no-data/);
    });

    it("a failed cut is logged and tried again at the next evaluation", async function () {
        let attempts = 0;
        const { log, cuts } = await fakeGuard(
            3,
            (q) => (q.includes('status=~"5.."') ? { value: 3.2 } : healthy(q)),
            async () => {
                if (++attempts === 1) throw new Error("patching VirtualService a/b: HTTP 403: forbidden");
                return "VirtualService a/b: all routes 100 % stable";
            },
        );
        assert.deepStrictEqual(cuts, [15, 30]);
        assert.ok(
            log.includes(
                'guard "canary": traffic cut FAILED, trying again next interval: patching VirtualService a/b: HTTP 403: forbidden',
            ),
        );
    });
});
