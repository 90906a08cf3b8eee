import * as assert from "assert";
import * as http from "http";
import * as net from "net";
import type * as pulumi from "@pulumi/pulumi";
import { GatesSchema } from "../../config/gates";
import { MetricsSchema } from "../../config/metrics";
import { healthGateProvider } from "../../providers/healthGate";
import { GateDefinition, gateForStage } from "../../rollout/gate/gates";
import { GateEnvironment } from "../fixtures/gateEnvironment";

/**
 * The HealthGate provider object called directly, as the dynamic-provider host calls it: `check`
 * validates what the program registered, `diff` decides whether the gate runs again, `create` and
 * `update` run it against a real Prometheus (the fixture service scraped every second), `delete`
 * lets it go.
 */

const metrics = MetricsSchema.parse({});
const KUBECONFIG = "apiVersion: v1\nkind: Config\ncurrent-context: c\nusers: [{name: u, user: {token: kubeconfig-token-7f3a}}]\n";
const OTHER_KUBECONFIG = KUBECONFIG.replace("7f3a", "9c2e");

/** A gate with test-sized windows: 1 s interval, 10 s window, 20 requests minimum, 3 s grace. */
function gate(stage: string, bakeSeconds: number, overrides: Record<string, unknown> = {}): GateDefinition {
    const gates = GatesSchema.parse({
        intervalSeconds: 1,
        window: "10s",
        minRequests: 20,
        triggerEvidence: { window: "10s", minRequests: 20, consecutiveBreaches: 2 },
        graceSeconds: 3,
        queryTimeoutSeconds: 2,
        ...overrides,
    });
    return gateForStage(gates, metrics, stage, bakeSeconds);
}

const provider = healthGateProvider as Required<pulumi.dynamic.ResourceProvider>;

/**
 * Runs `action` with console.log collected instead of printed: the provider logs every evaluation
 * to stdout, which the engine shows the operator as info diagnostics.
 */
async function logged<T>(action: () => Promise<T>): Promise<{ result: T; log: string[] }> {
    const log: string[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => log.push(args.join(" "));
    try {
        return { result: await action(), log };
    } finally {
        console.log = original;
    }
}

/** Inputs as the program registers them: Prometheus by URL, the fast cut's router and credentials. */
function inputs(
    prometheusUrl: string,
    versions: { candidate: string; stable: string },
    def: GateDefinition = gate("canary", 5),
): Record<string, any> {
    return {
        stage: def.stage,
        candidateVersion: versions.candidate,
        stableVersion: versions.stable,
        prometheus: { url: prometheusUrl },
        gate: def,
        trafficCut: {
            kubeconfig: KUBECONFIG,
            target: { router: "nginx", namespace: "claude-enhancer", canaryIngress: "claude-enhancer-canary" },
        },
    };
}

/** A deep copy with every object's keys in reverse order, as a protobuf Struct may hand them back. */
function reordered<T>(value: T): T {
    if (Array.isArray(value)) return value.map(reordered) as T;
    if (value && typeof value === "object")
        return Object.fromEntries(
            Object.keys(value)
                .reverse()
                .map((k) => [k, reordered((value as Record<string, unknown>)[k])]),
        ) as T;
    return value;
}

describe("HealthGate provider", function () {
    describe("check", function () {
        const valid = inputs("http://127.0.0.1:9090", { candidate: "5.1.0", stable: "5.0.0" });

        async function failures(news: Record<string, unknown>): Promise<string[]> {
            const result = await provider.check({}, news);
            assert.strictEqual(result.inputs, news, "check passes the inputs on unchanged");
            return (result.failures ?? []).map((f) => `${f.property}: ${f.reason}`);
        }

        it("accepts what the program registers, by URL or through the service proxy", async function () {
            assert.deepStrictEqual(await failures(valid), []);
            const viaProxy = {
                ...valid,
                prometheus: {
                    service: { namespace: "monitoring", name: "prometheus-operated", port: 9090, scheme: "http" },
                    kubeconfig: KUBECONFIG,
                },
            };
            assert.deepStrictEqual(await failures(viaProxy), []);
            assert.deepStrictEqual(await failures({ ...valid, trafficCut: undefined }), [], "the fast cut is optional");
        });

        it("accepts values a preview does not know yet (the engine's unknown sentinel)", async function () {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const unknown = (require("@pulumi/pulumi/runtime/rpc") as { unknownValue: string }).unknownValue;
            const preview = { ...valid, prometheus: { url: unknown }, trafficCut: { kubeconfig: unknown, target: unknown } };
            assert.deepStrictEqual(await failures(preview), []);
        });

        it("names every malformed input and what was expected", async function () {
            const broken = {
                ...valid,
                stage: "",
                candidateVersion: 51,
                gate: {
                    ...gate("canary", 5),
                    window: "5 minutes",
                    intervalSeconds: 0,
                    checks: [{ ...gate("canary", 5).checks[0], noData: "ignore" }],
                },
                prometheus: { url: "ftp://prometheus:9090" },
                trafficCut: { kubeconfig: "", target: { router: "traefik" } },
            };
            assert.deepStrictEqual(await failures(broken), [
                'stage: a non-empty string; got ""',
                "candidateVersion: a non-empty string; got 51",
                "gate.intervalSeconds: a number >= 1; got 0",
                'gate.window: a Prometheus duration such as "5m"; got "5 minutes"',
                "gate.checks[0].noData: one of fail, wait, pass",
                'prometheus.url: an http(s) URL; got "ftp://prometheus:9090"',
                "trafficCut.kubeconfig: a kubeconfig (YAML or JSON text) allowed to patch the router",
                'trafficCut.target.router: "istio", "nginx" or "gateway-api"; got "traefik"',
            ]);
        });

        it("rejects a service endpoint without credentials or with a bad port, never echoing a kubeconfig", async function () {
            const messages = await failures({
                ...valid,
                prometheus: { service: { namespace: "monitoring", name: "", port: 0, scheme: "grpc" } },
            });
            assert.deepStrictEqual(messages, [
                "prometheus.service.name: a non-empty string",
                "prometheus.service.port: a port number 1-65535; got 0",
                'prometheus.service.scheme: "http" or "https"; got "grpc"',
                "prometheus.kubeconfig: a kubeconfig (YAML or JSON text) for the API server's service proxy",
            ]);
            const withCredentials = await failures({
                ...valid,
                trafficCut: { kubeconfig: KUBECONFIG, target: { router: "istio", namespace: "claude-enhancer" } },
            });
            assert.deepStrictEqual(withCredentials, [
                "trafficCut.target.virtualService: a non-empty string",
                "trafficCut.target.route: a non-empty string",
                "trafficCut.target.stableSubset: a non-empty string",
                "trafficCut.target.canarySubset: a non-empty string",
            ]);
            assert.ok(!withCredentials.join("\n").includes("kubeconfig-token"));
        });

        it("rejects a missing endpoint, a missing gate and a gate defined for another stage", async function () {
            assert.deepStrictEqual(await failures({ ...valid, prometheus: undefined, gate: undefined }), [
                "gate: a gate definition object (see gateForStage)",
                "prometheus: { url } or { service: { namespace, name, port, scheme }, kubeconfig }",
            ]);
            assert.deepStrictEqual(await failures({ ...valid, stage: "canary-expand" }), [
                'gate.stage: the gated stage "canary-expand" (the definition is for "canary")',
            ]);
        });
    });

    describe("against a real Prometheus", function () {
        this.timeout(120_000);
        let env: GateEnvironment;
        let versions: { candidate: string; stable: string };

        before(async function () {
            env = await GateEnvironment.start();
        });
        after(async function () {
            await env?.stop();
        });
        beforeEach(function () {
            versions = env.deploy("p");
        });

        describe("create, then diff against what create returned", function () {
            let news: Record<string, any>;
            let created: { id: string; outs: Record<string, any> };
            let createdAt: number;
            let createLog: string[];
            let deployed: { candidate: string; stable: string };

            before(async function () {
                deployed = env.deploy("c");
                // The gate's minimum-traffic guard (20 requests in 10 s) met in Prometheus, so the verdict comes at the bake's end.
                await env.waitForTraffic(deployed, 20, "10s");
                news = inputs(env.prometheus.url, deployed);
                createdAt = Date.now();
                const run = await logged(() => provider.create(news));
                created = run.result as typeof created;
                createLog = run.log;
            });

            it("create waits out the bake and outputs the verdict and every check's last value", function () {
                const { id, outs } = created;
                assert.match(id, new RegExp(`^canary-${deployed.candidate.replace(/\./g, "\\.")}-\\d{4}-\\d\\d-\\d\\dT`));
                assert.ok(Date.now() - createdAt >= 5000, "held the update for the 5 s bake");
                assert.strictEqual(outs.verdict, "pass", outs.report);
                assert.strictEqual(outs.stage, "canary");
                assert.strictEqual(outs.candidateVersion, deployed.candidate);
                assert.deepStrictEqual(outs.gate, news.gate);
                assert.ok(outs.evaluations >= 5, `${outs.evaluations} evaluations`);
                assert.strictEqual(createLog.length, outs.evaluations, "one progress line per evaluation");
                assert.match(
                    createLog[createLog.length - 1],
                    /^health-gate "canary" 5\/5 s: pass; traffic \d+(\.\d)? requests \(>= 20 requests\) pass; error-rate 0\.00% /,
                );
                assert.deepStrictEqual(Object.keys(outs.checks).sort(), [
                    "agent-availability",
                    "agent-failures",
                    "cpu",
                    "error-rate",
                    "latency-p50",
                    "latency-p95",
                    "latency-p99",
                    "memory",
                    "traffic",
                    "workflow-errors",
                    "workflow-success",
                ]);
                assert.deepStrictEqual(outs.checks["error-rate"], {
                    status: "pass",
                    canary: 0,
                    stable: 0,
                    unit: "%",
                    threshold: "< 0.1%; abort > 0.5%; <= stable + 0.5 pts",
                });
                // PromQL divides floats; the tolerance keeps 100.00000000000001 a pass.
                assert.ok(
                    Math.abs(outs.checks["agent-availability"].canary - 100) < 1e-9,
                    `agent-availability ${outs.checks["agent-availability"].canary}`,
                );
                assert.ok(outs.checks.traffic.canary >= 20, `traffic ${outs.checks.traffic.canary}`);
                assert.ok(!JSON.stringify(outs).includes("kubeconfig-token"), "credentials never reach the outputs");
            });

            it("diff: a no-op update (same inputs, keys in another order) does not re-run the gate", async function () {
                assert.deepStrictEqual(await provider.diff(created.id, created.outs, news), {
                    changes: false,
                    replaces: [],
                    deleteBeforeReplace: false,
                });
                assert.strictEqual((await provider.diff(created.id, created.outs, reordered(news))).changes, false);
            });

            it("diff: new credentials, router target or Prometheus address alone do not re-run it", async function () {
                const moved = {
                    ...news,
                    prometheus: {
                        service: { namespace: "monitoring", name: "prometheus-operated", port: 9090, scheme: "http" },
                        kubeconfig: OTHER_KUBECONFIG,
                    },
                    trafficCut: {
                        kubeconfig: OTHER_KUBECONFIG,
                        context: "other",
                        target: { router: "nginx", namespace: "claude-enhancer", canaryIngress: "renamed" },
                    },
                };
                assert.strictEqual((await provider.diff(created.id, created.outs, moved)).changes, false);
            });

            it("diff: a new stage or version replaces the gate, so it runs again", async function () {
                const restaged = { ...news, stage: "canary-expand", gate: gate("canary-expand", 5) };
                assert.deepStrictEqual(await provider.diff(created.id, created.outs, restaged), {
                    changes: true,
                    replaces: ["stage"],
                    deleteBeforeReplace: false,
                });
                const candidate = await provider.diff(created.id, created.outs, { ...news, candidateVersion: "5.2.0" });
                assert.deepStrictEqual(candidate.replaces, ["candidateVersion"]);
                const stable = await provider.diff(created.id, created.outs, { ...news, stableVersion: "4.9.0" });
                assert.deepStrictEqual(stable.replaces, ["stableVersion"]);
            });

            it("diff: a changed gate definition updates the gate in place, which runs it again", async function () {
                const stricter = { ...news, gate: gate("canary", 5, { triggers: { errorRatePercent: 0.2 } }) };
                assert.deepStrictEqual(await provider.diff(created.id, created.outs, stricter), {
                    changes: true,
                    replaces: [],
                    deleteBeforeReplace: false,
                });
                const longer = { ...news, gate: gate("canary", 6) };
                assert.deepStrictEqual(await provider.diff(created.id, created.outs, longer), {
                    changes: true,
                    replaces: [],
                    deleteBeforeReplace: false,
                });
            });
        });

        it("create fails on a breach with the check, value, threshold, window and both versions", async function () {
            // Stable is judged in the same 10 s window: without its requests scraped it would read "no data".
            await env.waitForTraffic(versions, 0, "10s");
            env.candidate.set({ errorRate: 0.25 });
            const started = Date.now();
            await assert.rejects(
                logged(() => provider.create(inputs(env.prometheus.url, versions, gate("canary", 60, { fastAbort: false })))),
                (err: Error) => {
                    assert.match(
                        err.message,
                        /^gate "canary" failed: error-rate (\d+\.\d\d)% > 0\.5% \(rollback trigger, 2 evaluations in a row\) over 10s; canary v5\.1-p\d+=\1%, stable v5\.0-p\d+=0\.00%$/,
                    );
                    return true;
                },
            );
            // The trigger ended it, not the bake: how fast is the convergence test's measurement, not this one's.
            assert.ok(Date.now() - started < 30_000, `failed after ${Date.now() - started} ms of a 60 s bake`);
        });

        it("update runs the gate with the new inputs and returns fresh outputs", async function () {
            await env.waitForTraffic(versions, 20, "10s");
            const olds = {
                ...inputs(env.prometheus.url, versions),
                verdict: "pass",
                evaluatedAt: "2025-01-01T00:00:00.000Z",
                evaluations: 1,
                checks: {},
            };
            const news = inputs(env.prometheus.url, versions, gate("canary", 3));
            const { outs } = (await logged(() => provider.update("canary-gate", olds, news))).result as { outs: Record<string, any> };
            assert.strictEqual(outs.verdict, "pass", outs.report);
            assert.deepStrictEqual(outs.gate, news.gate);
            assert.ok(Date.parse(outs.evaluatedAt) > Date.parse(olds.evaluatedAt));
            env.candidate.set({ latencyMs: 1500 });
            await assert.rejects(
                logged(() => provider.update("canary-gate", outs, { ...news, gate: gate("canary", 30, { fastAbort: false }) })),
                /latency-p95 \d+ms > 1000ms \(rollback trigger, 2 evaluations in a row\)/,
            );
        });

        it("delete succeeds at once without contacting Prometheus or the router", async function () {
            // A Prometheus that counts what it is asked; the router's kubeconfig names no server at all.
            let requests = 0;
            const counting = http.createServer((_req, res) => {
                requests++;
                res.writeHead(503).end();
            });
            await new Promise<void>((resolve) => counting.listen(0, "127.0.0.1", resolve));
            try {
                const started = Date.now();
                assert.strictEqual(
                    await provider.delete(
                        "canary-gate",
                        inputs(`http://127.0.0.1:${(counting.address() as net.AddressInfo).port}`, versions),
                    ),
                    undefined,
                );
                assert.strictEqual(requests, 0);
                assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
            } finally {
                await new Promise((resolve) => counting.close(resolve));
            }
        });
    });
});
