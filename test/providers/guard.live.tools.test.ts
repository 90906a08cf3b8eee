import * as assert from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import { builtinModules } from "module";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import { GatesSchema } from "../../config/gates";
import { MetricsSchema } from "../../config/metrics";
import { guardModuleText, guardRoleRules } from "../../components/rollout/guard";
import { virtualServiceSpec } from "../../components/traffic/routers/istio";
import { gateForStage } from "../../rollout/gate/gates";
import type { GuardConfig } from "../../rollout/gate/guard";
import { credentialsFromKubeconfig, kubeClient } from "../../rollout/gate/kubeApi";
import { restoreDeclaredTraffic } from "../../rollout/gate/trafficCut";
import { ApiServer } from "../harness/apiserver";
import { eventually } from "../harness/eventually";
import { GateEnvironment, sleep } from "../fixtures/gateEnvironment";
import { installVirtualServiceCrd } from "../fixtures/istioCrds";
import { declared, entry, namespace, services, stage, target, vsPath } from "../fixtures/istioCanary";
import { RouterFollower } from "./routerFollower";

/**
 * The rollout guard as the pod runs it: the serialised module, started with `node` from a directory without
 * node_modules, authenticated by a real service-account token whose only permission is the guard's Role,
 * judging a real Prometheus that scrapes the fixture service, while a stand-in router sends the load by the
 * live VirtualService's weights. The gate settings are the production defaults (10 s interval, 1m trigger
 * window, 250 requests, 2 breaches in a row).
 */

const metrics = MetricsSchema.parse({});
const gate = gateForStage(GatesSchema.parse({}), metrics, stage.name, 45 * 60, stage.weight);

describe("rollout guard pod between stages (serialised module, real Prometheus, real kube-apiserver, real RBAC)", function () {
    this.timeout(600_000);
    let env: GateEnvironment;
    let apiServer: ApiServer;
    let follower: RouterFollower;
    let kubeconfig: string;
    let dir: string;
    let text: string;
    const figures: number[] = [];

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
        // The guard's identity, as the component declares it: a ServiceAccount bound to the one-object Role.
        const meta = { name: "guard", namespace };
        await c.request("POST", `/api/v1/namespaces/${namespace}/serviceaccounts`, {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: meta,
        });
        await c.request("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: meta,
            rules: guardRoleRules(target),
        });
        await c.request("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: meta,
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "guard" },
            subjects: [{ kind: "ServiceAccount", name: "guard", namespace }],
        });
        const token = await c.request<{ status: { token: string } }>(
            "POST",
            `/api/v1/namespaces/${namespace}/serviceaccounts/guard/token`,
            {
                apiVersion: "authentication.k8s.io/v1",
                kind: "TokenRequest",
                spec: { expirationSeconds: 3600 },
            },
        );
        // The pod's filesystem: the module and its config (the ConfigMap), the token and CA (the projected volume).
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "guard-"));
        fs.mkdirSync(path.join(dir, "sa"));
        fs.writeFileSync(path.join(dir, "sa", "token"), token.body.status.token);
        fs.writeFileSync(path.join(dir, "sa", "ca.crt"), credentialsFromKubeconfig(kubeconfig).ca!);
        text = await guardModuleText();
        fs.writeFileSync(path.join(dir, "index.js"), text);
        follower = new RouterFollower(c, vsPath, env.load, { stable: env.stable, candidate: env.candidate }, 75);
        await follower.start(100);
    });

    after(async function () {
        follower?.stop();
        await env?.stop();
        await apiServer?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    async function candidateWeightLive(): Promise<number> {
        const vs = (
            await apiServer.client.request<{
                spec: { http: { name: string; route: { destination: { subset: string }; weight?: number }[] }[] };
            }>("GET", vsPath)
        ).body;
        return vs.spec.http.find((r) => r.name === "weighted")!.route.find((d) => d.destination.subset === "canary")!.weight ?? 0;
    }

    /** Fresh versions at the declared weights, with the trigger window full, and the guard pod started on them. */
    async function startGuard(tag: string): Promise<{ lines: string[]; stop: () => Promise<void> }> {
        const versions = env.deploy(tag);
        env.candidate.set({ errorRate: 0 });
        await restoreDeclaredTraffic(kubeClient(kubeconfig), target, declared, 2000);
        // A version's first 5xx creates its 5xx series, which increase() cannot count; one now, long before the window.
        env.candidate.failNext(1);
        await env.waitForTraffic(versions, 400, "1m");
        const config: GuardConfig = { gate, versions, target, prometheus: { url: "http://unused.invalid" } };
        fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(config));
        const url = new URL(apiServer.client.server);
        const child = childProcess.spawn(process.execPath, ["index.js"], {
            cwd: dir,
            env: {
                PATH: process.env.PATH,
                GUARD_CONFIG: path.join(dir, "config.json"),
                GUARD_SERVICEACCOUNT_DIR: path.join(dir, "sa"),
                GUARD_PROMETHEUS_URL: env.prometheus.url,
                GUARD_HEARTBEAT_FILE: path.join(dir, "heartbeat"),
                KUBERNETES_SERVICE_HOST: url.hostname,
                KUBERNETES_SERVICE_PORT: url.port,
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        // Whole lines, as the container runtime logs them (a chunk may end inside a line).
        const lines: string[] = [];
        readline.createInterface({ input: child.stdout }).on("line", (l) => lines.push(l));
        readline.createInterface({ input: child.stderr }).on("line", (l) => lines.push(`stderr: ${l}`));
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        return {
            lines,
            // Awaited, so no guard of an earlier test still judges (or cuts) while the next one runs.
            stop: async () => {
                child.kill();
                await exited;
            },
        };
    }

    /** The guard's lines matching `pattern`, once there are `count` of them; the failure shows its whole output. */
    function guardLines(guard: { lines: string[] }, pattern: RegExp, count: number, what: string, timeoutMs: number): Promise<string[]> {
        return eventually(
            () => {
                const matching = guard.lines.filter((l) => pattern.test(l));
                if (matching.length < count) throw new Error(`${matching.length} of ${count}; guard output:\n${guard.lines.join("\n")}`);
                return matching;
            },
            { what, timeoutMs },
        );
    }

    /** An evaluation of the healthy candidate: the trigger judged on enough requests, and passed. */
    const JUDGED = / guard "canary-expand": candidate [\d.]+ requests in 5m; error-rate 0\.\d\d% \(abort > 0\.5%\) pass; /;
    const CUT =
        /guard "canary-expand": traffic cut to 100 % stable: VirtualService claude-enhancer\/claude-enhancer: all routes 100 % stable$/;

    it("the serialised module requires only Node built-ins", function () {
        const required = [...new Set([...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))].sort();
        assert.deepStrictEqual(required, ["fs", "http", "https"]);
        assert.ok(required.every((m) => builtinModules.includes(m)));
    });

    it("no breach: several intervals judged, no cut, the router keeps the declared weights", async function () {
        const guard = await startGuard("calm");
        try {
            // Five evaluations, however long the guard takes to start on a busy machine.
            await guardLines(guard, JUDGED, 5, "5 judged intervals", 5 * gate.intervalSeconds * 1000 + 60_000);
            assert.ok(!guard.lines.some((l) => /BREACH|traffic cut|stderr/.test(l)), guard.lines.join("\n"));
            // Touched after every evaluation, before the next one logs.
            assert.ok(fs.existsSync(path.join(dir, "heartbeat")));
            assert.strictEqual(await candidateWeightLive(), 20);
        } finally {
            await guard.stop();
        }
    });

    for (const run of [1, 2, 3]) {
        it(`a 5 % error spike while no update runs: the live router is at 100 % stable within 60 s (run ${run})`, async function () {
            const guard = await startGuard(`spike${run}`);
            try {
                // The spike comes once the guard judges, so the time below is its reaction, not its start-up.
                await guardLines(guard, JUDGED, 1, "the guard's first evaluation", 60_000);
                assert.strictEqual(await candidateWeightLive(), 20);
                const spikeAt = Date.now();
                env.candidate.set({ errorRate: 0.05 });
                while ((await candidateWeightLive()) !== 0 && Date.now() - spikeAt < 90_000) await sleep(100);
                const seconds = (Date.now() - spikeAt) / 1000;
                figures.push(seconds);
                console.log(`      breach → router at 100 % stable: ${seconds.toFixed(1)} s`);
                assert.ok(seconds <= 60, `${seconds} s\n${guard.lines.join("\n")}`);
                // The guard logs the cut after its patch, so its line may reach this process after the router read back 0.
                await guardLines(guard, CUT, 1, "the guard's traffic-cut line", 30_000);
                // Logged before the cut on the same stream: here by now.
                assert.ok(
                    guard.lines.some((l) =>
                        /guard "canary-expand": BREACH error-rate \d+\.\d\d% > 0\.5% \(rollback trigger, 2 evaluations in a row\); threshold abort > 0\.5%/.test(
                            l,
                        ),
                    ),
                    guard.lines.join("\n"),
                );
                if (run === 3) {
                    const sorted = [...figures].sort((a, b) => a - b);
                    console.log(
                        `      median of ${figures.length}: ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} s (${figures.map((f) => f.toFixed(1)).join(", ")})`,
                    );
                }
            } finally {
                await guard.stop();
            }
        });
    }
});
