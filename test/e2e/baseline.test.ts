import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../config/stackFile";
import { RunResult } from "./engine";
import { Project, START_TIMEOUT_MS, World, e2eWorld, transcript } from "./world";

/**
 * The engine overhead of our program against a bare program with the same providers (kubernetes,
 * random, command), the same runtime settings (TypeScript transpiled only) and the same cluster,
 * in the same run: `pulumi preview` and `pulumi up` of each, in alternating order so neither gets
 * the other's warm caches only. The figures go to docs/benchmarks.md. A preview is the engine's and
 * the program's own cost (load, step generation, diffs), so the local stack's previews are held
 * within a bound of the bare program's: a slow start in our code fails here. `pulumi up` is measured
 * but not bounded: the local stack waits for its pods to become Ready (data stores, then the app —
 * the Kubernetes provider's await, ≈ 10 s each on the simulated cluster), the bare program has none.
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
export const namespace = ns.metadata.name;
`;

const BARE_TSCONFIG = {
    compilerOptions: { noCheck: true, target: "ES2022", module: "commonjs", moduleResolution: "node", strict: true, types: ["node"] },
    files: ["index.ts"],
};

/** The bare program in its own folder and backend, stack `bare` pointed at the simulated cluster. */
async function bareProject(world: World): Promise<{ run: (args: string[]) => Promise<RunResult> }> {
    const dir = path.join(world.engine.root, "bare-program");
    fs.mkdirSync(path.join(dir, ".state"), { recursive: true });
    fs.writeFileSync(
        path.join(dir, "Pulumi.yaml"),
        "name: bare\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n    tsconfig: tsconfig.json\n    packagemanager: npm\n",
    );
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(BARE_TSCONFIG, null, 2));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "bare", main: "index.ts" }));
    fs.writeFileSync(path.join(dir, "index.ts"), BARE_PROGRAM);
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"));
    const run = (args: string[]): Promise<RunResult> =>
        world.engine.run([...args, "--non-interactive"], {
            cwd: dir,
            timeoutMs: 480_000,
            env: { PULUMI_BACKEND_URL: `file://${path.join(dir, ".state")}` },
        });
    const init = await run(["stack", "init", "bare"]);
    assert.strictEqual(init.code, 0, transcript(init));
    const set = await run(["config", "set", "kubeconfigPath", world.cluster.kubeconfigPath, "--stack", "bare"]);
    assert.strictEqual(set.code, 0, transcript(set));
    return { run };
}

/** The local stack's previews within this many times the bare program's (docs/benchmarks.md has the measured ratio). */
const BOUND = 3;

describe("e2e: engine overhead of the local stack against a bare program with the same providers", function () {
    let world: World;
    let local: Project;
    let bare: { run: (args: string[]) => Promise<RunResult> };
    const figures: Record<string, { bare: number; local: number }> = {};

    before(async function () {
        this.timeout(START_TIMEOUT_MS);
        world = await e2eWorld();
        local = await world.project();
        bare = await bareProject(world);
    });

    after(async function () {
        this.timeout(300_000);
        await bare?.run(["destroy", "--stack", "bare", "--yes", "--skip-preview"]);
        await local?.pulumi(["destroy", "--stack", "local", "--yes", "--skip-preview"]);
        const ratios = Object.fromEntries(
            Object.entries(figures).map(([step, f]) => [step, { ...f, ratio: Math.round((f.local / f.bare) * 100) / 100 }]),
        );
        process.stdout.write(`      engine overhead (ms): ${JSON.stringify(ratios)}\n`);
    });

    /** Runs `args` for both programs, bare first when `bareFirst`, and records the two times. */
    async function measure(step: string, args: string[], bareFirst: boolean): Promise<void> {
        const runBare = () => bare.run([...args, "--stack", "bare"]);
        const runLocal = () => local.pulumi([...args, "--stack", "local"]);
        let b: RunResult;
        let l: RunResult;
        if (bareFirst) {
            b = await runBare();
            l = await runLocal();
        } else {
            l = await runLocal();
            b = await runBare();
        }
        assert.strictEqual(b.code, 0, `bare program: ${transcript(b)}`);
        assert.strictEqual(l.code, 0, `local stack: ${transcript(l)}`);
        figures[step] = { bare: b.ms, local: l.ms };
    }

    it("cold `pulumi preview` (first of each program in this PULUMI_HOME)", async function () {
        this.timeout(900_000);
        await measure("coldPreview", ["preview"], true);
    });

    it("`pulumi up` (everything created)", async function () {
        this.timeout(900_000);
        await measure("up", ["up", "--yes", "--skip-preview"], false);
    });

    it("warm `pulumi preview` (no change)", async function () {
        this.timeout(900_000);
        await measure("warmPreview", ["preview"], true);
    });

    it(`the local stack's previews stay within ${BOUND}× the bare program's`, function () {
        assert.deepStrictEqual(Object.keys(figures), ["coldPreview", "up", "warmPreview"], "every step measured");
        for (const step of ["coldPreview", "warmPreview"]) {
            const f = figures[step];
            assert.ok(f.local <= BOUND * f.bare, `${step}: local ${f.local} ms > ${BOUND} × bare ${f.bare} ms`);
        }
    });
});
