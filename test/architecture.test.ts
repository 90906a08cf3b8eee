import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { builtinModules } from "module";
import * as ts from "typescript";

/**
 * The architecture as a test over the import graph (docs/architecture.md, Code layout): layers only
 * import downwards, no module takes part in an import loop, the domains under components/ form no
 * loop either, and the modules the HealthGate's dynamic provider serialises (rollout/gate/) import
 * nothing of the program outside their folder, so what goes into the provider's state is exactly them.
 * The test-engine stand-in plugins (tools/stand-in-plugins/) import nothing of the program either.
 */

const ROOT = path.resolve(__dirname, "..");
// Dependencies, build output, and hidden folders (tools, scratch copies of the project).
const SKIP = new Set(["node_modules", "bin-out"]);

/** Layers from the bottom; a module may import its own layer and the layers below it. */
const LAYERS: { name: string; matches: (file: string) => boolean }[] = [
    { name: "identity", matches: (f) => f === "identity.ts" },
    { name: "rollout/gate", matches: (f) => f.startsWith("rollout/gate/") },
    { name: "rollout", matches: (f) => f.startsWith("rollout/") },
    { name: "config", matches: (f) => f.startsWith("config/") },
    { name: "cost, providers", matches: (f) => f.startsWith("cost/") || f.startsWith("providers/") },
    { name: "components", matches: (f) => f.startsWith("components/") },
    { name: "index", matches: (f) => f === "index.ts" },
    {
        name: "bin, policies, deploy, pipeline-roles",
        matches: (f) => f.startsWith("bin/") || f.startsWith("policies/") || f.startsWith("deploy/") || f.startsWith("pipeline-roles/"),
    },
    { name: "tools", matches: (f) => f.startsWith("tools/") },
    { name: "test", matches: (f) => f.startsWith("test/") },
];

function layerOf(file: string): number {
    const index = LAYERS.findIndex((l) => l.matches(file));
    if (index < 0) throw new Error(`${file} is in no layer; add its folder to LAYERS`);
    return index;
}

function sourceFiles(dir = ROOT): string[] {
    const out: string[] = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (SKIP.has(entry.name) || entry.name.startsWith(".")) continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) out.push(...sourceFiles(full));
        else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path.relative(ROOT, full));
    }
    return out;
}

interface Import {
    from: string;
    /** Repository-relative target file for a relative import; the package name otherwise. */
    to: string;
    relative: boolean;
}

function importsOf(file: string): Import[] {
    const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), "utf8"), true, true);
    return info.importedFiles.map(({ fileName }) => {
        if (!fileName.startsWith(".")) return { from: file, to: fileName, relative: false };
        const base = path.normalize(path.join(path.dirname(file), fileName));
        const target = [`${base}.ts`, path.join(base, "index.ts"), base].find(
            (c) => fs.existsSync(path.join(ROOT, c)) && fs.statSync(path.join(ROOT, c)).isFile(),
        );
        return { from: file, to: target ?? `${base} (unresolved)`, relative: true };
    });
}

/** Strongly connected components with more than one member (or a self-import): the import loops. */
function loops(nodes: string[], edges: Map<string, string[]>): string[][] {
    let counter = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const found: string[][] = [];
    const visit = (v: string) => {
        index.set(v, counter);
        low.set(v, counter++);
        stack.push(v);
        onStack.add(v);
        for (const w of edges.get(v) ?? []) {
            if (!index.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
        if (low.get(v) === index.get(v)) {
            const component: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                onStack.delete(w);
                component.push(w);
            } while (w !== v);
            if (component.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(component.sort());
        }
    };
    for (const n of nodes) if (!index.has(n)) visit(n);
    return found;
}

describe("architecture (import graph)", () => {
    const files = sourceFiles();
    const imports = files.flatMap(importsOf);
    const relative = imports.filter((i) => i.relative);

    it("finds the program's modules and their imports (sanity)", () => {
        assert.ok(files.includes("index.ts") && files.includes("rollout/gate/gates.ts") && files.includes("providers/healthGate.ts"));
        assert.ok(relative.length > 300, `only ${relative.length} relative imports found`);
        assert.deepStrictEqual(
            relative.filter((i) => i.to.endsWith("(unresolved)")),
            [],
        );
    });

    it("imports only from its own layer or a lower one", () => {
        const upward = relative
            .filter((i) => layerOf(i.to) > layerOf(i.from))
            .map((i) => `${i.from} (${LAYERS[layerOf(i.from)].name}) imports ${i.to} (${LAYERS[layerOf(i.to)].name})`);
        assert.deepStrictEqual(upward, []);
    });

    it("has no import loop between modules", () => {
        const edges = new Map<string, string[]>();
        for (const i of relative) edges.set(i.from, [...(edges.get(i.from) ?? []), i.to]);
        assert.deepStrictEqual(loops(files, edges), []);
    });

    it("has no import loop between the domains under components/", () => {
        const domain = (f: string) => f.split("/")[1];
        const edges = new Map<string, string[]>();
        for (const i of relative.filter(
            (r) => r.from.startsWith("components/") && r.to.startsWith("components/") && domain(r.from) !== domain(r.to),
        )) {
            edges.set(domain(i.from), [...(edges.get(domain(i.from)) ?? []), domain(i.to)]);
        }
        assert.ok(edges.size >= 5, "the domains import each other (sanity)");
        assert.deepStrictEqual(loops([...edges.keys()], edges), []);
    });

    it("keeps the HealthGate's serialised modules self-contained in rollout/gate/", () => {
        // Node built-ins and the one package they use are required by name in the serialised provider, not captured.
        const allowedPackages = new Set([...builtinModules, "yaml"]);
        const outside = imports
            .filter((i) => i.from.startsWith("rollout/gate/"))
            .filter((i) => (i.relative ? !i.to.startsWith("rollout/gate/") : !allowedPackages.has(i.to.replace(/^node:/, ""))))
            .map((i) => `${i.from} imports ${i.to}`);
        assert.deepStrictEqual(outside, []);
    });

    it("keeps the policy pack self-contained (it runs as its own package)", () => {
        const outside = relative
            .filter((i) => i.from.startsWith("policies/") && !i.to.startsWith("policies/"))
            .map((i) => `${i.from} imports ${i.to}`);
        assert.deepStrictEqual(outside, []);
    });

    it("keeps the test-engine stand-in plugins self-contained (the engine runs them as plugins, not as part of the program)", () => {
        const outside = relative
            .filter((i) => i.from.startsWith("tools/stand-in-plugins/") && !i.to.startsWith("tools/stand-in-plugins/"))
            .map((i) => `${i.from} imports ${i.to}`);
        assert.deepStrictEqual(outside, []);
    });

    it("reports an upward import and a loop when there is one (the checks can fail)", () => {
        assert.ok(layerOf("rollout/stages.ts") < layerOf("config/index.ts"));
        const edges = new Map([
            ["a", ["b"]],
            ["b", ["a"]],
            ["c", ["a"]],
        ]);
        assert.deepStrictEqual(loops(["a", "b", "c"], edges), [["a", "b"]]);
    });
});
