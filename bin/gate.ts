/**
 * `npm run gate -- --stack <s> --stage <name> --version <v> --stable-version <v> [--once]
 *                  [--prometheus <url> | --kubeconfig <file> [--context <name>]]`
 *
 * Evaluates the health gate the stack's config defines for a stage (the same definition, queries and
 * verdict code as the HealthGate provider) against a live Prometheus — the one the stack's gates use,
 * through the API server's service proxy with the ambient kubeconfig unless told otherwise — and prints a table of every
 * check: canary value, stable value, threshold, verdict. Without --once it runs the whole bake with a
 * progress line per evaluation, as `pulumi up` would; --once evaluates once, judging as if the bake
 * were over. It only reads: it never cuts traffic. Progress goes to stderr, the report to stdout.
 * Exit codes: 0 pass, 1 fail, 2 could not evaluate (bad arguments or config, Prometheus unreachable,
 * or with --once, checks still waiting for data).
 */
import * as fs from "fs";
import { parseArgs } from "util";
import { ambientKubeconfigPath, resolveKubeconfigPath } from "../components/cluster/kubeconfig";
import { loadStackConfig } from "../config/stackFile";
import { GATE_EXIT, cliPrometheusTarget, onceOutcome, stackGate } from "./gateCli";
import { runGate, sampleGate } from "../rollout/gate/gateRun";
import { PrometheusClient, PrometheusTarget, prometheusClient } from "../rollout/gate/prometheus";
import { GateEvaluation, GateVersions, Sample, evaluateGate, formatValue, reportTable } from "../rollout/gate/verdict";

const USAGE =
    "usage: npm run gate -- --stack <stack> --stage <stage> --version <candidate> --stable-version <stable> [--once] " +
    "[--prometheus <url> | --kubeconfig <file> [--context <name>]]";

/** Bad arguments or configuration, or Prometheus unreachable: nothing was evaluated. */
class CannotEvaluate extends Error {}

function parse(argv: string[]) {
    let values;
    try {
        values = parseArgs({
            args: argv,
            options: {
                prometheus: { type: "string" },
                kubeconfig: { type: "string" },
                context: { type: "string" },
                stack: { type: "string" },
                stage: { type: "string" },
                version: { type: "string" },
                "stable-version": { type: "string" },
                once: { type: "boolean", default: false },
            },
            strict: true,
        }).values;
    } catch (err) {
        throw new CannotEvaluate(`${(err as Error).message}\n${USAGE}`);
    }
    const missing = (["stack", "stage", "version", "stable-version"] as const).filter((key) => !values[key]);
    if (missing.length > 0) throw new CannotEvaluate(`missing ${missing.map((m) => `--${m}`).join(", ")}\n${USAGE}`);
    return values as typeof values & { stack: string; stage: string; version: string; "stable-version": string };
}

function report(evaluation: GateEvaluation, versions: GateVersions, verdictLine: string, reasons: string[]): void {
    process.stdout.write(`${reportTable(evaluation, versions)}\n\n${verdictLine}\n${reasons.map((r) => `  ${r}\n`).join("")}`);
}

function readKubeconfig(configured: string): string {
    const file = resolveKubeconfigPath(configured);
    try {
        return fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new Error(`cannot read the kubeconfig ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
    }
}

async function main(argv: string[]): Promise<number> {
    const args = parse(argv);
    let config;
    let def;
    try {
        config = loadStackConfig(args.stack);
        def = stackGate(config, args.stage);
    } catch (err) {
        throw new CannotEvaluate((err as Error).message);
    }
    let prometheus: PrometheusClient;
    try {
        const where = cliPrometheusTarget(config, args.stack, args, ambientKubeconfigPath);
        const target: PrometheusTarget =
            "url" in where ? where : { service: where.service, kubeconfig: readKubeconfig(where.kubeconfigPath), context: where.context };
        prometheus = prometheusClient(target, def.queryTimeoutSeconds * 1000);
    } catch (err) {
        throw new CannotEvaluate((err as Error).message);
    }
    const versions: GateVersions = { candidate: args.version, stable: args["stable-version"] };
    const budgetMs = Math.max(1000, def.intervalSeconds * 900);

    // One query timeout of retries: enough to ride out a blip, short enough to say "unreachable" promptly.
    const probe = await prometheus.query("vector(1)", Date.now() / 1000, def.queryTimeoutSeconds * 1000);
    if (probe.value === null) throw new CannotEvaluate(`could not evaluate: ${probe.reason}`);
    process.stderr.write(
        `gate "${def.stage}" of stack ${args.stack}: ${def.checks.length} checks over ${def.window}, at least ${formatValue(def.minRequests, "requests")}; ` +
            `${args.once ? "one evaluation" : `bake ${def.bakeSeconds} s, every ${def.intervalSeconds} s`}; canary ${versions.candidate} vs stable ${versions.stable} on ${prometheus.description}\n`,
    );

    if (args.once) {
        // One evaluation cannot breach twice in a row: --once judges each trigger on the evaluation it has.
        const one = { ...def, triggerEvidence: { ...def.triggerEvidence, consecutiveBreaches: 1 } };
        const samples = await sampleGate(one, versions, prometheus.query, Date.now() / 1000, budgetMs);
        const evaluation = evaluateGate(one, versions, samples, "end");
        const outcome = onceOutcome(one, evaluation);
        const verdict =
            outcome.exitCode === GATE_EXIT.pass
                ? "PASS"
                : outcome.exitCode === GATE_EXIT.fail
                  ? "FAIL"
                  : "COULD NOT EVALUATE (waiting for data)";
        report(evaluation, versions, `verdict: ${verdict}`, outcome.reasons);
        return outcome.exitCode;
    }

    // Whether Prometheus failed to answer any query of the evaluation at `time` (the last one, when the gate decides).
    let evaluationTime = 0;
    let unavailable = false;
    const query = async (promql: string, time: number, budget: number): Promise<Sample> => {
        const sample = await prometheus.query(promql, time, budget);
        if (time !== evaluationTime) {
            evaluationTime = time;
            unavailable = false;
        }
        if (sample.value === null && sample.unavailable) unavailable = true;
        return sample;
    };
    const result = await runGate(def, versions, {
        query,
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        log: (line) => process.stderr.write(`${line}\n`),
    });
    if (result.verdict === "pass") {
        report(result.evaluation, versions, `verdict: PASS (${result.message})`, []);
        return GATE_EXIT.pass;
    }
    if (unavailable) {
        report(result.evaluation, versions, "verdict: COULD NOT EVALUATE (Prometheus stopped answering)", result.message.split("\n"));
        return GATE_EXIT.couldNotEvaluate;
    }
    report(result.evaluation, versions, "verdict: FAIL", result.message.split("\n"));
    return GATE_EXIT.fail;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (err) => {
        // Whatever stopped the CLI, the gate was not evaluated: never report that as a pass or a fail.
        process.stderr.write(`gate: ${err instanceof CannotEvaluate ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
        process.exitCode = GATE_EXIT.couldNotEvaluate;
    },
);
