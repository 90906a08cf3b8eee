import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { APP_NAMESPACE } from "../../components/kubernetes/platformNamespaces";
import { CONFIG_NAMESPACE } from "../../config";
import { readStackSettings } from "../../config/stackFile";
import { TRACK_LABEL } from "../../identity";
import { GateEnvironment, sleep } from "../fixtures/gateEnvironment";
import { KubeObject } from "../harness/apiserver";
import { eventually } from "../harness/eventually";
import { Project, START_TIMEOUT_MS, World, e2eWorld, transcript } from "./world";

/**
 * The rollout of SPEC §4 under the real engine: each stage one `pulumi up` driven by the rollout
 * driver (bin/rollout.ts, Automation API -> the CLI), the HealthGate running in the engine's
 * dynamic-provider host and judging the fixture service through a real Prometheus (by URL), and the
 * live router weight read back from the API server (the nginx canary Ingress of the local stack).
 */

const NGINX = "nginx.ingress.kubernetes.io";
/** Short bakes (6 s) and a quick gate, so the whole rollout takes minutes, not hours. */
const BAKE_MINUTES = 0.1;
const GATES = {
    intervalSeconds: 1,
    window: "10s",
    minRequests: 50,
    graceSeconds: 3,
    queryTimeoutSeconds: 2,
    // Triggers judged over the same short window, so a healed candidate is judged on fresh traffic within seconds.
    triggerEvidence: { window: "10s", minRequests: 50 },
};
/** The driver runs the policy pack on every stage; this stack's pack config allows the short bakes. */
const POLICY_CONFIG = { "rollout-gate-bake": { minBakeSeconds: BAKE_MINUTES * 60 } };

/** Every change of the canary Ingress's weight, with the time it was seen (absent Ingress: undefined). */
class WeightWatcher {
    readonly seen: { at: number; weight: number | undefined }[] = [];
    private stopped = false;
    private done?: Promise<void>;

    constructor(private readonly world: World) {}

    async current(): Promise<number | undefined> {
        const list = await this.world.cluster.client.request<{ items: KubeObject[] }>(
            "GET",
            `/apis/networking.k8s.io/v1/namespaces/${APP_NAMESPACE}/ingresses`,
        );
        const canary = list.body.items.find((i) => i.metadata.annotations?.[`${NGINX}/canary`] === "true");
        const weight = canary?.metadata.annotations?.[`${NGINX}/canary-weight`];
        return weight === undefined ? undefined : Number(weight);
    }

    private async look(): Promise<void> {
        const weight = await this.current().catch(() => this.seen.at(-1)?.weight);
        if (this.seen.length === 0 || this.seen.at(-1)!.weight !== weight) this.seen.push({ at: Date.now(), weight });
    }

    start(): void {
        this.done = (async () => {
            while (!this.stopped) {
                await this.look();
                await sleep(200);
            }
        })();
    }

    /** Stops polling after one last look: the run that just ended may have changed the weight since the previous one. */
    async stop(): Promise<number[]> {
        this.stopped = true;
        await this.done;
        await this.look();
        return this.weights();
    }

    weights(): number[] {
        return this.seen.map((s) => s.weight ?? -1);
    }
}

interface DriverRun {
    code: number | null;
    lines: { at: number; line: string }[];
    output: string;
}

/** Driver runs still going: a test that timed out must not leave one updating the stack under the next test. */
const runningDrivers = new Set<ChildProcess>();

/** `npm run rollout -- <args>` in the project copy: bin/rollout.ts with the engine's Node and CLI. */
function driver(project: Project, args: string[]): Promise<DriverRun> {
    return new Promise((resolve) => {
        // A process group of its own, so stopDrivers reaches the CLI and plugins the driver started.
        const child = spawn("node", ["-r", "ts-node/register/transpile-only", "bin/rollout.ts", ...args], {
            cwd: project.dir,
            env: project.env(),
            detached: true,
        });
        runningDrivers.add(child);
        const lines: DriverRun["lines"] = [];
        let output = "";
        let partial = "";
        // Whole lines only, each stamped when it is complete (a line may span two chunks).
        const collect = (chunk: Buffer) => {
            output += chunk.toString();
            const parts = (partial + chunk.toString()).split("\n");
            partial = parts.pop()!;
            for (const line of parts) if (line.trim() !== "") lines.push({ at: Date.now(), line });
        };
        child.stdout.on("data", collect);
        child.stderr.on("data", collect);
        child.on("close", (code) => {
            runningDrivers.delete(child);
            resolve({ code, lines, output });
        });
    });
}

/**
 * Interrupts every running driver as Ctrl-C would (the CLI cancels its update and releases the stack's
 * lock), and kills what is left after a grace.
 */
async function stopDrivers(graceMs = 120_000): Promise<void> {
    const signal = (child: ChildProcess, name: NodeJS.Signals) => {
        try {
            process.kill(-child.pid!, name);
        } catch {
            // The group has already exited.
        }
    };
    await Promise.all(
        [...runningDrivers].map(async (child) => {
            const closed = new Promise((resolve) => child.once("close", resolve));
            signal(child, "SIGINT");
            const timer = setTimeout(() => signal(child, "SIGKILL"), graceMs);
            await closed;
            clearTimeout(timer);
        }),
    );
}

/** The stack file's `rollout` object, changed by `change`, written back (as an operator's commit would). */
function editRollout(project: Project, change: (rollout: Record<string, unknown>) => void): void {
    const file = path.join(project.dir, "Pulumi.local.yaml");
    const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, Record<string, unknown>> };
    change(doc.config[`${CONFIG_NAMESPACE}:rollout`]);
    fs.writeFileSync(file, stringify(doc));
}

async function outputs(project: Project): Promise<Record<string, unknown>> {
    const r = await project.pulumi(["stack", "output", "--stack", "local", "--json"]);
    assert.strictEqual(r.code, 0, transcript(r));
    return JSON.parse(r.stdout) as Record<string, unknown>;
}

async function deploymentsByTrack(world: World): Promise<Record<string, { image: string; replicas: number }>> {
    const list = await world.cluster.client.list("apps/v1", "Deployment", APP_NAMESPACE);
    const byTrack: Record<string, { image: string; replicas: number }> = {};
    for (const d of list) {
        const spec = d.spec as {
            replicas: number;
            selector: { matchLabels: Record<string, string> };
            template: { spec: { containers: { image: string }[] } };
        };
        byTrack[spec.selector.matchLabels[TRACK_LABEL]] = { image: spec.template.spec.containers[0].image, replicas: spec.replicas };
    }
    return byTrack;
}

describe("e2e: the rollout as sequenced stack updates under the real engine", function () {
    let world: World;
    let gateEnv: GateEnvironment;
    let project: Project;
    let versions: { stable: string; candidate: string };

    before(async function () {
        this.timeout(START_TIMEOUT_MS);
        world = await e2eWorld();
        // The fixture's load does not follow the router's weights: equal rates keep the candidate's
        // throughput at least the share the gate expects of it in every stage (50/50 at blue-green-prep).
        gateEnv = await GateEnvironment.start({ stableRate: 20, candidateRate: 20 });
        versions = gateEnv.deploy("e2e");
        const local = readStackSettings("local") as { rollout: Record<string, any> };
        const stages = Object.fromEntries(
            Object.entries(local.rollout.stages ?? {}).map(([name, s]) => [name, { ...(s as object), bakeMinutes: BAKE_MINUTES }]),
        );
        project = await world.project(
            {
                gates: { ...GATES, prometheus: { url: gateEnv.prometheus.url } },
                rollout: { ...local.rollout, stage: "stable", stableVersion: versions.stable, stages, pauseBefore: [] },
            },
            POLICY_CONFIG,
        );
        const up = await project.pulumi(["up", "--stack", "local", "--yes", "--skip-preview"]);
        assert.strictEqual(up.code, 0, transcript(up));
        await gateEnv.waitForTraffic(versions, GATES.minRequests, GATES.window);
    });

    // Each test starts where the previous one left the stack: after a failure the later ones would
    // only report its consequences, so they are skipped (the failure itself fails the tier).
    let sequenceIntact = true;
    beforeEach(function () {
        if (!sequenceIntact) this.skip();
    });
    afterEach(async function () {
        this.timeout(180_000);
        if (this.currentTest?.state === "failed") sequenceIntact = false;
        await stopDrivers();
    });

    after(async function () {
        this.timeout(300_000);
        if (project) {
            const r = await project.pulumi(["destroy", "--stack", "local", "--yes", "--skip-preview"]);
            assert.strictEqual(r.code, 0, transcript(r));
            assert.deepStrictEqual(await world.cluster.namespaces(), []);
        }
        await gateEnv?.stop();
    });

    it("rolls a healthy candidate out stage by stage and promotes it; the live router follows every stage", async function () {
        // Five stage updates: 30-50 s each on a quiet machine, up to 4 min on a busy one.
        this.timeout(1_800_000);
        const watcher = new WeightWatcher(world);
        watcher.start();
        const started = Date.now();
        const run = await driver(project, ["--stack", "local", "--version", versions.candidate, "--yes"]);
        const weights = await watcher.stop();
        assert.strictEqual(run.code, 0, run.output);
        assert.match(run.output, new RegExp(`promoted: ${versions.candidate.replace(/\./g, "\\.")} is the stable version`));
        for (const stage of ["canary", "canary-expand", "blue-green-prep", "full-switch"]) {
            const passed = run.lines.find((l) => l.line.startsWith(`<== ${stage} passed; gate verdict: `));
            assert.ok(passed, `${stage} passed`);
            const verdict = JSON.parse(passed.line.slice(passed.line.indexOf("{"))) as { stage: string; verdict: string };
            assert.deepStrictEqual([verdict.stage, verdict.verdict], [stage, "pass"], `${stage}'s gate verdict`);
        }
        assert.match(run.output, /health-gate "canary" \d+\/6 s:/, "the gate's progress reached the driver");
        assert.deepStrictEqual(weights, [0, 5, 20, 50, 100, 0], "live canary weights, in order");
        const out = await outputs(project);
        assert.strictEqual(out.stableVersion, versions.candidate);
        assert.strictEqual(out.rolloutStage, "stable");
        const tracks = await deploymentsByTrack(world);
        assert.deepStrictEqual(Object.keys(tracks), ["stable"], "the candidate track is removed after promotion");
        assert.match(tracks.stable.image, new RegExp(`:${versions.candidate.replace(/\./g, "\\.")}$`));
        process.stdout.write(
            `      rollout wall time: ${Math.round((Date.now() - started) / 1000)} s; stages:\n${stageTimes(run, started)}`,
        );
    });

    it("a no-op `pulumi up` in a stage whose gate passed does not run the gate again", async function () {
        // Three stack updates each, up to 4 min apiece on a busy machine.
        this.timeout(1_200_000);
        // After the promotion the stable track runs the promoted version; a new candidate arrives.
        const candidate = `${versions.candidate}-next`;
        gateEnv.stable.redeploy(versions.candidate);
        gateEnv.candidate.redeploy(candidate);
        await gateEnv.waitForTraffic({ stable: versions.candidate, candidate }, GATES.minRequests, GATES.window);
        editRollout(project, (r) => Object.assign(r, { stage: "canary", candidateVersion: candidate }));
        const enter = await project.pulumi(["up", "--stack", "local", "--yes", "--skip-preview"]);
        assert.strictEqual(enter.code, 0, transcript(enter));
        const passed = (await outputs(project)).gateVerdict as { stage: string; verdict: string; evaluatedAt: string };
        assert.deepStrictEqual([passed.stage, passed.verdict], ["canary", "pass"]);
        const again = await project.pulumi(["up", "--stack", "local", "--yes", "--expect-no-changes"]);
        assert.strictEqual(again.code, 0, transcript(again));
        assert.doesNotMatch(again.stdout, /health-gate/, "no gate evaluation on a no-op update");
        assert.strictEqual(((await outputs(project)).gateVerdict as { evaluatedAt: string }).evaluatedAt, passed.evaluatedAt);

        // The driver's rollback on request ends this rollout: all traffic to stable, the candidate removed.
        const rollback = await driver(project, ["--stack", "local", "--rollback"]);
        assert.strictEqual(rollback.code, 0, rollback.output);
        assert.strictEqual(await new WeightWatcher(world).current(), 0);
        assert.deepStrictEqual(Object.keys(await deploymentsByTrack(world)), ["stable"]);
    });

    it("a breach at canary puts traffic back on stable within 30 s, fails the update, and the driver runs the rollback update", async function () {
        // Three stack updates each, up to 4 min apiece on a busy machine.
        this.timeout(1_200_000);
        const candidate = `${versions.candidate}-bad`;
        gateEnv.candidate.redeploy(candidate);
        gateEnv.candidate.set({ errorRate: 0.25 });
        // Stable runs the promoted version since the previous test. The gate judges the fresh candidate on data, so it names the check.
        await gateEnv.waitForTraffic({ stable: versions.candidate, candidate }, GATES.minRequests, GATES.window);
        const watcher = new WeightWatcher(world);
        watcher.start();
        const run = await driver(project, ["--stack", "local", "--version", candidate, "--yes"]);
        await watcher.stop();
        assert.strictEqual(run.code, 1, run.output);
        assert.match(run.output, /rolled-back: stage canary failed and was rolled back/);
        assert.match(run.output, /error-rate/, "the report names the check");
        const raised = watcher.seen.find((s) => s.weight === 5);
        const cut = watcher.seen.find((s) => raised && s.at > raised.at && s.weight === 0);
        assert.ok(raised && cut, `the canary got 5 % and was cut to 0 (seen: ${JSON.stringify(watcher.weights())})`);
        // Ordered by the driver's own output (the watcher polls, so its timestamps lag under load).
        const gateCut = run.lines.find((l) => /health-gate .*traffic cut to 100 % stable/.test(l.line));
        const rollbackLine = run.lines.find((l) => /rollback: all traffic to/.test(l.line));
        assert.ok(
            gateCut && rollbackLine && gateCut.at <= rollbackLine.at,
            "traffic was back on stable before the rollback update started",
        );
        assert.ok(cut.at - raised.at < 30_000, `traffic back on stable ${cut.at - raised.at} ms after the canary got traffic`);
        const out = await outputs(project);
        assert.strictEqual(out.rolloutStage, "rollback");
        assert.deepStrictEqual(Object.keys(await deploymentsByTrack(world)), ["stable"], "the candidate track is removed");
        assert.strictEqual(await watcher.current(), 0);
    });

    // The gate's cut makes it the weight's Server-Side Apply manager; the router objects carry
    // pulumi.com/patchForce so this retry takes the field back instead of failing on the conflict.
    it("a retry after a cut converges the live router to the stage's weight (issue 14)", async function () {
        // Three stack updates each, up to 4 min apiece on a busy machine.
        this.timeout(1_200_000);
        // The previous test left the stack at rollback; the stage machine wants stable before a new canary.
        editRollout(project, (r) => {
            r.stage = "stable";
            delete r.candidateVersion;
        });
        const settle = await project.pulumi(["up", "--stack", "local", "--yes", "--skip-preview"]);
        assert.strictEqual(settle.code, 0, transcript(settle));
        // Breach at canary without the driver (the update fails after the cut), heal, retry.
        const candidate = `${versions.candidate}-retry`;
        gateEnv.candidate.redeploy(candidate);
        gateEnv.candidate.set({ errorRate: 0.25 });
        await gateEnv.waitForTraffic({ stable: versions.candidate, candidate }, GATES.minRequests, GATES.window);
        editRollout(project, (r) => Object.assign(r, { stage: "canary", candidateVersion: candidate }));
        const failed = await project.pulumi(["up", "--stack", "local", "--yes", "--skip-preview"]);
        assert.notStrictEqual(failed.code, 0, transcript(failed));
        const watcher = new WeightWatcher(world);
        assert.strictEqual(await watcher.current(), 0, "the gate cut the live weight");
        gateEnv.candidate.set({ errorRate: 0 });
        // The retry's gate judges the last 10 s: wait until Prometheus has no 5xx of the candidate left there.
        await eventually(async () => assert.strictEqual(await gateEnv.errorsInWindow(candidate, GATES.window), 0), {
            what: `the candidate's 5xx to leave the ${GATES.window} window`,
            timeoutMs: 60_000,
            intervalMs: 500,
        });
        const retry = await project.pulumi(["up", "--stack", "local", "--yes", "--skip-preview"]);
        assert.strictEqual(retry.code, 0, transcript(retry));
        assert.strictEqual(await watcher.current(), 5, "the live router carries the stage's weight again");
    });
});

/** Wall time of each stage of a driver run, from its `==>` line to the next one (and the end). */
function stageTimes(run: DriverRun, started: number): string {
    const marks = run.lines.filter((l) => l.line.startsWith("==> ")).map((l) => ({ at: l.at, name: l.line.slice(4).split(":")[0] }));
    const end = run.lines.at(-1)?.at ?? Date.now();
    return (
        marks.map((m, i) => `        ${m.name}: ${Math.round(((marks[i + 1]?.at ?? end) - m.at) / 1000)} s\n`).join("") +
        `        (first stage began ${Math.round((marks[0]?.at ?? started) - started) / 1000} s after start)\n`
    );
}
