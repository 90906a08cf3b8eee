/**
 * `npm run bench:program`: evaluates the whole program under Pulumi's mock runtime for each stack,
 * each in a fresh Node process, and prints resources registered, evaluation wall time and peak RSS
 * next to the floor (an empty program under the same runtime) as ratios.
 *
 * With `--child <stack|empty>` it is the measured process itself and prints one JSON line.
 */
import { spawnSync } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import { performance } from "perf_hooks";
import { STACKS } from "../../config/stackFile";
import { installMocks, runProgram } from "../harness/program";

interface Sample {
    stack: string;
    resources: number;
    wallMs: number;
    peakRssMb: number;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

async function measure(stack: string): Promise<Sample> {
    const start = performance.now();
    let resources: number;
    if (stack === "empty") {
        const mocks = await installMocks("empty");
        await pulumi.runtime.runInPulumiStack(async () => ({}));
        await settings.waitForRPCs();
        resources = mocks.resources.length;
    } else {
        resources = (await runProgram(stack)).resources.length;
    }
    const wallMs = performance.now() - start;
    return { stack, resources, wallMs, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

function runChild(stack: string): Sample {
    const child = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", __filename, "--child", stack], {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    const line = child.stdout.trim().split("\n").pop() ?? "";
    if (child.status !== 0 || !line.startsWith("{")) {
        throw new Error(`bench child for ${stack} failed (exit ${child.status}):\n${child.stderr}`);
    }
    return JSON.parse(line) as Sample;
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

function main(): void {
    const childIndex = process.argv.indexOf("--child");
    if (childIndex >= 0) {
        measure(process.argv[childIndex + 1]).then(
            (sample) => process.stdout.write(`\n${JSON.stringify(sample)}\n`),
            (err) => {
                process.stderr.write(`${err instanceof Error ? err.stack : err}\n`);
                process.exit(1);
            },
        );
        return;
    }
    const runs = Number(process.env.BENCH_RUNS ?? 3);
    const sampleOf = (stack: string): Sample => {
        const samples = Array.from({ length: runs }, () => runChild(stack));
        return {
            stack,
            resources: samples[0].resources,
            wallMs: median(samples.map((s) => s.wallMs)),
            peakRssMb: median(samples.map((s) => s.peakRssMb)),
        };
    };
    const floor = sampleOf("empty");
    const rows = STACKS.map(sampleOf);
    console.log(`Whole program under the mock runtime (median of ${runs} fresh processes; node ${process.version}):\n`);
    console.log("| stack | resources | wall time | × floor | peak RSS | × floor |");
    console.log("|---|---:|---:|---:|---:|---:|");
    for (const r of [floor, ...rows]) {
        const name = r.stack === "empty" ? "floor (empty program)" : r.stack;
        console.log(
            `| ${name} | ${r.resources} | ${r.wallMs.toFixed(0)} ms | ${(r.wallMs / floor.wallMs).toFixed(1)} | ` +
                `${r.peakRssMb.toFixed(0)} MiB | ${(r.peakRssMb / floor.peakRssMb).toFixed(2)} |`,
        );
    }
}

main();
