import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../config/stackFile";
import { Engine, RunResult } from "./engine";
import { nodeRelease } from "./node";
import { transcript } from "./world";

/**
 * Our Node.js language host (tools/pulumi-nodejs) under the real CLI, on a program of its own: what
 * the CLI asks of `pulumi-language-nodejs` for preview, up, a no-op up, destroy and stack outputs; a
 * secret config value that never shows in plain text; a program error and an error inside an
 * `apply` (on the machine's Node and Node 24); a policy pack (RunPlugin, the stack's config reaching
 * the pack) whose violation fails the preview; a dynamic provider through our launcher.
 */
const SECRET = "e2e-secret-Zq81vX";

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const mode = config.get("mode") ?? "ok";
if (mode === "throw") throw new Error("e2e: thrown by the program");
console.log("e2e: the program ran");

/** Writes a line per call to a file the test reads, so each operation is seen to run in the provider host. */
const journal = config.require("journal");
const recorder: pulumi.dynamic.ResourceProvider = {
    async create(inputs) {
        require("fs").appendFileSync(inputs.journal, "create " + inputs.value + "\\n");
        return { id: "thing-1", outs: { ...inputs, made: "at-" + inputs.value } };
    },
    async diff(_id, olds, news) {
        return { changes: olds.value !== news.value };
    },
    async update(_id, _olds, news) {
        require("fs").appendFileSync(news.journal, "update " + news.value + "\\n");
        return { outs: { ...news, made: "at-" + news.value } };
    },
    async delete(_id, props) {
        require("fs").appendFileSync(props.journal, "delete " + props.value + "\\n");
    },
};
class Thing extends pulumi.dynamic.Resource {
    declare readonly made: pulumi.Output<string>;
    constructor(name: string, props: Record<string, pulumi.Input<string> | undefined>) {
        super(recorder, name, props, {});
    }
}
const thing = new Thing("thing", { value: config.get("value") ?? "one", journal, made: undefined });

export const greeting = config.require("greeting");
export const tokenLength = config.requireSecret("token").apply((t) => t.length);
export const token = config.requireSecret("token");
export const made = thing.made;
export const failing = mode === "apply" ? pulumi.output("x").apply(() => { throw new Error("e2e: thrown inside an apply"); }) : "no";
`;

const PACK = `const { PolicyPack } = require("@pulumi/policy");
const pulumi = require("@pulumi/pulumi");
new PolicyPack("e2e-pack", {
    policies: [{
        name: "no-forbidden-value",
        description: "A dynamic resource's value may not be 'forbidden'.",
        enforcementLevel: "mandatory",
        validateResource: (args, report) => {
            if (args.props.value === "forbidden")
                report("forbidden value on stack " + pulumi.getStack() + ", greeting " + new pulumi.Config("host-e2e").get("greeting"));
        },
    }],
});
`;

function allOutput(results: RunResult[]): string {
    return results.map((r) => r.stdout + r.stderr).join("\n");
}

describe("e2e: our Node.js language host under the real CLI", function () {
    let engine: Engine;
    let program: string;
    let pack: string;
    let journal: string;
    const results: RunResult[] = [];

    const pulumi = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> => {
        const r = await engine.run([...args, "--stack", "dev", "--non-interactive"], { cwd: program, env, timeoutMs: 120_000 });
        results.push(r);
        return r;
    };
    const ok = (r: RunResult) => assert.strictEqual(r.code, 0, transcript(r));
    const config = async (key: string, value: string, secret = false) =>
        ok(await pulumi(["config", "set", ...(secret ? ["--secret"] : []), key, value]));

    before(async function () {
        this.timeout(120_000);
        engine = await Engine.create();
        program = path.join(engine.root, "host-e2e");
        pack = path.join(engine.root, "host-e2e-pack");
        journal = path.join(engine.root, "journal.txt");
        fs.mkdirSync(program);
        fs.mkdirSync(pack);
        // The project's runtime preload, so an error inside an apply ends the run on Node 20.20 (docs/testing.md).
        fs.writeFileSync(
            path.join(program, "Pulumi.yaml"),
            `name: host-e2e\nruntime:\n  name: nodejs\n  options:\n    nodeargs: "--require ${path.join(PROJECT_ROOT, "scripts", "unmap-dependency-frames.js")}"\n`,
        );
        fs.writeFileSync(path.join(program, "index.ts"), PROGRAM);
        fs.writeFileSync(path.join(program, "package.json"), JSON.stringify({ name: "host-e2e", main: "index.ts" }));
        fs.writeFileSync(
            path.join(program, "tsconfig.json"),
            JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", module: "commonjs" } }),
        );
        fs.writeFileSync(path.join(pack, "PulumiPolicy.yaml"), "runtime: nodejs\n");
        fs.writeFileSync(path.join(pack, "index.js"), PACK);
        fs.writeFileSync(path.join(pack, "package.json"), JSON.stringify({ name: "e2e-pack", version: "0.1.0", main: "index.js" }));
        for (const dir of [program, pack]) fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"));
        ok(await engine.run(["stack", "init", "dev", "--non-interactive"], { cwd: program }));
        await config("greeting", "hello");
        await config("token", SECRET, true);
        await config("journal", journal);
    });

    after(() => engine?.remove());

    it("previews and applies the program: its output, the dynamic resource created in the provider host, the stack outputs", async function () {
        this.timeout(240_000);
        const preview = await pulumi(["preview"]);
        ok(preview);
        assert.match(preview.stdout, /e2e: the program ran/);
        assert.match(preview.stdout, /\+ 2 to create/);
        ok(await pulumi(["up", "--yes"]));
        assert.strictEqual(fs.readFileSync(journal, "utf8"), "create one\n");
        const outputs = await pulumi(["stack", "output", "--json"]);
        ok(outputs);
        assert.deepStrictEqual(JSON.parse(outputs.stdout), {
            greeting: "hello",
            tokenLength: "[secret]",
            token: "[secret]",
            made: "at-one",
            failing: "no",
        });
        const shown = await pulumi(["stack", "output", "token", "--show-secrets"]);
        assert.strictEqual(shown.stdout.trim(), SECRET);
        // The one command asked to show it; every other command's output is searched for it below.
        results.pop();
    });

    it("a no-op update changes nothing; a changed input updates the resource through the provider host", async function () {
        this.timeout(240_000);
        ok(await pulumi(["up", "--yes", "--expect-no-changes"]));
        await config("value", "two");
        const update = await pulumi(["up", "--yes"]);
        ok(update);
        assert.match(update.stdout, /~ 1 updated/);
        assert.strictEqual(fs.readFileSync(journal, "utf8"), "create one\nupdate two\n");
    });

    it("keeps the secret config value out of plain text: in the state and in every command's output", async function () {
        this.timeout(120_000);
        const state = await pulumi(["stack", "export"]);
        ok(state);
        assert.ok(state.stdout.includes("ciphertext"), "the exported state carries the secret encrypted");
        assert.ok(!allOutput(results).includes(SECRET), "the secret appeared in plain text outside `--show-secrets`");
        const stateFiles = fs.readdirSync(path.join(engine.root, "state"), { recursive: true }) as string[];
        for (const file of stateFiles.map((f) => path.join(engine.root, "state", f)).filter((f) => fs.statSync(f).isFile())) {
            assert.ok(!fs.readFileSync(file, "utf8").includes(SECRET), `${file} holds the secret in plain text`);
        }
    });

    it("a policy pack run through RunPlugin gets the stack's config and fails the preview with its violation", async function () {
        this.timeout(240_000);
        const clean = await pulumi(["preview", "--policy-pack", pack]);
        ok(clean);
        assert.match(clean.stdout, /e2e-pack@v0\.1\.0/);
        await config("value", "forbidden");
        const violating = await pulumi(["preview", "--policy-pack", pack]);
        assert.notStrictEqual(violating.code, 0, transcript(violating));
        assert.match(violating.stdout, /\[mandatory\]\s+no-forbidden-value/);
        assert.match(violating.stdout, /forbidden value on stack dev, greeting hello/);
        await config("value", "two");
    });

    it("a program that throws fails the preview with its error and the run's exit code", async function () {
        this.timeout(120_000);
        await config("mode", "throw");
        const r = await pulumi(["preview"]);
        assert.notStrictEqual(r.code, 0, transcript(r));
        assert.match(r.stdout + r.stderr, /e2e: thrown by the program/);
        assert.doesNotMatch(
            r.stdout + r.stderr,
            /Program exited with non-zero exit code/,
            "the runner reported the error itself (exit 32): no second message",
        );
    });

    for (const node of [
        { label: `the machine's Node (${process.version})`, binDir: () => undefined },
        { label: "Node 24 (npm's node package)", binDir: () => nodeRelease("24").binDir },
    ]) {
        it(`an error inside an apply ends the preview with the error on ${node.label}`, async function () {
            this.timeout(400_000);
            await config("mode", "apply");
            const binDir = node.binDir();
            const r = await pulumi(["preview"], { PATH: [binDir, engine.env.PATH].filter((p) => p).join(path.delimiter) });
            assert.ok(!r.timedOut, `the preview hung:\n${transcript(r)}`);
            assert.notStrictEqual(r.code, 0, transcript(r));
            assert.match(r.stdout + r.stderr, /e2e: thrown inside an apply/);
        });
    }

    it("destroy deletes the resource through the provider host and leaves an empty stack", async function () {
        this.timeout(240_000);
        await config("mode", "ok");
        ok(await pulumi(["destroy", "--yes"]));
        assert.strictEqual(fs.readFileSync(journal, "utf8").trim().split("\n").pop(), "delete two");
        const state = JSON.parse((await pulumi(["stack", "export"])).stdout) as { deployment: { resources?: unknown[] } };
        assert.deepStrictEqual(state.deployment.resources ?? [], []);
    });
});
