/**
 * Redaction benchmark (`npx ts-node --transpile-only test/bench/redaction.ts`): records per second
 * through the Fluent Bit Lua filter (components/observability/redaction.ts) under luajit, the Lua
 * Fluent Bit embeds. Records are the redaction corpus' lines as `{ log, stream, kubernetes }`, the
 * shape the filter sees after the Kubernetes filter; CPU time of the filter calls only, median round.
 */
import { LUA_FUNCTION, redactionLuaScript } from "../../components/observability/redaction";
import { CLEAN_LINES, SECRET_LINES } from "../components/observability/redactionCorpus";
import { benchLuaFilter } from "../components/observability/tools";

const KUBERNETES = {
    pod_name: "claude-enhancer-stable-6d8f9c7b5-x2k4q",
    namespace_name: "claude-enhancer",
    container_name: "claude-enhancer",
    labels: { "app.kubernetes.io/name": "claude-enhancer", version: "5.0.0", track: "stable" },
};

function main(): void {
    const copies = Number(process.env.BENCH_REDACTION_COPIES ?? 1000);
    const rounds = Number(process.env.BENCH_REDACTION_ROUNDS ?? 5);
    const record = (log: string) => ({ log, stream: "stdout", kubernetes: KUBERNETES });
    const script = redactionLuaScript();
    console.log(`Fluent Bit redaction filter under luajit (median of ${rounds} rounds, ${copies} copies of each corpus):\n`);
    console.log("| records | per round | records/s | µs/record |");
    console.log("|---|---:|---:|---:|");
    for (const [name, logs] of [
        [`${CLEAN_LINES.length} clean lines`, CLEAN_LINES],
        [`${SECRET_LINES.length} lines with credentials`, SECRET_LINES.map((l) => l.line)],
        ["both", [...CLEAN_LINES, ...SECRET_LINES.map((l) => l.line)]],
    ] as const) {
        const result = benchLuaFilter(script, LUA_FUNCTION, logs.map(record), copies, rounds);
        const perSecond = Math.round(result.recordsPerSecond);
        console.log(`| ${name} | ${result.records} | ${perSecond.toLocaleString("en-US")} | ${(1e6 / perSecond).toFixed(1)} |`);
    }
}

main();
