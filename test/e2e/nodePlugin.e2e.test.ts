import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../config/stackFile";
import { Engine, RunResult } from "./engine";
import { transcript } from "./world";

/**
 * A resource plugin written in Node.js (a folder with PulumiPlugin.yaml, `runtime: nodejs`), installed
 * with `pulumi plugin install --file <folder>` and started by the real CLI through our language host's
 * RunPlugin (`@pulumi/pulumi/cmd/run-plugin`), as the CLI starts any plugin that is not a binary.
 * The engine's root is under .tools/ so the installed copy finds the repository's node_modules above it.
 */
const PLUGIN = `const provider = require("@pulumi/pulumi/provider");
const plugin = {
    version: "0.1.0",
    async check(_urn, _olds, news) {
        const unknown = Object.keys(news).filter((k) => k !== "name");
        return { inputs: news, failures: unknown.map((property) => ({ property, reason: "not a property of hello:index:Greeting" })) };
    },
    async create(_urn, inputs) {
        return { id: "greeting-" + inputs.name, outs: { name: inputs.name, message: "hello, " + inputs.name + " (pid " + process.pid + ")" } };
    },
    async diff(_id, olds, news) {
        return { changes: olds.name !== news.name, replaces: olds.name !== news.name ? ["name"] : [] };
    },
};
provider.main(plugin, process.argv.slice(2));
`;

const PROGRAM = `const pulumi = require("@pulumi/pulumi");
class Greeting extends pulumi.CustomResource {
    constructor(name, args) {
        super("hello:index:Greeting", name, { ...args, message: undefined }, { version: "0.1.0" });
    }
}
const greeting = new Greeting("greeting", { name: new pulumi.Config().get("name") || "world" });
exports.message = greeting.message;
`;

describe("e2e: a Node.js resource plugin run by the CLI through our language host's RunPlugin", function () {
    let engine: Engine;
    let program: string;
    const pulumi = (args: string[]): Promise<RunResult> => engine.run([...args, "--non-interactive"], { cwd: program, timeoutMs: 120_000 });

    before(async function () {
        this.timeout(120_000);
        engine = await Engine.create({ within: path.join(PROJECT_ROOT, ".tools") });
        const pluginDir = path.join(engine.root, "hello-plugin");
        program = path.join(engine.root, "hello-program");
        fs.mkdirSync(pluginDir);
        fs.mkdirSync(program);
        fs.writeFileSync(path.join(pluginDir, "PulumiPlugin.yaml"), "runtime: nodejs\n");
        fs.writeFileSync(
            path.join(pluginDir, "package.json"),
            JSON.stringify({ name: "pulumi-resource-hello", version: "0.1.0", main: "index.js" }),
        );
        fs.writeFileSync(path.join(pluginDir, "index.js"), PLUGIN);
        fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: hello-program\nruntime: nodejs\n");
        fs.writeFileSync(path.join(program, "package.json"), JSON.stringify({ name: "hello-program", main: "index.js" }));
        fs.writeFileSync(path.join(program, "index.js"), PROGRAM);
        const install = await engine.run(["plugin", "install", "resource", "hello", "0.1.0", "--file", pluginDir]);
        assert.strictEqual(install.code, 0, transcript(install));
        const init = await pulumi(["stack", "init", "dev"]);
        assert.strictEqual(init.code, 0, transcript(init));
    });

    after(() => engine?.remove());

    it("creates the plugin's resource and shows its output; the plugin ran in a Node process of its own", async function () {
        this.timeout(240_000);
        const up = await pulumi(["up", "--yes", "--stack", "dev"]);
        assert.strictEqual(up.code, 0, transcript(up));
        const out = await pulumi(["stack", "output", "message", "--stack", "dev"]);
        assert.match(out.stdout.trim(), /^hello, world \(pid \d+\)$/);
        assert.notStrictEqual(out.stdout.trim(), `hello, world (pid ${process.pid})`);
    });

    it("a plugin's check failure reaches the CLI with the plugin's reason", async function () {
        this.timeout(240_000);
        fs.writeFileSync(
            path.join(program, "index.js"),
            PROGRAM.replace("{ ...args, message: undefined }", '{ ...args, colour: "blue", message: undefined }'),
        );
        const preview = await pulumi(["preview", "--stack", "dev"]);
        assert.notStrictEqual(preview.code, 0, transcript(preview));
        assert.match(preview.stdout + preview.stderr, /colour.*not a property of hello:index:Greeting/);
        fs.writeFileSync(path.join(program, "index.js"), PROGRAM);
        const destroy = await pulumi(["destroy", "--yes", "--stack", "dev"]);
        assert.strictEqual(destroy.code, 0, transcript(destroy));
    });
});
