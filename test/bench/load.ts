/**
 * `npm run bench:load`: cold load time of the program as `pulumi up` loads it. Each sample is a fresh
 * Node process (fresh TMPDIR, so no ts-node cache) that registers ts-node the way the Pulumi Node.js
 * language host does (@pulumi/pulumi/cmd/run/run.js: `transpileOnly` from the tsconfig's `noCheck`,
 * `project` = the runtime's tsconfig, whose "ts-node" section picks the SWC transpiler) and requires
 * index.ts. Compares the tsconfig Pulumi.yaml names (tsconfig.pulumi.json: noCheck, SWC) with the same
 * on TypeScript's own transpiler and with the type-checking tsconfig.json.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../config/stackFile";

const CHILD = `
const t0 = process.hrtime.bigint();
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
process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));
`;

function sample(tsconfig: string, transpiler: string): number {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ce-load-"));
    try {
        const child = spawnSync(process.execPath, ["-e", CHILD, tsconfig], {
            cwd: PROJECT_ROOT,
            encoding: "utf8",
            env: { ...process.env, TMPDIR: tmp, TS_NODE_CACHE: "false", BENCH_TRANSPILER: transpiler },
        });
        if (child.status !== 0) throw new Error(`loading with ${tsconfig} failed:\n${child.stderr}`);
        return Number(child.stdout);
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

function main(): void {
    const runs = Number(process.env.BENCH_RUNS ?? 3);
    console.log(`Cold load of index.ts as the Pulumi language host loads it (median of ${runs} fresh processes):\n`);
    console.log("| tsconfig | transpiler | type-check | cold load |");
    console.log("|---|---|---|---:|");
    for (const [tsconfig, transpiler, checked] of [
        ["tsconfig.pulumi.json", "swc", "no (noCheck)"],
        ["tsconfig.pulumi.json", "typescript", "no (noCheck)"],
        ["tsconfig.json", "typescript", "yes"],
    ]) {
        const times = Array.from({ length: runs }, () => sample(tsconfig, transpiler)).sort((a, b) => a - b);
        console.log(`| ${tsconfig} | ${transpiler} | ${checked} | ${(times[Math.floor(runs / 2)] / 1000).toFixed(2)} s |`);
    }
}

main();
