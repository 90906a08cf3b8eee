import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { readStackSettings } from "../../config/stackFile";
import { STAGE_RECORD, stageRecordProvider } from "../../providers/stageRecord";
import { MACHINE_STAGES, legalNextStages } from "../../rollout/stageMachine";
import { runProgram } from "../harness/program";
import { RecordOps, RecordState, stageInputs, updateRecord } from "./stageRecordEngine";

/** The provider object called directly, in the engine's shapes. */
const direct: RecordOps = {
    async check(olds, news) {
        const r = await stageRecordProvider.check!(olds, news);
        return { inputs: r.inputs ?? news, failures: (r.failures ?? []).map((f) => `${f.property}: ${f.reason}`) };
    },
    async diff(id, olds, news) {
        return { changes: (await stageRecordProvider.diff!(id, olds, news)).changes === true };
    },
    create: (inputs) => stageRecordProvider.create(inputs) as Promise<{ id: string; outs: Record<string, any> }>,
    async update(id, olds, news) {
        return (await stageRecordProvider.update!(id, olds, news)).outs ?? {};
    },
};

/** A record that completed `stage` (reached through the legal path from stable). */
async function recordAt(stage: string): Promise<RecordState> {
    const path: Record<string, string[]> = {
        stable: ["stable"],
        canary: ["stable", "canary"],
        "canary-expand": ["stable", "canary", "canary-expand"],
        "blue-green-prep": ["stable", "canary", "canary-expand", "blue-green-prep"],
        "full-switch": ["stable", "canary", "canary-expand", "blue-green-prep", "full-switch"],
        rollback: ["stable", "canary", "rollback"],
    };
    let state: RecordState | undefined;
    for (const s of path[stage]) {
        const r = await updateRecord(direct, state, stageInputs(s));
        assert.deepStrictEqual(r.failures, [], `${s} on the way to ${stage}`);
        state = r.state;
    }
    return state!;
}

describe("StageRecord provider (providers/stageRecord.ts)", () => {
    describe("check / diff / create / update called directly", () => {
        for (const from of MACHINE_STAGES) {
            it(`from ${from}: ${legalNextStages(from).join(", ")} accepted, the rest rejected at check with the legal stages named`, async () => {
                const state = await recordAt(from);
                for (const to of MACHINE_STAGES) {
                    const news = to === "stable" && from === "full-switch" ? { stage: "stable", stableVersion: "5.1.0" } : stageInputs(to);
                    const r = await updateRecord(direct, state, news);
                    if (legalNextStages(from).includes(to)) {
                        assert.deepStrictEqual(r.failures, [], `${from} -> ${to}`);
                        assert.strictEqual(r.state!.outputs.stage, to);
                    } else {
                        assert.strictEqual(r.op, "rejected", `${from} -> ${to}`);
                        assert.strictEqual(r.failures.length, 1);
                        assert.ok(r.failures[0].startsWith(`stage: "${to}" does not follow "${from}"`), r.failures[0]);
                        for (const next of legalNextStages(from)) assert.ok(r.failures[0].includes(next));
                        assert.deepStrictEqual(r.state, state, "a rejected update leaves the record as it was");
                    }
                }
            });
        }

        it("create records the stage, its versions and when; a no-op update changes nothing; the next stage updates in place", async () => {
            const created = await updateRecord(direct, undefined, stageInputs("stable"));
            assert.strictEqual(created.op, "create");
            assert.strictEqual(created.state!.id, "stage-record");
            const { completedAt, ...outs } = created.state!.outputs;
            assert.deepStrictEqual(outs, { stage: "stable", stableVersion: "5.0.0" });
            assert.ok(!Number.isNaN(Date.parse(completedAt)));
            assert.strictEqual((await updateRecord(direct, created.state, stageInputs("stable"))).op, "same");
            const canary = await updateRecord(direct, created.state, stageInputs("canary"));
            assert.strictEqual(canary.op, "update");
            assert.strictEqual(canary.state!.outputs.candidateVersion, "5.1.0");
        });

        it("a stage whose update failed is not completed: the record stays, so the same stage (a retry) and rollback stay legal", async () => {
            // The engine runs no step of the record when the gate it depends on fails: the state keeps stable.
            const state = await recordAt("stable");
            assert.deepStrictEqual((await updateRecord(direct, state, stageInputs("canary"))).failures, []);
            assert.deepStrictEqual((await updateRecord(direct, state, stageInputs("rollback"))).failures, []);
            assert.strictEqual((await updateRecord(direct, state, stageInputs("canary-expand"))).op, "rejected");
        });

        it("promotion moves the record to stable on the candidate's version and drops the candidate", async () => {
            const r = await updateRecord(direct, await recordAt("full-switch"), {
                stage: "stable",
                stableVersion: "5.1.0",
                candidateVersion: "5.1.0",
            });
            const { completedAt: _, ...outs } = r.state!.outputs;
            assert.deepStrictEqual(outs, { stage: "stable", stableVersion: "5.1.0" });
        });

        it("an override is accepted once, recorded in the state and outputs, and carried until the next one", async () => {
            const reason = "INC-4711 hotfix straight to full traffic (J. Doe)";
            const jumped = await updateRecord(direct, await recordAt("stable"), stageInputs("full-switch", { allowStageJump: reason }));
            assert.deepStrictEqual(jumped.failures, []);
            const override = { reason, from: "stable", to: "full-switch" };
            assert.deepStrictEqual(jumped.state!.inputs.lastOverride, override);
            assert.deepStrictEqual(jumped.state!.outputs.lastOverride, override);
            // The key left in the config: a retry is legal and changes nothing; a second jump with the same reason is refused.
            assert.strictEqual(
                (await updateRecord(direct, jumped.state, stageInputs("full-switch", { allowStageJump: reason }))).op,
                "same",
            );
            const again = await updateRecord(direct, jumped.state, stageInputs("canary", { allowStageJump: reason }));
            assert.strictEqual(again.op, "rejected");
            assert.match(
                again.failures[0],
                /^allowStageJump: "INC-4711 hotfix straight to full traffic \(J\. Doe\)" already authorised the jump stable -> full-switch/,
            );
            // A legal step later keeps the audit trail of the last jump.
            const rolledBack = await updateRecord(direct, jumped.state, stageInputs("rollback"));
            assert.deepStrictEqual(rolledBack.state!.outputs.lastOverride, override);
        });

        it("check reports missing values by property and accepts values a preview does not know yet", async () => {
            assert.deepStrictEqual((await direct.check({}, { stage: "canary" })).failures, [
                "stableVersion: a non-empty string; got undefined",
            ]);
            const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
            assert.deepStrictEqual((await direct.check(stageInputs("stable"), { stage: unknown, stableVersion: "5.0.0" })).failures, []);
        });
    });

    describe("in the program (under mocks)", () => {
        const local = readStackSettings("local") as Record<string, any>;

        it("a traffic-raising stage writes the record after its HealthGate; the stack output shows the record", async () => {
            const reason = "INC-1: testing the override key end to end";
            const run = await runProgram("local", {
                overrides: { rollout: { ...local.rollout, stage: "canary", candidateVersion: "5.1.0", allowStageJump: reason } },
            });
            const record = run.mocks.resources.find((r) => r.type === STAGE_RECORD.token)!;
            const gate = run.mocks.resources.find((r) => r.type === "pulumi-nodejs:dynamic/healthGate:HealthGate")!;
            assert.ok(record, "the stage record is registered");
            assert.deepStrictEqual(
                {
                    stage: record.inputs.stage,
                    stableVersion: record.inputs.stableVersion,
                    candidateVersion: record.inputs.candidateVersion,
                    allowStageJump: record.inputs.allowStageJump,
                },
                { stage: "canary", stableVersion: "5.0.0", candidateVersion: "5.1.0", allowStageJump: reason },
            );
            assert.deepStrictEqual(record.dependsOn, [gate.urn]);
            assert.match(record.urn, /claude-enhancer:rollout:Rollout\$pulumi-nodejs:dynamic\/stageRecord:StageRecord::rollout-stage$/);
            const stage = (run.outputs.rolloutStageRecord as { stage: pulumi.Output<string> }).stage;
            assert.strictEqual(await new Promise((resolve) => stage.apply(resolve)), "canary");
        });

        it("stable writes it after the traffic split and both tracks, and records no candidate", async () => {
            const run = await runProgram("local");
            const record = run.mocks.resources.find((r) => r.type === STAGE_RECORD.token)!;
            assert.strictEqual(record.inputs.stage, "stable");
            assert.ok(!("candidateVersion" in record.inputs));
            // A component in dependsOn stands for its children: the router objects and the stable track.
            const canaryIngress = run.mocks.resources.find((r) => r.name === "rollout-traffic-canary-ingress")!;
            const stableTrack = run.mocks.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "app-stable")!;
            assert.ok(
                record.dependsOn.includes(canaryIngress.urn) && record.dependsOn.includes(stableTrack.urn),
                JSON.stringify(record.dependsOn),
            );
        });
    });
});
