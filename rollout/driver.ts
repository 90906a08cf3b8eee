/**
 * The rollout driver's orchestration: run the forward stages in order, each one stack update with the
 * stage set in config; stop for GO/NO-GO where configured; on a failed stage run the rollback update;
 * after full-switch promote the candidate. It talks to the stack only through `RolloutStack`, so the
 * real driver (bin/rollout.ts, Automation API) and the tests (a fake stack) share this code.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import {
    FORWARD_STAGES,
    ForwardStageName,
    PausePoint,
    StageName,
    StageTable,
    forwardStagesFrom,
    isForwardStage,
    stageWeights,
} from "./stages";
import { HEALTH_GATE, ROLLOUT_TYPE } from "../identity";

/** The rollout settings the driver changes in the stack's config; everything else in `rollout:` is left as is. */
export interface RolloutSettings {
    stage: StageName;
    stableVersion: string;
    /** Absent after promotion: the candidate has become the stable version. */
    candidateVersion?: string;
}

/** What the driver is told while an update runs. */
export type ProgressEvent =
    /** A line the stage's health gate logged (each check's value against its threshold, time into the bake). */
    | { kind: "gate"; message: string }
    /** A resource operation starting or finishing. */
    | { kind: "resource"; message: string }
    /** An error the engine reported (a failed gate's report arrives this way). */
    | { kind: "error"; message: string };

export interface StackOutputs {
    stage?: unknown;
    weights?: unknown;
    gateVerdict?: unknown;
}

/** The stack as the driver needs it. */
export interface RolloutStack {
    /** Writes the rollout settings into the stack's configuration. */
    setStage(settings: RolloutSettings): Promise<void>;
    /** One `pulumi up`; rejects when the update fails. */
    up(onEvent: (event: ProgressEvent) => void): Promise<void>;
    outputs(): Promise<StackOutputs>;
}

export interface RolloutPlan {
    /** The version to roll out. */
    candidateVersion: string;
    /** The stack's rollout settings as they are now. */
    current: RolloutSettings;
    table: StageTable;
    pauseBefore: readonly PausePoint[];
    /** Resume a rollout at this stage instead of starting at canary. */
    fromStage?: ForwardStageName;
    /** Skip every GO/NO-GO question. */
    yes: boolean;
}

export interface RolloutIo {
    /** Asks a yes/no question; resolves true only for an explicit GO. */
    confirm(question: string): Promise<boolean>;
    print(line: string): void;
}

export type RolloutOutcome = "promoted" | "halted" | "rolled-back" | "failed";

export interface RolloutResult {
    outcome: RolloutOutcome;
    /** 0 promoted, 1 a stage failed (rolled back or not), 2 halted by a NO-GO. */
    exitCode: 0 | 1 | 2;
    /** The stage the stack's config is left in. */
    stage: StageName;
    message: string;
}

/** Checks the plan against the stack's current state; returns why the rollout cannot start, if it cannot. */
export function planProblem(plan: RolloutPlan): string | undefined {
    const { current, candidateVersion, fromStage } = plan;
    if (candidateVersion === current.stableVersion) return `version ${candidateVersion} is already the stable version`;
    const inFlight = isForwardStage(current.stage);
    if (inFlight && current.candidateVersion !== candidateVersion) {
        return `the stack is in stage ${current.stage} rolling out ${current.candidateVersion}; finish or roll back that rollout first`;
    }
    if (inFlight && fromStage === undefined) {
        return `the stack is already in stage ${current.stage} of this rollout; resume with --from-stage ${current.stage} (re-runs its gate) or a later stage`;
    }
    return undefined;
}

function minutes(bake: number): string {
    return bake === 1 ? "1 minute" : `${bake} minutes`;
}

/** One line describing a stage as the operator sees it. */
export function describeStage(table: StageTable, stage: ForwardStageName, stable: string, candidate: string): string {
    const s = table[stage];
    const w = stageWeights(s);
    return `${stage}: ${w.candidate} % to ${candidate}, ${w.stable} % on ${stable}; bake ${minutes(s.bakeMinutes)} (${s.shape})`;
}

/** The error lines an update reported, or the thrown error when it reported none. */
function failureReport(errors: string[], thrown: unknown): string {
    if (errors.length > 0) return errors.join("\n");
    return thrown instanceof Error ? thrown.message : String(thrown);
}

/** "12m05s" */
export function formatDuration(seconds: number): string {
    const s = Math.max(0, Math.round(seconds));
    return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** The health gate's progress line starts `health-gate "<stage>" <elapsed>/<bake> s:` (rollout/verdict.ts progressLine). */
const GATE_PROGRESS = /^health-gate "[^"]*" (\d+)\/(\d+) s:/;

/** A gate line with the time left in the bake appended, when the line says how far the bake is. */
export function withTimeLeft(line: string): string {
    const m = GATE_PROGRESS.exec(line);
    if (!m) return line;
    return `${line} [${formatDuration(Number(m[2]) - Number(m[1]))} left in the bake]`;
}

/** Runs one update (after writing `settings`, when given), echoing its progress; resolves with the failure report when it fails. */
async function update(stack: RolloutStack, settings: RolloutSettings | undefined, io: RolloutIo): Promise<string | undefined> {
    const errors: string[] = [];
    if (settings !== undefined) await stack.setStage(settings);
    try {
        await stack.up((event) => {
            if (event.kind === "error") errors.push(event.message);
            io.print(`    ${event.kind === "gate" ? withTimeLeft(event.message) : event.message}`);
        });
        return undefined;
    } catch (err) {
        return failureReport(errors, err);
    }
}

/**
 * Performs the rollout. Each stage is one update with the stage in config; the update blocks while
 * the stage's health gate bakes, and fails when the gate fails. A failed stage is followed by the
 * rollback update (all traffic to stable, candidate removed) and exit code 1 with the gate's report.
 * After full-switch the candidate is promoted: stableVersion := candidate, stage := stable.
 */
export async function runRollout(stack: RolloutStack, plan: RolloutPlan, io: RolloutIo): Promise<RolloutResult> {
    const problem = planProblem(plan);
    if (problem) return { outcome: "failed", exitCode: 1, stage: plan.current.stage, message: problem };

    const stable = plan.current.stableVersion;
    const candidate = plan.candidateVersion;
    const ask = async (point: PausePoint, what: string) =>
        plan.yes || !plan.pauseBefore.includes(point) || (await io.confirm(`GO/NO-GO — ${what}. GO?`));
    let last: StageName = plan.current.stage;

    // A stack left at rollback ends it first: the stage machine starts a new candidate from stable only.
    if (last === "rollback" && (plan.fromStage ?? FORWARD_STAGES[0]) === FORWARD_STAGES[0]) {
        io.print(`==> stable: end the rollback on ${stable}`);
        const failure = await update(stack, { stage: "stable", stableVersion: stable }, io);
        if (failure !== undefined)
            return { outcome: "failed", exitCode: 1, stage: last, message: `ending the rollback failed:\n${failure}` };
        last = "stable";
    }

    for (const stage of forwardStagesFrom(plan.fromStage ?? FORWARD_STAGES[0])) {
        const description = describeStage(plan.table, stage, stable, candidate);
        if (!(await ask(stage, `enter ${description}`))) {
            return {
                outcome: "halted",
                exitCode: 2,
                stage: last,
                message: `NO-GO before ${stage}: the stack stays in stage ${last}. Resume with --from-stage ${stage}, or roll back with --rollback.`,
            };
        }
        io.print(`==> ${description}`);
        const failure = await update(stack, { stage, stableVersion: stable, candidateVersion: candidate }, io);
        if (failure !== undefined) {
            io.print(`!!! stage ${stage} failed:\n${failure}`);
            io.print(`==> rollback: all traffic to ${stable}, ${candidate} removed`);
            const rollbackFailure = await update(stack, { stage: "rollback", stableVersion: stable, candidateVersion: candidate }, io);
            if (rollbackFailure !== undefined) {
                return {
                    outcome: "failed",
                    exitCode: 1,
                    stage: "rollback",
                    message: `stage ${stage} failed:\n${failure}\nand the rollback update failed too:\n${rollbackFailure}`,
                };
            }
            return {
                outcome: "rolled-back",
                exitCode: 1,
                stage: "rollback",
                message: `stage ${stage} failed and was rolled back to ${stable}:\n${failure}`,
            };
        }
        last = stage;
        const outputs = await stack.outputs();
        io.print(`<== ${stage} passed; gate verdict: ${JSON.stringify(outputs.gateVerdict ?? null)}`);
    }

    if (!(await ask("promote", `promote ${candidate}: it becomes the stable version, blue is re-rolled to it and the candidate removed`))) {
        return {
            outcome: "halted",
            exitCode: 2,
            stage: last,
            message: `NO-GO before promotion: ${candidate} keeps all traffic in stage ${last}. Promote later with --from-stage full-switch, or roll back with --rollback.`,
        };
    }
    io.print(`==> promote ${candidate}: blue re-rolled to ${candidate}, then traffic back on the stable track and the candidate removed`);
    const promotionFailure = await update(stack, { stage: "stable", stableVersion: candidate }, io);
    if (promotionFailure !== undefined) {
        // The update stops before traffic leaves green (the split waits for blue), so green still serves
        // everything: restore the full-switch settings so config and state describe that again.
        io.print(`!!! promotion failed; restoring full-switch (all traffic stays on ${candidate})`);
        const restoreFailure = await update(stack, { stage: "full-switch", stableVersion: stable, candidateVersion: candidate }, io);
        return {
            outcome: "failed",
            exitCode: 1,
            stage: "full-switch",
            message:
                `promotion of ${candidate} failed:\n${promotionFailure}` +
                (restoreFailure === undefined
                    ? `\nthe stack is back in full-switch`
                    : `\nand restoring full-switch failed too:\n${restoreFailure}`),
        };
    }
    return { outcome: "promoted", exitCode: 0, stage: "stable", message: `${candidate} is the stable version` };
}

/** Rolls back an in-flight rollout on request: the rollback update, traffic all to stable, candidate removed. */
export async function runRollback(stack: RolloutStack, current: RolloutSettings, io: RolloutIo): Promise<RolloutResult> {
    if (current.candidateVersion === undefined || !(isForwardStage(current.stage) || current.stage === "rollback")) {
        return {
            outcome: "failed",
            exitCode: 1,
            stage: current.stage,
            message: `the stack is in stage ${current.stage} with no rollout to roll back`,
        };
    }
    io.print(`==> rollback: all traffic to ${current.stableVersion}, ${current.candidateVersion} removed`);
    const failure = await update(
        stack,
        { stage: "rollback", stableVersion: current.stableVersion, candidateVersion: current.candidateVersion },
        io,
    );
    if (failure !== undefined)
        return { outcome: "failed", exitCode: 1, stage: "rollback", message: `the rollback update failed:\n${failure}` };
    return { outcome: "rolled-back", exitCode: 0, stage: "rollback", message: `rolled back to ${current.stableVersion}` };
}

/** Type token and name of a resource URN (`urn:pulumi:<stack>::<project>::<parent$...$type>::<name>`). */
export function parseUrn(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    const qualified = parts[2] ?? "";
    return { type: qualified.slice(qualified.lastIndexOf("$") + 1), name: parts.slice(3).join("::") };
}

/** The health gate: the HealthGate dynamic resource created by the Rollout component. */
export function isHealthGateUrn(urn: string): boolean {
    const chain = (urn.split("::")[2] ?? "").split("$");
    return chain.includes(ROLLOUT_TYPE) && chain[chain.length - 1] === HEALTH_GATE.token;
}

/** Every line the health gate logs starts so (rollout/verdict.ts progressLine, rollout/gateRun.ts). */
const GATE_LINE = /^health-gate /;

/** The engine's closing line of a failed update; the failing resource's own error says more. */
const GENERIC_FAILURE = /^update failed$/;

/**
 * What an engine event means to the operator: the health gate's log lines (check values against
 * thresholds, time into the bake), resource operations that change something, and errors.
 * `isGate` recognises the health gate's resources by URN.
 */
export function progressFromEngineEvent(event: EngineEvent, isGate: (urn: string) => boolean): ProgressEvent | undefined {
    const diagnostic = event.diagnosticEvent;
    if (diagnostic) {
        const message = diagnostic.message.trim();
        if (message === "") return undefined;
        if (diagnostic.severity === "error") return GENERIC_FAILURE.test(message) ? undefined : { kind: "error", message };
        // The engine may attribute a provider's stdout to the stack rather than the resource; the gate's lines say what they are.
        if ((diagnostic.urn && isGate(diagnostic.urn)) || GATE_LINE.test(message)) return { kind: "gate", message };
        return undefined;
    }
    const step = event.resourcePreEvent;
    if (step && !step.planning && step.metadata.op !== "same" && step.metadata.op !== "read") {
        const { type, name } = parseUrn(step.metadata.urn);
        return { kind: "resource", message: `${step.metadata.op} ${type} ${name}` };
    }
    return undefined;
}

/** A health gate's failure names its stage (rollout/gate/verdict.ts): `gate "<stage>" failed: ...`. */
export function isGateFailure(report: string, stage: StageName): boolean {
    return report.includes(`gate "${stage}" failed`);
}

/** The backend refuses a second concurrent update of a stack (HTTP 409); a pipeline waits for the running one rather than drop its stage. */
export function isStackLocked(report: string): boolean {
    return /another update is currently in progress|\[409\] Conflict/i.test(report);
}

export interface PipelineResult {
    outcome: "applied" | "rolled-back" | "failed";
    /** 0 applied; 1 the stage failed (rolled back when its gate failed); 3 the rollback update failed too. */
    exitCode: 0 | 1 | 3;
    /** The stage the stack is left in. */
    stage: StageName;
    /** What the pipeline reports where the team looks (commit status, PR comment, deployment log). */
    report: string;
}

export interface PipelineOptions {
    stackName: string;
    /** Between two attempts while another update holds the stack (default 30 s). */
    lockWaitMs?: number;
    /** Attempts while the stack is locked before giving up (default 240: two hours at 30 s). */
    lockAttempts?: number;
    sleep?: (ms: number) => Promise<void>;
}

/**
 * What a pipeline (Pulumi Deployments, the GitHub workflow) runs for a push: the update of the stage
 * committed in the stack file, as it is (git holds the stage). When a traffic-raising stage fails at
 * its health gate, the rollback update runs at once as the next update. A stack locked by another
 * update is waited for, so no pushed stage is dropped.
 */
export async function runCommittedStage(
    stack: RolloutStack,
    committed: RolloutSettings,
    io: RolloutIo,
    options: PipelineOptions,
): Promise<PipelineResult> {
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const { stage, stableVersion, candidateVersion } = committed;
    const name = `rollout ${options.stackName}`;
    io.print(`==> ${options.stackName}: stage ${stage} as committed`);
    let failure = await update(stack, undefined, io);
    for (let attempt = 1; failure !== undefined && isStackLocked(failure) && attempt < (options.lockAttempts ?? 240); attempt++) {
        io.print(`    the stack is locked by another update; waiting (attempt ${attempt})`);
        await sleep(options.lockWaitMs ?? 30_000);
        failure = await update(stack, undefined, io);
    }
    if (failure === undefined) return { outcome: "applied", exitCode: 0, stage, report: `${name}: stage ${stage} applied` };
    if (!isForwardStage(stage) || !isGateFailure(failure, stage) || candidateVersion === undefined) {
        return {
            outcome: "failed",
            exitCode: 1,
            stage,
            report: `${name}: the update of stage ${stage} failed (not at the health gate: no automatic rollback; a retry of the stage or rollback is legal):\n${failure}`,
        };
    }
    io.print(`!!! stage ${stage} failed at the health gate:\n${failure}`);
    io.print(`==> rollback: all traffic to ${stableVersion}, ${candidateVersion} removed`);
    const rollbackFailure = await update(stack, { stage: "rollback", stableVersion, candidateVersion }, io);
    if (rollbackFailure !== undefined) {
        return {
            outcome: "failed",
            exitCode: 3,
            stage: "rollback",
            report: `${name}: stage ${stage} failed at the health gate and the rollback update failed too:\n${failure}\n\nrollback:\n${rollbackFailure}`,
        };
    }
    return {
        outcome: "rolled-back",
        exitCode: 1,
        stage: "rollback",
        report:
            `${name}: stage ${stage} failed at the health gate and was rolled back to ${stableVersion} (${candidateVersion} removed):\n${failure}\n\n` +
            `The stack is in stage rollback now: commit \`rollout.stage: rollback\` (then \`stable\` once the cause is understood); ` +
            `the stack refuses ${stage} until it is back on stable.`,
    };
}
