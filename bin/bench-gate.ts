/**
 * `npm run bench:gate`: how fast the health gate reacts to a fault, as a function of Prometheus'
 * scrape interval and the gate's interval. Per (scrape, gate interval) pair: Debian's Prometheus
 * scraping the fixture service (stable and candidate at 20 requests/s each), the gate of the stack
 * defaults (window 5m, at least 100 requests, fastAbort) running its bake against it, and a canary
 * Ingress on a real kube-apiserver as the router the fast cut patches. Each run deploys fresh versions,
 * waits for the traffic guard and for the gate to be evaluating, then at a random moment raises the
 * candidate's error rate to 50 % and measures the time from that injection to (a) the failing
 * verdict and (b) the canary Ingress observed at weight 0 (100 % stable) by polling the API server.
 * Goal (issue 3): at most 2 × scrape interval + gate interval.
 *
 * BENCH_GATE_RUNS (default 3) runs per pair; BENCH_GATE_PAIRS (default "1:1,2:2,5:5,1:5") the pairs.
 */
import * as fs from "fs";
import { GatesSchema } from "../config/gates";
import { MetricsSchema } from "../config/metrics";
import { canaryIngressAnnotations } from "../components/trafficSplit";
import { gateForStage } from "../rollout/gates";
import { runLiveGate } from "../rollout/gateRun";
import { ApiServer } from "../test/harness/apiserver";
import { GateEnvironment, sleep } from "../test/fixtures/gateEnvironment";

const NAMESPACE = "claude-enhancer";
const INGRESS = "claude-enhancer-canary";
const INGRESS_PATH = `/apis/networking.k8s.io/v1/namespaces/${NAMESPACE}/ingresses/${INGRESS}`;
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

async function canaryWeight(apiServer: ApiServer): Promise<string | undefined> {
    const ingress = (await apiServer.client.request("GET", INGRESS_PATH)).body;
    return ingress.metadata.annotations?.["nginx.ingress.kubernetes.io/canary-weight"];
}

const CANARY_ANNOTATIONS = canaryIngressAnnotations({ name: "canary", weight: 5, headerRoute: true });

/** The canary Ingress as the canary stage creates it: 5 % by weight plus the header route. */
async function createRouter(apiServer: ApiServer): Promise<void> {
    await apiServer.client.request("POST", `/apis/networking.k8s.io/v1/namespaces/${NAMESPACE}/ingresses`, {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: INGRESS, namespace: NAMESPACE, annotations: CANARY_ANNOTATIONS },
        spec: { ingressClassName: "nginx", rules: [{ host: "api.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "claude-enhancer-candidate", port: { number: 80 } } } }] } }] },
    });
}

/** Back to the canary stage's weights after a cut. */
async function resetRouter(apiServer: ApiServer): Promise<void> {
    await apiServer.client.request("PATCH", INGRESS_PATH, { metadata: { annotations: CANARY_ANNOTATIONS } }, "application/merge-patch+json");
}

async function requestsInWindow(env: GateEnvironment, version: string): Promise<number> {
    const response = await fetch(`${env.prometheus.url}/api/v1/query?query=${encodeURIComponent(`sum(increase(http_requests_total{version="${version}"}[5m]))`)}`);
    const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
    return Number(body.data.result[0]?.value[1] ?? 0);
}

async function oneRun(env: GateEnvironment, apiServer: ApiServer, kubeconfig: string, gateInterval: number): Promise<Sample> {
    await resetRouter(apiServer);
    const versions = env.deploy("bench");
    while ((await requestsInWindow(env, versions.candidate)) < 120 || (await requestsInWindow(env, versions.stable)) < 120) await sleep(250);
    const def = gateForStage(GatesSchema.parse({ intervalSeconds: gateInterval }), metrics, "canary", 600);
    let verdictAt = 0;
    let evaluations = 0;
    const gate = runLiveGate(
        { gate: def, versions, prometheus: { url: env.prometheus.url }, trafficCut: { kubeconfig, target: { router: "nginx", namespace: NAMESPACE, canaryIngress: INGRESS } } },
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
        if ((await canaryWeight(apiServer)) === "0") stableAt = Date.now();
        else await sleep(POLL_MS);
    }
    const result = await gate;
    if (result.verdict !== "fail" || !result.trafficCut?.startsWith("traffic cut to 100 % stable")) throw new Error(`unexpected gate result: ${result.message}`);
    return { verdictMs: verdictAt - injectedAt, stableMs: stableAt - injectedAt };
}

async function main(): Promise<void> {
    const runs = Number(process.env.BENCH_GATE_RUNS ?? 3);
    const pairs = (process.env.BENCH_GATE_PAIRS ?? "1:1,2:2,5:5,1:5").split(",").map((p) => p.split(":").map(Number) as [number, number]);
    const apiServer = await ApiServer.start();
    const rows: string[] = [];
    try {
        await apiServer.client.request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } });
        await createRouter(apiServer);
        const kubeconfig = fs.readFileSync(apiServer.kubeconfigPath, "utf8");
        for (const [scrape, gateInterval] of pairs) {
            const env = await GateEnvironment.start({ scrapeIntervalSeconds: scrape, stableRate: 20, candidateRate: 20 });
            try {
                const samples: Sample[] = [];
                for (let run = 0; run < runs; run++) {
                    const sample = await oneRun(env, apiServer, kubeconfig, gateInterval);
                    process.stderr.write(`scrape ${scrape} s, gate ${gateInterval} s, run ${run + 1}: verdict ${seconds(sample.verdictMs)}, 100 % stable ${seconds(sample.stableMs)}\n`);
                    samples.push(sample);
                }
                const goalMs = (2 * scrape + gateInterval) * 1000;
                const verdicts = samples.map((s) => s.verdictMs);
                const cuts = samples.map((s) => s.stableMs);
                rows.push(
                    `| ${scrape} s | ${gateInterval} s | ${seconds(goalMs)} | ${seconds(median(verdicts))} | ${seconds(Math.max(...verdicts))} | ${seconds(median(cuts))} | ${seconds(Math.max(...cuts))} | ${cuts.filter((c) => c <= goalMs).length}/${runs} |`,
                );
            } finally {
                await env.stop();
            }
        }
    } finally {
        await apiServer.stop();
    }
    console.log(`Fault injection (candidate error rate 0 → 50 %) to gate verdict and to 100 % stable on a real kube-apiserver, ${runs} runs per pair:\n`);
    console.log("| scrape interval | gate interval | goal (2 × scrape + gate) | → verdict, median | → verdict, max | → 100 % stable, median | → 100 % stable, max | runs within goal |");
    console.log("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const row of rows) console.log(row);
}

main().catch((err) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exitCode = 1;
});
