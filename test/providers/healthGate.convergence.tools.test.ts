import * as assert from "assert";
import * as fs from "fs";
import { GatesSchema } from "../../config/gates";
import { MetricsSchema } from "../../config/metrics";
import { virtualServiceSpec } from "../../components/traffic/routers/istio";
import { canaryIngressAnnotations } from "../../components/traffic/routers/nginx";
import { GateDefinition, gateForStage } from "../../rollout/gate/gates";
import { GateRunResult, runLiveGate } from "../../rollout/gate/gateRun";
import { kubeClient } from "../../rollout/gate/kubeApi";
import { renderQuery } from "../../rollout/gate/queries";
import { TrafficCutTarget, cutTrafficToStable, restoreDeclaredTraffic } from "../../rollout/gate/trafficCut";
import { ApiServer } from "../harness/apiserver";
import { eventually } from "../harness/eventually";
import { GateEnvironment, sleep } from "../fixtures/gateEnvironment";
import { installVirtualServiceCrd } from "../fixtures/istioCrds";
import { declared, entry, namespace, services, stage, target, vsPath } from "../fixtures/istioCanary";
import { RouterFollower } from "./routerFollower";

/**
 * Evidence before abort and convergence after a cut, end to end: a real Prometheus scraping the fixture
 * service every second, a real kube-apiserver holding the stage's VirtualService, and a stand-in router
 * (RouterFollower) sending the load to the two tracks by the weights the live object has. Gates run at
 * 2 s intervals with the default trigger evidence (250 requests, 2 breaches in a row) over a 20 s trigger
 * window, which at the candidate's 15 requests/s is 300 requests — the production shape scaled down.
 */

const metrics = MetricsSchema.parse({});
const INTERVAL_SECONDS = 2;

function gate(bakeSeconds: number, evidence: Record<string, unknown> = {}): GateDefinition {
    const gates = GatesSchema.parse({
        intervalSeconds: INTERVAL_SECONDS,
        window: "30s",
        minRequests: 100,
        graceSeconds: 4,
        queryTimeoutSeconds: 2,
        triggerEvidence: { window: "20s", ...evidence },
    });
    return gateForStage(gates, metrics, stage.name, bakeSeconds, stage.weight);
}

type Routes = Record<string, [string, number | undefined][]>;

describe("evidence before abort and convergence after a cut (real Prometheus, real kube-apiserver)", function () {
    this.timeout(240_000);
    let env: GateEnvironment;
    let apiServer: ApiServer;
    let follower: RouterFollower;
    let kubeconfig: string;

    before(async function () {
        const starting = ApiServer.start();
        env = await GateEnvironment.start({ stableRate: 60, candidateRate: 15 });
        apiServer = await starting;
        kubeconfig = fs.readFileSync(apiServer.kubeconfigPath, "utf8");
        const c = apiServer.client;
        await c.request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
        await installVirtualServiceCrd(c, namespace);
        await c.request("POST", `/apis/networking.istio.io/v1/namespaces/${namespace}/virtualservices`, {
            apiVersion: "networking.istio.io/v1",
            kind: "VirtualService",
            metadata: { name: services.main, namespace },
            spec: virtualServiceSpec({ stage, services, entry }, namespace, ["mesh"]),
        });
        follower = new RouterFollower(c, vsPath, env.load, { stable: env.stable, candidate: env.candidate }, 75);
        await follower.start();
    });

    after(async function () {
        follower?.stop();
        await env?.stop();
        await apiServer?.stop();
    });

    async function liveRoutes(): Promise<Routes> {
        const vs = (
            await apiServer.client.request<{
                spec: { http: { name: string; route: { destination: { subset: string }; weight?: number }[] }[] };
            }>("GET", vsPath)
        ).body;
        return Object.fromEntries(vs.spec.http.map((r) => [r.name, r.route.map((d) => [d.destination.subset, d.weight])]));
    }

    const declaredRoutes: Routes = {
        "canary-header": [["canary", undefined]],
        weighted: [
            ["stable", 80],
            ["canary", 20],
        ],
    };

    it("one 5xx in a healthy canary does not abort with the default evidence; the old rule (100 requests, 1 breach) did", async function () {
        const versions = env.deploy("one");
        // A version's first 5xx creates its 5xx series, which increase() cannot count (no earlier sample):
        // this one makes the series exist, so the one injected below is counted — exactly one error in the windows.
        env.candidate.failNext(1);
        await eventually(
            async () =>
                assert.strictEqual(await env.prometheus.query(`http_requests_total{version="${versions.candidate}",status="500"}`), 1),
            { what: `Prometheus to scrape the 5xx series of ${versions.candidate}`, timeoutMs: 30_000 },
        );
        const logs: Record<string, string[]> = { defaults: [], old: [] };
        const run = (def: GateDefinition, log: string[]) =>
            runLiveGate({ gate: def, versions, prometheus: { url: env.prometheus.url } }, (line) => log.push(line));
        // The error now, as both gates start: the old rule judges it once its 20 s window holds 100 requests (a
        // breach while under 200), and the 30 s criteria window has forgotten it long before the 36 s bake ends.
        env.candidate.failNext(1);
        const [withEvidence, oldRule] = await Promise.all([
            run(gate(36), logs.defaults),
            run(gate(36, { minRequests: 100, consecutiveBreaches: 1 }), logs.old),
        ]);
        assert.strictEqual(withEvidence.verdict, "pass", `${withEvidence.message}\n${logs.defaults.join("\n")}`);
        assert.ok(
            logs.defaults.some((l) => / error-rate \d+\.\d\d% \([^)]*\) fail/.test(l)),
            `the error was seen by the criteria (< 0.1% missed during the bake), never as a breach:\n${logs.defaults.join("\n")}`,
        );
        assert.ok(!logs.defaults.some((l) => / breach(;|$)/.test(l)), logs.defaults.join("\n"));
        assert.strictEqual(oldRule.verdict, "fail", oldRule.message);
        assert.match(oldRule.message, /^gate "canary-expand" failed: error-rate \d+\.\d\d% > 0\.5% \(rollback trigger\) over 20s; /);
    });

    let spike: { versions: { candidate: string; stable: string }; result: GateRunResult };

    it("a 5 % error spike is cut within 2 gate intervals of reaching Prometheus; the live router reads 100 % stable", async function () {
        const versions = env.deploy("spike");
        env.candidate.failNext(1); // creates the 5xx series (see above), well before the trigger window of the spike
        await env.waitForTraffic(versions, 260, "20s");
        const def = gate(60);
        const errorRate = def.checks.find((c) => c.id === "error-rate")!;
        const triggerQuery = renderQuery(errorRate.query, { version: versions.candidate, window: "20s", pods: "" });
        let spikeAt = 0;
        let visibleAt = 0;
        let cutAt = 0;
        let watching = true;
        // When the breach is first visible in Prometheus: the trigger's own query over its own window, at the instant
        // Prometheus evaluated it (the answer reaches this busy process later).
        const watch = (async () => {
            while (watching && visibleAt === 0) {
                const res = await fetch(`${env.prometheus.url}/api/v1/query?query=${encodeURIComponent(triggerQuery)}`);
                const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
                const [at, value] = body.data.result[0]?.value ?? [0, "0"];
                if (spikeAt > 0 && Number(value) > 0.5) visibleAt = at * 1000;
                await sleep(100);
            }
        })();
        setTimeout(() => {
            spikeAt = Date.now();
            env.candidate.set({ errorRate: 0.05 });
        }, 3000);
        const log: string[] = [];
        const result = await runLiveGate(
            { gate: def, versions, prometheus: { url: env.prometheus.url }, trafficCut: { kubeconfig, target, declared } },
            (line) => {
                log.push(line);
                if (/traffic cut to 100 % stable/.test(line)) cutAt = Date.now();
            },
        );
        watching = false;
        await watch;
        assert.strictEqual(result.verdict, "fail", log.join("\n"));
        assert.match(
            result.message,
            /^gate "canary-expand" failed: error-rate \d+\.\d\d% > 0\.5% \(rollback trigger, 2 evaluations in a row\) over 20s; /,
        );
        assert.deepStrictEqual(await liveRoutes(), {
            "canary-header": [["stable", undefined]],
            weighted: [
                ["stable", 100],
                ["canary", 0],
            ],
        });
        assert.ok(visibleAt > 0 && cutAt > 0, "both instants seen");
        // The deciding evaluation's instant (it sampled Prometheus then); the cut follows it after that evaluation's queries and the patch.
        const visibleToDecision = (result.evaluatedAt - visibleAt) / 1000;
        console.log(
            `      5 % spike: visible in Prometheus after ${((visibleAt - spikeAt) / 1000).toFixed(1)} s, decided ${visibleToDecision.toFixed(1)} s later ` +
                `(${(visibleToDecision / INTERVAL_SECONDS).toFixed(2)} gate intervals of ${INTERVAL_SECONDS} s), cut ${((cutAt - result.evaluatedAt) / 1000).toFixed(1)} s ` +
                `after that (queries, patch); spike → cut ${((cutAt - spikeAt) / 1000).toFixed(1)} s`,
        );
        // Two evaluations in a row see it; the first comes at most one interval after it is visible. 0.5 s for timers firing late.
        assert.ok(
            visibleToDecision <= 2 * INTERVAL_SECONDS + 0.5,
            `decided ${visibleToDecision} s after the breach was visible:\n${log.join("\n")}`,
        );
        spike = { versions, result };
    });

    it("retrying the stage after the cut restores the declared weights (read back) and judges real candidate traffic", async function () {
        assert.ok(spike, "needs the cut of the previous test");
        const { versions } = spike;
        env.candidate.set({ errorRate: 0 });
        // The state of the issue: the update's inputs did not change, the router still sends the candidate nothing.
        await eventually(() => assert.strictEqual(follower.candidateWeight, 0), {
            what: "the stand-in router to follow the cut",
            timeoutMs: 10_000,
        });
        await eventually(async () => assert.strictEqual(await env.requestsInWindow(versions.candidate, "20s"), 0), {
            what: `the 20 s window to hold no request of ${versions.candidate}`,
            timeoutMs: 60_000,
            intervalMs: 500,
        });
        const log: string[] = [];
        const result = await runLiveGate(
            { gate: gate(34), versions, prometheus: { url: env.prometheus.url }, trafficCut: { kubeconfig, target, declared } },
            (line) => log.push(line),
        );
        assert.strictEqual(
            log[0],
            'health-gate "canary-expand": router set to the stage\'s declared weights: VirtualService claude-enhancer/claude-enhancer: 80 % stable / 20 % canary, header route x-canary-user: true',
        );
        assert.deepStrictEqual(await liveRoutes(), declaredRoutes);
        assert.strictEqual(result.verdict, "pass", `${result.message}\n${log.join("\n")}`);
        const throughput = result.evaluation.checks.find((c) => c.id === "throughput")!;
        assert.ok((result.evaluation.traffic.canary ?? 0) >= 300, `candidate served ${result.evaluation.traffic.canary} requests`);
        assert.strictEqual(throughput.status, "pass");
        assert.ok((throughput.canary ?? 0) > 13 && (throughput.canary ?? 0) < 17, `candidate ${throughput.canary} rps of 15`);
        // A second run finds the router as declared and leaves it alone.
        assert.strictEqual(
            await restoreDeclaredTraffic(kubeClient(kubeconfig), target, declared, 2000),
            "VirtualService claude-enhancer/claude-enhancer: already 80 % stable / 20 % canary, header route x-canary-user: true",
        );
    });

    it("restores an out-of-band edit too: a deleted header route is re-created, nginx's canary Ingress gets its weight and header back", async function () {
        const client = kubeClient(kubeconfig);
        await apiServer.client.request("PATCH", vsPath, [{ op: "remove", path: "/spec/http/0" }], "application/json-patch+json");
        assert.deepStrictEqual(Object.keys(await liveRoutes()), ["weighted"]);
        await restoreDeclaredTraffic(client, target, declared, 2000);
        assert.deepStrictEqual(await liveRoutes(), declaredRoutes);

        const ingressPath = `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses/claude-enhancer-canary`;
        await apiServer.client.request("POST", `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses`, {
            apiVersion: "networking.k8s.io/v1",
            kind: "Ingress",
            metadata: { name: "claude-enhancer-canary", namespace, annotations: canaryIngressAnnotations(stage) },
            spec: {
                ingressClassName: "nginx",
                defaultBackend: { service: { name: services.candidate, port: { number: 80 } } },
            },
        });
        const nginx: TrafficCutTarget = { router: "nginx", namespace, canaryIngress: "claude-enhancer-canary" };
        await cutTrafficToStable(client, nginx, 2000);
        assert.strictEqual(
            await restoreDeclaredTraffic(client, nginx, declared, 2000),
            "Ingress claude-enhancer/claude-enhancer-canary: canary-weight 20, header route x-canary-user: true",
        );
        const annotations = (await apiServer.client.request("GET", ingressPath)).body.metadata.annotations ?? {};
        assert.deepStrictEqual(
            Object.fromEntries(Object.entries(annotations).filter(([k]) => k.startsWith("nginx.ingress.kubernetes.io/canary"))),
            Object.fromEntries(
                Object.entries(canaryIngressAnnotations(stage)).filter(([k]) => k.startsWith("nginx.ingress.kubernetes.io/canary")),
            ),
        );
    });
});
