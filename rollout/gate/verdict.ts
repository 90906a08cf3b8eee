import type { CheckDefinition, CheckUnit, GateDefinition, NoDataPolicy } from "./gates";

/**
 * Verdicts of a health gate from Prometheus samples: per check pass / fail / breach / no-data, and
 * overall pass / fail / pending. Pure: the samples come from gateRun, which owns time and I/O.
 */

/**
 * One query's answer: a number, or no data and why (empty result, NaN, Prometheus unreachable...).
 * `unavailable` marks an answer Prometheus never gave (unreachable, 5xx, timeouts to the end of the budget).
 */
export type Sample = { value: number; reason?: undefined } | { value: null; reason: string; unavailable?: true };

export interface VersionSamples {
    canary: Sample;
    stable: Sample;
}

export interface GateSamples {
    /** Requests each version served in the window (the minimum-traffic guard). */
    traffic: VersionSamples;
    /** By check id. */
    checks: Record<string, VersionSamples>;
    /**
     * The same over the triggers' own window (`triggerEvidence.window`): the traffic and every check with a
     * rollback trigger. Absent when that window is the gate's window: the triggers are judged on the samples above.
     */
    triggers?: { traffic: VersionSamples; checks: Record<string, VersionSamples> };
}

export interface GateVersions {
    candidate: string;
    stable: string;
}

/**
 * `breach`: a rollback trigger fired on enough consecutive evaluations; `breaching`: it fired, not yet
 * on enough of them; `fail`: a success criterion or the comparison with stable is not met; `no-data`:
 * the check cannot be judged (its `policy` says what that means).
 */
export type CheckStatus = "pass" | "fail" | "breach" | "breaching" | "no-data";

export interface CheckResult {
    id: string;
    title: string;
    unit: CheckUnit;
    canary: number | null;
    stable: number | null;
    /** The check's limits in words, e.g. "< 0.1%; abort > 0.5%; <= stable + 0.5 pts". */
    threshold: string;
    status: CheckStatus;
    /** The policy that judges a `no-data` status. */
    policy?: NoDataPolicy;
    /** Why the check is not `pass`, naming value and threshold, e.g. "error-rate 2.31% > 0.5% (rollback trigger)". */
    finding?: string;
    /** A limit that was not applied and why (e.g. the comparison without a stable baseline under policy "pass"). */
    note?: string;
}

/** `bake`: the bake is running; `end`: it is over; `deadline`: it is over and so is the grace for missing data. */
export type GatePhase = "bake" | "end" | "deadline";

export type Verdict = "pass" | "fail" | "pending";

export interface GateEvaluation {
    verdict: Verdict;
    /** The minimum-traffic guard. */
    traffic: CheckResult;
    checks: CheckResult[];
    /** One message per reason the gate failed (empty unless verdict is fail). */
    failures: string[];
    /** Whether a rollback trigger fired on enough consecutive evaluations. */
    breached: boolean;
    /** Consecutive breaching evaluations per check id, up to this one: the next evaluation's `streaks`. */
    breachStreaks: Record<string, number>;
}

const UNIT_SUFFIX: Record<CheckUnit, string> = { "%": "%", ms: "ms", count: "", requests: " requests", rps: " rps" };

/** A value for people: percentages with two decimals, latency in whole milliseconds, counts as counted. */
export function formatValue(value: number | null, unit: CheckUnit): string {
    if (value === null) return "no data";
    if (!Number.isFinite(value)) return `${value > 0 ? "+" : "-"}Inf${UNIT_SUFFIX[unit]}`;
    let text: string;
    if (unit === "%" || unit === "rps") text = value.toFixed(2);
    else if (unit === "ms") text = value >= 10 ? value.toFixed(0) : value.toFixed(1);
    else text = Number.isInteger(value) ? String(value) : value.toFixed(1);
    return `${text}${UNIT_SUFFIX[unit]}`;
}

/** A configured limit: as written, with its unit. */
function limit(value: number, unit: CheckUnit): string {
    return `${value}${UNIT_SUFFIX[unit]}`;
}

export function thresholdText(check: CheckDefinition): string {
    const parts: string[] = [];
    if (check.criterionBelow !== undefined) parts.push(`< ${limit(check.criterionBelow, check.unit)}`);
    if (check.criterionAbove !== undefined) parts.push(`> ${limit(check.criterionAbove, check.unit)}`);
    if (check.triggerAbove !== undefined) parts.push(`abort > ${limit(check.triggerAbove, check.unit)}`);
    if (check.comparison?.kind === "ratio") parts.push(`<= stable × ${check.comparison.factor}`);
    if (check.comparison?.kind === "margin") parts.push(`<= stable + ${check.comparison.margin}${check.unit === "%" ? " pts" : ""}`);
    if (check.comparison?.kind === "share") parts.push(`>= ${shareRule(check.comparison)}`);
    return parts.join("; ");
}

/** `stable × 5/95 × 50%`: what the candidate must serve per stable request, for its weight. */
function shareRule(cmp: { weight: number; minPercent: number }): string {
    return `stable × ${cmp.weight}/${100 - cmp.weight} × ${cmp.minPercent}%`;
}

function versionName(version: string): string {
    return /^v\d/.test(version) ? version : `v${version}`;
}

/** `; canary v5.1=2.31%, stable v5.0=0.02%` */
function bothValues(result: Pick<CheckResult, "canary" | "stable" | "unit">, versions: GateVersions): string {
    return `canary ${versionName(versions.candidate)}=${formatValue(result.canary, result.unit)}, stable ${versionName(versions.stable)}=${formatValue(result.stable, result.unit)}`;
}

interface Judged {
    status: CheckStatus;
    policy?: NoDataPolicy;
    finding?: string;
    note?: string;
}

function judgeTraffic(def: GateDefinition, samples: VersionSamples): Judged {
    const canary = samples.canary;
    if (canary.value === null) return { status: "no-data", policy: def.trafficNoData, finding: `traffic has no data (${canary.reason})` };
    if (canary.value < def.minRequests) {
        return {
            status: "no-data",
            policy: def.trafficNoData,
            finding: `traffic ${formatValue(canary.value, "requests")} < ${def.minRequests} (minimum-traffic guard)`,
        };
    }
    return { status: "pass" };
}

function judgeCheck(def: GateDefinition, check: CheckDefinition, samples: VersionSamples, traffic: Judged, stableTraffic: Sample): Judged {
    const { canary, stable } = samples;
    const unit = check.unit;
    if (check.needsTraffic && traffic.status !== "pass") {
        return { status: "no-data", policy: def.trafficNoData, finding: `${check.id} not judged: ${traffic.finding}` };
    }
    if (canary.value === null) return { status: "no-data", policy: check.noData, finding: `${check.id} has no data (${canary.reason})` };
    const v = canary.value;
    if (check.criterionBelow !== undefined && !(v < check.criterionBelow)) {
        return {
            status: "fail",
            finding: `${check.id} ${formatValue(v, unit)} >= ${limit(check.criterionBelow, unit)} (success criterion < ${limit(check.criterionBelow, unit)})`,
        };
    }
    if (check.criterionAbove !== undefined && !(v > check.criterionAbove)) {
        return {
            status: "fail",
            finding: `${check.id} ${formatValue(v, unit)} <= ${limit(check.criterionAbove, unit)} (success criterion > ${limit(check.criterionAbove, unit)})`,
        };
    }
    if (check.comparison) {
        const baselineMissing =
            stable.value === null
                ? stable.reason
                : check.needsTraffic && (stableTraffic.value === null || stableTraffic.value < def.minRequests)
                  ? `stable served ${formatValue(stableTraffic.value, "requests")}, fewer than ${def.minRequests}`
                  : check.comparison.kind === "share" && check.comparison.weight >= 100
                    ? "stable carries no weighted traffic at 100 % candidate weight"
                    : undefined;
        if (baselineMissing !== undefined || stable.value === null) {
            const why = `no stable baseline for the comparison (${baselineMissing})`;
            if (def.comparisonNoBaseline === "pass") return { status: "pass", note: `${why}; comparison skipped (no-data policy "pass")` };
            return { status: "no-data", policy: def.comparisonNoBaseline, finding: `${check.id} has ${why}` };
        }
        const s = stable.value;
        const cmp = check.comparison;
        if (cmp.kind === "share") {
            const required = (s * cmp.weight * cmp.minPercent) / ((100 - cmp.weight) * 100);
            if (v < required) {
                return {
                    status: "fail",
                    finding: `${check.id} ${formatValue(v, unit)} < ${shareRule(cmp)} = ${formatValue(required, unit)} (canary vs stable)`,
                };
            }
            return { status: "pass" };
        }
        const allowed = cmp.kind === "ratio" ? s * cmp.factor : s + cmp.margin;
        if (v > allowed) {
            const rule = cmp.kind === "ratio" ? `stable × ${cmp.factor}` : `stable + ${cmp.margin}${unit === "%" ? " pts" : ""}`;
            return {
                status: "fail",
                finding: `${check.id} ${formatValue(v, unit)} > ${rule} = ${formatValue(allowed, unit)} (canary vs stable)`,
            };
        }
    }
    return { status: "pass" };
}

/** A rollback trigger's reading in one evaluation: over its own window, only with enough requests there. */
interface TriggerReading {
    breached: boolean;
    canary: number | null;
    stable: number | null;
    finding?: string;
    /** Why the trigger was not judged. */
    note?: string;
}

function triggerWindowOf(def: GateDefinition, samples: GateSamples): string {
    return samples.triggers ? def.triggerEvidence.window : def.window;
}

function readTrigger(
    def: GateDefinition,
    check: CheckDefinition,
    samples: VersionSamples,
    triggerTraffic: VersionSamples,
    window: string,
): TriggerReading | undefined {
    if (check.triggerAbove === undefined) return undefined;
    const evidence = def.triggerEvidence;
    const reading = { breached: false, canary: samples.canary.value, stable: samples.stable.value };
    const requests = triggerTraffic.canary.value;
    if (check.needsTraffic && (requests === null || requests < evidence.minRequests)) {
        const seen = requests === null ? "no data" : formatValue(requests, "requests");
        return { ...reading, note: `trigger not judged: ${seen} in ${window} < ${evidence.minRequests} (trigger evidence)` };
    }
    const v = samples.canary.value;
    if (v === null || !(v > check.triggerAbove)) return reading;
    return { ...reading, breached: true, finding: `${check.id} ${formatValue(v, check.unit)} > ${limit(check.triggerAbove, check.unit)}` };
}

/** Whether a judged check fails the gate in this phase. */
function fails(j: Judged, phase: GatePhase): boolean {
    if (j.status === "breach") return true;
    // A breach not yet confirmed keeps the gate pending; still unconfirmed at the deadline, it fails it.
    if (j.status === "breaching") return phase === "deadline";
    if (j.status === "no-data") return j.policy === "fail" || (j.policy === "wait" && phase === "deadline");
    if (j.status === "fail") return phase !== "bake";
    return false;
}

/** Whether a judged check keeps the gate from passing yet. */
function waits(j: Judged): boolean {
    return (j.status === "no-data" && j.policy === "wait") || j.status === "breaching";
}

/** `triggerWindow`: the window the trigger samples came from (the gate's own when none were taken apart). */
function failureMessage(def: GateDefinition, versions: GateVersions, result: CheckResult, phase: GatePhase, triggerWindow: string): string {
    let why = result.finding ?? result.status;
    if (result.status === "no-data") {
        why +=
            result.policy === "wait" && phase === "deadline"
                ? ` still ${def.graceSeconds} s after the bake (no-data policy "wait")`
                : ` (no-data policy "${result.policy}")`;
    }
    const window = result.status === "breach" || result.status === "breaching" ? triggerWindow : def.window;
    return `gate "${def.stage}" failed: ${why} over ${window}; ${bothValues(result, versions)}`;
}

/**
 * Judges one evaluation. During the bake only a confirmed rollback trigger or a `fail` no-data policy
 * fails the gate; once the bake is over the success criteria and the comparison must hold, `wait`
 * checks and unconfirmed breaches keep it pending until the deadline, and everything else passes.
 *
 * A rollback trigger is judged over `triggerEvidence.window` (`samples.triggers`), only when the candidate
 * served `triggerEvidence.minRequests` there (request-derived triggers), and aborts only when it breached on
 * `consecutiveBreaches` evaluations in a row: `streaks` are the previous evaluation's `breachStreaks`.
 */
export function evaluateGate(
    def: GateDefinition,
    versions: GateVersions,
    samples: GateSamples,
    phase: GatePhase,
    streaks: Record<string, number> = {},
): GateEvaluation {
    const trafficJudged = judgeTraffic(def, samples.traffic);
    const traffic: CheckResult = {
        id: "traffic",
        title: "requests in the window (minimum-traffic guard)",
        unit: "requests",
        canary: samples.traffic.canary.value,
        stable: samples.traffic.stable.value,
        threshold: `>= ${def.minRequests} requests`,
        ...trafficJudged,
    };
    const triggerSamples = samples.triggers ?? samples;
    const required = def.triggerEvidence.consecutiveBreaches;
    const breachStreaks: Record<string, number> = {};
    // Checks not judged for lack of traffic are reported once, through the traffic row.
    const reported: CheckResult[] = [traffic];
    const judged = def.checks.map((check) => {
        const notQueried = { canary: { value: null, reason: "not queried" }, stable: { value: null, reason: "not queried" } };
        const s = samples.checks[check.id] ?? notQueried;
        let j = judgeCheck(def, check, s, trafficJudged, samples.traffic.stable);
        let values = { canary: s.canary.value, stable: s.stable.value };
        const trigger = readTrigger(
            def,
            check,
            triggerSamples.checks[check.id] ?? notQueried,
            triggerSamples.traffic,
            triggerWindowOf(def, samples),
        );
        breachStreaks[check.id] = trigger?.breached ? (streaks[check.id] ?? 0) + 1 : 0;
        const streak = breachStreaks[check.id];
        if (trigger?.breached) {
            values = { canary: trigger.canary, stable: trigger.stable };
            if (streak >= required) {
                const times = required > 1 ? `, ${streak} evaluations in a row` : "";
                j = { status: "breach", finding: `${trigger.finding} (rollback trigger${times})` };
            } else if (phase === "bake" || j.status !== "fail") {
                j = {
                    status: "breaching",
                    finding: `${trigger.finding} (rollback trigger, ${streak} of ${required} evaluations in a row)`,
                };
            }
        } else if (trigger?.note && !j.note) {
            j = { ...j, note: trigger.note };
        }
        const result: CheckResult = {
            id: check.id,
            title: check.title,
            unit: check.unit,
            ...values,
            threshold: thresholdText(check),
            ...j,
        };
        if (!(check.needsTraffic && trafficJudged.status !== "pass" && !trigger?.breached)) reported.push(result);
        return result;
    });
    const all = [traffic, ...judged];
    const triggerWindow = triggerWindowOf(def, samples);
    const failures = reported.filter((r) => fails(r, phase)).map((r) => failureMessage(def, versions, r, phase, triggerWindow));
    const breached = all.some((r) => r.status === "breach");
    let verdict: Verdict;
    if (failures.length > 0) verdict = "fail";
    else if (phase === "bake" || all.some(waits)) verdict = "pending";
    else verdict = "pass";
    return { verdict, traffic, checks: judged, failures, breached, breachStreaks };
}

/** One line per evaluation for the live progress: every check's value against its threshold. */
export function progressLine(def: GateDefinition, evaluation: GateEvaluation, elapsedSeconds: number): string {
    const rows = [evaluation.traffic, ...evaluation.checks].map(
        (r) => `${r.id} ${formatValue(r.canary, r.unit)} (${r.threshold}) ${r.status}`,
    );
    return `health-gate "${def.stage}" ${Math.round(elapsedSeconds)}/${def.bakeSeconds} s: ${evaluation.verdict}; ${rows.join("; ")}`;
}

/** The gate's report as a table: check, canary value, stable value, threshold, verdict. */
export function reportTable(evaluation: GateEvaluation, versions: GateVersions): string {
    const header = ["check", `canary ${versionName(versions.candidate)}`, `stable ${versionName(versions.stable)}`, "threshold", "verdict"];
    const rows = [evaluation.traffic, ...evaluation.checks].map((r) => [
        r.id,
        formatValue(r.canary, r.unit),
        formatValue(r.stable, r.unit),
        r.threshold,
        r.status === "no-data" ? `no-data (${r.policy})` : r.status,
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
