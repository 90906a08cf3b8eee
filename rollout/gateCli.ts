import type { PlatformConfig } from "../config";
import { stageOverridesOf } from "../config/rollout";
import { GateDefinition, gateForStage } from "./gates";
import { FORWARD_STAGES, isForwardStage, parseStageName, resolveStageTable } from "./stages";
import type { GateEvaluation } from "./verdict";

/** Exit codes of the gate CLI. */
export const GATE_EXIT = { pass: 0, fail: 1, couldNotEvaluate: 2 } as const;

/**
 * The gate `pulumi up` creates for `stage` in the stack: the definition from the stack's gate config
 * (gateForStage, as components/rollout.ts builds it) with the bake of the stack's stage table.
 */
export function stackGate(config: PlatformConfig, stageText: string): GateDefinition {
    const stage = parseStageName(stageText);
    if (!isForwardStage(stage)) throw new Error(`stage "${stage}" has no health gate; expected one of ${FORWARD_STAGES.join(", ")}`);
    const table = resolveStageTable(stageOverridesOf(config.rollout), config.app.autoscaling);
    return gateForStage(config.gates, config.metrics, stage, table[stage].bakeMinutes * 60);
}

/**
 * What a single evaluation judged as if the bake were over means for the CLI: pass, fail, or — while
 * checks under the "wait" policy lack data — could not evaluate, with the reasons.
 */
export function onceOutcome(def: GateDefinition, evaluation: GateEvaluation): { exitCode: number; reasons: string[] } {
    if (evaluation.verdict === "pass") return { exitCode: GATE_EXIT.pass, reasons: [] };
    if (evaluation.verdict === "fail") return { exitCode: GATE_EXIT.fail, reasons: evaluation.failures };
    // Checks not judged for lack of traffic are waiting on the traffic guard, which is listed itself.
    const onTraffic = evaluation.traffic.status !== "pass" ? new Set(def.checks.filter((c) => c.needsTraffic).map((c) => c.id)) : new Set<string>();
    const waiting = [evaluation.traffic, ...evaluation.checks].filter((r) => r.status === "no-data" && r.policy === "wait" && !onTraffic.has(r.id));
    return { exitCode: GATE_EXIT.couldNotEvaluate, reasons: waiting.map((r) => `${r.finding ?? `${r.id} has no data`} (no-data policy "wait")`) };
}
