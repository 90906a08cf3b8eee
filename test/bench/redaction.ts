/**
 * Redaction benchmark (`npx ts-node --transpile-only test/bench/redaction.ts`): first what the Fluent Bit
 * Lua filter (components/observability/redaction.ts) catches on the redaction corpus under luajit —
 * recall per credential form, clean lines changed per log source (docs/observability.md) — then
 * records per second (docs/benchmarks.md). Throughput records are the corpus' lines as
 * `{ log, stream, kubernetes }`, the shape the filter sees after the Kubernetes filter; CPU time of the
 * filter calls only, median round.
 */
import { LUA_FUNCTION, redactionLuaScript } from "../../components/observability/redaction";
import { CLEAN_LINES, SECRET_LINES, measureCorpus } from "../components/observability/redactionCorpus";
import { benchLuaFilter } from "../components/observability/tools";

const KUBERNETES = {
    pod_name: "claude-enhancer-stable-6d8f9c7b5-x2k4q",
    namespace_name: "claude-enhancer",
    container_name: "claude-enhancer",
    labels: { "app.kubernetes.io/name": "claude-enhancer", version: "5.0.0", track: "stable" },
};

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;

function main(): void {
    const copies = Number(process.env.BENCH_REDACTION_COPIES ?? 500);
    const rounds = Number(process.env.BENCH_REDACTION_ROUNDS ?? 5);
    const script = redactionLuaScript({ maskEmails: true });

    const figures = measureCorpus(script, LUA_FUNCTION);
    console.log(`Redaction corpus (${SECRET_LINES.length} lines with credentials, ${CLEAN_LINES.length} clean lines), e-mails masked:\n`);
    console.log("| credential form | credentials | masked | recall |");
    console.log("|---|---:|---:|---:|");
    for (const [form, { secrets, masked }] of Object.entries(figures.recall))
        console.log(`| ${form} | ${secrets} | ${masked} | ${percent(masked, secrets)} |`);
    console.log("\n| log source | clean lines | changed | false positives |");
    console.log("|---|---:|---:|---:|");
    for (const [source, { lines, changed }] of Object.entries(figures.falsePositives))
        console.log(`| ${source} | ${lines} | ${changed} | ${percent(changed, lines)} |`);

    const record = (log: string) => ({ log, stream: "stdout", kubernetes: KUBERNETES });
    const clean = CLEAN_LINES.map((l) => l.line);
    const secret = SECRET_LINES.map((l) => l.line);
    console.log(`\nFluent Bit redaction filter under luajit (median of ${rounds} rounds, ${copies} copies of each corpus):\n`);
    console.log("| records | per round | records/s | µs/record |");
    console.log("|---|---:|---:|---:|");
    for (const [name, logs] of [
        [`${clean.length} clean lines`, clean],
        [`${secret.length} lines with credentials`, secret],
        ["both", [...clean, ...secret]],
    ] as const) {
        const result = benchLuaFilter(script, LUA_FUNCTION, logs.map(record), copies, rounds);
        const perSecond = Math.round(result.recordsPerSecond);
        console.log(`| ${name} | ${result.records} | ${perSecond.toLocaleString("en-US")} | ${(1e6 / perSecond).toFixed(1)} |`);
    }
}

main();
