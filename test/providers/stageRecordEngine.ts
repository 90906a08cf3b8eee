/**
 * The engine's part in a stage record's life, for tests: one stack update of the record is Check
 * (old inputs, new inputs), then Create, or Diff (old outputs, checked inputs) and Update when it
 * changed; a check failure stops the update before anything runs, and the state stays as it was.
 */

export interface RecordOps {
    check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<{ inputs: Record<string, any>; failures: string[] }>;
    diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<{ changes: boolean }>;
    create(inputs: Record<string, unknown>): Promise<{ id: string; outs: Record<string, any> }>;
    update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<Record<string, any>>;
}

export interface RecordState {
    id: string;
    inputs: Record<string, any>;
    outputs: Record<string, any>;
}

export interface UpdateResult {
    state?: RecordState;
    op: "create" | "update" | "same" | "rejected";
    failures: string[];
}

/** One update asking for `news`, from `state` (undefined: the record does not exist yet). */
export async function updateRecord(ops: RecordOps, state: RecordState | undefined, news: Record<string, unknown>): Promise<UpdateResult> {
    const checked = await ops.check(state?.inputs ?? {}, news);
    if (checked.failures.length > 0) return { state, op: "rejected", failures: checked.failures };
    if (state === undefined) {
        const created = await ops.create(checked.inputs);
        return { state: { id: created.id, inputs: checked.inputs, outputs: created.outs }, op: "create", failures: [] };
    }
    if (!(await ops.diff(state.id, state.outputs, checked.inputs)).changes) {
        return { state: { ...state, inputs: checked.inputs }, op: "same", failures: [] };
    }
    const outputs = await ops.update(state.id, state.outputs, checked.inputs);
    return { state: { id: state.id, inputs: checked.inputs, outputs }, op: "update", failures: [] };
}

/** The record's inputs for a stage of the rollout of 5.1.0 over 5.0.0 (promotion: stable on 5.1.0). */
export function stageInputs(stage: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const base = stage === "stable" ? { stage, stableVersion: "5.0.0" } : { stage, stableVersion: "5.0.0", candidateVersion: "5.1.0" };
    return { ...base, ...extra };
}
