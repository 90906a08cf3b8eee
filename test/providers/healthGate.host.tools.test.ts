import * as assert from "assert";
import * as grpc from "@grpc/grpc-js";
import { ChildProcessWithoutNullStreams, spawn } from "child_process";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { GatesSchema } from "../../config/gates";
import { MetricsSchema } from "../../config/metrics";
import { PROJECT_ROOT } from "../../config/stackFile";
import { HealthGate, HealthGateArgs } from "../../providers/healthGate";
import { GateDefinition, gateForStage } from "../../rollout/gate/gates";
import { GateEnvironment } from "../fixtures/gateEnvironment";
import { eventually } from "../harness/eventually";
import { installMocks } from "../harness/program";

/* eslint-disable @typescript-eslint/no-require-imports */
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb.js");
const provproto = require("@pulumi/pulumi/proto/provider_pb.js");
const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb.js");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb.js");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb.js");
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
const rpc = require("@pulumi/pulumi/runtime/rpc") as { specialSigKey: string; specialSecretSig: string };
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The HealthGate as the engine runs it: the provider serialised by Pulumi's closure serialiser when
 * the program registers the resource (the `__provider` input), evaluated by the real dynamic-provider
 * host (`@pulumi/pulumi/cmd/dynamic-provider`, what the engine's `pulumi-resource-pulumi-nodejs`
 * starts with the engine's address as its argument) in its own Node process, and driven over gRPC
 * with the engine's Configure/Check/Diff/Create/Delete calls against a real Prometheus.
 */

const GATE_TYPE = "pulumi-nodejs:dynamic/healthGate:HealthGate";
const URN = `urn:pulumi:local::claude-enhancer::claude-enhancer:rollout:Rollout$${GATE_TYPE}::rollout-gate`;
const TOKEN = "router-token-5e1d0c";
const metrics = MetricsSchema.parse({});

function gate(stage: string, bakeSeconds: number): GateDefinition {
    const gates = GatesSchema.parse({
        intervalSeconds: 1,
        window: "10s",
        minRequests: 20,
        triggerEvidence: { window: "10s", minRequests: 20, consecutiveBreaches: 2 },
        graceSeconds: 3,
        queryTimeoutSeconds: 2,
    });
    return gateForStage(gates, metrics, stage, bakeSeconds);
}

/** A kubeconfig for the stand-in API server, with a bearer token that must never leave the inputs. */
function kubeconfig(port: number): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "gate",
        clusters: [{ name: "stand-in", cluster: { server: `http://127.0.0.1:${port}` } }],
        users: [{ name: "gate", user: { token: TOKEN } }],
        contexts: [{ name: "gate", context: { cluster: "stand-in", user: "gate" } }],
    });
}

/** A value as the engine hands it to a provider that does not accept secrets: secret markers stripped. */
function withoutSecretMarkers(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(withoutSecretMarkers);
    if (value && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[rpc.specialSigKey] === rpc.specialSecretSig) return withoutSecretMarkers(record.value);
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, withoutSecretMarkers(v)]));
    }
    return value;
}

/** Registers a HealthGate the way components/rollout.ts does and returns the inputs the engine recorded for it. */
async function registeredInputs(args: HealthGateArgs): Promise<Record<string, any>> {
    const mocks = await installMocks("local");
    new HealthGate("rollout-gate", args);
    await settings.waitForRPCs();
    const recorded = mocks.resources.find((r) => r.type === GATE_TYPE);
    assert.ok(recorded, "the HealthGate was registered");
    return recorded.inputs;
}

/** The engine side the provider host is given the address of (it logs through it). */
function startEngine(): Promise<{ server: grpc.Server; address: string }> {
    const server = new grpc.Server();
    server.addService(engrpc.EngineService, {
        log: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(null, new Empty()),
    });
    return new Promise((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) =>
            err ? reject(err) : resolve({ server, address: `127.0.0.1:${port}` }),
        ),
    );
}

/** `node <@pulumi/pulumi/cmd/dynamic-provider> <engine>` in the project directory, as the engine starts it; resolves with the port it prints. */
function startProviderHost(engineAddress: string, stdout: string[]): Promise<{ child: ChildProcessWithoutNullStreams; port: number }> {
    const script = path.join(PROJECT_ROOT, "node_modules/@pulumi/pulumi/cmd/dynamic-provider");
    const child = spawn(process.execPath, [script, engineAddress], { cwd: PROJECT_ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve, reject) => {
        let buffered = "";
        let port: number | undefined;
        child.stdout.on("data", (d: Buffer) => {
            buffered += d.toString();
            const lines = buffered.split("\n");
            buffered = lines.pop() ?? "";
            for (const line of lines) {
                if (port === undefined) {
                    port = Number(line.trim());
                    resolve({ child, port });
                } else {
                    stdout.push(line);
                }
            }
        });
        child.once("exit", (code) => port === undefined && reject(new Error(`the provider host exited with ${code}:\n${stderr}`)));
    });
}

type Client = Record<string, (req: unknown, cb: (err: grpc.ServiceError | null, resp: any) => void) => void>;

function call(client: Client, method: string, request: unknown): Promise<any> {
    return new Promise((resolve, reject) => client[method](request, (err, resp) => (err ? reject(err) : resolve(resp))));
}

describe("HealthGate through the real dynamic-provider host", function () {
    this.timeout(120_000);
    let env: GateEnvironment;
    let engine: { server: grpc.Server; address: string };
    let host: ChildProcessWithoutNullStreams;
    let client: Client & grpc.Client;
    const hostStdout: string[] = [];
    const routerRequests: { method?: string; url?: string; authorization?: string; contentType?: string; body: string }[] = [];
    let router: http.Server;
    let registered: Record<string, any>;
    /** The inputs the engine sends the provider: registered inputs, secrets stripped. */
    let sent: Record<string, any>;

    before(async function () {
        env = await GateEnvironment.start();
        // A stand-in API server for the fast cut: it accepts the canary Ingress patch with the kubeconfig's token.
        router = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => {
                routerRequests.push({
                    method: req.method,
                    url: req.url,
                    authorization: req.headers.authorization,
                    contentType: req.headers["content-type"],
                    body,
                });
                const ok =
                    req.method === "PATCH" &&
                    req.headers.authorization === `Bearer ${TOKEN}` &&
                    req.url === "/apis/networking.k8s.io/v1/namespaces/claude-enhancer/ingresses/claude-enhancer-canary";
                res.writeHead(ok ? 200 : 403, { "Content-Type": "application/json" }).end(
                    ok ? body : JSON.stringify({ kind: "Status", message: "forbidden" }),
                );
            });
        });
        await new Promise<void>((r) => router.listen(0, "127.0.0.1", r));
        const routerPort = (router.address() as net.AddressInfo).port;
        const versions = env.deploy("h");
        registered = await registeredInputs({
            stage: "canary",
            candidateVersion: versions.candidate,
            stableVersion: versions.stable,
            prometheus: { url: env.prometheus.url },
            gate: gate("canary", 4),
            trafficCut: {
                kubeconfig: kubeconfig(routerPort),
                target: { router: "nginx", namespace: "claude-enhancer", canaryIngress: "claude-enhancer-canary" },
            },
        });
        sent = withoutSecretMarkers(registered) as Record<string, any>;
        engine = await startEngine();
        const started = await startProviderHost(engine.address, hostStdout);
        host = started.child;
        client = new provrpc.ResourceProviderClient(`127.0.0.1:${started.port}`, grpc.credentials.createInsecure());
        const configure = new provproto.ConfigureRequest();
        configure.setArgs(Struct.fromJavaScript({}));
        configure.setAcceptsecrets(true);
        configure.setAcceptresources(true);
        const configured = await call(client, "configure", configure);
        assert.strictEqual(configured.getAcceptsecrets(), false, "the dynamic provider takes secrets as plain values");
    });

    after(async function () {
        client?.close();
        if (host && host.exitCode === null) {
            const exited = new Promise((r) => host.once("exit", r));
            host.kill("SIGTERM");
            await exited;
        }
        engine?.server.forceShutdown();
        if (router) {
            router.closeAllConnections();
            await new Promise((r) => router.close(r));
        }
        await env?.stop();
    });

    async function check(news: Record<string, unknown>): Promise<{ inputs: Record<string, any>; failures: string[] }> {
        const request = new provproto.CheckRequest();
        request.setUrn(URN);
        request.setOlds(Struct.fromJavaScript({}));
        request.setNews(Struct.fromJavaScript(news));
        const response = await call(client, "check", request);
        return {
            inputs: response.getInputs().toJavaScript(),
            failures: response
                .getFailuresList()
                .map((f: { getProperty(): string; getReason(): string }) => `${f.getProperty()}: ${f.getReason()}`),
        };
    }

    async function create(properties: Record<string, unknown>): Promise<{ id: string; outs: Record<string, any> }> {
        const request = new provproto.CreateRequest();
        request.setUrn(URN);
        request.setProperties(Struct.fromJavaScript(properties));
        const response = await call(client, "create", request);
        return { id: response.getId(), outs: response.getProperties().toJavaScript() };
    }

    async function diff(
        id: string,
        olds: Record<string, unknown>,
        news: Record<string, unknown>,
    ): Promise<{ changes: number; replaces: string[] }> {
        const request = new provproto.DiffRequest();
        request.setId(id);
        request.setUrn(URN);
        request.setOlds(Struct.fromJavaScript(olds));
        request.setNews(Struct.fromJavaScript(news));
        const response = await call(client, "diff", request);
        return { changes: response.getChanges(), replaces: response.getReplacesList() };
    }

    it("the program registers a self-contained provider: no credentials, no pulumi.Config, only Node built-ins and yaml", function () {
        const text = registered.__provider;
        assert.strictEqual(typeof text, "string", "the serialised provider is not a secret (it captured none)");
        assert.match(text, /^exports\.handler = __f0;/);
        assert.ok(!text.includes(TOKEN) && !text.includes("127.0.0.1"), "no kubeconfig or address is captured");
        assert.ok(!/@pulumi\//.test(text) && !/\bConfig\b/.test(text), "no Pulumi SDK module and no pulumi.Config is captured");
        const required = [...new Set([...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))].sort();
        assert.deepStrictEqual(required, ["child_process", "fs", "http", "https", "yaml"]);
        // The kubeconfig is a secret input of the resource (the whole trafficCut object), not part of its code.
        assert.strictEqual(registered.trafficCut[rpc.specialSigKey], rpc.specialSecretSig);
        assert.ok(sent.trafficCut.kubeconfig.includes(TOKEN));
    });

    it("Check accepts the registered inputs and reports malformed ones by property", async function () {
        const accepted = await check(sent);
        assert.deepStrictEqual(accepted.failures, []);
        assert.strictEqual(accepted.inputs.__provider, sent.__provider);
        const rejected = await check({ ...sent, gate: { ...sent.gate, window: "soon" }, prometheus: { url: "prometheus:9090" } });
        assert.deepStrictEqual(rejected.failures, [
            'gate.window: a Prometheus duration such as "5m"; got "soon"',
            'prometheus.url: an http(s) URL; got "prometheus:9090"',
        ]);
    });

    describe("a healthy canary", function () {
        let created: { id: string; outs: Record<string, any> };
        let news: Record<string, any>;

        before(async function () {
            const versions = env.deploy("h");
            // The gate's minimum-traffic guard (20 requests in 10 s) met in Prometheus before the 4 s bake starts.
            await env.waitForTraffic(versions, 20, "10s");
            news = (await check({ ...sent, candidateVersion: versions.candidate, stableVersion: versions.stable })).inputs;
            created = await create(news);
        });

        it("Create holds for the bake and returns verdict pass with every check's value", async function () {
            const { id, outs } = created;
            assert.match(id, /^canary-5\.1-h\d+-\d{4}-/);
            assert.strictEqual(outs.verdict, "pass", outs.report);
            assert.strictEqual(outs.checks["error-rate"].canary, 0);
            assert.strictEqual(outs.checks["error-rate"].status, "pass");
            assert.ok(
                outs.checks["latency-p95"].canary > 10 && outs.checks["latency-p95"].canary < 200,
                `p95 ${outs.checks["latency-p95"].canary}`,
            );
            assert.ok(outs.checks.traffic.canary >= 20);
            assert.strictEqual(outs.__provider, sent.__provider, "the host keeps the provider in the state");
            assert.ok(!JSON.stringify({ ...outs, __provider: "" }).includes(TOKEN), "no credentials in the outputs");
            // The host's stdout is a pipe of its own: its last lines may arrive after the gRPC answer.
            await eventually(
                () => {
                    const progress = hostStdout.filter((l) => l.startsWith('health-gate "canary" '));
                    assert.ok(progress.length >= outs.evaluations, `${progress.length} of ${outs.evaluations}:\n${hostStdout.join("\n")}`);
                },
                { what: "every evaluation to reach the engine as provider output", timeoutMs: 10_000 },
            );
        });

        it("Diff: a no-op update or new credentials change nothing; a new stage replaces the gate", async function () {
            assert.deepStrictEqual(await diff(created.id, created.outs, news), {
                changes: provproto.DiffResponse.DiffChanges.DIFF_NONE,
                replaces: [],
            });
            const rotated = {
                ...news,
                trafficCut: { ...news.trafficCut, kubeconfig: news.trafficCut.kubeconfig.replace(TOKEN, "rotated-token") },
            };
            assert.deepStrictEqual(await diff(created.id, created.outs, rotated), {
                changes: provproto.DiffResponse.DiffChanges.DIFF_NONE,
                replaces: [],
            });
            const expanded = { ...news, stage: "canary-expand", gate: gate("canary-expand", 4) };
            assert.deepStrictEqual(await diff(created.id, created.outs, expanded), {
                changes: provproto.DiffResponse.DiffChanges.DIFF_SOME,
                replaces: ["stage"],
            });
        });

        it("Delete succeeds", async function () {
            const request = new provproto.DeleteRequest();
            request.setId(created.id);
            request.setUrn(URN);
            request.setProperties(Struct.fromJavaScript(created.outs));
            assert.ok((await call(client, "delete", request)) instanceof Empty);
        });
    });

    it("Create of a breaching canary cuts traffic through the router and fails naming check, value and threshold", async function () {
        const versions = env.deploy("b");
        // The gate judges stable in the same 10 s window: it needs stable's requests scraped, or stable reads "no data".
        await env.waitForTraffic(versions, 0, "10s");
        env.candidate.set({ errorRate: 0.25 });
        const { inputs } = await check({
            ...sent,
            candidateVersion: versions.candidate,
            stableVersion: versions.stable,
            gate: gate("canary", 60),
        });
        const started = Date.now();
        await assert.rejects(create(inputs), (err: grpc.ServiceError) => {
            assert.strictEqual(err.code, grpc.status.UNKNOWN);
            assert.match(
                err.details,
                /^gate "canary" failed: error-rate (\d+\.\d\d)% > 0\.5% \(rollback trigger, 2 evaluations in a row\) over 10s; canary v5\.1-b\d+=\1%, stable v5\.0-b\d+=0\.00%\ntraffic cut to 100 % stable: Ingress claude-enhancer\/claude-enhancer-canary: canary-weight 0, header route removed$/,
            );
            return true;
        });
        // The trigger ended it, not the bake: how fast is the convergence test's measurement, not this one's.
        assert.ok(Date.now() - started < 30_000, `failed after ${Date.now() - started} ms of a 60 s bake`);
        const patch = routerRequests.find((r) => r.method === "PATCH");
        assert.ok(patch, "the provider patched the router");
        assert.strictEqual(patch.contentType, "application/merge-patch+json");
        assert.deepStrictEqual(JSON.parse(patch.body).metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"], "0");
    });
});
