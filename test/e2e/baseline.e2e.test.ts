import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../config/stackFile";
import { RunResult } from "./engine";
import { Project, START_TIMEOUT_MS, World, e2eWorld, transcript } from "./world";

/**
 * The engine overhead of our program, in the same run, against two programs with the same providers
 * (kubernetes, random, command, and the dynamic-provider host) and the same cluster, run in
 * alternating order so none gets the others' warm caches only:
 * - the bare program: a platform engineer's first program with these providers, one resource of each,
 *   run as Pulumi runs TypeScript by default (ts-node, transpile only);
 * - the flat program: the local stack's own resources with the inputs our program registers for them
 *   (recorded under the mock runtime), created one after the other from a list — no config, no
 *   components, no logic. What the engine and the providers cost for this stack, whatever program
 *   declares it; the local stack's excess over it is our program's own cost.
 * The local stack runs as Pulumi.yaml says (scripts/load-typescript.js: its transpiled JavaScript
 * cached by source; its first preview here starts with nothing cached, as the project copy is new).
 * The figures go to docs/benchmarks.md. A preview is the engine's and the program's own cost (load,
 * step generation, diffs, the Kubernetes provider's dry runs), so the local stack's previews are held
 * within bounds of both: a slow start in our code fails here. `pulumi up` is bounded against the flat
 * program only: the local stack waits for its pods to become Ready (data stores, then the app — the
 * Kubernetes provider's await, ≈ 10 s each on the simulated cluster), as the flat program does for the
 * same objects, where the bare program waits for none. The flat program is applied once the local
 * stack is destroyed (its objects are the local stack's), then previewed warm beside the bare one.
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
const suffix = new random.RandomId("suffix", { byteLength: 3 });
new k8s.core.v1.ConfigMap("settings", { metadata: { namespace: ns.metadata.name }, data: { suffix: suffix.hex } }, { provider });
new command.local.Command("hello", { create: "echo hello" });
new pulumi.dynamic.Resource({ async create() { return { id: "record", outs: {} }; } }, "record", {});
export const namespace = ns.metadata.name;
`;

/**
 * The flat program: every custom resource of `resources.json` registered as it is, in the program's
 * order and after the resources it waited for (so `pulumi up` creates them in the same order),
 * against the same cluster; the dynamic resource last, as a program declares the record of what it did.
 */
const FLAT_PROGRAM = `import * as fs from "fs";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type Recorded = { type: string; name: string; urn: string; inputs: pulumi.Inputs; dependsOn: string[] };
const resources = JSON.parse(fs.readFileSync("resources.json", "utf8")) as Recorded[];
const config = new pulumi.Config();
const provider = new k8s.Provider("cluster", { kubeconfig: fs.readFileSync(config.require("kubeconfigPath"), "utf8") });
const created = new Map<string, pulumi.Resource>();
for (const r of resources) {
    const dependsOn = r.dependsOn.map((urn) => created.get(urn)!);
    created.set(r.urn, new pulumi.CustomResource(r.type, r.name, r.inputs, { dependsOn, ...(r.type.startsWith("kubernetes:") ? { provider } : {}) }));
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
            env: { PULUMI_BACKEND_URL: `file://${path.join(dir, ".state")}` },
        });
    const init = await run(["stack", "init", name]);
    assert.strictEqual(init.code, 0, transcript(init));
    const set = await run(["config", "set", "kubeconfigPath", world.cluster.kubeconfigPath, "--stack", name]);
    assert.strictEqual(set.code, 0, transcript(set));
    return run;
}

/**
 * The local stack's custom resources, the inputs the program registers for them and the resources
 * each waits for (mock runtime): its own dependencies and its components' — a component registers
 * only once what it depends on is created, and its children wait for it (the SDK has already resolved
 * dependencies on components to their custom resources, and each comes before its dependents).
 */
function flatResources(world: World): { type: string; name: string; urn: string; inputs: Record<string, unknown>; dependsOn: string[] }[] {
    const byUrn = new Map(world.localStack.map((r) => [r.urn, r]));
    const flat = world.localStack.filter(
        (r) => r.custom && !r.read && !r.type.startsWith("pulumi:providers:") && !r.type.startsWith("pulumi-nodejs:"),
    );
    const declared = new Set<string>();
    return flat.map((r) => {
        const waitsFor = new Set(r.dependsOn);
        for (let component = byUrn.get(r.parentUrn ?? ""); component; component = byUrn.get(component.parentUrn ?? "")) {
            for (const urn of component.dependsOn) waitsFor.add(urn);
        }
        const dependsOn = [...waitsFor].filter((urn) => flat.some((f) => f.urn === urn));
        for (const urn of dependsOn) assert.ok(declared.has(urn), `${r.name} depends on ${urn}, registered after it`);
        declared.add(r.urn);
        return { type: r.type, name: r.name, urn: r.urn, inputs: r.inputs, dependsOn };
    });
}

/** The local stack's previews within this many times the bare program's (docs/benchmarks.md has the measured ratio). */
const BOUND = 3;
/** The local stack's cold preview and its `up` within this many times the flat program's: our program's own cost. */
const FLAT_BOUND = 2;
/** Previews change nothing, so after the first they are measured this many times, alternating. */
const NEW_ROUNDS = 3;
const WARM_ROUNDS = 5;

describe("e2e: engine overhead of the local stack against a bare program with the same providers", function () {
    let world: World;
    let local: Project;
    let bare: Run;
    let flat: Run;
    let flatCount = 0;
    const figures: Record<string, { bare: number; local?: number; flat?: number }> = {};

    before(async function () {
        this.timeout(START_TIMEOUT_MS);
        world = await e2eWorld();
        local = await world.project();
        bare = await programProject(world, "bare", BARE_PROGRAM);
        const resources = flatResources(world);
        flatCount = resources.length;
        flat = await programProject(world, "flat", FLAT_PROGRAM, { "resources.json": JSON.stringify(resources) });
    });

    after(async function () {
        this.timeout(300_000);
        await bare?.(["destroy", "--stack", "bare", "--yes", "--skip-preview"]);
        await local?.pulumi(["destroy", "--stack", "local", "--yes", "--skip-preview"]);
        await flat?.(["destroy", "--stack", "flat", "--yes", "--skip-preview"]);
        const ratio = (a: number | undefined, b: number | undefined) => (a && b ? Math.round((a / b) * 100) / 100 : undefined);
        const ratios = Object.fromEntries(
            Object.entries(figures).map(([step, f]) => [
                step,
                { ...f, ratio: ratio(f.local, f.bare), flatRatio: ratio(f.local, f.flat), flatOverBare: ratio(f.flat, f.bare) },
            ]),
        );
        process.stdout.write(`      flat program: ${flatCount} resources besides its provider and dynamic resource\n`);
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
        figures[step] = {
            bare: median(times.bare),
            ...(times.local ? { local: median(times.local) } : {}),
            ...(times.flat ? { flat: median(times.flat) } : {}),
        };
    }

    it("cold `pulumi preview` (first of each program in this PULUMI_HOME, nothing in any cache)", async function () {
        this.timeout(900_000);
        await measure("coldPreview", ["preview"], ["bare", "flat", "local"]);
    });

    it(`\`pulumi preview\` of the new stacks (everything to create; median of ${NEW_ROUNDS} alternating rounds)`, async function () {
        this.timeout(900_000);
        await measure("newStackPreview", ["preview"], ["bare", "flat", "local"], NEW_ROUNDS);
    });

    it("`pulumi up` (everything created)", async function () {
        this.timeout(900_000);
        await measure("up", ["up", "--yes", "--skip-preview"], ["local", "bare"]);
    });

    it(`warm \`pulumi preview\` (no change; median of ${WARM_ROUNDS} alternating rounds)`, async function () {
        this.timeout(900_000);
        await measure("warmPreview", ["preview"], ["bare", "local"], WARM_ROUNDS);
    });

    it("the flat program's `pulumi up` and warm previews, once the local stack's objects are destroyed", async function () {
        this.timeout(900_000);
        const destroyed = await local.pulumi(["destroy", "--stack", "local", "--yes", "--skip-preview"]);
        assert.strictEqual(destroyed.code, 0, transcript(destroyed));
        const up = await flat(["up", "--yes", "--skip-preview", "--stack", "flat"]);
        assert.strictEqual(up.code, 0, transcript(up));
        figures.up.flat = up.ms;
        await measure("flatWarmPreview", ["preview"], ["bare", "flat"], WARM_ROUNDS);
    });

    it(`the local stack's previews stay within ${BOUND}× the bare program's, its cold preview and \`up\` within ${FLAT_BOUND}× the flat program's`, function () {
        assert.deepStrictEqual(
            Object.keys(figures),
            ["coldPreview", "newStackPreview", "up", "warmPreview", "flatWarmPreview"],
            "every step measured",
        );
        for (const step of ["coldPreview", "newStackPreview", "warmPreview"]) {
            const f = figures[step];
            assert.ok(f.local! <= BOUND * f.bare, `${step}: local ${f.local} ms > ${BOUND} × bare ${f.bare} ms`);
        }
        for (const step of ["coldPreview", "up"]) {
            const f = figures[step];
            assert.ok(f.local! <= FLAT_BOUND * f.flat!, `${step}: local ${f.local} ms > ${FLAT_BOUND} × flat ${f.flat} ms`);
        }
    });
});
