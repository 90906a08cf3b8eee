import * as assert from "assert";
import type { EngineEvent, UpOptions } from "@pulumi/pulumi/automation";
import { AutomationStack, policyPackOptions } from "../../bin/rolloutStack";
import {
    ProgressEvent,
    RolloutPlan,
    RolloutSettings,
    RolloutStack,
    StackOutputs,
    formatDuration,
    isHealthGateUrn,
    parseUrn,
    isGateFailure,
    isStackLocked,
    progressFromEngineEvent,
    runCommittedStage,
    runRollback,
    runRollout,
    withTimeLeft,
} from "../../rollout/driver";
import { loadStackConfig } from "../../config/stackFile";
import { gateForStage } from "../../rollout/gate/gates";
import { evaluateGate, progressLine } from "../../rollout/gate/verdict";
import { StageName, resolveStageTable } from "../../rollout/stages";

const TABLE = resolveStageTable({}, { minReplicas: 3, maxReplicas: 20 });

/** A stack that records every config change and update, and fails the updates it is told to. */
class FakeStack implements RolloutStack {
    readonly calls: string[] = [];
    settings: RolloutSettings;
    /** Stage name -> the error report its update fails with (as engine error events, then a rejection). */
    failing = new Map<StageName, string>();

    constructor(initial: RolloutSettings) {
        this.settings = initial;
    }

    async setStage(settings: RolloutSettings): Promise<void> {
        this.settings = settings;
        this.calls.push(`set ${settings.stage} stable=${settings.stableVersion} candidate=${settings.candidateVersion ?? "-"}`);
    }

    async up(onEvent: (event: ProgressEvent) => void): Promise<void> {
        const stage = this.settings.stage;
        this.calls.push(`up ${stage}`);
        onEvent({ kind: "resource", message: `update kubernetes:apps/v1:Deployment app-candidate` });
        onEvent({
            kind: "gate",
            message: `health-gate "${stage}" 61/${TABLE[stage].bakeMinutes * 60} s: pending; error-rate 0.01 % (< 0.1 %) pass`,
        });
        const report = this.failing.get(stage);
        if (report !== undefined) {
            onEvent({ kind: "error", message: report });
            throw new Error("update failed: exit status 255");
        }
    }

    async outputs(): Promise<StackOutputs> {
        return { stage: this.settings.stage, gateVerdict: { passed: true, stage: this.settings.stage } };
    }
}

function plan(overrides: Partial<RolloutPlan> = {}): RolloutPlan {
    return {
        candidateVersion: "5.1.0",
        current: { stage: "stable", stableVersion: "5.0.0" },
        table: TABLE,
        pauseBefore: ["canary-expand", "blue-green-prep", "full-switch", "promote"],
        yes: false,
        ...overrides,
    };
}

function io(answers: boolean[] = []) {
    const questions: string[] = [];
    const lines: string[] = [];
    return {
        questions,
        lines,
        confirm: async (q: string) => {
            questions.push(q);
            const answer = answers.shift();
            assert.ok(answer !== undefined, `unexpected question: ${q}`);
            return answer;
        },
        print: (line: string) => {
            lines.push(line);
        },
    };
}

const FORWARD_CALLS = [
    "set canary stable=5.0.0 candidate=5.1.0",
    "up canary",
    "set canary-expand stable=5.0.0 candidate=5.1.0",
    "up canary-expand",
    "set blue-green-prep stable=5.0.0 candidate=5.1.0",
    "up blue-green-prep",
    "set full-switch stable=5.0.0 candidate=5.1.0",
    "up full-switch",
];

describe("rollout driver", () => {
    it("runs every stage in order, asks GO/NO-GO where configured, then promotes the candidate", async () => {
        const stack = new FakeStack({ stage: "stable", stableVersion: "5.0.0" });
        const console = io([true, true, true, true]);
        const result = await runRollout(stack, plan(), console);
        assert.deepStrictEqual(result, { outcome: "promoted", exitCode: 0, stage: "stable", message: "5.1.0 is the stable version" });
        assert.deepStrictEqual(stack.calls, [...FORWARD_CALLS, "set stable stable=5.1.0 candidate=-", "up stable"]);
        assert.deepStrictEqual(console.questions, [
            "GO/NO-GO — enter canary-expand: 20 % to 5.1.0, 80 % on 5.0.0; bake 45 minutes (canary scaled for its larger share). GO?",
            "GO/NO-GO — enter blue-green-prep: 50 % to 5.1.0, 50 % on 5.0.0; bake 30 minutes (green (the candidate) pre-warmed to full size beside blue). GO?",
            "GO/NO-GO — enter full-switch: 100 % to 5.1.0, 0 % on 5.0.0; bake 15 minutes (all traffic to green; the canary header route is removed; blue kept as a hot standby at green's size, scaled down when the candidate is promoted). GO?",
            "GO/NO-GO — promote 5.1.0: it becomes the stable version, blue is re-rolled to it and the candidate removed. GO?",
        ]);
        assert.ok(console.lines.includes("==> canary: 5 % to 5.1.0, 95 % on 5.0.0; bake 30 minutes (a small canary beside blue)"));
        assert.ok(
            console.lines.includes(
                '    health-gate "canary" 61/1800 s: pending; error-rate 0.01 % (< 0.1 %) pass [28m59s left in the bake]',
            ),
        );
        assert.ok(
            console.lines.includes(
                '    health-gate "full-switch" 61/900 s: pending; error-rate 0.01 % (< 0.1 %) pass [13m59s left in the bake]',
            ),
        );
        assert.ok(console.lines.includes("    update kubernetes:apps/v1:Deployment app-candidate"));
        assert.ok(console.lines.includes('<== canary passed; gate verdict: {"passed":true,"stage":"canary"}'));
    });

    it("asks nothing with --yes", async () => {
        const stack = new FakeStack({ stage: "stable", stableVersion: "5.0.0" });
        const console = io();
        const result = await runRollout(stack, plan({ yes: true }), console);
        assert.strictEqual(result.exitCode, 0);
        assert.deepStrictEqual(console.questions, []);
        assert.strictEqual(stack.calls.length, FORWARD_CALLS.length + 2);
    });

    it("ends a rollback first (rollback -> stable), since a new candidate starts from stable only", async () => {
        const stack = new FakeStack({ stage: "rollback", stableVersion: "5.0.0", candidateVersion: "4.9.9-bad" });
        const result = await runRollout(stack, plan({ yes: true, current: { stage: "rollback", stableVersion: "5.0.0" } }), io());
        assert.strictEqual(result.exitCode, 0);
        assert.deepStrictEqual(stack.calls.slice(0, 3), ["set stable stable=5.0.0 candidate=-", "up stable", FORWARD_CALLS[0]]);
    });

    it("stops at a NO-GO without touching the stack again", async () => {
        const stack = new FakeStack({ stage: "stable", stableVersion: "5.0.0" });
        const result = await runRollout(stack, plan(), io([true, false]));
        assert.deepStrictEqual(result, {
            outcome: "halted",
            exitCode: 2,
            stage: "canary-expand",
            message:
                "NO-GO before blue-green-prep: the stack stays in stage canary-expand. Resume with --from-stage blue-green-prep, or roll back with --rollback.",
        });
        assert.deepStrictEqual(stack.calls, FORWARD_CALLS.slice(0, 4));
    });

    it("holds at full-switch when promotion is refused", async () => {
        const stack = new FakeStack({ stage: "stable", stableVersion: "5.0.0" });
        const result = await runRollout(stack, plan({ yes: false, pauseBefore: ["promote"] }), io([false]));
        assert.strictEqual(result.outcome, "halted");
        assert.strictEqual(result.stage, "full-switch");
        assert.deepStrictEqual(stack.calls, FORWARD_CALLS);
    });

    it("on a failed gate runs the rollback update and exits 1 with the gate's report", async () => {
        const stack = new FakeStack({ stage: "stable", stableVersion: "5.0.0" });
        const report = "health gate canary failed: error_rate of 5.1.0 = 2.30 % > 0.5 % over 1m (stable 5.0.0: 0.02 %)";
        stack.failing.set("canary-expand", report);
        const console = io([true]);
        const result = await runRollout(stack, plan(), console);
        assert.deepStrictEqual(result, {
            outcome: "rolled-back",
            exitCode: 1,
            stage: "rollback",
            message: `stage canary-expand failed and was rolled back to 5.0.0:\n${report}`,
        });
        assert.deepStrictEqual(stack.calls, [...FORWARD_CALLS.slice(0, 4), "set rollback stable=5.0.0 candidate=5.1.0", "up rollback"]);
        assert.ok(console.lines.includes(`!!! stage canary-expand failed:\n${report}`));
    });

    it("falls back to the thrown error when the engine reported no error line", async () => {
        const stack = new FakeStack({ stage: "stable", stableVersion: "5.0.0" });
        stack.up = async () => {
            stack.calls.push(`up ${stack.settings.stage}`);
            if (stack.settings.stage === "canary") throw new Error("the engine crashed");
        };
        const result = await runRollout(stack, plan({ yes: true }), io());
        assert.strictEqual(result.message, "stage canary failed and was rolled back to 5.0.0:\nthe engine crashed");
    });

    it("reports both failures when the rollback update fails too", async () => {
        const stack = new FakeStack({ stage: "stable", stableVersion: "5.0.0" });
        stack.failing.set("canary", "gate failed");
        stack.failing.set("rollback", "cluster unreachable");
        const result = await runRollout(stack, plan({ yes: true }), io());
        assert.deepStrictEqual(result, {
            outcome: "failed",
            exitCode: 1,
            stage: "rollback",
            message: "stage canary failed:\ngate failed\nand the rollback update failed too:\ncluster unreachable",
        });
    });

    it("restores full-switch when the promotion update fails", async () => {
        const stack = new FakeStack({ stage: "stable", stableVersion: "5.0.0" });
        stack.failing.set("stable", "Deployment claude-enhancer-stable: 0 of 10 pods ready");
        const result = await runRollout(stack, plan({ yes: true }), io());
        assert.strictEqual(result.outcome, "failed");
        assert.strictEqual(result.stage, "full-switch");
        assert.strictEqual(
            result.message,
            "promotion of 5.1.0 failed:\nDeployment claude-enhancer-stable: 0 of 10 pods ready\nthe stack is back in full-switch",
        );
        assert.deepStrictEqual(stack.calls.slice(-4), [
            "set stable stable=5.1.0 candidate=-",
            "up stable",
            "set full-switch stable=5.0.0 candidate=5.1.0",
            "up full-switch",
        ]);
    });

    it("resumes with --from-stage", async () => {
        const stack = new FakeStack({ stage: "canary-expand", stableVersion: "5.0.0", candidateVersion: "5.1.0" });
        const result = await runRollout(stack, plan({ current: stack.settings, fromStage: "blue-green-prep", yes: true }), io());
        assert.strictEqual(result.exitCode, 0);
        assert.deepStrictEqual(stack.calls, [...FORWARD_CALLS.slice(4), "set stable stable=5.1.0 candidate=-", "up stable"]);
    });

    it("refuses to start over a rollout in flight, or to roll out the stable version", async () => {
        const inFlight: RolloutSettings = { stage: "canary", stableVersion: "5.0.0", candidateVersion: "5.1.0" };
        const cases: [Partial<RolloutPlan>, string][] = [
            [
                { current: inFlight },
                "the stack is already in stage canary of this rollout; resume with --from-stage canary (re-runs its gate) or a later stage",
            ],
            [
                { current: inFlight, candidateVersion: "5.2.0", fromStage: "canary" },
                "the stack is in stage canary rolling out 5.1.0; finish or roll back that rollout first",
            ],
            [{ candidateVersion: "5.0.0" }, "version 5.0.0 is already the stable version"],
        ];
        for (const [overrides, message] of cases) {
            const stack = new FakeStack(overrides.current ?? { stage: "stable", stableVersion: "5.0.0" });
            assert.deepStrictEqual(await runRollout(stack, plan(overrides), io()), {
                outcome: "failed",
                exitCode: 1,
                stage: stack.settings.stage,
                message,
            });
            assert.deepStrictEqual(stack.calls, []);
        }
    });

    describe("manual rollback", () => {
        it("runs the rollback update for a rollout in flight", async () => {
            const stack = new FakeStack({ stage: "blue-green-prep", stableVersion: "5.0.0", candidateVersion: "5.1.0" });
            const result = await runRollback(stack, stack.settings, io());
            assert.deepStrictEqual(result, { outcome: "rolled-back", exitCode: 0, stage: "rollback", message: "rolled back to 5.0.0" });
            assert.deepStrictEqual(stack.calls, ["set rollback stable=5.0.0 candidate=5.1.0", "up rollback"]);
        });

        it("has nothing to roll back on a stable stack", async () => {
            const stack = new FakeStack({ stage: "stable", stableVersion: "5.0.0" });
            const result = await runRollback(stack, stack.settings, io());
            assert.strictEqual(result.exitCode, 1);
            assert.strictEqual(result.message, "the stack is in stage stable with no rollout to roll back");
            assert.deepStrictEqual(stack.calls, []);
        });
    });

    describe("engine events", () => {
        const GATE_URN =
            "urn:pulumi:production::claude-enhancer::claude-enhancer:rollout:Rollout$pulumi-nodejs:dynamic/healthGate:HealthGate::rollout-gate";
        const DEPLOYMENT_URN =
            "urn:pulumi:production::claude-enhancer::claude-enhancer:app:Application$kubernetes:apps/v1:Deployment::app-candidate";
        const isGate = isHealthGateUrn;
        const event = (extra: Partial<EngineEvent>): EngineEvent => ({ sequence: 1, timestamp: 0, ...extra });
        const step = (op: string, urn: string, planning?: boolean) =>
            event({ resourcePreEvent: { metadata: { op: op as never, urn, type: parseUrn(urn).type, provider: "" }, planning } });

        it("reads a URN's type and name, and knows the health gate by its parent and dynamic type", () => {
            assert.deepStrictEqual(parseUrn(DEPLOYMENT_URN), { type: "kubernetes:apps/v1:Deployment", name: "app-candidate" });
            assert.strictEqual(isHealthGateUrn(GATE_URN), true);
            assert.strictEqual(isHealthGateUrn(DEPLOYMENT_URN), false);
            assert.strictEqual(
                isHealthGateUrn(
                    "urn:pulumi:production::claude-enhancer::claude-enhancer:rollout:Rollout$kubernetes:batch/v1:Job::rollout-migrate",
                ),
                false,
            );
        });

        it("turns the gate's log lines, its start, changes and errors into progress", () => {
            const diag = (severity: "info" | "warning" | "error", message: string, urn?: string) =>
                event({ diagnosticEvent: { severity, message, color: "never", urn } });
            assert.deepStrictEqual(progressFromEngineEvent(diag("info", "error_rate 0.02 % < 0.1 %\n", GATE_URN), isGate), {
                kind: "gate",
                message: "error_rate 0.02 % < 0.1 %",
            });
            assert.deepStrictEqual(progressFromEngineEvent(diag("error", "gate failed: p95 1.4 s > 1 s", GATE_URN), isGate), {
                kind: "error",
                message: "gate failed: p95 1.4 s > 1 s",
            });
            assert.strictEqual(progressFromEngineEvent(diag("error", "update failed"), isGate), undefined);
            assert.strictEqual(progressFromEngineEvent(diag("info", "some other provider's chatter", DEPLOYMENT_URN), isGate), undefined);
            const stackUrn = "urn:pulumi:production::claude-enhancer::pulumi:pulumi:Stack::claude-enhancer-production";
            assert.deepStrictEqual(
                progressFromEngineEvent(diag("info", 'health-gate "canary": traffic cut to 100 % stable', stackUrn), isGate),
                {
                    kind: "gate",
                    message: 'health-gate "canary": traffic cut to 100 % stable',
                },
            );
            assert.deepStrictEqual(progressFromEngineEvent(step("create", GATE_URN), isGate), {
                kind: "resource",
                message: "create pulumi-nodejs:dynamic/healthGate:HealthGate rollout-gate",
            });
            assert.deepStrictEqual(progressFromEngineEvent(step("update", DEPLOYMENT_URN), isGate), {
                kind: "resource",
                message: "update kubernetes:apps/v1:Deployment app-candidate",
            });
            assert.strictEqual(progressFromEngineEvent(step("same", DEPLOYMENT_URN), isGate), undefined);
            assert.strictEqual(progressFromEngineEvent(step("update", DEPLOYMENT_URN, true), isGate), undefined);
        });

        it("adds the time left in the bake to the gate's own progress line", () => {
            const table = resolveStageTable({}, { minReplicas: 3, maxReplicas: 20 });
            const def = gateForStage(
                loadStackConfig("production").gates,
                loadStackConfig("production").metrics,
                "canary",
                table.canary.bakeMinutes * 60,
            );
            const versions = { candidate: "5.1.0", stable: "5.0.0" };
            const none = { value: null, reason: "empty vector" } as const;
            const samples = {
                traffic: { canary: none, stable: none },
                checks: Object.fromEntries(def.checks.map((c) => [c.id, { canary: none, stable: none }])),
            };
            const line = progressLine(def, evaluateGate(def, versions, samples, "bake"), 95);
            assert.match(withTimeLeft(line), /^health-gate "canary" 95\/1800 s: .* \[28m25s left in the bake\]$/);
            assert.strictEqual(withTimeLeft("health-gate: traffic cut to 100 % stable"), "health-gate: traffic cut to 100 % stable");
            assert.strictEqual(formatDuration(1805), "30m05s");
            assert.strictEqual(formatDuration(-3), "0m00s");
        });
    });
});

describe("pipeline runner (runCommittedStage)", () => {
    const committed = (stage: StageName): RolloutSettings =>
        stage === "stable" ? { stage, stableVersion: "5.0.0" } : { stage, stableVersion: "5.0.0", candidateVersion: "5.1.0" };
    const gateReport =
        'gate "canary" failed: error-rate 24.57% > 0.5% (rollback trigger) over 10s; canary v5.1.0=24.57%, stable v5.0.0=0.00%';

    it("runs the committed stage as it is (no config write) and reports it applied", async () => {
        const stack = new FakeStack(committed("canary-expand"));
        const result = await runCommittedStage(stack, stack.settings, io(), { stackName: "staging" });
        assert.deepStrictEqual(result, {
            outcome: "applied",
            exitCode: 0,
            stage: "canary-expand",
            report: "rollout staging: stage canary-expand applied",
        });
        assert.deepStrictEqual(stack.calls, ["up canary-expand"]);
    });

    it("when the stage fails at its gate, runs the rollback update next and reports stage, check, value and threshold", async () => {
        const stack = new FakeStack(committed("canary"));
        stack.failing.set("canary", gateReport);
        const result = await runCommittedStage(stack, stack.settings, io(), { stackName: "staging" });
        assert.deepStrictEqual(stack.calls, ["up canary", "set rollback stable=5.0.0 candidate=5.1.0", "up rollback"]);
        assert.deepStrictEqual(result, {
            outcome: "rolled-back",
            exitCode: 1,
            stage: "rollback",
            report:
                `rollout staging: stage canary failed at the health gate and was rolled back to 5.0.0 (5.1.0 removed):\n${gateReport}\n\n` +
                "The stack is in stage rollback now: commit `rollout.stage: rollback` (then `stable` once the cause is understood); " +
                "the stack refuses canary until it is back on stable.",
        });
    });

    it("rolls back nothing on a failure that is not the gate's, and exits 3 when the rollback fails too", async () => {
        const other = new FakeStack(committed("canary"));
        other.failing.set("canary", "Deployment claude-enhancer-candidate: 0 of 1 pods ready");
        const result = await runCommittedStage(other, other.settings, io(), { stackName: "staging" });
        assert.strictEqual(result.exitCode, 1);
        assert.strictEqual(result.outcome, "failed");
        assert.deepStrictEqual(other.calls, ["up canary"]);
        const both = new FakeStack(committed("canary"));
        both.failing.set("canary", gateReport);
        both.failing.set("rollback", "cluster unreachable");
        const r = await runCommittedStage(both, both.settings, io(), { stackName: "staging" });
        assert.deepStrictEqual([r.outcome, r.exitCode, r.stage], ["failed", 3, "rollback"]);
        assert.match(r.report, /rollback:\ncluster unreachable$/);
    });

    it("waits while another update holds the stack instead of dropping the stage", async () => {
        const stack = new FakeStack(committed("canary"));
        let locked = 2;
        const up = stack.up.bind(stack);
        stack.up = async (onEvent) => {
            if (locked-- > 0) {
                stack.calls.push("up (locked)");
                onEvent({ kind: "error", message: "[409] Conflict: Another update is currently in progress." });
                throw new Error("update failed");
            }
            return up(onEvent);
        };
        const waits: number[] = [];
        const result = await runCommittedStage(stack, stack.settings, io(), {
            stackName: "staging",
            lockWaitMs: 5,
            sleep: async (ms) => {
                waits.push(ms);
            },
        });
        assert.strictEqual(result.outcome, "applied");
        assert.deepStrictEqual(stack.calls, ["up (locked)", "up (locked)", "up canary"]);
        assert.deepStrictEqual(waits, [5, 5]);
        assert.strictEqual(isStackLocked("error: [409] Conflict: Another update is currently in progress."), true);
        assert.strictEqual(isGateFailure(gateReport, "canary"), true);
        assert.strictEqual(isGateFailure(gateReport, "canary-expand"), false);
    });
});

describe("the driver's stack (bin/rolloutStack.ts AutomationStack)", () => {
    it("previews, then updates, each stage with the policy pack and the stack's pack config", async () => {
        const ups: UpOptions[] = [];
        const calls: string[] = [];
        const fake = {
            setAllConfigJson: async () => {},
            preview: async (opts?: UpOptions) => {
                calls.push("preview");
                assert.deepStrictEqual(opts!.policyPacks, ["/repo/policies"]);
                return {} as never;
            },
            up: async (opts?: UpOptions) => {
                calls.push("up");
                ups.push(opts!);
                return {} as never;
            },
            outputs: async () => ({}),
        };
        const stack = new AutomationStack(fake as never, "staging", "/repo");
        const result = await runRollout(stack, plan({ yes: true }), io());
        assert.strictEqual(result.outcome, "promoted");
        assert.strictEqual(ups.length, 5, "four stages and the promotion");
        // The StageRecord refuses an illegal stage at preview, before any traffic moves.
        assert.deepStrictEqual(calls, Array(5).fill(["preview", "up"]).flat());
        for (const opts of ups) {
            assert.deepStrictEqual(opts.policyPacks, ["/repo/policies"]);
            assert.deepStrictEqual(opts.policyPackConfigs, ["/repo/policies/config/staging.json"]);
        }
        const rollback = await runRollback(stack, { stage: "canary", stableVersion: "5.0.0", candidateVersion: "5.1.0" }, io());
        assert.strictEqual(rollback.exitCode, 0);
        assert.deepStrictEqual(ups.at(-1)!.policyPackConfigs, ["/repo/policies/config/staging.json"]);
        assert.deepStrictEqual(policyPackOptions("production", "/p"), {
            policyPacks: ["/p/policies"],
            policyPackConfigs: ["/p/policies/config/production.json"],
        });
    });
});
