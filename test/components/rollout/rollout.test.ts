import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Application } from "../../../components/app/application";
import { SMOKE_CHECK_COMMAND } from "../../../components/rollout/smokeCheck";
import { Rollout, RolloutArgs } from "../../../components/rollout/rollout";
import { loadStackConfig } from "../../../config/stackFile";
import { gateForStage } from "../../../rollout/gate/gates";
import { FORWARD_STAGES, StageName, resolveStageTable } from "../../../rollout/stages";
import { installMocks } from "../../harness/program";
import { RecordedResource, RecordingMocks } from "../../harness/recorder";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

const CONFIG = loadStackConfig("production");
const KUBECONFIG = "apiVersion: v1\nkind: Config\n";
const GATE = "pulumi-nodejs:dynamic/healthGate:HealthGate";
/** How the engine marks a secret value on the wire (what the mock monitor records). */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const TABLE = resolveStageTable({}, CONFIG.app.autoscaling);

interface Run {
    mocks: RecordingMocks;
    rollout: Rollout;
    /** URNs registered with retainOnDelete. */
    retained: Set<string>;
}

async function rolloutFor(stage: StageName, options: { rds?: boolean; migration?: boolean; routerUrl?: string } = {}): Promise<Run> {
    const mocks = await installMocks("production");
    const retained = new Set<string>();
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(
            req: { getRetainondelete(): boolean | undefined },
            cb: (err: unknown, resp?: { getUrn(): string }) => void,
        ): Promise<void>;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) =>
        register(req, (err, resp) => {
            if (resp && req.getRetainondelete()) retained.add(resp.getUrn());
            cb(err, resp);
        });

    const awsProvider = new aws.Provider("aws", { region: "us-east-1" });
    const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const candidateVersion = stage === "stable" ? undefined : "5.1.0";
    const application = new Application(
        "app",
        {
            app: CONFIG.app,
            namespace: "claude-enhancer",
            imageRepository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/claude-enhancer-production",
            stage: TABLE[stage],
            stableVersion: "5.0.0",
            candidateVersion,
            database: {
                host: "db",
                port: 5432,
                name: "claude_enhancer",
                credentials: { kind: "password", username: "u", password: pulumi.secret("p") },
                tls: true,
                network: { cidrs: ["10.20.0.0/16"] },
            },
            cache: { host: "redis", port: 6379, tls: true, network: { cidrs: ["10.20.0.0/16"] } },
            router: "istio",
            ingressNamespaces: ["istio-system"],
        },
        { providers: [k8sProvider] },
    );
    const args: RolloutArgs = {
        environment: "production",
        stage: TABLE[stage],
        rollout: { ...CONFIG.rollout, candidateVersion, migration: { ...CONFIG.rollout.migration, enabled: options.migration ?? true } },
        application,
        traffic: {
            router: "istio",
            entry: { ...CONFIG.app.ingress },
            attachTo: ["istio-system/claude-enhancer"],
        },
        rdsInstanceIdentifier: options.rds === false ? undefined : "claude-enhancer-production",
        gate: {
            gates: CONFIG.gates,
            metrics: CONFIG.metrics,
            kubeconfig: pulumi.secret(KUBECONFIG),
            apiServer: { cidrs: ["10.0.0.0/8"], ports: [443, 6443] },
        },
        routerUrl: options.routerUrl,
    };
    const rollout = new Rollout("rollout", args, { providers: [awsProvider, k8sProvider] });
    await settings.waitForRPCs();
    return { mocks, rollout, retained };
}

const SNAPSHOT = "aws:rds/snapshot:Snapshot";
const JOB = "kubernetes:batch/v1:Job";
const VIRTUAL_SERVICE = "kubernetes:networking.istio.io/v1:VirtualService";
const urnsOf = (resources: RecordedResource[]) => resources.map((r) => r.urn);
/** The application's Deployments (the tracks), not the rollout guard's. */
const tracksOf = (mocks: RecordingMocks) => mocks.ofType("kubernetes:apps/v1:Deployment").filter((d) => d.name !== "rollout-guard");

describe("Rollout component", function () {
    this.timeout(60_000);

    describe("entering canary (stage 1): snapshot, migration, then traffic", () => {
        let run: Run;
        before(async () => {
            run = await rolloutFor("canary");
        });

        it("takes an RDS snapshot named after the candidate version and keeps it when the rollout ends", () => {
            const snapshot = run.mocks.one(SNAPSHOT);
            const suffix = run.mocks.one("random:index/randomId:RandomId");
            assert.strictEqual(snapshot.name, "rollout-pre-rollout-5.1.0");
            assert.strictEqual(snapshot.inputs.dbInstanceIdentifier, "claude-enhancer-production");
            assert.match(snapshot.inputs.dbSnapshotIdentifier, /^claude-enhancer-production-pre-rollout-5-1-0-[0-9a-f]{6}$/);
            assert.deepStrictEqual(suffix.inputs.keepers, { version: "5.1.0" });
            assert.deepStrictEqual(snapshot.inputs.tags, { Purpose: "pre-rollout", CandidateVersion: "5.1.0" });
            assert.ok(run.retained.has(snapshot.urn), "the snapshot is registered with retainOnDelete");
            assert.ok(snapshot.provider?.includes("pulumi:providers:aws::aws"));
        });

        it("runs the migration with the candidate image after the snapshot, outside the mesh", () => {
            const job = run.mocks.one(JOB);
            assert.strictEqual(job.inputs.metadata.name, "claude-enhancer-migrate-5-1-0");
            assert.strictEqual(job.inputs.spec.backoffLimit, 0);
            assert.strictEqual(job.inputs.spec.activeDeadlineSeconds, 900);
            const pod = job.inputs.spec.template;
            assert.deepStrictEqual(pod.metadata.annotations, { "sidecar.istio.io/inject": "false" });
            assert.strictEqual(pod.metadata.labels["app.kubernetes.io/component"], "migration");
            assert.strictEqual(pod.metadata.labels.version, "5.1.0");
            assert.strictEqual(pod.spec.restartPolicy, "Never");
            const container = pod.spec.containers[0];
            assert.strictEqual(container.image, "123456789012.dkr.ecr.us-east-1.amazonaws.com/claude-enhancer-production:5.1.0");
            assert.deepStrictEqual(container.command, ["alembic", "upgrade", "head"]);
            assert.deepStrictEqual(container.securityContext.capabilities, { drop: ["ALL"] });
            assert.ok(
                container.env.some((e: any) => e.name === "DATABASE_PASSWORD" && e.valueFrom?.secretKeyRef?.key === "DATABASE_PASSWORD"),
            );
            // After the snapshot (explicitly) and the credentials it reads (through its inputs).
            assert.ok(job.dependsOn.includes(run.mocks.one(SNAPSHOT).urn));
            assert.ok(job.dependsOn.includes(run.mocks.one("kubernetes:core/v1:Secret").urn));
        });

        it("moves traffic only after the migration, the snapshot and both tracks", () => {
            const split = run.mocks.one("claude-enhancer:mesh:TrafficSplit");
            const deployments = urnsOf(tracksOf(run.mocks));
            assert.strictEqual(deployments.length, 2);
            for (const urn of [run.mocks.one(JOB).urn, run.mocks.one(SNAPSHOT).urn, ...deployments]) {
                assert.ok(split.dependsOn.includes(urn), `the traffic split waits for ${urn}`);
            }
            const vs = run.mocks.one(VIRTUAL_SERVICE);
            assert.deepStrictEqual(
                vs.inputs.spec.http.at(-1).route.map((r: any) => [r.destination.subset, r.weight]),
                [
                    ["stable", 95],
                    ["canary", 5],
                ],
            );
            assert.strictEqual(split.parentUrn, run.mocks.one("claude-enhancer:rollout:Rollout").urn);
            assert.deepStrictEqual(run.rollout.weights, { stable: 95, candidate: 5 });
        });
    });

    describe("health gate", () => {
        let run: Run;
        before(async () => {
            run = await rolloutFor("canary");
        });

        it("gates the canary with the stage's definition: seed triggers, p95 < 200 ms, a 30-minute bake", () => {
            const gate = run.mocks.one(GATE);
            assert.strictEqual(gate.name, "rollout-gate");
            assert.strictEqual(gate.inputs.stage, "canary");
            assert.strictEqual(gate.inputs.candidateVersion, "5.1.0");
            assert.strictEqual(gate.inputs.stableVersion, "5.0.0");
            const expected = gateForStage(CONFIG.gates, CONFIG.metrics, "canary", 1800, 5);
            assert.deepStrictEqual(gate.inputs.gate, JSON.parse(JSON.stringify(expected)));
            const latency = gate.inputs.gate.checks.find((c: any) => c.id === "latency-p95");
            assert.deepStrictEqual([latency.triggerAbove, latency.criterionBelow], [1000, 200]);
            assert.strictEqual(gate.inputs.gate.bakeSeconds, 1800);
        });

        it("reaches Prometheus through the service proxy and cuts traffic on the VirtualService, the kubeconfig kept secret", () => {
            const gate = run.mocks.one(GATE);
            // The kubeconfig makes each object holding it a secret as a whole.
            assert.deepStrictEqual(gate.inputs.prometheus, {
                [SECRET_SIG_KEY]: SECRET_SIG,
                value: {
                    service: { namespace: "monitoring", name: "prometheus-operated", port: 9090, scheme: "http" },
                    kubeconfig: KUBECONFIG,
                },
            });
            assert.deepStrictEqual(gate.inputs.trafficCut, {
                [SECRET_SIG_KEY]: SECRET_SIG,
                value: {
                    kubeconfig: KUBECONFIG,
                    target: {
                        router: "istio",
                        namespace: "claude-enhancer",
                        virtualService: "claude-enhancer",
                        route: "weighted",
                        stableSubset: "stable",
                        canarySubset: "canary",
                    },
                    // What the gate sets the live router to before judging (convergence after a cut).
                    declared: { candidateWeight: 5, headerRoute: { name: "canary-header", header: "x-canary-user", value: "true" } },
                },
            });
        });

        it("waits for the applied weights and both tracks", () => {
            const gate = run.mocks.one(GATE);
            const awaited = [
                run.mocks.one(VIRTUAL_SERVICE),
                run.mocks.one("kubernetes:networking.istio.io/v1:DestinationRule"),
                ...tracksOf(run.mocks),
                // Both tracks' autoscalers (the candidate's floor is the canary's size).
                ...run.mocks.ofType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler"),
            ];
            assert.strictEqual(run.mocks.ofType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").length, 2);
            for (const r of awaited) assert.ok(gate.dependsOn.includes(r.urn), `the gate waits for ${r.type} ${r.name}`);
        });

        it("reports its verdict", async () => {
            const verdict = await new Promise((resolve) => run.rollout.gateVerdict!.apply(resolve));
            assert.deepStrictEqual(verdict, {
                stage: "canary",
                verdict: "pass",
                evaluatedAt: "2025-01-01T00:00:00.000Z",
                evaluations: 1,
                checks: {},
            });
        });

        it("gates every traffic-raising stage with its own bake", async () => {
            const bakes: Record<string, number> = {};
            for (const stage of FORWARD_STAGES) {
                const r = await rolloutFor(stage);
                bakes[stage] = r.mocks.one(GATE).inputs.gate.bakeSeconds;
            }
            assert.deepStrictEqual(bakes, { canary: 1800, "canary-expand": 2700, "blue-green-prep": 1800, "full-switch": 900 });
        });
    });

    it("skips the snapshot without RDS and the Job when migrations are off", async () => {
        const noRds = await rolloutFor("canary", { rds: false });
        assert.strictEqual(noRds.mocks.ofType(SNAPSHOT).length, 0);
        assert.strictEqual(noRds.mocks.ofType(JOB).length, 1);
        assert.ok(!noRds.mocks.one(JOB).dependsOn.some((urn) => urn.includes("Snapshot")));
        const noMigration = await rolloutFor("canary", { migration: false });
        assert.strictEqual(noMigration.mocks.ofType(JOB).length, 0);
        assert.strictEqual(noMigration.mocks.ofType(SNAPSHOT).length, 1);
    });

    it("keeps the same snapshot and Job through the later forward stages", async () => {
        const first = await rolloutFor("canary");
        const later = await rolloutFor("blue-green-prep");
        assert.deepStrictEqual(
            [later.mocks.one(SNAPSHOT).urn, later.mocks.one(JOB).urn, later.mocks.one(JOB).inputs.metadata.name],
            [first.mocks.one(SNAPSHOT).urn, first.mocks.one(JOB).urn, first.mocks.one(JOB).inputs.metadata.name],
        );
    });

    it("stable (stage 0): no snapshot, no migration, all traffic on stable", async () => {
        const run = await rolloutFor("stable");
        assert.strictEqual(run.mocks.ofType(SNAPSHOT).length, 0);
        assert.strictEqual(run.mocks.ofType(JOB).length, 0);
        assert.strictEqual(run.mocks.ofType(GATE).length, 0);
        assert.strictEqual(run.rollout.gateVerdict, undefined);
        assert.deepStrictEqual(run.rollout.weights, { stable: 100, candidate: 0 });
        assert.strictEqual(run.mocks.one(VIRTUAL_SERVICE).inputs.spec.http.length, 1);
    });

    it("rollback: no candidate traffic, no header route, the candidate and the data safety steps gone", async () => {
        const run = await rolloutFor("rollback");
        assert.deepStrictEqual(run.rollout.weights, { stable: 100, candidate: 0 });
        assert.deepStrictEqual(run.mocks.one(VIRTUAL_SERVICE).inputs.spec.http, [
            {
                name: "weighted",
                route: [
                    {
                        destination: { host: "claude-enhancer.claude-enhancer.svc.cluster.local", subset: "stable", port: { number: 80 } },
                        weight: 100,
                    },
                    {
                        destination: { host: "claude-enhancer.claude-enhancer.svc.cluster.local", subset: "canary", port: { number: 80 } },
                        weight: 0,
                    },
                ],
            },
        ]);
        assert.deepStrictEqual(
            run.mocks.ofType("kubernetes:apps/v1:Deployment").map((d) => d.inputs.metadata.name),
            ["claude-enhancer-stable"],
        );
        assert.strictEqual(run.mocks.ofType(SNAPSHOT).length, 0);
        assert.strictEqual(run.mocks.ofType(JOB).length, 0);
        assert.strictEqual(run.mocks.ofType(GATE).length, 0);
    });

    describe("post-switch smoke check (cluster.routerUrl)", () => {
        const COMMAND = "command:local:Command";
        const ROUTER = "http://127.0.0.1:8080";

        it("after the traffic moves, requests the health endpoint through the router with the service's host; the gate waits for it", async () => {
            const run = await rolloutFor("canary", { routerUrl: ROUTER });
            const request = run.mocks.one(COMMAND);
            assert.strictEqual(request.inputs.create, SMOKE_CHECK_COMMAND);
            assert.deepStrictEqual(request.inputs.environment, {
                SMOKE_URL: `${ROUTER}/health/ready`,
                SMOKE_HOST: CONFIG.app.ingress.host,
                SMOKE_RETRIES: "60",
            });
            // A dependency on a component is one on its resources: the split's router objects, the check's request.
            const smoke = run.mocks.one("claude-enhancer:rollout:SmokeCheck");
            assert.ok(smoke.dependsOn.includes(run.mocks.one(VIRTUAL_SERVICE).urn), "after the weights are applied");
            assert.ok(run.mocks.one(GATE).dependsOn.includes(request.urn), "the bake starts once the route answers");
        });

        it("runs again on every traffic move: its triggers are the stage, the weight and the versions", async () => {
            const triggers = async (stage: StageName) =>
                (await rolloutFor(stage, { routerUrl: ROUTER })).mocks.one(COMMAND).inputs.triggers;
            assert.deepStrictEqual(await triggers("canary"), ["canary", "5", "5.0.0", "5.1.0"]);
            assert.deepStrictEqual(await triggers("full-switch"), ["full-switch", "100", "5.0.0", "5.1.0"]);
            assert.deepStrictEqual(await triggers("stable"), ["stable", "0", "5.0.0", ""]);
        });

        it("checks a move without a gate too: rollback records its stage only after the check", async () => {
            const run = await rolloutFor("rollback", { routerUrl: ROUTER });
            const record = run.mocks.one("pulumi-nodejs:dynamic/stageRecord:StageRecord");
            assert.ok(record.dependsOn.includes(run.mocks.one(COMMAND).urn));
        });

        it("is absent without a router URL", async () => {
            assert.strictEqual((await rolloutFor("canary")).mocks.ofType(COMMAND).length, 0);
        });
    });
});
