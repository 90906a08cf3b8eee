import * as assert from "assert";
import * as http from "http";
import * as net from "net";
import { GatesSchema } from "../../../config/gates";
import { MetricsSchema } from "../../../config/metrics";
import { gateForStage } from "../../../rollout/gate/gates";
import { GateRunDeps, runGate } from "../../../rollout/gate/gateRun";
import { prometheusClient, sampleFromResponse } from "../../../rollout/gate/prometheus";
import { Sample } from "../../../rollout/gate/verdict";

const metrics = MetricsSchema.parse({});
const versions = { candidate: "5.1.0", stable: "5.0.0" };

/** A gate run on a fake clock: `answer(promql, elapsedSeconds)` plays Prometheus. */
async function fakeRun(
    def: ReturnType<typeof gateForStage>,
    answer: (promql: string, elapsed: number) => Sample | Promise<Sample>,
    cutTraffic?: GateRunDeps["cutTraffic"],
) {
    let now = 1_000_000;
    const ticks: number[] = [];
    const log: string[] = [];
    const result = await runGate(def, versions, {
        query: async (promql, time) => answer(promql, time - 1000),
        now: () => now,
        sleep: async (ms) => {
            now += ms;
        },
        log: (line) => {
            log.push(line);
            ticks.push((now - 1_000_000) / 1000);
        },
        cutTraffic,
    });
    return { result, ticks, log };
}

/** Healthy answers for every check, by what the query asks. */
function healthy(promql: string): Sample {
    if (promql.startsWith("sum(increase(http_requests_total")) return { value: 500 };
    if (promql.includes("agent_failures_total")) return { value: 0 };
    if (promql.includes("histogram_quantile")) return { value: 80 };
    if (promql.includes("agents_active_total") || promql.includes('result="success"')) return { value: 100 };
    if (promql.includes("memory") || promql.includes("cpu")) return { value: 30 };
    return { value: 0 };
}

describe("gate bake loop and Prometheus client (rollout/gateRun.ts, rollout/prometheus.ts)", function () {
    const def = (overrides: Record<string, unknown> = {}, bake = 60) =>
        gateForStage(GatesSchema.parse({ intervalSeconds: 15, graceSeconds: 30, ...overrides }), metrics, "canary", bake);

    it("evaluates every interval through the bake, once exactly at its end, and passes", async function () {
        const { result, ticks } = await fakeRun(def({}, 50), healthy);
        assert.deepStrictEqual(ticks, [0, 15, 30, 45, 50]);
        assert.strictEqual(result.verdict, "pass");
        assert.strictEqual(result.message, 'gate "canary" passed after 5 evaluations over 50 s');
    });

    it("keeps waiting for data after the bake until the grace runs out, then fails", async function () {
        const { result, ticks } = await fakeRun(def({}, 30), (q) =>
            q.includes('result="success"') ? { value: null, reason: "NaN (nothing to divide by in the window)" } : healthy(q),
        );
        assert.deepStrictEqual(ticks, [0, 15, 30, 45, 60]);
        assert.strictEqual(result.verdict, "fail");
        assert.match(
            result.message,
            /workflow-success has no data \(NaN \(nothing to divide by in the window\)\) still 30 s after the bake/,
        );
    });

    it("a breach cuts traffic (fastAbort) before failing; a failed cut is reported, not hidden", async function () {
        const spike = (q: string, t: number) => (t >= 20 && q.includes('status=~"5.."') ? { value: 3.2 } : healthy(q));
        const cut = await fakeRun(
            def(),
            spike,
            async () => "Ingress claude-enhancer/claude-enhancer-canary: canary-weight 0, header route removed",
        );
        // The spike is first seen at 30 s and confirmed by the next evaluation (consecutiveBreaches 2).
        assert.deepStrictEqual(cut.ticks, [0, 15, 30, 45, 45], "four evaluations, then the cut's own log line");
        assert.match(cut.log[2], /error-rate 3\.20% \(< 0\.1%; abort > 0\.5%; <= stable \+ 0\.5 pts\) breaching/);
        assert.match(cut.log[4], /^health-gate "canary": traffic cut to 100 % stable: Ingress /);
        assert.match(
            cut.result.message,
            /^gate "canary" failed: error-rate 3\.20% > 0\.5% \(rollback trigger, 2 evaluations in a row\) over 1m; .*\ntraffic cut to 100 % stable: Ingress claude-enhancer\/claude-enhancer-canary: canary-weight 0, header route removed$/,
        );
        const broken = await fakeRun(def(), spike, async () => {
            throw new Error("patching Ingress: HTTP 403: forbidden");
        });
        assert.match(
            broken.result.trafficCut ?? "",
            /^traffic cut FAILED \(the rollback update still moves traffic\): patching Ingress: HTTP 403: forbidden$/,
        );
        let called = false;
        const off = await fakeRun(def({ fastAbort: false }), spike, async () => ((called = true), "cut"));
        assert.strictEqual(off.result.verdict, "fail");
        assert.strictEqual(called, false, "no cut with fastAbort off");
    });

    it("a missed success criterion at the end of the bake cuts traffic too (fastAbort)", async function () {
        const slow = (q: string) => (q.startsWith("1000 * histogram_quantile(0.5,") ? { value: 350 } : healthy(q));
        const cuts: string[] = [];
        const { result, log } = await fakeRun(def({}, 30), slow, async () => (cuts.push("cut"), "Ingress ns/canary: canary-weight 0"));
        assert.strictEqual(result.verdict, "fail");
        assert.strictEqual(result.evaluations, 3, "judged when the bake ended, not before");
        assert.deepStrictEqual(cuts, ["cut"]);
        assert.strictEqual(
            result.message,
            'gate "canary" failed: latency-p50 350ms >= 200ms (success criterion < 200ms) over 5m; canary v5.1.0=350ms, stable v5.0.0=350ms\n' +
                "traffic cut to 100 % stable: Ingress ns/canary: canary-weight 0",
        );
        assert.match(log[3], /^health-gate "canary": traffic cut to 100 % stable/);
    });

    it("one failed request in a healthy canary never aborts; a sustained breach does, over the trigger window", async function () {
        const asked: string[] = [];
        // Trigger window (1m): 150 requests, one of them a 5xx = 0.67 % > 0.5 %, but fewer than the 250 the trigger needs.
        const oneError = (q: string) => {
            asked.push(q);
            if (q.includes("[1m]")) {
                if (q.startsWith("sum(increase(http_requests_total")) return { value: 150 };
                if (q.includes('status=~"5.."')) return { value: 0.67 };
            }
            return healthy(q);
        };
        const quiet = await fakeRun(def({}, 60), oneError);
        assert.strictEqual(quiet.result.verdict, "pass", quiet.result.message);
        assert.strictEqual(
            quiet.result.evaluation.checks.find((c) => c.id === "error-rate")!.note,
            "trigger not judged: 150 requests in 1m < 250 (trigger evidence)",
        );
        assert.ok(asked.some((q) => q.includes("[1m]")) && asked.some((q) => q.includes("[5m]")), "both windows queried");
        // A blip on one evaluation only (at 15 s) is not two in a row.
        const blip = await fakeRun(def({}, 60), (q, t) => (t >= 15 && t < 30 && q.includes('status=~"5.."') ? { value: 3 } : healthy(q)));
        assert.strictEqual(blip.result.verdict, "pass", blip.result.message);
    });

    it("sets the router to the declared weights before the first evaluation; a failure to do so fails the gate", async function () {
        let now = 0;
        const order: string[] = [];
        const deps = (restore: () => Promise<string>) => ({
            query: async (q: string) => (order.push("query"), healthy(q)),
            now: () => now,
            sleep: async (ms: number) => void (now += ms),
            log: (line: string) => order.push(line),
            restoreTraffic: restore,
        });
        const result = await runGate(
            def({}, 0),
            versions,
            deps(async () => (order.push("restore"), "Ingress ns/canary: canary-weight 5")),
        );
        assert.strictEqual(result.verdict, "pass");
        assert.deepStrictEqual(order.slice(0, 3), [
            "restore",
            'health-gate "canary": router set to the stage\'s declared weights: Ingress ns/canary: canary-weight 5',
            "query",
        ]);
        order.length = 0;
        await assert.rejects(
            runGate(
                def({}, 0),
                versions,
                deps(async () => {
                    throw new Error("patching Ingress ns/canary: HTTP 403: forbidden");
                }),
            ),
            {
                message:
                    'gate "canary" could not set the router to the stage\'s declared weights, so it cannot judge the candidate: patching Ingress ns/canary: HTTP 403: forbidden',
            },
        );
        assert.deepStrictEqual(order, [], "nothing judged without the declared traffic");
    });

    it("a query that throws is no data with its reason, never a value", async function () {
        const { result } = await fakeRun(def({ noData: { traffic: "fail" } }), () => {
            throw new Error("socket hang up");
        });
        assert.strictEqual(result.evaluations, 1);
        assert.match(result.message, /^gate "canary" failed: traffic has no data \(socket hang up\) \(no-data policy "fail"\)/);
    });

    describe("reading Prometheus answers", function () {
        const vector = (...values: string[]) =>
            JSON.stringify({
                status: "success",
                data: { resultType: "vector", result: values.map((value) => ({ metric: {}, value: [1, value] })) },
            });

        it("one number, or no data with the reason: empty vector, NaN, several series, a failed query", function () {
            assert.deepStrictEqual(sampleFromResponse(vector("0.25")), { value: 0.25 });
            assert.deepStrictEqual(sampleFromResponse(vector("+Inf")), { value: Infinity });
            assert.deepStrictEqual(
                sampleFromResponse(JSON.stringify({ status: "success", data: { resultType: "scalar", result: [1, "7"] } })),
                { value: 7 },
            );
            assert.deepStrictEqual(sampleFromResponse(vector()), { value: null, reason: "empty result (no series in the window)" });
            assert.deepStrictEqual(sampleFromResponse(vector("NaN")), { value: null, reason: "NaN (nothing to divide by in the window)" });
            assert.deepStrictEqual(sampleFromResponse(vector("1", "2")), {
                value: null,
                reason: "2 series; a gate query must aggregate to one",
            });
            assert.deepStrictEqual(sampleFromResponse(JSON.stringify({ status: "error", error: "parse error" })), {
                value: null,
                reason: "query failed: parse error",
            });
            assert.throws(() => sampleFromResponse("<html>bad gateway</html>"), /^Error: not a Prometheus API answer: <html>/);
        });
    });

    describe("Prometheus client against a misbehaving server", function () {
        let server: http.Server;
        let url: string;
        let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;
        let requests = 0;

        before(async function () {
            server = http.createServer((req, res) => {
                requests++;
                handler(req, res);
            });
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
            url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
        });
        after(async function () {
            server.closeAllConnections();
            await new Promise((r) => server.close(r));
        });
        beforeEach(() => (requests = 0));

        const ok = JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [1, "42"] }] } });

        it("retries a 5xx within the budget and returns the answer", async function () {
            handler = (_req, res) => (requests < 3 ? res.writeHead(503).end("overloaded") : res.writeHead(200).end(ok));
            assert.deepStrictEqual(await prometheusClient({ url }, 1000).query("up", 1, 3000), { value: 42 });
            assert.strictEqual(requests, 3);
        });

        it("a 5xx to the end of the budget is unavailable, with the last error", async function () {
            handler = (_req, res) => res.writeHead(502).end("bad gateway");
            const sample = await prometheusClient({ url }, 1000).query("up", 1, 1500);
            assert.strictEqual(sample.value, null);
            assert.match(
                sample.reason!,
                new RegExp(`^Prometheus at ${url.replace(/\./g, "\\.")} unavailable after [2-4] attempts: HTTP 502: bad gateway$`),
            );
            assert.strictEqual(sample.value === null && sample.unavailable, true);
        });

        it("a request that hangs times out and counts as unavailable", async function () {
            handler = () => undefined;
            const started = Date.now();
            const sample = await prometheusClient({ url }, 300).query("up", 1, 1000);
            assert.match(sample.reason!, /unavailable after \d attempts?: timed out after \d+ ms$/);
            assert.ok(Date.now() - started < 1500, `gave up after ${Date.now() - started} ms`);
        });

        it("a 400 (a bad query) is not retried and is not 'unavailable'", async function () {
            handler = (_req, res) =>
                res.writeHead(400).end(JSON.stringify({ status: "error", error: "1:5: parse error: unexpected end of input" }));
            const sample = await prometheusClient({ url }, 1000).query("sum(", 1, 3000);
            assert.deepStrictEqual(sample, {
                value: null,
                reason: `Prometheus at ${url} answered HTTP 400: 1:5: parse error: unexpected end of input`,
            });
            assert.strictEqual(requests, 1);
        });
    });
});
