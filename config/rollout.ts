import { z } from "zod";
import {
    FORWARD_STAGES,
    ForwardStageName,
    PAUSE_POINTS,
    ReplicaBounds,
    STAGE_NAMES,
    StageOverrides,
    resolveStageTable,
    stageTableIssues,
} from "../rollout/stages";

/** An image tag that names one build: Docker's tag grammar, never the floating "latest". */
export const VERSION_TAG = z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "an image tag such as \"5.1.0\" (letters, digits, '.', '_', '-'; at most 128)")
    .refine((v) => v.toLowerCase() !== "latest", 'a pinned version tag such as "5.1.0", never "latest"');

const StageOverrideSchema = z.strictObject({
    weight: z.number().int().min(0).max(100).optional(),
    bakeMinutes: z
        .number()
        .min(0)
        .max(24 * 60)
        .optional(),
    canaryReplicas: z.number().int().min(0).optional(),
    greenReplicas: z.number().int().min(0).optional(),
    blueReplicas: z.number().int().min(1).optional(),
});

/**
 * The rollout (docs/rollout.md): which stage the stack is in, the two versions, and the stage table's
 * per-stack overrides. Each `pulumi up` converges the cluster to `stage`; the rollout driver (or a
 * reviewed commit) moves `stage` forward one step at a time.
 */
export const RolloutSchema = z
    .strictObject({
        stage: z.enum(STAGE_NAMES).default("stable"),
        /** The version blue runs: image tag of the stable track. */
        stableVersion: VERSION_TAG,
        /** The version being rolled out (canary, then green); required in every stage but stable. */
        candidateVersion: VERSION_TAG.optional(),
        /** Per-stage overrides of the seed table (weight, bakeMinutes, canaryReplicas, greenReplicas, blueReplicas). */
        stages: z
            .strictObject({
                canary: StageOverrideSchema.optional(),
                "canary-expand": StageOverrideSchema.optional(),
                "blue-green-prep": StageOverrideSchema.optional(),
                "full-switch": StageOverrideSchema.optional(),
            })
            .prefault({}),
        /** Largest rise of the candidate's traffic share from one stage to the next, in percentage points. */
        maxStepPercent: z.number().int().min(1).max(100).default(50),
        /** Where the rollout driver stops for a GO/NO-GO (unless run with --yes). */
        pauseBefore: z.array(z.enum(PAUSE_POINTS)).default(["canary-expand", "blue-green-prep", "full-switch", "promote"]),
        /** Schema migration run with the candidate image when the rollout starts, before any traffic moves. */
        migration: z
            .strictObject({
                enabled: z.boolean().default(true),
                command: z.array(z.string().min(1)).min(1).default(["alembic", "upgrade", "head"]),
                /** Retries of a failed migration pod; 0 stops at the first failure for a human to look. */
                backoffLimit: z.number().int().min(0).max(10).default(0),
                /** The migration fails (and the stage with it) when it runs longer than this. */
                timeoutSeconds: z
                    .number()
                    .int()
                    .min(30)
                    .max(6 * 3600)
                    .default(900),
            })
            .prefault({}),
        /** Take an RDS snapshot when the rollout starts (data rollback point); RDS stacks only. */
        preRolloutSnapshot: z.boolean().default(true),
        /**
         * The reason for one deliberate step outside the stage machine (e.g. stable -> full-switch). The
         * stack's stage record accepts one jump per reason and keeps it in its state and the stack output
         * `rolloutStageRecord.lastOverride`; remove the key afterwards.
         */
        allowStageJump: z.string().trim().min(8, "a reason of at least 8 characters (who and why)").optional(),
    })
    .superRefine((r, ctx) => {
        if (r.stage !== "stable" && r.candidateVersion === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["candidateVersion"],
                message: `a version tag (stage "${r.stage}" rolls out a candidate)`,
            });
        }
        if (r.stage !== "stable" && r.candidateVersion !== undefined && r.candidateVersion === r.stableVersion) {
            ctx.addIssue({
                code: "custom",
                path: ["candidateVersion"],
                message: `a version other than stableVersion "${r.stableVersion}"`,
            });
        }
    });

export type RolloutConfig = z.infer<typeof RolloutSchema>;

/** Overrides as the stage table takes them (absent keys dropped). */
export function stageOverridesOf(rollout: RolloutConfig): StageOverrides {
    const overrides: StageOverrides = {};
    for (const name of FORWARD_STAGES) {
        const o = rollout.stages[name];
        if (!o) continue;
        overrides[name] = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
    }
    return overrides;
}

/**
 * Problems of the resolved stage table (it depends on the application's autoscaling bounds, so it
 * is checked across keys): a path under `rollout.stages` and the expectation in words.
 */
export function rolloutStageIssues(rollout: RolloutConfig, bounds: ReplicaBounds): { path: (string | number)[]; message: string }[] {
    const table = resolveStageTable(stageOverridesOf(rollout), bounds);
    const issues: { path: (string | number)[]; message: string }[] = [];
    for (const issue of stageTableIssues(table, rollout.maxStepPercent, bounds)) {
        const set = rollout.stages[issue.stage as ForwardStageName]?.[issue.field];
        // A value outside its own range is already reported by the override's schema.
        if (set !== undefined && !StageOverrideSchema.shape[issue.field].safeParse(set).success) continue;
        issues.push({
            path: ["rollout", "stages", issue.stage, issue.field],
            message:
                set !== undefined ? issue.expected : `${issue.expected}; the default ${issue.value} applies because the key is not set`,
        });
    }
    return issues;
}
