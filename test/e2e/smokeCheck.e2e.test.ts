import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { CONFIG_NAMESPACE } from "../../config";
import { readStackSettings } from "../../config/stackFile";
import { GateEnvironment } from "../fixtures/gateEnvironment";
import { Project, START_TIMEOUT_MS, World, e2eWorld, transcript } from "./world";

/**
 * The post-switch smoke check under the real engine: with `cluster.routerUrl` set, every traffic
 * move is followed by `curl` through the router to the service's health endpoint. Nothing runs in
 * the simulated cluster, so the router's address is the fixture service's stable instance, which
 * answers the health endpoint as the service would (and fails it when the test says so).
 */
const GATES = { intervalSeconds: 1, window: "10s", minRequests: 50, graceSeconds: 3, queryTimeoutSeconds: 2 };
const SMOKE_LINE = /smoke check: HTTP 200 from http:\/\/127\.0\.0\.1:\d+\/health\/ready \(Host: ([^)]+)\)/;

describe("e2e: the post-switch smoke check through the router (cluster.routerUrl)", function () {
    let world: World;
    let gateEnv: GateEnvironment;
    let project: Project;
    let versions: { stable: string; candidate: string };

    /** Sets the stack file's rollout stage (as the driver or a reviewed commit would). */
    function enterStage(stage: string): void {
        const file = path.join(project.dir, "Pulumi.local.yaml");
        const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, Record<string, unknown>> };
        Object.assign(doc.config[`${CONFIG_NAMESPACE}:rollout`], { stage, candidateVersion: versions.candidate });
        fs.writeFileSync(file, stringify(doc));
    }

    before(async function () {
        this.timeout(START_TIMEOUT_MS);
        world = await e2eWorld();
        gateEnv = await GateEnvironment.start();
        versions = gateEnv.deploy("smoke");
        const local = readStackSettings("local") as { rollout: Record<string, unknown>; app: { ingress: { host: string } } };
        const stages = Object.fromEntries(["canary", "canary-expand"].map((s) => [s, { bakeMinutes: 0.1, canaryReplicas: 1 }]));
        project = await world.project(
            {
                cluster: { mode: "existing", kubeconfigPath: world.cluster.kubeconfigPath, routerUrl: `http://${gateEnv.stable.target}` },
                gates: { ...GATES, prometheus: { url: gateEnv.prometheus.url } },
                rollout: {
                    ...local.rollout,
                    stage: "stable",
                    stableVersion: versions.stable,
                    stages: { ...(local.rollout.stages as object), ...stages },
                },
            },
            { "rollout-gate-bake": { minBakeSeconds: 6 } },
        );
        await gateEnv.waitForTraffic(versions, GATES.minRequests, GATES.window);
    });

    after(async function () {
        this.timeout(300_000);
        if (project) {
            const r = await project.pulumi(["destroy", "--stack", "local", "--yes", "--skip-preview"]);
            assert.strictEqual(r.code, 0, transcript(r));
        }
        await gateEnv?.stop();
    });

    it("runs after the first traffic split and after the move to canary, with the service's host", async function () {
        this.timeout(600_000);
        const first = await project.pulumi(["up", "--stack", "local", "--yes", "--skip-preview"]);
        assert.strictEqual(first.code, 0, transcript(first));
        const host = (readStackSettings("local") as { app: { ingress: { host: string } } }).app.ingress.host;
        assert.strictEqual(SMOKE_LINE.exec(first.stdout)?.[1], host, "the check ran when the stable route was created");

        enterStage("canary");
        const canary = await project.pulumi(["up", "--stack", "local", "--yes", "--skip-preview"]);
        assert.strictEqual(canary.code, 0, transcript(canary));
        const out = canary.stdout;
        assert.match(out, SMOKE_LINE, "the check ran again after the move to canary");
        assert.ok(out.search(SMOKE_LINE) < out.search(/health-gate "canary"/), "before the gate's bake");
    });

    it("fails the update, before any bake, when the route does not answer 2xx", async function () {
        this.timeout(600_000);
        gateEnv.stable.set({ errorRate: 1 });
        enterStage("canary-expand");
        const r = await project.pulumi(["up", "--stack", "local", "--yes", "--skip-preview"]);
        gateEnv.stable.set({ errorRate: 0 });
        assert.notStrictEqual(r.code, 0, transcript(r));
        assert.match(r.stdout, /error: .*(500|returned error)/, "the failure names the answer");
        assert.doesNotMatch(r.stdout, /health-gate "canary-expand"/, "the gate never started baking");
    });
});
