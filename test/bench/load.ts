/**
 * `npm run bench:load`: time from a fresh Node process's start until index.ts is loaded, each sample a
 * new process (fresh TMPDIR, so no ts-node cache):
 * - as Pulumi.yaml starts the program: its nodeargs preload scripts/load-typescript.js (ts-node with
 *   SWC, tsconfig.pulumi.json), with its cache of transpiled files emptied before each sample, then
 *   with the cache as the previous run left it;
 * - as the Pulumi Node.js language host's own TypeScript support would (@pulumi/pulumi/cmd/run/run.js
 *   registers ts-node: `transpileOnly` from the tsconfig's `noCheck`, `project` = the tsconfig, whose
 *   "ts-node" section picks SWC), with tsconfig.pulumi.json on SWC and on TypeScript's own
 *   transpiler, and with the type-checking tsconfig.json.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../config/stackFile";
import { programNodeArgs } from "../harness/languageHost";

const TS_NODE = `
const fs = require("fs");
const ts = require("typescript");
const project = process.argv[1];
const compilerOptions = ts.parseConfigFileTextToJson(project, fs.readFileSync(project, "utf8")).config.compilerOptions || {};
require("ts-node").register({
    ...(process.env.BENCH_TRANSPILER === "typescript" ? { swc: false } : {}),
    transpileOnly: compilerOptions.noCheck,
    project,
    compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
});
require("./index.ts");
process.stdout.write(String(performance.now()));
`;

const PRELOADED = `require("./index.ts"); process.stdout.write(String(performance.now()));`;

/** scripts/load-typescript.js's cache of transpiled files. */
const TRANSPILED = path.join(PROJECT_ROOT, "node_modules", ".cache", "claude-enhancer-typescript");

interface Variant {
    how: string;
    transpiler: string;
    checked: string;
    args: string[];
    env?: Record<string, string>;
    before?: () => void;
}

const VARIANTS: Variant[] = [
    {
        how: "Pulumi.yaml (scripts/load-typescript.js), no transpiled file cached",
        transpiler: "SWC",
        checked: "no",
        args: [...programNodeArgs(), "-e", PRELOADED],
        before: () => fs.rmSync(TRANSPILED, { recursive: true, force: true }),
    },
    {
        how: "Pulumi.yaml (scripts/load-typescript.js), sources unchanged since the last run",
        transpiler: "— (cached)",
        checked: "no",
        args: [...programNodeArgs(), "-e", PRELOADED],
    },
    {
        how: "the runtime's ts-node, tsconfig.pulumi.json",
        transpiler: "SWC",
        checked: "no (noCheck)",
        args: ["-e", TS_NODE, "tsconfig.pulumi.json"],
    },
    {
        how: "the runtime's ts-node, tsconfig.pulumi.json",
        transpiler: "TypeScript",
        checked: "no (noCheck)",
        args: ["-e", TS_NODE, "tsconfig.pulumi.json"],
        env: { BENCH_TRANSPILER: "typescript" },
    },
    { how: "the runtime's ts-node, tsconfig.json", transpiler: "TypeScript", checked: "yes", args: ["-e", TS_NODE, "tsconfig.json"] },
];

function sample(variant: Variant): number {
    variant.before?.();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ce-load-"));
    try {
        const child = spawnSync(process.execPath, variant.args, {
            cwd: PROJECT_ROOT,
            encoding: "utf8",
            env: { ...process.env, TMPDIR: tmp, TS_NODE_CACHE: "false", ...variant.env },
        });
        if (child.status !== 0) throw new Error(`loading as "${variant.how}" failed:\n${child.stderr}`);
        return Number(child.stdout);
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

function main(): void {
    const runs = Number(process.env.BENCH_RUNS ?? 3);
    console.log(`Node start to index.ts loaded (median of ${runs} fresh processes, Node ${process.version}):\n`);
    console.log("| loaded by | transpiler | type-check | load |");
    console.log("|---|---|---|---:|");
    for (const variant of VARIANTS) {
        const times = Array.from({ length: runs }, () => sample(variant)).sort((a, b) => a - b);
        console.log(
            `| ${variant.how} | ${variant.transpiler} | ${variant.checked} | ${(times[Math.floor(runs / 2)] / 1000).toFixed(2)} s |`,
        );
    }
}

main();
