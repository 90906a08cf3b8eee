/**
 * `npm run bench:gate`: how fast the health gate reacts to a fault, as a function of Prometheus'
 * scrape interval and the gate's interval. Per (scrape, gate interval) pair: Debian's Prometheus
 * scraping the fixture service (stable and candidate at 20 requests/s each), the gate of the stack
 * defaults (window 5m, at least 100 requests, fastAbort) running its bake against it, and the router
 * the fast cut patches on a real kube-apiserver — the nginx canary Ingress or the Istio VirtualService,
 * as the canary stage creates them. Each run deploys fresh versions, waits for the traffic guard and
 * for the gate to be evaluating, then at a random moment raises the candidate's error rate to 50 % and
 * measures the time from that injection to (a) the failing verdict and (b) the router observed at
 * 100 % stable by polling the API server. Goal (issue 3): at most 2 × scrape interval + gate interval.
 *
 * BENCH_GATE_RUNS (default 3) runs per pair; BENCH_GATE_PAIRS (default "1:1,2:2,5:5,1:5") the pairs;
 * BENCH_GATE_ROUTERS (default "nginx,istio") the routers.
 */
import * as fs from "fs";
import { GatesSchema } from "../../config/gates";
import { MetricsSchema } from "../../config/metrics";
import { WEIGHTED_ROUTE_NAME } from "../../rollout/gate/routers/liveRouter";
import { virtualServiceSpec } from "../../components/traffic/routers/istio";
import { canaryIngressAnnotations } from "../../components/traffic/routers/nginx";
import { gateForStage } from "../../rollout/gate/gates";
import { runLiveGate } from "../../rollout/gate/gateRun";
import { TrafficCutTarget } from "../../rollout/gate/trafficCut";
import { ApiServer } from "../harness/apiserver";
import { GateEnvironment, sleep } from "../fixtures/gateEnvironment";
import { installVirtualServiceCrd } from "../fixtures/istioCrds";

const NAMESPACE = "claude-enhancer";
const POLL_MS = 50;
const metrics = MetricsSchema.parse({});

interface Sample {
    verdictMs: number;
    stableMs: number;
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A router as the canary stage creates it (5 % by weight plus the header route), which the fast cut patches. */
interface Router {
    readonly name: "nginx" | "istio";
    readonly target: TrafficCutTarget;
    create(apiServer: ApiServer): Promise<void>;
    /** Back to the canary stage's weights after a cut. */
    reset(apiServer: ApiServer): Promise<void>;
    /** Whether the API server holds it at 100 % stable. */
    allStable(apiServer: ApiServer): Promise<boolean>;
}

const CANARY_STAGE = { name: "canary" as const, weight: 5, headerRoute: true };
const SERVICES = { main: "claude-enhancer", stable: "claude-enhancer-stable", candidate: "claude-enhancer-candidate", port: 80 };
const ENTRY = {
    host: "api.example.com",
    tlsSecretName: "tls",
    rateLimitRps: 50,
    sessionCookieName: "ce",
    sessionCookieMaxAgeSeconds: 3600,
};

function nginxRouter(): Router {
    const ingress = "claude-enhancer-canary";
    const path = `/apis/networking.k8s.io/v1/namespaces/${NAMESPACE}/ingresses/${ingress}`;
    const annotations = canaryIngressAnnotations(CANARY_STAGE);
    return {
        name: "nginx",
        target: { router: "nginx", namespace: NAMESPACE, canaryIngress: ingress },
        async create(apiServer) {
            await apiServer.client.request("POST", `/apis/networking.k8s.io/v1/namespaces/${NAMESPACE}/ingresses`, {
                apiVersion: "networking.k8s.io/v1",
                kind: "Ingress",
                metadata: { name: ingress, namespace: NAMESPACE, annotations },
                spec: {
                    ingressClassName: "nginx",
                    rules: [
                        {
                            host: ENTRY.host,
                            http: {
                                paths: [
                                    {
                                        path: "/",
                                        pathType: "Prefix",
                                        backend: { service: { name: SERVICES.candidate, port: { number: 80 } } },
                                    },
                                ],
                            },
                        },
                    ],
                },
            });
        },
        async reset(apiServer) {
            await apiServer.client.request("PATCH", path, { metadata: { annotations } }, "application/merge-patch+json");
        },
        async allStable(apiServer) {
            const object = (await apiServer.client.request("GET", path)).body;
            return object.metadata.annotations?.["nginx.ingress.kubernetes.io/canary-weight"] === "0";
        },
    };
}

function istioRouter(): Router {
    const path = `/apis/networking.istio.io/v1/namespaces/${NAMESPACE}/virtualservices/${SERVICES.main}`;
    const spec = virtualServiceSpec({ stage: CANARY_STAGE, services: SERVICES, entry: ENTRY }, NAMESPACE, ["istio-system/claude-enhancer"]);
    return {
        name: "istio",
        target: {
            router: "istio",
            namespace: NAMESPACE,
            virtualService: SERVICES.main,
            route: WEIGHTED_ROUTE_NAME,
            stableSubset: "stable",
            canarySubset: "canary",
        },
        async create(apiServer) {
            await installVirtualServiceCrd(apiServer.client, NAMESPACE);
            await apiServer.client.request("POST", `/apis/networking.istio.io/v1/namespaces/${NAMESPACE}/virtualservices`, {
                apiVersion: "networking.istio.io/v1",
                kind: "VirtualService",
                metadata: { name: SERVICES.main, namespace: NAMESPACE },
                spec,
            });
        },
        async reset(apiServer) {
            await apiServer.client.request("PATCH", path, { spec }, "application/merge-patch+json");
        },
        async allStable(apiServer) {
            type Route = { name: string; route: { destination: { subset: string }; weight?: number }[] };
            const object = (await apiServer.client.request<{ spec: { http: Route[] } }>("GET", path)).body;
            // Every route sends everything to the stable subset: the weighted one at 100/0, the header route to stable.
            return object.spec.http.every((r) =>
                r.route.every((d) => (d.destination.subset === "stable" ? (d.weight ?? 100) === 100 : d.weight === 0)),
            );
        },
    };
}

const ROUTERS = { nginx: nginxRouter, istio: istioRouter };

async function oneRun(
    env: GateEnvironment,
    apiServer: ApiServer,
    kubeconfig: string,
    router: Router,
    gateInterval: number,
): Promise<Sample> {
    await router.reset(apiServer);
    const versions = env.deploy("bench");
    await env.waitForTraffic(versions, 120, "5m");
    const def = gateForStage(GatesSchema.parse({ intervalSeconds: gateInterval }), metrics, "canary", 600);
    let verdictAt = 0;
    let evaluations = 0;
    const gate = runLiveGate(
        { gate: def, versions, prometheus: { url: env.prometheus.url }, trafficCut: { kubeconfig, target: router.target } },
        (line) => {
            evaluations++;
            if (verdictAt === 0 && / \d+\/600 s: fail; /.test(line)) verdictAt = Date.now();
        },
    );
    // Let the gate settle into its rhythm, then inject at a random phase of its interval.
    while (evaluations < 2) await sleep(50);
    await sleep(Math.random() * gateInterval * 1000);
    const injectedAt = Date.now();
    env.candidate.set({ errorRate: 0.5 });
    let stableAt = 0;
    while (stableAt === 0) {
        if (await router.allStable(apiServer)) stableAt = Date.now();
        else await sleep(POLL_MS);
    }
    const result = await gate;
    if (result.verdict !== "fail" || !result.trafficCut?.startsWith("traffic cut to 100 % stable"))
        throw new Error(`unexpected gate result: ${result.message}`);
    return { verdictMs: verdictAt - injectedAt, stableMs: stableAt - injectedAt };
}

async function main(): Promise<void> {
    const runs = Number(process.env.BENCH_GATE_RUNS ?? 3);
    const pairs = (process.env.BENCH_GATE_PAIRS ?? "1:1,2:2,5:5,1:5").split(",").map((p) => p.split(":").map(Number) as [number, number]);
    const routers = (process.env.BENCH_GATE_ROUTERS ?? "nginx,istio").split(",").map((name) => {
        if (!(name in ROUTERS)) throw new Error(`BENCH_GATE_ROUTERS: unknown router "${name}"; expected nginx or istio`);
        return ROUTERS[name as keyof typeof ROUTERS]();
    });
    const apiServer = await ApiServer.start();
    const rows: string[] = [];
    try {
        await apiServer.client.request("POST", "/api/v1/namespaces", {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: NAMESPACE },
        });
        for (const router of routers) await router.create(apiServer);
        const kubeconfig = fs.readFileSync(apiServer.kubeconfigPath, "utf8");
        for (const [scrape, gateInterval] of pairs) {
            const env = await GateEnvironment.start({ scrapeIntervalSeconds: scrape, stableRate: 20, candidateRate: 20 });
            try {
                for (const router of routers) {
                    const samples: Sample[] = [];
                    for (let run = 0; run < runs; run++) {
                        const sample = await oneRun(env, apiServer, kubeconfig, router, gateInterval);
                        process.stderr.write(
                            `${router.name}, scrape ${scrape} s, gate ${gateInterval} s, run ${run + 1}: verdict ${seconds(sample.verdictMs)}, 100 % stable ${seconds(sample.stableMs)}\n`,
                        );
                        samples.push(sample);
                    }
                    // A new 5xx series needs two scrapes; then the trigger must breach on consecutiveBreaches evaluations in a row.
                    const goalMs = (2 * scrape + GatesSchema.parse({}).triggerEvidence.consecutiveBreaches * gateInterval) * 1000;
                    const verdicts = samples.map((s) => s.verdictMs);
                    const cuts = samples.map((s) => s.stableMs);
                    rows.push(
                        `| ${router.name} | ${scrape} s | ${gateInterval} s | ${seconds(goalMs)} | ${seconds(median(verdicts))} | ${seconds(Math.max(...verdicts))} | ${seconds(median(cuts))} | ${seconds(Math.max(...cuts))} | ${cuts.filter((c) => c <= goalMs).length}/${runs} |`,
                    );
                }
            } finally {
                await env.stop();
            }
        }
    } finally {
        await apiServer.stop();
    }
    console.log(
        `Fault injection (candidate error rate 0 → 50 %) to gate verdict and to 100 % stable on a real kube-apiserver, ${runs} runs per pair and router:\n`,
    );
    console.log(
        "| router | scrape interval | gate interval | goal (2 × scrape + 2 × gate) | → verdict, median | → verdict, max | → 100 % stable, median | → 100 % stable, max | runs within goal |",
    );
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const row of rows) console.log(row);
}

main().catch((err) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exitCode = 1;
});
