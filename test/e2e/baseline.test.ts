import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../config/stackFile";
import { runProgram } from "../harness/program";
import { RunResult } from "./engine";
import { Project, START_TIMEOUT_MS, World, e2eWorld, transcript } from "./world";

/**
 * The engine overhead of our program, in the same run, against two programs with the same providers
 * (kubernetes, random, command, and the dynamic-provider host), the same runtime settings (TypeScript
 * transpiled only) and the same cluster, run in alternating order so none gets the others' warm caches
 * only:
 * - the bare program: a platform engineer's first program with these providers, one resource of each;
 * - the flat program: the local stack's own resources with the inputs our program registers for them
 *   (recorded under the mock runtime), created one after the other from a list — no config, no
 *   components, no logic. What the engine and the providers cost for this stack, whatever program
 *   declares it; the local stack's excess over it is our program's own cost.
 * The figures go to docs/benchmarks.md. A preview is the engine's and the program's own cost (load,
 * step generation, diffs, the Kubernetes provider's dry runs), so the local stack's previews are held
 * within bounds of both: a slow start in our code fails here. `pulumi up` is measured but not bounded:
 * the local stack waits for its pods to become Ready (data stores, then the app — the Kubernetes
 * provider's await, ≈ 10 s each on the simulated cluster), the bare program has none. The flat program
 * is only previewed: applied, its objects would be the local stack's.
 */

/** What a platform engineer's first program with these providers looks like. */
const BARE_PROGRAM = `import * as fs from "fs";
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

const config = new pulumi.Config();
const provider = new k8s.Provider("cluster", { kubeconfig: fs.readFileSync(config.require("kubeconfigPath"), "utf8") });
const ns = new k8s.core.v1.Namespace("bare", { metadata: { name: "bare" } }, { provider });
const suffix = new random.RandomPet("suffix");
new k8s.core.v1.ConfigMap("settings", { metadata: { namespace: ns.metadata.name }, data: { suffix: suffix.id } }, { provider });
new command.local.Command("hello", { create: "echo hello" });
new pulumi.dynamic.Resource({ async create() { return { id: "record", outs: {} }; } }, "record", {});
export const namespace = ns.metadata.name;
`;

/**
 * The flat program: every custom resource of `resources.json` registered as it is, against the same
 * cluster; the dynamic resource last, as a program declares the record of what it did.
 */
const FLAT_PROGRAM = `import * as fs from "fs";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const resources = JSON.parse(fs.readFileSync("resources.json", "utf8")) as { type: string; name: string; inputs: pulumi.Inputs }[];
const config = new pulumi.Config();
const provider = new k8s.Provider("cluster", { kubeconfig: fs.readFileSync(config.require("kubeconfigPath"), "utf8") });
for (const r of resources) {
    new pulumi.CustomResource(r.type, r.name, r.inputs, r.type.startsWith("kubernetes:") ? { provider } : {});
}
new pulumi.dynamic.Resource({ async create() { return { id: "record", outs: {} }; } }, "record", {});
`;

const BARE_TSCONFIG = {
    compilerOptions: { noCheck: true, target: "ES2022", module: "commonjs", moduleResolution: "node", strict: true, types: ["node"] },
    files: ["index.ts"],
};

type Run = (args: string[]) => Promise<RunResult>;

/** A program in its own folder and backend, stack `name` pointed at the simulated cluster. */
async function programProject(world: World, name: string, source: string, files: Record<string, string> = {}): Promise<Run> {
    const dir = path.join(world.engine.root, `${name}-program`);
    fs.mkdirSync(path.join(dir, ".state"), { recursive: true });
    fs.writeFileSync(
        path.join(dir, "Pulumi.yaml"),
        `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n    tsconfig: tsconfig.json\n    packagemanager: npm\n`,
    );
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(BARE_TSCONFIG, null, 2));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, main: "index.ts" }));
    fs.writeFileSync(path.join(dir, "index.ts"), source);
    for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), content);
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"));
    const run: Run = (args) =>
        world.engine.run([...args, "--non-interactive"], {
            cwd: dir,
            timeoutMs: 480_000,
            // The flat program's Helm releases come from the stand-in chart repositories, as the local stack's.
            env: { ...world.charts.env(), PULUMI_BACKEND_URL: `file://${path.join(dir, ".state")}` },
        });
    const init = await run(["stack", "init", name]);
    assert.strictEqual(init.code, 0, transcript(init));
    const set = await run(["config", "set", "kubeconfigPath", world.cluster.kubeconfigPath, "--stack", name]);
    assert.strictEqual(set.code, 0, transcript(set));
    return run;
}

/** The local stack's custom resources and the inputs the program registers for them (mock runtime). */
async function localStackResources(): Promise<{ type: string; name: string; inputs: Record<string, unknown> }[]> {
    const run = await runProgram("local");
    return run.resources
        .filter((r) => r.custom && !r.read && !r.type.startsWith("pulumi:providers:") && !r.type.startsWith("pulumi-nodejs:"))
        .map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }));
}

/** The local stack's previews within this many times the bare program's (docs/benchmarks.md has the measured ratio). */
const BOUND = 3;
/** The local stack's cold preview within this many times the flat program's: our program's own cost. */
const FLAT_BOUND = 2;
/** Warm previews repeat without changing anything, so they are measured this many times, alternating. */
const WARM_ROUNDS = 5;

describe("e2e: engine overhead of the local stack against a bare program with the same providers", function () {
    let world: World;
    let local: Project;
    let bare: Run;
    let flat: Run;
    let flatResources = 0;
    const figures: Record<string, { bare: number; local: number; flat?: number }> = {};

    before(async function () {
        this.timeout(START_TIMEOUT_MS);
        world = await e2eWorld();
        local = await world.project();
        bare = await programProject(world, "bare", BARE_PROGRAM);
        const resources = await localStackResources();
        flatResources = resources.length;
        flat = await programProject(world, "flat", FLAT_PROGRAM, { "resources.json": JSON.stringify(resources) });
    });

    after(async function () {
        this.timeout(300_000);
        await bare?.(["destroy", "--stack", "bare", "--yes", "--skip-preview"]);
        await local?.pulumi(["destroy", "--stack", "local", "--yes", "--skip-preview"]);
        const ratios = Object.fromEntries(
            Object.entries(figures).map(([step, f]) => [
                step,
                {
                    ...f,
                    ratio: Math.round((f.local / f.bare) * 100) / 100,
                    ...(f.flat
                        ? { flatRatio: Math.round((f.local / f.flat) * 100) / 100, flatOverBare: Math.round((f.flat / f.bare) * 100) / 100 }
                        : {}),
                },
            ]),
        );
        process.stdout.write(`      flat program: ${flatResources} resources besides its provider and dynamic resource\n`);
        process.stdout.write(`      engine overhead (ms): ${JSON.stringify(ratios)}\n`);
    });

    /**
     * Runs `args` for the programs in the order given (bare, flat, local), `rounds` times over, and
     * records each program's median: on two shared cores one run of a preview varies by ± 20 %.
     */
    async function measure(step: string, args: string[], order: ("bare" | "flat" | "local")[], rounds = 1): Promise<void> {
        const runs = {
            bare: () => bare([...args, "--stack", "bare"]),
            flat: () => flat([...args, "--stack", "flat"]),
            local: () => local.pulumi([...args, "--stack", "local"]),
        };
        const times: Partial<Record<keyof typeof runs, number[]>> = {};
        for (let round = 0; round < rounds; round++) {
            for (const program of order) {
                const r = await runs[program]();
                assert.strictEqual(r.code, 0, `${program} program: ${transcript(r)}`);
                (times[program] ??= []).push(r.ms);
            }
        }
        const median = (ms: number[] = []) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)];
        figures[step] = { bare: median(times.bare), local: median(times.local), ...(times.flat ? { flat: median(times.flat) } : {}) };
    }

    it("cold `pulumi preview` (first of each program in this PULUMI_HOME)", async function () {
        this.timeout(900_000);
        await measure("coldPreview", ["preview"], ["bare", "flat", "local"]);
    });

    it("`pulumi up` (everything created)", async function () {
        this.timeout(900_000);
        await measure("up", ["up", "--yes", "--skip-preview"], ["local", "bare"]);
    });

    it(`warm \`pulumi preview\` (no change; median of ${WARM_ROUNDS} alternating rounds)`, async function () {
        this.timeout(900_000);
        await measure("warmPreview", ["preview"], ["bare", "local"], WARM_ROUNDS);
    });

    it(`the local stack's previews stay within ${BOUND}× the bare program's, its cold preview within ${FLAT_BOUND}× the flat program's`, function () {
        assert.deepStrictEqual(Object.keys(figures), ["coldPreview", "up", "warmPreview"], "every step measured");
        for (const step of ["coldPreview", "warmPreview"]) {
            const f = figures[step];
            assert.ok(f.local <= BOUND * f.bare, `${step}: local ${f.local} ms > ${BOUND} × bare ${f.bare} ms`);
        }
        const cold = figures.coldPreview;
        assert.ok(cold.local <= FLAT_BOUND * cold.flat!, `coldPreview: local ${cold.local} ms > ${FLAT_BOUND} × flat ${cold.flat} ms`);
    });
});
