import * as pulumi from "@pulumi/pulumi";
import { StageOverride, StagePosition, judgeTransition } from "../rollout/stageMachine";

/** The engine types a dynamic resource registered with module `stageRecord` and type `StageRecord` so. */
export const STAGE_RECORD = {
    module: "stageRecord",
    type: "StageRecord",
    token: "pulumi-nodejs:dynamic/stageRecord:StageRecord",
} as const;

export interface StageRecordArgs {
    /** The stage this update converges to (`rollout.stage`). */
    stage: string;
    stableVersion: string;
    /** The candidate of a rollout in flight; ignored in stage `stable`. */
    candidateVersion?: string;
    /** `rollout.allowStageJump`: the reason for one deliberate step outside the stage machine. */
    allowStageJump?: string;
}

/** What the engine passes for a value not known yet (the SDK's `runtime/rpc` `unknownValue`). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The recorded position in old inputs or outputs; undefined before the first completed update. */
function recorded(olds: Record<string, unknown>): StagePosition | undefined {
    if (typeof olds.stage !== "string" || typeof olds.stableVersion !== "string") return undefined;
    const candidate = typeof olds.candidateVersion === "string" ? olds.candidateVersion : undefined;
    return { stage: olds.stage, stableVersion: olds.stableVersion, candidateVersion: candidate };
}

function overrideOf(value: unknown): StageOverride | undefined {
    const o = value as Partial<StageOverride> | undefined;
    return o && typeof o.reason === "string" && typeof o.from === "string" && typeof o.to === "string"
        ? { reason: o.reason, from: o.from, to: o.to }
        : undefined;
}

/** The record's inputs as stored: no undefined values (protobuf Structs reject them), no candidate outside a rollout. */
function normalised(values: Record<string, unknown>): Record<string, unknown> {
    const out = { ...values };
    if (out.stage === "stable") delete out.candidateVersion;
    for (const key of Object.keys(out)) if (out[key] === undefined || out[key] === null) delete out[key];
    return out;
}

/**
 * The stage record's provider. Pulumi serialises it with its closure into the state: it captures
 * rollout/stageMachine.ts by value (a file that imports nothing) and requires nothing.
 *
 * `check` sees the inputs of the last update that completed the record (olds) and the stage asked
 * for now (news), so an illegal step fails the preview, naming the legal next stages. The record is
 * written (`create`/`update`) only after everything it depends on succeeded: the stage's HealthGate in
 * a traffic-raising stage, so a stage whose gate failed is not "completed".
 */
export const stageRecordProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds, news) {
        const to = { stage: news.stage, stableVersion: news.stableVersion, candidateVersion: news.candidateVersion };
        if ([to.stage, to.stableVersion, to.candidateVersion, news.allowStageJump].includes(UNKNOWN)) return { inputs: news, failures: [] };
        const failures: pulumi.dynamic.CheckFailure[] = [];
        for (const key of ["stage", "stableVersion"] as const) {
            if (typeof to[key] !== "string" || to[key] === "")
                failures.push({ property: key, reason: `a non-empty string; got ${JSON.stringify(to[key])}` });
        }
        if (failures.length > 0) return { inputs: news, failures };
        const lastOverride = overrideOf(olds.lastOverride);
        const jump = typeof news.allowStageJump === "string" ? news.allowStageJump : undefined;
        const verdict = judgeTransition(recorded(olds), to, jump, lastOverride);
        if (!verdict.legal) return { inputs: news, failures: [{ property: verdict.property, reason: verdict.reason }] };
        // The override travels with the record until another one replaces it: the audit trail of the last jump.
        return { inputs: normalised({ ...news, lastOverride: verdict.override ?? lastOverride }), failures: [] };
    },

    async diff(_id, olds, news) {
        const keys = ["stage", "stableVersion", "candidateVersion"];
        const changed = keys.some((k) => olds[k] !== news[k]) || JSON.stringify(olds.lastOverride) !== JSON.stringify(news.lastOverride);
        return { changes: changed, replaces: [], deleteBeforeReplace: false };
    },

    async create(inputs) {
        return { id: "stage-record", outs: { ...inputs, completedAt: new Date().toISOString() } };
    },

    async update(_id, _olds, news) {
        return { outs: { ...news, completedAt: new Date().toISOString() } };
    },

    // The record lives only in the state.
    async delete() {},
};

/**
 * The stage this stack last completed, kept in the stack's own state (docs/rollout.md, "Sequencing").
 * Every update checks its `rollout.stage` against it; the record moves to the new stage once the
 * stage's update succeeded (make it depend on the stage's HealthGate).
 */
export class StageRecord extends pulumi.dynamic.Resource {
    declare readonly stage: pulumi.Output<string>;
    declare readonly stableVersion: pulumi.Output<string>;
    declare readonly candidateVersion: pulumi.Output<string | undefined>;
    /** The last deliberate jump (`rollout.allowStageJump`): its reason and the two stages. */
    declare readonly lastOverride: pulumi.Output<StageOverride | undefined>;
    /** ISO time the record last moved. */
    declare readonly completedAt: pulumi.Output<string>;

    constructor(name: string, args: StageRecordArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            stageRecordProvider,
            name,
            {
                stage: args.stage,
                stableVersion: args.stableVersion,
                candidateVersion: args.stage === "stable" ? undefined : args.candidateVersion,
                allowStageJump: args.allowStageJump,
                lastOverride: undefined,
                completedAt: undefined,
            },
            opts,
            STAGE_RECORD.module,
            STAGE_RECORD.type,
        );
    }
}
