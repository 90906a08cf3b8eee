/**
 * The stage model of the hybrid canary -> blue/green rollout (docs/rollout.md), as plain data and functions.
 * Each stage is one stack update; this module says what that update must look like: how much
 * traffic the candidate gets, how long its health gate bakes, and how many replicas each track runs.
 *
 * Two Deployments ("tracks") carry the rollout: the stable track (blue) runs `stableVersion`, the
 * candidate track runs `candidateVersion` — first as a small canary beside blue, then pre-warmed to
 * full size as green. Promotion re-rolls the stable track to the candidate's version while green
 * still carries all traffic, then routes back to it and removes the candidate.
 */

export const STAGE_NAMES = ["stable", "canary", "canary-expand", "blue-green-prep", "full-switch", "rollback"] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** The traffic-raising stages (docs/rollout.md stages 1–4), in the order a rollout performs them. */
export const FORWARD_STAGES = ["canary", "canary-expand", "blue-green-prep", "full-switch"] as const;
export type ForwardStageName = (typeof FORWARD_STAGES)[number];

/** Points where the rollout driver asks GO/NO-GO: before a forward stage, or before promoting the candidate. */
export const PAUSE_POINTS = [...FORWARD_STAGES, "promote"] as const;
export type PausePoint = (typeof PAUSE_POINTS)[number];

/** What a stack may override per forward stage. */
export interface StageShape {
    /** Percent of requests routed to the candidate version (0–100). */
    weight: number;
    /** Minutes the stage's health gate watches the candidate before the stage counts as passed. */
    bakeMinutes: number;
    /** Candidate replicas while it is a canary beside blue (a fixed count); 0 when it is not a canary. */
    canaryReplicas: number;
    /** Candidate replicas once pre-warmed to full size as green (its autoscaler's floor); 0 before that. */
    greenReplicas: number;
    /** Floor of the stable (blue) track's autoscaler; full-switch raises it so blue stays a hot standby. */
    blueReplicas: number;
}

export type StageOverrides = Partial<Record<ForwardStageName, Partial<StageShape>>>;

export interface Stage extends StageShape {
    name: StageName;
    /** Requests carrying `x-canary-user: true` reach the candidate whatever the weight (stages 1–3). */
    headerRoute: boolean;
    /** The candidate track exists in this stage; outside a rollout and in rollback it is removed. */
    candidatePresent: boolean;
    /** A traffic-raising stage: it has a health gate and, on entering, may need the pre-rollout data safety steps. */
    forward: boolean;
    /** The stage's shape in words (docs/rollout.md's table). */
    shape: string;
}

export type StageTable = Record<StageName, Stage>;

/** The autoscaling bounds of the application, which the replica defaults follow. */
export interface ReplicaBounds {
    minReplicas: number;
    maxReplicas: number;
}

/** Seed 002's defaults for the forward stages; blue's floor is the application's minimum unless set. */
const SEED_SHAPES: Record<ForwardStageName, Omit<StageShape, "blueReplicas"> & { blueReplicas?: number }> = {
    canary: { weight: 5, bakeMinutes: 30, canaryReplicas: 1, greenReplicas: 0 },
    "canary-expand": { weight: 20, bakeMinutes: 45, canaryReplicas: 4, greenReplicas: 0 },
    "blue-green-prep": { weight: 50, bakeMinutes: 30, canaryReplicas: 0, greenReplicas: 10 },
    "full-switch": { weight: 100, bakeMinutes: 15, canaryReplicas: 0, greenReplicas: 10 },
};

const SHAPES: Record<StageName, string> = {
    stable: "blue only; no candidate",
    canary: "a small canary beside blue",
    "canary-expand": "canary scaled for its larger share",
    "blue-green-prep": "green (the candidate) pre-warmed to full size beside blue",
    "full-switch":
        "all traffic to green; the canary header route is removed; blue kept as a hot standby at green's size, scaled down when the candidate is promoted",
    rollback: "all traffic to blue; the candidate is removed",
};

export function isStageName(name: string): name is StageName {
    return (STAGE_NAMES as readonly string[]).includes(name);
}

export function isForwardStage(name: StageName): name is ForwardStageName {
    return (FORWARD_STAGES as readonly string[]).includes(name);
}

/** Parses a stage name typed by an operator; unknown names fail with the list of known ones. */
export function parseStageName(text: string): StageName {
    if (isStageName(text)) return text;
    throw new Error(`unknown stage "${text}"; expected one of ${STAGE_NAMES.join(", ")}`);
}

/**
 * The stage after `name` in a rollout: stable -> canary -> canary-expand -> blue-green-prep ->
 * full-switch. After full-switch comes promotion (the candidate becomes the stable version), which
 * is not a stage of its own; rollback ends a rollout. Both return undefined.
 */
export function nextStage(name: StageName): ForwardStageName | undefined {
    if (name === "stable") return FORWARD_STAGES[0];
    if (!isForwardStage(name)) return undefined;
    return FORWARD_STAGES[FORWARD_STAGES.indexOf(name) + 1];
}

/** The forward stages from `from` (inclusive) to full-switch, in order. */
export function forwardStagesFrom(from: ForwardStageName): ForwardStageName[] {
    return FORWARD_STAGES.slice(FORWARD_STAGES.indexOf(from));
}

/** The full stage table: seed defaults, then the stack's overrides; replica defaults follow the application's bounds. */
export function resolveStageTable(overrides: StageOverrides, bounds: ReplicaBounds): StageTable {
    const idle = (name: "stable" | "rollback"): Stage => ({
        name,
        weight: 0,
        bakeMinutes: 0,
        canaryReplicas: 0,
        greenReplicas: 0,
        blueReplicas: bounds.minReplicas,
        headerRoute: false,
        candidatePresent: false,
        forward: false,
        shape: SHAPES[name],
    });
    const forward = (name: ForwardStageName): Stage => {
        const seed = SEED_SHAPES[name];
        const merged = { ...seed, ...overrides[name] };
        // Hot standby: in full-switch blue keeps green's size so a rollback lands on a warm, full-size blue.
        const blueDefault = name === "full-switch" ? Math.max(bounds.minReplicas, merged.greenReplicas) : bounds.minReplicas;
        return {
            name,
            weight: merged.weight,
            bakeMinutes: merged.bakeMinutes,
            canaryReplicas: merged.canaryReplicas,
            greenReplicas: merged.greenReplicas,
            blueReplicas: merged.blueReplicas ?? blueDefault,
            headerRoute: name !== "full-switch",
            candidatePresent: true,
            forward: true,
            shape: SHAPES[name],
        };
    };
    return {
        stable: idle("stable"),
        canary: forward("canary"),
        "canary-expand": forward("canary-expand"),
        "blue-green-prep": forward("blue-green-prep"),
        "full-switch": forward("full-switch"),
        rollback: idle("rollback"),
    };
}

/** Traffic split of a stage, in percent; the two always sum to 100. */
export function stageWeights(stage: Pick<Stage, "weight">): { stable: number; candidate: number } {
    if (!Number.isInteger(stage.weight) || stage.weight < 0 || stage.weight > 100) {
        throw new Error(`stage weight ${stage.weight} is not an integer percentage between 0 and 100`);
    }
    return { stable: 100 - stage.weight, candidate: stage.weight };
}

/** Replicas the candidate track runs in a stage (a canary's fixed count or green's floor). */
export function candidateReplicas(stage: Pick<Stage, "canaryReplicas" | "greenReplicas">): number {
    return stage.canaryReplicas + stage.greenReplicas;
}

/** The candidate's role in a stage: a fixed-size canary, an autoscaled full-size green, or absent. */
export function candidateRole(stage: Stage): "canary" | "green" | "none" {
    if (!stage.candidatePresent) return "none";
    return stage.greenReplicas > 0 ? "green" : "canary";
}

/** One problem of a stage table: the stage, the field, the value, and the expectation in words. */
export interface StageIssue {
    stage: StageName;
    field: keyof StageShape;
    value: number;
    expected: string;
}

/**
 * Everything wrong with a stage table, as expectations: weights are integer percentages that never
 * decrease over the forward stages and rise by at most `maxStepPercent` per stage (from 0 before the
 * canary), the canary starts above 0 and full-switch ends at 100, bakes are >= 0, every stage that
 * sends traffic to the candidate runs it, and replica counts stay within the autoscaling bounds.
 */
export function stageTableIssues(table: StageTable, maxStepPercent: number, bounds: ReplicaBounds): StageIssue[] {
    const issues: StageIssue[] = [];
    const add = (stage: StageName, field: keyof StageShape, value: number, expected: string) =>
        issues.push({ stage, field, value, expected });
    let previous: { name: StageName; weight: number } = { name: "stable", weight: 0 };
    for (const name of FORWARD_STAGES) {
        const s = table[name];
        if (!Number.isInteger(s.weight) || s.weight < 0 || s.weight > 100) {
            add(name, "weight", s.weight, "an integer percentage between 0 and 100");
        } else if (s.weight < previous.weight) {
            add(
                name,
                "weight",
                s.weight,
                `a weight >= ${previous.weight} (weights never decrease; ${previous.name} sends ${previous.weight} %)`,
            );
        } else if (s.weight - previous.weight > maxStepPercent) {
            add(
                name,
                "weight",
                s.weight,
                `a weight <= ${previous.weight + maxStepPercent} (at most maxStepPercent ${maxStepPercent} above ${previous.name}'s ${previous.weight} %)`,
            );
        }
        if (name === "canary" && s.weight === 0)
            add(name, "weight", s.weight, "a weight > 0 (the canary stage sends traffic to the candidate)");
        if (name === "full-switch" && s.weight !== 100)
            add(name, "weight", s.weight, "100 (full-switch sends all traffic to green before promotion)");
        if (!Number.isFinite(s.bakeMinutes) || s.bakeMinutes < 0) add(name, "bakeMinutes", s.bakeMinutes, "a bake of >= 0 minutes");
        for (const field of ["canaryReplicas", "greenReplicas"] as const) {
            const n = s[field];
            if (!Number.isInteger(n) || n < 0 || n > bounds.maxReplicas)
                add(name, field, n, `an integer between 0 and maxReplicas (${bounds.maxReplicas})`);
        }
        if (!Number.isInteger(s.blueReplicas) || s.blueReplicas < 1 || s.blueReplicas > bounds.maxReplicas) {
            add(name, "blueReplicas", s.blueReplicas, `an integer between 1 and maxReplicas (${bounds.maxReplicas}); blue always runs`);
        }
        if (s.canaryReplicas > 0 && s.greenReplicas > 0) {
            add(
                name,
                "canaryReplicas",
                s.canaryReplicas,
                "0 when greenReplicas is set (the candidate track is either a canary or green, not both)",
            );
        }
        if (s.weight > 0 && candidateReplicas(s) === 0) {
            add(
                name,
                "canaryReplicas",
                s.canaryReplicas,
                `canaryReplicas or greenReplicas >= 1 (the stage sends ${s.weight} % of traffic to the candidate)`,
            );
        }
        if (Number.isInteger(s.weight) && s.weight >= 0 && s.weight <= 100) previous = { name, weight: s.weight };
    }
    return issues;
}

/** Throws one error listing every problem of the table (for callers outside the config schema). */
export function assertValidStageTable(table: StageTable, maxStepPercent: number, bounds: ReplicaBounds): void {
    const issues = stageTableIssues(table, maxStepPercent, bounds);
    if (issues.length > 0) {
        throw new Error(
            `invalid stage table:\n  - ${issues.map((i) => `${i.stage}.${i.field}: got ${i.value}; expected ${i.expected}`).join("\n  - ")}`,
        );
    }
}
