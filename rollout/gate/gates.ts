import { CheckId, MetricNames, SaturationSource, checkTemplates } from "./queries";

/**
 * What a health gate is, as plain serialisable data: the provider receives it as an input, the gate
 * CLI builds the same object from the stack config, and a change to it (and only to it, the stage or
 * the versions) makes the gate run again.
 *
 * This module and the others the provider calls (queries, verdict, gateRun, prometheus, kubeApi,
 * trafficCut) are pure: no module-level state, and they import nothing outside rollout/gate/ (a test
 * holds them to it), so Pulumi's closure
 * serialiser can capture them by value into the dynamic provider.
 */

export const NO_DATA_POLICIES = ["fail", "wait", "pass"] as const;
/**
 * What a check without data means: `fail` fails the gate at once, `wait` keeps the gate pending
 * (and fails it when the data is still missing after the bake and its grace), `pass` counts it as
 * met — an explicit, reported choice, never a silent default.
 */
export type NoDataPolicy = (typeof NO_DATA_POLICIES)[number];

export type CheckUnit = "%" | "ms" | "count" | "requests" | "rps";

/** Canary judged against the stable version measured in the same window. */
export type Comparison =
    /** canary <= stable × factor (latency). */
    | { kind: "ratio"; factor: number }
    /** canary <= stable + margin, in the check's unit (error rate in percentage points). */
    | { kind: "margin"; margin: number }
    /**
     * Throughput relative to stable: canary >= stable × weight / (100 - weight) × minPercent / 100, i.e. the
     * candidate serves at least minPercent of what stable serves per point of traffic weight.
     */
    | { kind: "share"; weight: number; minPercent: number };

export interface CheckDefinition {
    id: CheckId;
    /** What the check measures, in words. */
    title: string;
    unit: CheckUnit;
    /** PromQL template; `{{version}}`, `{{window}}` and `{{pods}}` are filled per version at evaluation. */
    query: string;
    /** Rollback trigger: a value above this fails the gate at once (and cuts traffic when fastAbort is on). */
    triggerAbove?: number;
    /** Success criterion: the value must stay below this when the bake ends. */
    criterionBelow?: number;
    /** Success criterion: the value must stay above this when the bake ends. */
    criterionAbove?: number;
    /** Canary-vs-stable limit, judged when the bake ends. */
    comparison?: Comparison;
    /** Derived from requests: judged only when the minimum-traffic guard is met. */
    needsTraffic: boolean;
    noData: NoDataPolicy;
}

/** Rollback triggers: a value above any of these fails the stage at once. */
export interface GateTriggers {
    errorRatePercent: number;
    latencyP95Ms: number;
    agentFailures: number;
    workflowErrors: number;
    memoryPercent: number;
    cpuPercent: number;
}

/** Success criteria: what must hold when the bake ends. */
export interface GateCriteria {
    errorRatePercent: number;
    latencyP50Ms: number;
    latencyP95Ms: number;
    latencyP99Ms: number;
    /** The candidate's requests per second per weight point, as a share of stable's (seed 002's throughput, relative to stable). */
    throughputPercentOfStable: number;
    agentAvailabilityPercent: number;
    workflowSuccessPercent: number;
}

/**
 * The evidence a rollback trigger needs before it aborts (docs/rollout.md, Evidence before abort): its
 * own query window, the candidate requests that window must hold before a request-derived trigger is
 * judged at all, and how many evaluations in a row must breach (Flagger's `threshold`).
 */
export interface TriggerEvidence {
    window: string;
    minRequests: number;
    consecutiveBreaches: number;
}

/** The gate settings of a stack, as plain data (the stack's `gates` config is one): what gateForStage builds a stage's gate from. */
export interface GateSettings {
    intervalSeconds: number;
    window: string;
    fastAbort: boolean;
    minRequests: number;
    graceSeconds: number;
    queryTimeoutSeconds: number;
    triggers: GateTriggers;
    criteria: GateCriteria;
    triggerEvidence: TriggerEvidence;
    /** Per-stage replacements of single criteria, triggers or trigger-evidence settings. */
    stages: Partial<
        Record<string, { criteria?: Partial<GateCriteria>; triggers?: Partial<GateTriggers>; triggerEvidence?: Partial<TriggerEvidence> }>
    >;
    comparison: { enabled: boolean; latencyRatio: number; errorRateMarginPoints: number; noBaseline: NoDataPolicy };
    noData: Record<CheckId | "traffic", NoDataPolicy>;
    saturation: SaturationSource & { enabled: boolean; pods: { stable: string; candidate: string } };
}

export type PrometheusEndpoint = { url: string } | { service: { namespace: string; name: string; port: number; scheme: "http" | "https" } };

export interface GateDefinition {
    /** The rollout stage the gate guards (names the gate in messages). */
    stage: string;
    /** Seconds the gate watches the candidate; 0 evaluates once. */
    bakeSeconds: number;
    intervalSeconds: number;
    /** Seconds after the bake a `wait` check may still wait for data before the gate fails. */
    graceSeconds: number;
    /** Range of every windowed query (a Prometheus duration such as "5m"). */
    window: string;
    /** Requests the candidate must have served in the window before request-derived checks are judged. */
    minRequests: number;
    /** What a rollback trigger needs before it aborts: its window, its minimum requests, consecutive breaching evaluations. */
    triggerEvidence: TriggerEvidence;
    /** The candidate's traffic weight in this stage (percent), for the throughput comparison. */
    candidateWeight?: number;
    /** The traffic guard's query (requests in the window), a template like the checks'. */
    trafficQuery: string;
    /** No data / too little traffic for the guard. */
    trafficNoData: NoDataPolicy;
    /** When the stable version has no data, the comparisons are judged by this policy. */
    comparisonNoBaseline: NoDataPolicy;
    /** Pod-name regexes of the two tracks, for the saturation (cAdvisor) queries. */
    pods: { candidate: string; stable: string };
    fastAbort: boolean;
    /** Per-request timeout of a Prometheus query; failed queries are retried within the interval. */
    queryTimeoutSeconds: number;
    checks: CheckDefinition[];
}

/**
 * The gate of one rollout stage from the stack's gate config: the seed triggers and criteria, the
 * stage's overrides (stage `canary`: p95 < 200 ms), the canary-vs-stable comparison, the
 * traffic guard and the per-check no-data policies. `bakeSeconds` and `candidateWeight` come from the
 * stage table; without the weight the throughput criterion (relative to stable per weight point) is left out.
 */
export function gateForStage(
    gates: GateSettings,
    metrics: MetricNames,
    stage: string,
    bakeSeconds: number,
    candidateWeight?: number,
): GateDefinition {
    const templates = checkTemplates(metrics, gates.saturation);
    const override = gates.stages[stage];
    const triggers = withOverrides(gates.triggers, override?.triggers);
    const criteria = withOverrides(gates.criteria, override?.criteria);
    const triggerEvidence = withOverrides(gates.triggerEvidence, override?.triggerEvidence);
    const cmp = gates.comparison;
    const check = (
        id: CheckId,
        title: string,
        unit: CheckUnit,
        needsTraffic: boolean,
        limits: Partial<CheckDefinition>,
    ): CheckDefinition => ({
        id,
        title,
        unit,
        query: templates[id],
        needsTraffic,
        noData: gates.noData[id],
        ...limits,
    });
    const checks: CheckDefinition[] = [
        check("error-rate", "share of requests answered with 5xx", "%", true, {
            triggerAbove: triggers.errorRatePercent,
            criterionBelow: criteria.errorRatePercent,
            ...(cmp.enabled ? { comparison: { kind: "margin", margin: cmp.errorRateMarginPoints } } : {}),
        }),
        check("latency-p95", "95th percentile request latency", "ms", true, {
            triggerAbove: triggers.latencyP95Ms,
            criterionBelow: criteria.latencyP95Ms,
            ...(cmp.enabled ? { comparison: { kind: "ratio", factor: cmp.latencyRatio } } : {}),
        }),
        check("latency-p50", "median request latency", "ms", true, { criterionBelow: criteria.latencyP50Ms }),
        check("latency-p99", "99th percentile request latency", "ms", true, { criterionBelow: criteria.latencyP99Ms }),
        check("agent-failures", "agent failures in the window", "count", false, { triggerAbove: triggers.agentFailures }),
        check("workflow-errors", "failed workflow runs in the window", "count", false, { triggerAbove: triggers.workflowErrors }),
        check("agent-availability", `agents active out of ${metrics.expectedAgents}`, "%", false, {
            criterionAbove: criteria.agentAvailabilityPercent,
        }),
        check("workflow-success", "share of workflow runs that succeeded", "%", false, { criterionAbove: criteria.workflowSuccessPercent }),
    ];
    if (candidateWeight !== undefined) {
        checks.push(
            check("throughput", "requests per second, against stable's per weight point", "rps", true, {
                comparison: { kind: "share", weight: candidateWeight, minPercent: criteria.throughputPercentOfStable },
            }),
        );
    }
    if (gates.saturation.enabled) {
        checks.push(
            check("memory", "working set of the busiest pod, share of its limit", "%", false, { triggerAbove: triggers.memoryPercent }),
            check("cpu", "CPU use of the busiest pod, share of its limit", "%", false, { triggerAbove: triggers.cpuPercent }),
        );
    }
    return {
        stage,
        bakeSeconds,
        intervalSeconds: gates.intervalSeconds,
        graceSeconds: gates.graceSeconds,
        window: gates.window,
        minRequests: gates.minRequests,
        triggerEvidence,
        ...(candidateWeight !== undefined ? { candidateWeight } : {}),
        trafficQuery: templates.traffic,
        trafficNoData: gates.noData.traffic,
        comparisonNoBaseline: cmp.noBaseline,
        pods: { candidate: gates.saturation.pods.candidate, stable: gates.saturation.pods.stable },
        fastAbort: gates.fastAbort,
        queryTimeoutSeconds: gates.queryTimeoutSeconds,
        checks,
    };
}

/** `base` with the overrides' set keys replacing its values (unset or undefined keys keep the base value). */
export function withOverrides<T extends object>(base: T, overrides: Partial<T> | undefined): T {
    const result = { ...base };
    for (const [key, value] of Object.entries(overrides ?? {})) {
        if (value !== undefined) (result as Record<string, unknown>)[key] = value;
    }
    return result;
}

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

/**
 * What is wrong with a gate definition a provider received (it may come from an older program or a
 * hand-written resource): a property path and the expectation in words.
 */
export function gateDefinitionIssues(gate: unknown): { property: string; reason: string }[] {
    const issues: { property: string; reason: string }[] = [];
    const add = (property: string, reason: string) => issues.push({ property: `gate.${property}`, reason });
    if (typeof gate !== "object" || gate === null) return [{ property: "gate", reason: "a gate definition object (see gateForStage)" }];
    const g = gate as Partial<GateDefinition>;
    const nonNegative = (key: keyof GateDefinition, min = 0) => {
        const v = g[key];
        if (typeof v !== "number" || !Number.isFinite(v) || v < min) add(key, `a number >= ${min}; got ${JSON.stringify(v)}`);
    };
    if (typeof g.stage !== "string" || g.stage === "") add("stage", "a stage name");
    nonNegative("bakeSeconds");
    nonNegative("intervalSeconds", 1);
    nonNegative("graceSeconds");
    nonNegative("minRequests");
    nonNegative("queryTimeoutSeconds", 1);
    if (typeof g.window !== "string" || !DURATION.test(g.window))
        add("window", `a Prometheus duration such as "5m"; got ${JSON.stringify(g.window)}`);
    if (typeof g.trafficQuery !== "string" || g.trafficQuery === "") add("trafficQuery", "a PromQL template");
    const evidence = (g.triggerEvidence ?? {}) as Partial<TriggerEvidence>;
    if (typeof evidence.window !== "string" || !DURATION.test(evidence.window))
        add("triggerEvidence.window", `a Prometheus duration such as "1m"; got ${JSON.stringify(evidence.window)}`);
    if (typeof evidence.minRequests !== "number" || !(evidence.minRequests >= 0))
        add("triggerEvidence.minRequests", `a number >= 0; got ${JSON.stringify(evidence.minRequests)}`);
    if (!Number.isInteger(evidence.consecutiveBreaches) || (evidence.consecutiveBreaches as number) < 1)
        add("triggerEvidence.consecutiveBreaches", `an integer >= 1; got ${JSON.stringify(evidence.consecutiveBreaches)}`);
    for (const key of ["trafficNoData", "comparisonNoBaseline"] as const) {
        if (!NO_DATA_POLICIES.includes(g[key] as NoDataPolicy)) add(key, `one of ${NO_DATA_POLICIES.join(", ")}`);
    }
    if (!Array.isArray(g.checks) || g.checks.length === 0) {
        add("checks", "a non-empty list of checks");
        return issues;
    }
    g.checks.forEach((c, i) => {
        if (typeof c?.query !== "string" || c.query === "") add(`checks[${i}].query`, "a PromQL template");
        if (!NO_DATA_POLICIES.includes(c?.noData)) add(`checks[${i}].noData`, `one of ${NO_DATA_POLICIES.join(", ")}`);
        if (
            c?.triggerAbove === undefined &&
            c?.criterionBelow === undefined &&
            c?.criterionAbove === undefined &&
            c?.comparison === undefined
        ) {
            add(`checks[${i}]`, `a trigger, criterion or comparison (check "${c?.id}" has no limit)`);
        }
    });
    return issues;
}
