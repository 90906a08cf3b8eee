import type { GateDefinition } from "./gates";
import { kubeClient } from "./kubeApi";
import { PrometheusTarget, prometheusClient } from "./prometheus";
import { renderQuery } from "./queries";
import { DeclaredTraffic, TrafficCutTarget, cutTrafficToStable, restoreDeclaredTraffic } from "./trafficCut";
import { GateEvaluation, GatePhase, GateSamples, GateVersions, Sample, evaluateGate, progressLine } from "./verdict";

/**
 * The health gate's bake loop, shared by the HealthGate dynamic provider and the gate CLI: sample
 * Prometheus every interval, judge, cut traffic when a rollback trigger fires, and stop at the first
 * verdict. Time, I/O and logging are injected so the loop is tested without waiting.
 */

export interface GateRunDeps {
    /** One instant query at `time` (epoch s) within `budgetMs`. */
    query(promql: string, time: number, budgetMs: number): Promise<Sample>;
    now(): number;
    sleep(ms: number): Promise<void>;
    log(line: string): void;
    /** Sends all traffic to stable; resolves with what it did. Absent: the gate only fails. */
    cutTraffic?: () => Promise<string>;
    /**
     * Sets the live router to the stage's declared weights before the first evaluation (the inverse of the
     * cut), so a retry after a cut judges real candidate traffic; resolves with what it did.
     */
    restoreTraffic?: () => Promise<string>;
}

export interface GateRunResult {
    verdict: "pass" | "fail";
    evaluation: GateEvaluation;
    /** The failure report (one line per failed check, plus the traffic cut), or a pass summary. */
    message: string;
    /** Epoch ms of the evaluation that decided. */
    evaluatedAt: number;
    evaluations: number;
    /** What the fast traffic cut did, or why it failed. */
    trafficCut?: string;
}

/** Queries every check and the traffic guard for both versions, concurrently, at one instant. */
export async function sampleGate(
    def: GateDefinition,
    versions: GateVersions,
    query: GateRunDeps["query"],
    time: number,
    budgetMs: number,
): Promise<GateSamples> {
    const both = async (template: string, window = def.window) => {
        const ask = async (version: string, pods: string): Promise<Sample> => {
            try {
                return await query(renderQuery(template, { version, window, pods }), time, budgetMs);
            } catch (err) {
                return { value: null, reason: err instanceof Error ? err.message : String(err) };
            }
        };
        const [canary, stable] = await Promise.all([ask(versions.candidate, def.pods.candidate), ask(versions.stable, def.pods.stable)]);
        return { canary, stable };
    };
    const triggerWindow = def.triggerEvidence.window;
    const triggered = triggerWindow === def.window ? [] : def.checks.filter((c) => c.triggerAbove !== undefined);
    const [traffic, ...checks] = await Promise.all([
        both(def.trafficQuery),
        ...def.checks.map((c) => both(c.query)),
        ...(triggered.length > 0 ? [both(def.trafficQuery, triggerWindow), ...triggered.map((c) => both(c.query, triggerWindow))] : []),
    ]);
    const samples: GateSamples = { traffic, checks: Object.fromEntries(def.checks.map((c, i) => [c.id, checks[i]])) };
    if (triggered.length > 0) {
        const [triggerTraffic, ...triggerChecks] = checks.slice(def.checks.length);
        samples.triggers = { traffic: triggerTraffic, checks: Object.fromEntries(triggered.map((c, i) => [c.id, triggerChecks[i]])) };
    }
    return samples;
}

/**
 * Runs the gate until it decides: first the live router is set to the stage's declared weights (when
 * the deps can), then evaluations every `intervalSeconds` through the bake, one at its end, then —
 * while `wait` checks lack data or a breach awaits confirmation — every interval until the grace runs
 * out. The first failing evaluation ends it; with `fastAbort` any failure (a confirmed trigger, a missed
 * success criterion, data missing for good) first cuts traffic to stable, so a failed stage never
 * leaves the candidate serving.
 */
export async function runGate(def: GateDefinition, versions: GateVersions, deps: GateRunDeps): Promise<GateRunResult> {
    if (deps.restoreTraffic) {
        try {
            deps.log(`health-gate "${def.stage}": router set to the stage's declared weights: ${await deps.restoreTraffic()}`);
        } catch (err) {
            throw new Error(
                `gate "${def.stage}" could not set the router to the stage's declared weights, so it cannot judge the candidate: ${err instanceof Error ? err.message : String(err)}`,
                { cause: err },
            );
        }
    }
    const intervalMs = def.intervalSeconds * 1000;
    const start = deps.now();
    const bakeEnd = start + def.bakeSeconds * 1000;
    const deadline = bakeEnd + def.graceSeconds * 1000;
    // Leave room for judging and logging inside the interval.
    const budgetMs = Math.max(1000, intervalMs * 0.9);
    let streaks: Record<string, number> = {};
    for (let evaluations = 1; ; evaluations++) {
        const tick = deps.now();
        const phase: GatePhase = tick >= deadline ? "deadline" : tick >= bakeEnd ? "end" : "bake";
        const samples = await sampleGate(def, versions, deps.query, tick / 1000, budgetMs);
        const evaluation = evaluateGate(def, versions, samples, phase, streaks);
        streaks = evaluation.breachStreaks;
        deps.log(progressLine(def, evaluation, (tick - start) / 1000));
        if (evaluation.verdict === "fail") {
            let trafficCut: string | undefined;
            if (def.fastAbort && deps.cutTraffic) {
                try {
                    trafficCut = `traffic cut to 100 % stable: ${await deps.cutTraffic()}`;
                } catch (err) {
                    trafficCut = `traffic cut FAILED (the rollback update still moves traffic): ${err instanceof Error ? err.message : String(err)}`;
                }
                deps.log(`health-gate "${def.stage}": ${trafficCut}`);
            }
            const message = [...evaluation.failures, ...(trafficCut ? [trafficCut] : [])].join("\n");
            return { verdict: "fail", evaluation, message, evaluatedAt: tick, evaluations, trafficCut };
        }
        if (evaluation.verdict === "pass") {
            const message = `gate "${def.stage}" passed after ${evaluations} evaluation${evaluations === 1 ? "" : "s"} over ${Math.round((tick - start) / 1000)} s`;
            return { verdict: "pass", evaluation, message, evaluatedAt: tick, evaluations };
        }
        // The next tick, but never past the end of the bake or the deadline, so each is evaluated on time.
        let next = tick + intervalMs;
        if (tick < bakeEnd) next = Math.min(next, bakeEnd);
        else if (tick < deadline) next = Math.min(next, deadline);
        await deps.sleep(Math.max(0, next - deps.now()));
    }
}

/** What the provider and the CLI hand the live gate: the definition, the versions, and how to reach Prometheus and the router. */
export interface LiveGateInputs {
    gate: GateDefinition;
    versions: GateVersions;
    prometheus: PrometheusTarget;
    /** The router; with `declared`, the gate first sets it to the stage's weights (convergence after a cut). */
    trafficCut?: { kubeconfig: string; context?: string; target: TrafficCutTarget; declared?: DeclaredTraffic };
}

/** Runs the gate against a real Prometheus (and router, for the fast cut), logging each evaluation. */
export function runLiveGate(inputs: LiveGateInputs, log: (line: string) => void): Promise<GateRunResult> {
    const timeoutMs = inputs.gate.queryTimeoutSeconds * 1000;
    const prometheus = prometheusClient(inputs.prometheus, timeoutMs);
    const cut = inputs.trafficCut;
    return runGate(inputs.gate, inputs.versions, {
        query: (promql, time, budgetMs) => prometheus.query(promql, time, budgetMs),
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        log,
        cutTraffic: cut ? () => cutTrafficToStable(kubeClient(cut.kubeconfig, cut.context), cut.target, timeoutMs) : undefined,
        restoreTraffic: cut?.declared
            ? () => restoreDeclaredTraffic(kubeClient(cut.kubeconfig, cut.context), cut.target, cut.declared!, timeoutMs)
            : undefined,
    });
}
