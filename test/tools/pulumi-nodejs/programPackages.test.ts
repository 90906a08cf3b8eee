import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installedDependencies, packageManagerOf } from "../../../tools/pulumi-nodejs/languageHost/programDependencies";
import { pluginOf, requiredPackages } from "../../../tools/pulumi-nodejs/languageHost/requiredPackages";

function write(file: string, content: object | string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
}

describe("language host: the packages a program needs", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "required-packages-"));
        write(path.join(dir, "package.json"), {
            name: "prog",
            dependencies: { "@pulumi/random": "4.21.2", left: "1.0.0" },
            devDependencies: { mocha: "11" },
        });
        const modules = path.join(dir, "node_modules");
        write(path.join(modules, "@pulumi/random/package.json"), {
            name: "@pulumi/random",
            version: "4.21.2",
            pulumi: { resource: true, name: "random" },
        });
        write(path.join(modules, "@pulumi/pulumi/package.json"), { name: "@pulumi/pulumi", version: "3.270.0" });
        write(path.join(modules, "left/package.json"), { name: "left", version: "1.0.0" });
        write(path.join(modules, "mocha/package.json"), { name: "mocha", version: "11.7.5" });
        // A nested copy with its own plugin version, and a third-party plugin naming its plugin.
        write(path.join(modules, "left/node_modules/@pulumi/kubernetes/package.json"), {
            name: "@pulumi/kubernetes",
            version: "4.34.2",
            pulumi: { resource: true },
        });
        write(path.join(modules, "acme-provider/package.json"), {
            name: "acme-provider",
            version: "0.3.0",
            pulumi: { resource: true, name: "acme", version: "0.3.1", server: "https://plugins.acme.example" },
        });
        // A nested policy pack's plugins are not the program's; hidden folders are not searched.
        write(path.join(dir, "policies/PulumiPolicy.yaml"), "runtime: nodejs\n");
        write(path.join(dir, "policies/node_modules/@pulumi/aws/package.json"), {
            name: "@pulumi/aws",
            version: "7.48.0",
            pulumi: { resource: true },
        });
        write(path.join(dir, ".tools/node_modules/@pulumi/gcp/package.json"), {
            name: "@pulumi/gcp",
            version: "9.0.0",
            pulumi: { resource: true },
        });
        // A sub-folder of the project with its own node_modules counts.
        write(path.join(dir, "sub/node_modules/@pulumi/command/package.json"), {
            name: "@pulumi/command",
            version: "4.5.0",
            pulumi: { resource: true },
        });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("lists every installed package that ships a resource plugin, v-prefixed, nested and third-party ones included", () => {
        const found = requiredPackages(dir)
            .map((p) => `${p.name} ${p.version} ${p.server}`.trim())
            .sort();
        assert.deepStrictEqual(found, [
            "acme v0.3.1 https://plugins.acme.example",
            "command v4.5.0",
            "kubernetes v4.34.2",
            "random v4.21.2",
        ]);
    });

    it("follows a symlinked node_modules once", () => {
        const other = fs.mkdtempSync(path.join(os.tmpdir(), "linked-"));
        fs.symlinkSync(path.join(dir, "node_modules"), path.join(other, "node_modules"));
        fs.symlinkSync(path.join(dir, "node_modules"), path.join(other, "again"));
        try {
            assert.deepStrictEqual(
                requiredPackages(other)
                    .map((p) => p.name)
                    .sort(),
                ["acme", "kubernetes", "random"],
            );
        } finally {
            fs.rmSync(other, { recursive: true, force: true });
        }
    });

    it("refuses a third-party plugin package that does not name its plugin", () => {
        assert.throws(
            () => pluginOf({ name: "acme-x", version: "1.0.0", pulumi: { resource: true } }, "/m/acme-x/package.json"),
            /acme-x\/package.json: a third-party plugin package must name its plugin/,
        );
        assert.strictEqual(pluginOf({ name: "@pulumi/pulumi", version: "3.270.0" }, "x"), undefined);
    });

    it("reports the declared dependencies at their installed versions, or every installed package when transitive", () => {
        assert.deepStrictEqual(installedDependencies(dir, false), [
            { name: "@pulumi/random", version: "4.21.2" },
            { name: "left", version: "1.0.0" },
            { name: "mocha", version: "11.7.5" },
        ]);
        const all = installedDependencies(dir, true).map((d) => `${d.name}@${d.version}`);
        assert.ok(
            all.includes("@pulumi/kubernetes@4.34.2") && all.includes("acme-provider@0.3.0") && all.includes("@pulumi/pulumi@3.270.0"),
            all.join(" "),
        );
        assert.strictEqual(all.length, 6);
    });

    it("picks the package manager from the option, else from the lockfile, npm without one", () => {
        assert.strictEqual(packageManagerOf(dir, {}), "npm");
        write(path.join(dir, "yarn.lock"), "");
        assert.strictEqual(packageManagerOf(dir, { packagemanager: "auto" }), "yarn");
        assert.strictEqual(packageManagerOf(dir, { packagemanager: "pnpm" }), "pnpm");
        assert.throws(
            () => packageManagerOf(dir, { packagemanager: "cargo" }),
            /packagemanager option must be one of auto, npm, yarn, pnpm or bun, got "cargo"/,
        );
    });
});
