import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../config/stackFile";
import { runCommand } from "./engine";

/**
 * docs/testing.md's "By hand" lines, run as written: after `npm run engine:setup` they put our
 * language host and the kit's CLI first on PATH and a PULUMI_HOME with the three resource plugins
 * installed under the versions the npm SDKs ask for.
 */
function byHandLines(): string[] {
    const doc = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "testing.md"), "utf8");
    const block = /\*\*By hand\*\*[\s\S]*?```sh\n([\s\S]*?)```/.exec(doc);
    assert.ok(block, 'docs/testing.md has no "By hand" sh block');
    return block[1].split("\n").map((line) => line.trim());
}

describe("e2e: the documented by-hand set-up of the engine", () => {
    it("puts our language host and launcher beside the kit's CLI and the plugins in the documented PULUMI_HOME", async function () {
        this.timeout(120_000);
        const exports = byHandLines().filter((line) => line.startsWith("export "));
        assert.strictEqual(exports.length, 2, byHandLines().join("\n"));
        const script = [
            ...exports.map((line) => line.replace("<yours>", "by-hand")),
            "command -v pulumi pulumi-language-nodejs pulumi-resource-pulumi-nodejs",
            "pulumi plugin ls --json",
        ].join("\n");
        const r = await runCommand("bash", ["-euc", script], {
            cwd: PROJECT_ROOT,
            env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
        });
        assert.strictEqual(r.code, 0, r.stderr);
        const [cli, host, launcher] = r.stdout.split("\n");
        const bin = path.join(PROJECT_ROOT, ".tools", "pulumi-real", "bin");
        assert.deepStrictEqual(
            [cli, host, launcher],
            ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"].map((f) => path.join(bin, f)),
        );
        const plugins = JSON.parse(r.stdout.slice(r.stdout.indexOf("["))) as { name: string; kind: string; version: string }[];
        for (const name of ["random", "command", "kubernetes"]) {
            // @pulumi/command's package.json says "v4.5.0"; plugins are listed without the v.
            const manifest = fs.readFileSync(path.join(PROJECT_ROOT, "node_modules", "@pulumi", name, "package.json"), "utf8");
            const sdk = (JSON.parse(manifest) as { version: string }).version.replace(/^v/, "");
            assert.ok(
                plugins.some((p) => p.name === name && p.kind === "resource" && p.version === sdk),
                `${name} ${sdk} is not installed: ${JSON.stringify(plugins)}`,
            );
        }
    });
});
