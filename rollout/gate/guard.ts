import * as fs from "fs";
import type { GateDefinition, PrometheusEndpoint } from "./gates";
import { sampleGate } from "./gateRun";
import { KubeClient, httpRequest, inClusterClient } from "./kubeApi";
import { sampleFromResponse } from "./prometheus";
import { TrafficCutTarget, cutTrafficToStable } from "./trafficCut";
import { GateEvaluation, GateVersions, Sample, evaluateGate, formatValue } from "./verdict";

/**
 * The rollout guard (docs/rollout.md, "The guard between stages"): while the candidate has traffic and no
 * update runs, a pod judges the stage's rollback triggers every gate interval, with the gate's own evidence
 * rules, and sends all traffic to stable on a confirmed breach. It never restores traffic: the next
 * `pulumi up` sets the router to the stage's weights (restoreDeclaredTraffic). The pod runs this module as
 * Pulumi's closure serialiser writes it out, so it reaches the cluster only through Node built-ins.
 */

/** What the guard's ConfigMap holds (`config.json`). */
export interface GuardConfig {
    /** The stage's gate definition, as its HealthGate judges it; the guard keeps its rollback triggers. */
    gate: GateDefinition;
    versions: GateVersions;
    target: TrafficCutTarget;
    prometheus: PrometheusEndpoint;
}

/**
 * The gate reduced to what the guard judges: the rollback triggers only, and no data never cuts (no
 * check or traffic policy can fail for lack of data), so only evidence moves traffic.
 */
export function guardDefinition(gate: GateDefinition): GateDefinition {
    return {
        ...gate,
        trafficNoData: "wait",
        comparisonNoBaseline: "pass",
        checks: gate.checks
            .filter((c) => c.triggerAbove !== undefined)
            .map(({ id, title, unit, query, needsTraffic, triggerAbove }) => ({
                id,
                title,
                unit,
                query,
                needsTraffic,
                triggerAbove,
                noData: "wait",
            })),
    };
}

/** The in-cluster address of the gate's Prometheus: a URL as configured, a Service by its cluster DNS name. */
export function inClusterPrometheusUrl(endpoint: PrometheusEndpoint): string {
    if ("url" in endpoint) return endpoint.url.replace(/\/+$/, "");
    const { scheme, name, namespace, port } = endpoint.service;
    return `${scheme}://${name}.${namespace}.svc:${port}`;
}

/** One line per evaluation: each trigger's value over its window against its limit, and its status. */
export function guardStatusLine(def: GateDefinition, evaluation: GateEvaluation): string {
    const traffic = `candidate ${formatValue(evaluation.traffic.canary, "requests")} in ${def.window}`;
    const rows = evaluation.checks.map((c) => `${c.id} ${formatValue(c.canary, c.unit)} (${c.threshold}) ${c.status}`);
    return `guard "${def.stage}": ${traffic}; ${rows.join("; ")}`;
}

/** Why an evaluation could not judge: Prometheus never answered. */
function unavailableReason(evaluation: GateEvaluation, samples: Sample[]): string | undefined {
    const down = samples.find((s) => s.value === null && s.unavailable);
    return down && evaluation.checks.every((c) => c.canary === null) ? (down as { reason: string }).reason : undefined;
}

export interface GuardDeps {
    /** One instant query at `time` (epoch s) within `budgetMs`. */
    query(promql: string, time: number, budgetMs: number): Promise<Sample>;
    now(): number;
    sleep(ms: number): Promise<void>;
    log(line: string): void;
    /** Sends all traffic to stable; resolves with what it did. */
    cutTraffic(): Promise<string>;
    /** Called after every evaluation (the liveness probe's heartbeat). */
    heartbeat?(): void;
}

/**
 * One evaluation: sample, judge the triggers with the streaks of the evaluations before, and cut on a
 * confirmed breach. Returns the streaks for the next evaluation: empty after a cut, so another cut needs
 * fresh confirmation; kept when the cut failed, so the next evaluation tries again.
 */
export async function guardEvaluation(
    def: GateDefinition,
    versions: GateVersions,
    deps: GuardDeps,
    streaks: Record<string, number>,
): Promise<Record<string, number>> {
    const tick = deps.now();
    const samples = await sampleGate(def, versions, deps.query, tick / 1000, Math.max(1000, def.intervalSeconds * 900));
    const evaluation = evaluateGate(def, versions, samples, "bake", streaks);
    const all = [samples.traffic, ...Object.values(samples.checks)].flatMap((s) => [s.canary, s.stable]);
    const down = unavailableReason(evaluation, all);
    if (down) {
        deps.log(`guard "${def.stage}": no data, no cut: ${down}`);
        return streaks;
    }
    deps.log(guardStatusLine(def, evaluation));
    if (!evaluation.breached) return evaluation.breachStreaks;
    for (const c of evaluation.checks.filter((r) => r.status === "breach")) {
        deps.log(`guard "${def.stage}": BREACH ${c.finding}; threshold ${c.threshold}; cutting traffic to 100 % stable`);
    }
    try {
        deps.log(`guard "${def.stage}": traffic cut to 100 % stable: ${await deps.cutTraffic()}`);
        return {};
    } catch (err) {
        deps.log(
            `guard "${def.stage}": traffic cut FAILED, trying again next interval: ${err instanceof Error ? err.message : String(err)}`,
        );
        return evaluation.breachStreaks;
    }
}

/** Evaluates every `intervalSeconds` for as long as `running()` says (forever in the pod). */
export async function runGuard(
    def: GateDefinition,
    versions: GateVersions,
    deps: GuardDeps,
    running: () => boolean = () => true,
): Promise<void> {
    deps.log(
        `guard "${def.stage}": watching ${def.checks.map((c) => c.id).join(", ")} of ${versions.candidate} every ${def.intervalSeconds} s ` +
            `(trigger window ${def.triggerEvidence.window}, ${def.triggerEvidence.minRequests} requests, ${def.triggerEvidence.consecutiveBreaches} breaches in a row)`,
    );
    let streaks: Record<string, number> = {};
    while (running()) {
        const tick = deps.now();
        try {
            streaks = await guardEvaluation(def, versions, deps, streaks);
        } catch (err) {
            deps.log(`guard "${def.stage}": evaluation failed, no cut: ${err instanceof Error ? err.message : String(err)}`);
        }
        deps.heartbeat?.();
        await deps.sleep(Math.max(0, tick + def.intervalSeconds * 1000 - deps.now()));
    }
}

/** One instant query, one attempt: a failure is "no data" until the next interval asks again. */
async function queryOnce(url: string, promql: string, time: number, timeoutMs: number): Promise<Sample> {
    const params = new URLSearchParams({ query: promql, time: time.toFixed(3) });
    try {
        const res = await httpRequest(`${url}/api/v1/query?${params}`, { method: "GET", timeoutMs });
        if (res.status !== 200) return { value: null, reason: `Prometheus at ${url} answered HTTP ${res.status}`, unavailable: true };
        return sampleFromResponse(res.body);
    } catch (err) {
        return {
            value: null,
            reason: `Prometheus at ${url} unavailable: ${err instanceof Error ? err.message : String(err)}`,
            unavailable: true,
        };
    }
}

/**
 * The pod's entry point. `GUARD_CONFIG` (default /guard/config.json) is the ConfigMap's JSON; the API
 * server is the pod's service account (`GUARD_SERVICEACCOUNT_DIR` overrides the mount, as the tests do);
 * `GUARD_PROMETHEUS_URL` overrides the in-cluster Prometheus address; `GUARD_HEARTBEAT_FILE` is touched
 * after every evaluation.
 */
export function guardMain(env: Record<string, string | undefined>): Promise<void> {
    const config = JSON.parse(fs.readFileSync(env.GUARD_CONFIG ?? "/guard/config.json", "utf8")) as GuardConfig;
    const def = guardDefinition(config.gate);
    const prometheusUrl = (env.GUARD_PROMETHEUS_URL ?? inClusterPrometheusUrl(config.prometheus)).replace(/\/+$/, "");
    const kube: KubeClient = inClusterClient(env, env.GUARD_SERVICEACCOUNT_DIR);
    const timeoutMs = def.queryTimeoutSeconds * 1000;
    const heartbeatFile = env.GUARD_HEARTBEAT_FILE;
    return runGuard(def, config.versions, {
        query: (promql, time, budgetMs) => queryOnce(prometheusUrl, promql, time, Math.min(timeoutMs, budgetMs)),
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        log: (line) => console.log(`${new Date().toISOString()} ${line}`),
        cutTraffic: () => cutTrafficToStable(kube, config.target, timeoutMs),
        heartbeat: heartbeatFile ? () => fs.writeFileSync(heartbeatFile, String(Date.now())) : undefined,
    });
}
