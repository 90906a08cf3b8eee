import * as assert from "assert";
import { StageRecord, STAGE_RECORD } from "../../providers/stageRecord";
import { MACHINE_STAGES, legalNextStages } from "../../rollout/stageMachine";
import { DynamicProviderHost } from "../harness/dynamicProviderHost";
import { installMocks } from "../harness/program";
import { RecordState, stageInputs, updateRecord } from "./stageRecordEngine";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

/**
 * The StageRecord as the engine runs it: the provider the closure serialiser stored in the `__provider`
 * input when the program registered the resource, evaluated by Pulumi's dynamic-provider host in its
 * own process, driven through a whole rollout with Check/Diff/Create/Update over gRPC.
 */

const URN = `urn:pulumi:local::claude-enhancer::claude-enhancer:rollout:Rollout$${STAGE_RECORD.token}::rollout-stage`;

describe("StageRecord through the real dynamic-provider host", function () {
    this.timeout(60_000);
    let host: DynamicProviderHost;
    let provider: string;

    before(async function () {
        const mocks = await installMocks("local");
        new StageRecord("rollout-stage", { stage: "stable", stableVersion: "5.0.0" });
        await settings.waitForRPCs();
        provider = mocks.resources.find((r) => r.type === STAGE_RECORD.token)!.inputs.__provider;
        host = await DynamicProviderHost.start(URN);
    });

    after(async () => host?.stop());

    /** The inputs the program registers for a stage: the serialised provider travels with them. */
    const news = (stage: string, extra: Record<string, unknown> = {}) => ({ ...stageInputs(stage, extra), __provider: provider });

    it("the serialised provider is self-contained: it requires nothing and captures no Pulumi SDK module", () => {
        assert.match(provider, /^exports\.handler = __f0;/);
        assert.deepStrictEqual(
            [...provider.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]),
            [],
        );
        assert.ok(!/@pulumi\//.test(provider) && !/\bConfig\b/.test(provider));
        assert.ok(provider.includes("does not follow"), "the stage machine's rules are captured by value");
    });

    it("a rollout end to end: every legal step accepted, a skipped stage refused at check with the legal stages named", async () => {
        const steps: [Record<string, unknown>, string][] = [
            [news("stable"), "create"],
            [news("canary"), "update"],
            [news("full-switch"), "rejected"],
            [news("canary"), "same"],
            [news("canary-expand"), "update"],
            [news("blue-green-prep"), "update"],
            [news("full-switch"), "update"],
            [{ stage: "stable", stableVersion: "5.1.0", __provider: provider }, "update"],
            [{ stage: "stable", stableVersion: "5.0.0", __provider: provider }, "rejected"],
        ];
        let state: RecordState | undefined;
        const seen: string[] = [];
        const failures: string[] = [];
        for (const [inputs, expected] of steps) {
            const r = await updateRecord(host, state, inputs);
            seen.push(`${inputs.stage}: ${r.op}`);
            failures.push(...r.failures);
            assert.strictEqual(r.op, expected, `${inputs.stage}: ${r.failures.join("; ")}`);
            state = r.state;
        }
        assert.deepStrictEqual(failures, [
            'stage: "full-switch" does not follow "canary": the stack last completed canary (stable 5.0.0, candidate 5.1.0); legal next: ' +
                "canary (candidate 5.1.0), a retry; canary-expand (candidate 5.1.0); rollback (stableVersion 5.0.0). " +
                "To jump deliberately, set rollout.allowStageJump to the reason.",
            'stableVersion: "5.0.0": a new version reaches stable only by promotion after full-switch; roll it out as a candidate from stable 5.1.0 ' +
                "(the stack last completed stable (stable 5.1.0)). To jump deliberately, set rollout.allowStageJump to the reason.",
        ]);
        assert.strictEqual(state!.outputs.stage, "stable");
        assert.strictEqual(state!.outputs.stableVersion, "5.1.0");
        assert.strictEqual(state!.outputs.__provider, provider, "the host keeps the provider in the state");
    });

    it("each stage x each next stage: illegal ones rejected, legal ones and rollback from every stage accepted", async () => {
        for (const from of MACHINE_STAGES) {
            // Reach `from` by the legal path, through the host.
            const path = {
                stable: ["stable"],
                canary: ["stable", "canary"],
                "canary-expand": ["stable", "canary", "canary-expand"],
                "blue-green-prep": ["stable", "canary", "canary-expand", "blue-green-prep"],
                "full-switch": ["stable", "canary", "canary-expand", "blue-green-prep", "full-switch"],
                rollback: ["stable", "canary", "rollback"],
            }[from];
            let state: RecordState | undefined;
            for (const s of path) state = (await updateRecord(host, state, news(s))).state;
            assert.strictEqual(state!.outputs.stage, from);
            for (const to of MACHINE_STAGES) {
                const inputs =
                    to === "stable" && from === "full-switch"
                        ? { stage: "stable", stableVersion: "5.1.0", __provider: provider }
                        : news(to);
                const r = await updateRecord(host, state, inputs);
                if (legalNextStages(from).includes(to)) assert.deepStrictEqual(r.failures, [], `${from} -> ${to}`);
                else {
                    assert.strictEqual(r.failures.length, 1, `${from} -> ${to}`);
                    assert.ok(r.failures[0].startsWith(`stage: "${to}" does not follow "${from}"`), r.failures[0]);
                    for (const next of legalNextStages(from)) assert.ok(r.failures[0].includes(next), `${next} in ${r.failures[0]}`);
                }
            }
        }
    });

    it("the override: one jump per reason, recorded in the state and outputs", async () => {
        const reason = "INC-4711 hotfix straight to full traffic (J. Doe)";
        const stable = (await updateRecord(host, undefined, news("stable"))).state;
        const jumped = await updateRecord(host, stable, news("full-switch", { allowStageJump: reason }));
        assert.strictEqual(jumped.op, "update", jumped.failures.join("; "));
        assert.deepStrictEqual(jumped.state!.outputs.lastOverride, { reason, from: "stable", to: "full-switch" });
        assert.deepStrictEqual(jumped.state!.inputs.lastOverride, { reason, from: "stable", to: "full-switch" });
        const reused = await updateRecord(host, jumped.state, news("canary", { allowStageJump: reason }));
        assert.strictEqual(reused.op, "rejected");
        assert.match(reused.failures[0], /^allowStageJump: .* already authorised the jump stable -> full-switch/);
    });
});
