/**
 * The rollout's stage machine (docs/rollout.md, "Sequencing"): which `rollout.stage` may follow the
 * stage a stack last completed, and with which versions. The StageRecord dynamic provider
 * (providers/stageRecord.ts) serialises this module into the stack's state and judges every update's
 * requested stage against the recorded one, so this file imports nothing: what the provider captures
 * is exactly this file.
 *
 *   stable -> canary -> canary-expand -> blue-green-prep -> full-switch -> stable (promotion)
 *   any stage -> rollback -> stable; any stage -> itself (a retry)
 */

/** Stage names, in rollout order (a copy of rollout/stages.ts STAGE_NAMES; test/rollout/stageMachine.test.ts keeps them equal). */
export const MACHINE_STAGES = ["stable", "canary", "canary-expand", "blue-green-prep", "full-switch", "rollback"] as const;

/** Where a stack is: a stage and the versions it runs there (the candidate only while a rollout is in flight). */
export interface StagePosition {
    stage: string;
    stableVersion: string;
    candidateVersion?: string;
}

/** A deliberate jump past the machine, as recorded in the stack's state. */
export interface StageOverride {
    reason: string;
    from: string;
    to: string;
}

export type TransitionKind = "first" | "retry" | "advance" | "start" | "promote" | "rollback" | "end-rollback" | "override";

export type TransitionVerdict =
    | { legal: true; kind: TransitionKind; override?: StageOverride }
    /** `property` is the config key at fault (`stage`, `stableVersion`, `candidateVersion` or `allowStageJump`). */
    | { legal: false; property: string; reason: string };

/** The stages that may follow `from` (itself first: a retry), ignoring versions; `undefined` is a stack with no record yet. */
export function legalNextStages(from: string | undefined): string[] {
    switch (from) {
        case undefined:
        case "stable":
            return ["stable", "canary", "rollback"];
        case "canary":
            return ["canary", "canary-expand", "rollback"];
        case "canary-expand":
            return ["canary-expand", "blue-green-prep", "rollback"];
        case "blue-green-prep":
            return ["blue-green-prep", "full-switch", "rollback"];
        case "full-switch":
            return ["full-switch", "stable", "rollback"];
        case "rollback":
            return ["rollback", "stable"];
        default:
            return ["rollback"];
    }
}

/** The legal next stages with the versions each needs, as the operator reads them in a rejection. */
export function describeLegalNext(from: StagePosition | undefined): string {
    if (from === undefined) return legalNextStages(undefined).join(", ");
    const stable = from.stableVersion;
    const candidate = from.candidateVersion ?? "?";
    const detail: Record<string, string> = {
        stable:
            from.stage === "full-switch"
                ? `stable with stableVersion ${candidate} (promotion)`
                : from.stage === "stable"
                  ? `stable (no change; stableVersion ${stable})`
                  : `stable (stableVersion ${stable})`,
        canary: from.stage === "stable" ? `canary (a new candidate; stableVersion ${stable})` : `canary (candidate ${candidate})`,
        "canary-expand": `canary-expand (candidate ${candidate})`,
        "blue-green-prep": `blue-green-prep (candidate ${candidate})`,
        "full-switch": `full-switch (candidate ${candidate})`,
        rollback: `rollback (stableVersion ${stable})`,
    };
    return legalNextStages(from.stage)
        .map((s) => (s === from.stage && s !== "stable" ? `${detail[s]}, a retry` : detail[s]))
        .join("; ");
}

function positionText(p: StagePosition): string {
    return p.candidateVersion !== undefined && p.stage !== "stable"
        ? `${p.stage} (stable ${p.stableVersion}, candidate ${p.candidateVersion})`
        : `${p.stage} (stable ${p.stableVersion})`;
}

/** Why `to` may not follow `from` by the rules, or undefined when it may (with the kind of step). */
function ruleVerdict(from: StagePosition, to: StagePosition): TransitionVerdict {
    const where = `the stack last completed ${positionText(from)}`;
    const legalNext = `legal next: ${describeLegalNext(from)}`;
    if (!legalNextStages(from.stage).includes(to.stage)) {
        return { legal: false, property: "stage", reason: `"${to.stage}" does not follow "${from.stage}": ${where}; ${legalNext}` };
    }
    const sameStable = to.stableVersion === from.stableVersion;
    if (to.stage === "rollback") {
        return sameStable
            ? { legal: true, kind: from.stage === "rollback" ? "retry" : "rollback" }
            : {
                  legal: false,
                  property: "stableVersion",
                  reason: `"${to.stableVersion}": a rollback returns to the stable version the stack runs, ${from.stableVersion} (${where})`,
              };
    }
    if (to.stage === "stable") {
        if (from.stage === "full-switch") {
            if (to.stableVersion === from.candidateVersion) return { legal: true, kind: "promote" };
            return {
                legal: false,
                property: "stableVersion",
                reason: `"${to.stableVersion}": leaving full-switch for stable promotes the candidate, so stableVersion must be ${from.candidateVersion}; to return to ${from.stableVersion} use rollback (${where})`,
            };
        }
        if (sameStable) return { legal: true, kind: from.stage === "rollback" ? "end-rollback" : "retry" };
        return {
            legal: false,
            property: "stableVersion",
            reason: `"${to.stableVersion}": a new version reaches stable only by promotion after full-switch; roll it out as a candidate from stable ${from.stableVersion} (${where})`,
        };
    }
    // A forward stage: canary from stable starts a rollout; every other forward step keeps both versions.
    if (!sameStable) {
        return {
            legal: false,
            property: "stableVersion",
            reason: `"${to.stableVersion}": stableVersion stays ${from.stableVersion} through a rollout (${where})`,
        };
    }
    if (from.stage === "stable") {
        return to.candidateVersion !== undefined && to.candidateVersion !== from.stableVersion
            ? { legal: true, kind: "start" }
            : {
                  legal: false,
                  property: "candidateVersion",
                  reason: `${JSON.stringify(to.candidateVersion ?? null)}: canary needs a candidate other than the stable version ${from.stableVersion}`,
              };
    }
    if (to.candidateVersion !== from.candidateVersion) {
        return {
            legal: false,
            property: "candidateVersion",
            reason: `${JSON.stringify(to.candidateVersion ?? null)}: the stack is rolling out ${from.candidateVersion} and a new candidate starts from stable only; finish or roll back ${from.candidateVersion} first (${where})`,
        };
    }
    return { legal: true, kind: to.stage === from.stage ? "retry" : "advance" };
}

/**
 * Judges an update that asks for `to` on a stack whose last completed position is `from` (undefined:
 * no record yet, judged as a stable stack of any version). An illegal step is accepted only with an
 * override reason not used before (`lastOverride`), so a reason left in the config authorises one jump.
 */
export function judgeTransition(
    from: StagePosition | undefined,
    to: StagePosition,
    allowStageJump?: string,
    lastOverride?: StageOverride,
): TransitionVerdict {
    if (!(MACHINE_STAGES as readonly string[]).includes(to.stage)) {
        return { legal: false, property: "stage", reason: `"${to.stage}" is not a stage; expected one of ${MACHINE_STAGES.join(", ")}` };
    }
    const verdict: TransitionVerdict =
        from === undefined
            ? legalNextStages(undefined).includes(to.stage)
                ? { legal: true, kind: "first" }
                : {
                      legal: false,
                      property: "stage",
                      reason: `"${to.stage}" does not follow a stack with no completed stage (judged as stable); legal next: ${describeLegalNext(undefined)}`,
                  }
            : ruleVerdict(from, to);
    if (verdict.legal || allowStageJump === undefined || allowStageJump.trim() === "") {
        return verdict.legal
            ? verdict
            : { ...verdict, reason: `${verdict.reason}. To jump deliberately, set rollout.allowStageJump to the reason.` };
    }
    if (lastOverride !== undefined && lastOverride.reason === allowStageJump) {
        return {
            legal: false,
            property: "allowStageJump",
            reason: `${JSON.stringify(allowStageJump)} already authorised the jump ${lastOverride.from} -> ${lastOverride.to}; a reason authorises one jump, write a new one (refused: ${verdict.reason})`,
        };
    }
    return { legal: true, kind: "override", override: { reason: allowStageJump, from: from?.stage ?? "(none)", to: to.stage } };
}
