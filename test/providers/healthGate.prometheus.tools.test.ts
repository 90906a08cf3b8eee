import * as assert from "assert";
import * as fs from "fs";
import { GatesSchema } from "../../config/gates";
import { MetricsSchema } from "../../config/metrics";
import { virtualServiceSpec } from "../../components/traffic/routers/istio";
import { canaryIngressAnnotations } from "../../components/traffic/routers/nginx";
import { GateDefinition, gateForStage } from "../../rollout/gate/gates";
import { GateRunResult, LiveGateInputs, runLiveGate } from "../../rollout/gate/gateRun";
import { TrafficCutTarget } from "../../rollout/gate/trafficCut";
import { ApiServer, KubeObject } from "../harness/apiserver";
import { eventually } from "../harness/eventually";
import { FixtureInstance, LoadGenerator, startFixture } from "../fixtures/fixtureService";
import { PrometheusServer } from "../fixtures/prometheus";
import { installVirtualServiceCrd } from "../fixtures/istioCrds";
import { ServiceProxy } from "../fixtures/serviceProxy";

/**
 * The health gate against a real Prometheus (Debian's) scraping the fixture service every second,
 * with the error rate and latency of the stable and candidate instances set by each test. Every
 * test deploys fresh version labels, so no test's errors sit in another's window. The fast traffic
 * cut patches a real kube-apiserver.
 */

const WINDOW = "10s";
const metrics = MetricsSchema.parse({});

/** A gate with test-sized windows: 1 s interval, 10 s window, 20 requests minimum, 3 s grace. */
function gate(stage: string, bakeSeconds: number, overrides: Record<string, unknown> = {}): GateDefinition {
    const gates = GatesSchema.parse({
        intervalSeconds: 1,
        window: WINDOW,
        minRequests: 20,
        triggerEvidence: { window: "10s", minRequests: 20, consecutiveBreaches: 2 },
        graceSeconds: 3,
        queryTimeoutSeconds: 2,
        ...overrides,
    });
    return gateForStage(gates, metrics, stage, bakeSeconds);
}

const later = (ms: number, action: () => void) => setTimeout(action, ms);
/** A progress line of the bake judged on data: the minimum-traffic guard met. */
const JUDGED_ON_DATA = / pending; traffic \d+(\.\d)? requests \(>= 20 requests\) pass/;

describe("HealthGate against a real Prometheus", function () {
    this.timeout(120_000);
    let prometheus: PrometheusServer;
    let fixture: Awaited<ReturnType<typeof startFixture>>;
    let load: LoadGenerator;
    let apiServer: ApiServer;
    let deployment = 0;
    let stable: FixtureInstance;
    let candidate: FixtureInstance;
    let versions: { candidate: string; stable: string };
    /** The candidate's load from the start of each test (a suite without candidate traffic sets 0 before its tests). */
    let candidateRate = 10;

    before(async function () {
        // The API server starts while Prometheus and the fixture come up; both are needed by the fast-cut tests only.
        const apiServerStarting = ApiServer.start();
        fixture = await startFixture("5.0", "5.1");
        stable = fixture.stable;
        candidate = fixture.candidate;
        load = new LoadGenerator();
        load.setRate(stable, 20);
        load.setRate(candidate, 10);
        load.start();
        prometheus = await PrometheusServer.start({ targets: [stable.target, candidate.target], scrapeIntervalSeconds: 1 });
        await prometheus.waitForTargetsUp(2);
        apiServer = await apiServerStarting;
    });

    after(async function () {
        load?.stop();
        await prometheus?.stop();
        await fixture?.stop();
        await apiServer?.stop();
    });

    beforeEach(function () {
        deployment++;
        versions = { stable: `5.0-t${deployment}`, candidate: `5.1-t${deployment}` };
        stable.redeploy(versions.stable);
        candidate.redeploy(versions.candidate);
        load.setRate(stable, 20);
        load.setRate(candidate, candidateRate);
    });

    /** Resolves once `server` counts more than `minimum` requests of each track's version in the gate's window. */
    async function waitForTraffic(server: PrometheusServer, minimum: number, tracks: ("candidate" | "stable")[] = ["candidate", "stable"]) {
        for (const track of tracks) {
            const version = versions[track];
            await eventually(
                async () => {
                    const counted = (await server.query(`sum(increase(http_requests_total{version="${version}"}[${WINDOW}]))`)) ?? 0;
                    assert.ok(counted > minimum, `${counted} requests`);
                },
                {
                    what: `Prometheus to count more than ${minimum} requests of ${track} ${version} in ${WINDOW}`,
                    timeoutMs: 60_000,
                    intervalMs: 250,
                },
            );
        }
    }

    function run(def: GateDefinition, extra: Partial<LiveGateInputs> = {}, log: string[] = []): Promise<GateRunResult> {
        return runLiveGate({ gate: def, versions, prometheus: { url: prometheus.url }, ...extra }, (line) => log.push(line));
    }

    it("passes a healthy canary and reports every check's last value", async function () {
        // The minimum-traffic guard met in Prometheus: the verdict is judged on data at the bake's end.
        await waitForTraffic(prometheus, 20);
        const result = await run(gate("canary", 5));
        assert.strictEqual(result.verdict, "pass", result.message);
        const byId = Object.fromEntries(result.evaluation.checks.map((c) => [c.id, c]));
        assert.strictEqual(byId["error-rate"].canary, 0);
        assert.strictEqual(byId["error-rate"].status, "pass");
        const p95 = byId["latency-p95"].canary;
        assert.ok(p95 !== null && p95 > 10 && p95 < 200, `canary p95 ${p95} ms`);
        // PromQL divides floats: a ratio of two rates over the same series can land on 100.00000000000001.
        for (const id of ["agent-availability", "workflow-success"]) {
            assert.ok(Math.abs((byId[id].canary ?? 0) - 100) < 1e-9, `${id} ${byId[id].canary}`);
        }
        assert.ok(Math.abs((byId.memory.canary ?? 0) - 40) < 0.5, `memory ${byId.memory.canary}`);
        // rate() divides by the whole 10 s window, so a pod younger than the window reads below its 30 %.
        assert.ok((byId.cpu.canary ?? 0) > 10 && (byId.cpu.canary ?? 0) < 31, `cpu ${byId.cpu.canary}`);
        assert.ok((result.evaluation.traffic.canary ?? 0) >= 20, `canary requests ${result.evaluation.traffic.canary}`);
        assert.ok(result.evaluations >= 5, `${result.evaluations} evaluations`);
        const over = Number(/^gate "canary" passed after \d+ evaluations over (\d+) s$/.exec(result.message)?.[1]);
        // The verdict comes at the first evaluation at or after the 5 s bake; a loaded machine may tick late.
        assert.ok(over >= 5 && over <= 8, result.message);
    });

    it("fails at once on an error spike, naming check, value, threshold, window and both versions", async function () {
        await waitForTraffic(prometheus, 20);
        later(2000, () => candidate.set({ errorRate: 0.2 }));
        const started = Date.now();
        const result = await run(gate("canary-expand", 30));
        assert.strictEqual(result.verdict, "fail");
        assert.match(
            result.message,
            new RegExp(
                `^gate "canary-expand" failed: error-rate (\\d+\\.\\d\\d)% > 0\\.5% \\(rollback trigger, 2 evaluations in a row\\) over 10s; canary v5\\.1-t\\d+=\\1%, stable v5\\.0-t\\d+=0\\.00%$`,
            ),
        );
        // Decided inside the bake (the trigger), not at its end: the bake ends 30 s after the start at the earliest.
        assert.ok(result.evaluatedAt - started < 30_000, `decided ${result.evaluatedAt - started} ms into a 30 s bake`);
        assert.strictEqual(result.evaluation.breached, true);
    });

    it("fails a latency regression against stable even under the absolute ceiling", async function () {
        await waitForTraffic(prometheus, 20);
        stable.set({ latencyMs: 20 });
        candidate.set({ latencyMs: 120 });
        const started = Date.now();
        const result = await run(gate("canary-expand", 6));
        assert.strictEqual(result.verdict, "fail");
        const latency = result.evaluation.checks.find((c) => c.id === "latency-p95")!;
        assert.ok(latency.canary! < 500, `canary p95 ${latency.canary} ms is under the 500 ms criterion`);
        assert.match(
            result.message,
            /^gate "canary-expand" failed: latency-p95 \d+ms > stable × 1\.5 = \d+ms \(canary vs stable\) over 10s; canary v5\.1-t\d+=\d+ms, stable v5\.0-t\d+=\d+ms$/,
        );
        // The deciding evaluation came at the bake's end (6 s after the start at the earliest), not before.
        assert.ok(result.evaluatedAt - started >= 6000, `decided ${result.evaluatedAt - started} ms into a 6 s bake`);
    });

    describe("no traffic to the candidate", function () {
        // Set before each test's deploy, so not one request reaches the fresh candidate version.
        before(() => (candidateRate = 0));
        after(() => (candidateRate = 10));
        // Stable's requests in Prometheus, so the reports below show its value, not "no data".
        beforeEach(() => waitForTraffic(prometheus, 0, ["stable"]));

        it('"wait": pending through the bake, fails when the grace is over', async function () {
            const started = Date.now();
            const result = await run(gate("canary", 2));
            assert.strictEqual(result.verdict, "fail");
            assert.match(
                result.message,
                /^gate "canary" failed: traffic has no data \(empty result \(no series in the window\)\) still 3 s after the bake \(no-data policy "wait"\) over 10s; canary v5\.1-t\d+=no data, stable v5\.0-t\d+=\d+(\.\d)? requests$/m,
            );
            assert.ok(Date.now() - started >= 5000, "waited for the bake and the grace");
        });

        it('"fail": fails at the first evaluation', async function () {
            const result = await run(gate("canary", 30, { noData: { traffic: "fail" } }));
            assert.strictEqual(result.verdict, "fail");
            assert.strictEqual(result.evaluations, 1);
            assert.match(result.message, /traffic has no data .* \(no-data policy "fail"\)/);
        });

        it('"pass": passes, reporting the traffic guard as no-data under policy pass', async function () {
            const result = await run(
                gate("canary", 2, { noData: { traffic: "pass", "workflow-success": "pass", "workflow-errors": "pass" } }),
            );
            assert.strictEqual(result.verdict, "pass", result.message);
            assert.strictEqual(result.evaluation.traffic.status, "no-data");
            assert.strictEqual(result.evaluation.traffic.policy, "pass");
        });

        it("counts too little traffic as missing data (minimum-traffic guard)", async function () {
            load.setRate(candidate, 1);
            // A count to judge: the candidate's series scraped twice, so increase() answers (below 20).
            await eventually(
                async () =>
                    assert.notStrictEqual(
                        await prometheus.query(`sum(increase(http_requests_total{version="${versions.candidate}"}[${WINDOW}]))`),
                        undefined,
                    ),
                { what: `Prometheus to count requests of ${versions.candidate}`, timeoutMs: 30_000, intervalMs: 250 },
            );
            const result = await run(gate("canary", 3, { graceSeconds: 0 }));
            assert.strictEqual(result.verdict, "fail");
            assert.match(
                result.message,
                /^gate "canary" failed: traffic \d+(\.\d)? requests < 20 \(minimum-traffic guard\) still 0 s after the bake/,
            );
        });
    });

    it("fails closed when Prometheus stops in the middle of the bake", async function () {
        const own = await PrometheusServer.start({ targets: [stable.target, candidate.target], scrapeIntervalSeconds: 1 });
        try {
            await own.waitForTargetsUp(2);
            await waitForTraffic(own, 20);
            const log: string[] = [];
            let outage: Promise<void> | undefined;
            const started = Date.now();
            const result = await runLiveGate({ gate: gate("canary", 6), versions, prometheus: { url: own.url } }, (line) => {
                log.push(line);
                // Prometheus stops once the gate has judged on its data, inside the 6 s bake.
                if (!outage && JUDGED_ON_DATA.test(line)) outage = own.kill();
            });
            await outage;
            assert.strictEqual(result.verdict, "fail");
            assert.match(
                result.message,
                /^gate "canary" failed: traffic has no data \(Prometheus at http:\/\/127\.0\.0\.1:\d+ unavailable after \d+ attempts?: .*(ECONNREFUSED|timed out).*\) still 3 s after the bake \(no-data policy "wait"\)/,
            );
            assert.match(result.message, /^gate "canary" failed: memory has no data \(Prometheus at .* unavailable/m);
            assert.ok(outage, `judged on data before the outage:\n${log.join("\n")}`);
            assert.ok(Date.now() - started < 6000 + 3000 + 2000, `decided in ${Date.now() - started} ms: bake + grace + one interval`);
        } finally {
            await own.stop();
        }
    });

    it("passes when the candidate recovers within the bake where only criteria were missed", async function () {
        // 20 % errors: over the 0.1 % criterion, under this test's 50 % trigger; the 10 s window forgets them before the bake ends.
        await waitForTraffic(prometheus, 20);
        candidate.set({ errorRate: 0.2 });
        const log: string[] = [];
        let recovered = false;
        const result = await runLiveGate(
            { gate: gate("canary-expand", 16, { triggers: { errorRatePercent: 50 } }), versions, prometheus: { url: prometheus.url } },
            (line) => {
                log.push(line);
                // Healed once an evaluation saw the criterion missed, early in the bake.
                if (!recovered && /error-rate [1-9]\d*\.\d\d% \([^)]*\) fail/.test(line)) {
                    recovered = true;
                    candidate.set({ errorRate: 0 });
                }
            },
        );
        assert.strictEqual(result.verdict, "pass", `${result.message}\n${log.join("\n")}`);
        assert.ok(recovered, `an evaluation saw the criterion missed:\n${log.join("\n")}`);
        assert.strictEqual(result.evaluation.checks.find((c) => c.id === "error-rate")!.canary, 0);
    });

    describe("fast traffic cut on a real kube-apiserver", function () {
        const namespace = "claude-enhancer";
        const entry = {
            host: "api.example.com",
            tlsSecretName: "tls",
            rateLimitRps: 50,
            sessionCookieName: "ce",
            sessionCookieMaxAgeSeconds: 3600,
        };
        const services = { main: "claude-enhancer", stable: "claude-enhancer-stable", candidate: "claude-enhancer-candidate", port: 80 };

        before(async function () {
            const c = apiServer.client;
            await c.request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
            await installVirtualServiceCrd(c, namespace);
        });

        function kubeconfig(): string {
            return fs.readFileSync(apiServer.kubeconfigPath, "utf8");
        }

        it("istio: sets the VirtualService to 100 % stable before failing", async function () {
            const stage = { name: "canary" as const, weight: 5, headerRoute: true };
            const spec = virtualServiceSpec({ stage, services, entry }, namespace, ["mesh"]);
            await apiServer.client.request("POST", `/apis/networking.istio.io/v1/namespaces/${namespace}/virtualservices`, {
                apiVersion: "networking.istio.io/v1",
                kind: "VirtualService",
                metadata: { name: services.main, namespace },
                spec,
            });
            const target: TrafficCutTarget = {
                router: "istio",
                namespace,
                virtualService: services.main,
                route: "weighted",
                stableSubset: "stable",
                canarySubset: "canary",
            };
            later(1500, () => candidate.set({ errorRate: 0.5 }));
            const result = await run(gate("canary", 30), { trafficCut: { kubeconfig: kubeconfig(), target } });
            assert.strictEqual(result.verdict, "fail");
            assert.match(
                result.message,
                /\ntraffic cut to 100 % stable: VirtualService claude-enhancer\/claude-enhancer: all routes 100 % stable$/,
            );
            const vs = (
                await apiServer.client.request<
                    KubeObject & { spec: { http: { name: string; route: { destination: { subset: string }; weight?: number }[] }[] } }
                >("GET", `/apis/networking.istio.io/v1/namespaces/${namespace}/virtualservices/${services.main}`)
            ).body;
            const routes = Object.fromEntries(vs.spec.http.map((r) => [r.name, r.route.map((d) => [d.destination.subset, d.weight])]));
            assert.deepStrictEqual(routes, {
                "canary-header": [["stable", undefined]],
                weighted: [
                    ["stable", 100],
                    ["canary", 0],
                ],
            });
        });

        it("nginx: sets the canary Ingress weight to 0 and drops the header route", async function () {
            await apiServer.client.request("POST", `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses`, {
                apiVersion: "networking.k8s.io/v1",
                kind: "Ingress",
                metadata: {
                    name: "claude-enhancer-canary",
                    namespace,
                    annotations: canaryIngressAnnotations({ name: "canary-expand", weight: 20, headerRoute: true }),
                },
                spec: {
                    ingressClassName: "nginx",
                    rules: [
                        {
                            host: entry.host,
                            http: {
                                paths: [
                                    {
                                        path: "/",
                                        pathType: "Prefix",
                                        backend: { service: { name: services.candidate, port: { number: 80 } } },
                                    },
                                ],
                            },
                        },
                    ],
                },
            });
            const target: TrafficCutTarget = { router: "nginx", namespace, canaryIngress: "claude-enhancer-canary" };
            later(1500, () => candidate.set({ errorRate: 0.5 }));
            const result = await run(gate("canary-expand", 30), { trafficCut: { kubeconfig: kubeconfig(), target } });
            assert.strictEqual(result.verdict, "fail");
            assert.match(
                result.trafficCut ?? "",
                /^traffic cut to 100 % stable: Ingress claude-enhancer\/claude-enhancer-canary: canary-weight 0, header route removed$/,
            );
            const ingress = (
                await apiServer.client.request("GET", `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses/claude-enhancer-canary`)
            ).body;
            const annotations = ingress.metadata.annotations ?? {};
            assert.strictEqual(annotations["nginx.ingress.kubernetes.io/canary-weight"], "0");
            assert.strictEqual(annotations["nginx.ingress.kubernetes.io/canary"], "true");
            assert.strictEqual(annotations["nginx.ingress.kubernetes.io/canary-by-header"], undefined);
        });
    });

    it("reaches Prometheus through the API server's service proxy path with the kubeconfig's token", async function () {
        const service = { namespace: "monitoring", name: "prometheus-operated", port: 9090 };
        await waitForTraffic(prometheus, 20);
        const proxy = await ServiceProxy.start(prometheus.url, service, "gate-token");
        try {
            const result = await runLiveGate(
                {
                    gate: gate("canary", 3),
                    versions,
                    prometheus: { service: { ...service, scheme: "http" }, kubeconfig: proxy.kubeconfig() },
                },
                () => undefined,
            );
            assert.strictEqual(result.verdict, "pass", result.message);
            assert.ok(
                proxy.seen.length > 0 &&
                    proxy.seen.every(
                        (s) =>
                            s ===
                            "Bearer gate-token /api/v1/namespaces/monitoring/services/http:prometheus-operated:9090/proxy/api/v1/query",
                    ),
                proxy.seen.slice(0, 3).join("\n"),
            );
        } finally {
            await proxy.stop();
        }
    });
});
