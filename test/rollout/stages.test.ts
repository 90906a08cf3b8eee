import * as assert from "assert";
import { ConfigError, parsePlatformConfig } from "../../config";
import { readStackSettings } from "../../config/stackFile";
import {
    FORWARD_STAGES,
    STAGE_NAMES,
    assertValidStageTable,
    candidateReplicas,
    candidateRole,
    forwardStagesFrom,
    nextStage,
    parseStageName,
    resolveStageTable,
    stageTableIssues,
    stageWeights,
} from "../../rollout/stages";

const BOUNDS = { minReplicas: 3, maxReplicas: 20 };

function problemsOf(rollout: Record<string, unknown>, app?: Record<string, unknown>): string[] {
    const settings = structuredClone(readStackSettings("production")) as Record<string, any>;
    settings.rollout = { stableVersion: "5.0.0", ...rollout };
    if (app) settings.app = { ...settings.app, ...app };
    try {
        parsePlatformConfig(settings);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
        return err.problems;
    }
    assert.fail("the configuration was accepted");
}

describe("rollout stage table", () => {
    it("holds seed 002's stages with their weights, bakes and replica counts", () => {
        const table = resolveStageTable({}, BOUNDS);
        const rows = STAGE_NAMES.map((n) => {
            const s = table[n];
            return [n, s.weight, s.bakeMinutes, s.canaryReplicas, s.greenReplicas, s.blueReplicas, s.headerRoute, s.candidatePresent];
        });
        assert.deepStrictEqual(rows, [
            ["stable", 0, 0, 0, 0, 3, false, false],
            ["canary", 5, 30, 1, 0, 3, true, true],
            ["canary-expand", 20, 45, 4, 0, 3, true, true],
            ["blue-green-prep", 50, 30, 0, 10, 3, true, true],
            // Full switch: the canary header route is gone, blue is a hot standby at green's size.
            ["full-switch", 100, 15, 0, 10, 10, false, true],
            ["rollback", 0, 0, 0, 0, 3, false, false],
        ]);
        assert.deepStrictEqual(
            FORWARD_STAGES.map((n) => candidateRole(table[n])),
            ["canary", "canary", "green", "green"],
        );
        assert.strictEqual(candidateRole(table.rollback), "none");
        assert.strictEqual(candidateReplicas(table["canary-expand"]), 4);
        assertValidStageTable(table, 50, BOUNDS);
    });

    it("applies per-stack overrides, and blue's floor follows the application's minimum", () => {
        const table = resolveStageTable(
            { canary: { weight: 10, bakeMinutes: 5 }, "full-switch": { greenReplicas: 12 } },
            { minReplicas: 4, maxReplicas: 20 },
        );
        assert.strictEqual(table.canary.weight, 10);
        assert.strictEqual(table.canary.bakeMinutes, 5);
        assert.strictEqual(table.canary.canaryReplicas, 1);
        assert.strictEqual(table.canary.blueReplicas, 4);
        assert.strictEqual(table.stable.blueReplicas, 4);
        assert.strictEqual(table["full-switch"].blueReplicas, 12);
        assert.strictEqual(resolveStageTable({ "full-switch": { blueReplicas: 3 } }, BOUNDS)["full-switch"].blueReplicas, 3);
    });

    it("splits traffic so the two shares always sum to 100", () => {
        const table = resolveStageTable({}, BOUNDS);
        const weights = STAGE_NAMES.map((n) => stageWeights(table[n]));
        assert.deepStrictEqual(weights, [
            { stable: 100, candidate: 0 },
            { stable: 95, candidate: 5 },
            { stable: 80, candidate: 20 },
            { stable: 50, candidate: 50 },
            { stable: 0, candidate: 100 },
            { stable: 100, candidate: 0 },
        ]);
        for (let w = 0; w <= 100; w++) {
            const split = stageWeights({ weight: w });
            assert.strictEqual(split.stable + split.candidate, 100);
        }
        assert.throws(() => stageWeights({ weight: 101 }), /stage weight 101 is not an integer percentage between 0 and 100/);
        assert.throws(() => stageWeights({ weight: 2.5 }), /stage weight 2.5 is not an integer percentage/);
    });

    it("orders the stages forward and ends at full-switch", () => {
        assert.strictEqual(nextStage("stable"), "canary");
        assert.strictEqual(nextStage("canary"), "canary-expand");
        assert.strictEqual(nextStage("canary-expand"), "blue-green-prep");
        assert.strictEqual(nextStage("blue-green-prep"), "full-switch");
        assert.strictEqual(nextStage("full-switch"), undefined);
        assert.strictEqual(nextStage("rollback"), undefined);
        assert.deepStrictEqual(forwardStagesFrom("blue-green-prep"), ["blue-green-prep", "full-switch"]);
        assert.deepStrictEqual(forwardStagesFrom("canary"), [...FORWARD_STAGES]);
    });

    it("rejects unknown stage names with the list of known ones", () => {
        assert.strictEqual(parseStageName("canary-expand"), "canary-expand");
        assert.throws(
            () => parseStageName("canry"),
            /^Error: unknown stage "canry"; expected one of stable, canary, canary-expand, blue-green-prep, full-switch, rollback$/,
        );
    });

    describe("validation", () => {
        const issuesOf = (overrides: Parameters<typeof resolveStageTable>[0], maxStep = 50) =>
            stageTableIssues(resolveStageTable(overrides, BOUNDS), maxStep, BOUNDS).map(
                (i) => `${i.stage}.${i.field}=${i.value}: ${i.expected}`,
            );

        it("requires weights that never decrease over the forward stages", () => {
            assert.deepStrictEqual(issuesOf({ "canary-expand": { weight: 3 } }), [
                "canary-expand.weight=3: a weight >= 5 (weights never decrease; canary sends 5 %)",
            ]);
        });

        it("caps each step at maxStepPercent, counting the canary's step from 0", () => {
            assert.deepStrictEqual(issuesOf({}, 25), [
                "blue-green-prep.weight=50: a weight <= 45 (at most maxStepPercent 25 above canary-expand's 20 %)",
                "full-switch.weight=100: a weight <= 75 (at most maxStepPercent 25 above blue-green-prep's 50 %)",
            ]);
            assert.deepStrictEqual(issuesOf({ canary: { weight: 30 } }, 25), [
                "canary.weight=30: a weight <= 25 (at most maxStepPercent 25 above stable's 0 %)",
                "canary-expand.weight=20: a weight >= 30 (weights never decrease; canary sends 30 %)",
                "blue-green-prep.weight=50: a weight <= 45 (at most maxStepPercent 25 above canary-expand's 20 %)",
                "full-switch.weight=100: a weight <= 75 (at most maxStepPercent 25 above blue-green-prep's 50 %)",
            ]);
        });

        it("keeps weights within 0-100, the canary above 0 and full-switch at 100, bakes >= 0", () => {
            assert.deepStrictEqual(
                issuesOf({ canary: { weight: 0 }, "full-switch": { weight: 90 }, "canary-expand": { bakeMinutes: -1 } }),
                [
                    "canary.weight=0: a weight > 0 (the canary stage sends traffic to the candidate)",
                    "canary-expand.bakeMinutes=-1: a bake of >= 0 minutes",
                    "full-switch.weight=90: 100 (full-switch sends all traffic to green before promotion)",
                ],
            );
            assert.deepStrictEqual(issuesOf({ "blue-green-prep": { weight: 120 } }), [
                "blue-green-prep.weight=120: an integer percentage between 0 and 100",
                "full-switch.weight=100: a weight <= 70 (at most maxStepPercent 50 above canary-expand's 20 %)",
            ]);
            assert.deepStrictEqual(issuesOf({ "canary-expand": { bakeMinutes: Number.NaN } }), [
                "canary-expand.bakeMinutes=NaN: a bake of >= 0 minutes",
            ]);
        });

        it("requires a running candidate wherever traffic goes to it, and one role at a time", () => {
            assert.deepStrictEqual(issuesOf({ canary: { canaryReplicas: 0 }, "blue-green-prep": { canaryReplicas: 2 } }), [
                "canary.canaryReplicas=0: canaryReplicas or greenReplicas >= 1 (the stage sends 5 % of traffic to the candidate)",
                "blue-green-prep.canaryReplicas=2: 0 when greenReplicas is set (the candidate track is either a canary or green, not both)",
            ]);
            assert.deepStrictEqual(issuesOf({ "full-switch": { greenReplicas: 21, blueReplicas: 0 } }), [
                "full-switch.greenReplicas=21: an integer between 0 and maxReplicas (20)",
                "full-switch.blueReplicas=0: an integer between 1 and maxReplicas (20); blue always runs",
            ]);
        });

        it("throws one error listing every problem", () => {
            assert.throws(
                () => assertValidStageTable(resolveStageTable({ canary: { weight: 0 } }, BOUNDS), 50, BOUNDS),
                (err: Error) =>
                    err.message ===
                    "invalid stage table:\n  - canary.weight: got 0; expected a weight > 0 (the canary stage sends traffic to the candidate)",
            );
        });
    });

    describe("as stack configuration", () => {
        it("defaults to the stable stage and the seed table", () => {
            const config = parsePlatformConfig({ ...readStackSettings("production"), rollout: { stableVersion: "5.0.0" } });
            assert.strictEqual(config.rollout.stage, "stable");
            assert.strictEqual(config.rollout.maxStepPercent, 50);
            assert.deepStrictEqual(config.rollout.pauseBefore, ["canary-expand", "blue-green-prep", "full-switch", "promote"]);
            assert.deepStrictEqual(config.rollout.migration.command, ["alembic", "upgrade", "head"]);
        });

        it("names the key, the value and the expectation for a bad stage table", () => {
            assert.deepStrictEqual(problemsOf({ stage: "canary", candidateVersion: "5.1.0", stages: { "canary-expand": { weight: 3 } } }), [
                "claude-enhancer:rollout.stages.canary-expand.weight: got 3; expected a weight >= 5 (weights never decrease; canary sends 5 %)",
            ]);
            assert.deepStrictEqual(problemsOf({ maxStepPercent: 25 }), [
                "claude-enhancer:rollout.stages.blue-green-prep.weight: got nothing (the key is missing); expected a weight <= 45 (at most maxStepPercent 25 above canary-expand's 20 %); the default 50 applies because the key is not set",
                "claude-enhancer:rollout.stages.full-switch.weight: got nothing (the key is missing); expected a weight <= 75 (at most maxStepPercent 25 above blue-green-prep's 50 %); the default 100 applies because the key is not set",
            ]);
        });

        it("checks replica counts against the application's autoscaling bounds", () => {
            assert.deepStrictEqual(
                problemsOf({ stages: { "blue-green-prep": { greenReplicas: 12 } } }, { autoscaling: { maxReplicas: 10 } }),
                [
                    "claude-enhancer:rollout.stages.blue-green-prep.greenReplicas: got 12; expected an integer between 0 and maxReplicas (10)",
                ],
            );
            assert.deepStrictEqual(problemsOf({}, { autoscaling: { maxReplicas: 8 } }), [
                "claude-enhancer:rollout.stages.blue-green-prep.greenReplicas: got nothing (the key is missing); expected an integer between 0 and maxReplicas (8); the default 10 applies because the key is not set",
                "claude-enhancer:rollout.stages.full-switch.greenReplicas: got nothing (the key is missing); expected an integer between 0 and maxReplicas (8); the default 10 applies because the key is not set",
                "claude-enhancer:rollout.stages.full-switch.blueReplicas: got nothing (the key is missing); expected an integer between 1 and maxReplicas (8); blue always runs; the default 10 applies because the key is not set",
            ]);
        });

        it("rejects unknown stages, negative bakes and out-of-range weights", () => {
            assert.deepStrictEqual(problemsOf({ stage: "canry" }), [
                'claude-enhancer:rollout.stage: got "canry"; expected one of "stable", "canary", "canary-expand", "blue-green-prep", "full-switch", "rollback"',
            ]);
            assert.deepStrictEqual(problemsOf({ stages: { canry: { weight: 5 } } }), [
                "claude-enhancer:rollout.stages.canry: unknown key; check its spelling or remove it",
            ]);
            assert.deepStrictEqual(problemsOf({ stages: { canary: { bakeMinutes: -5 } } }), [
                "claude-enhancer:rollout.stages.canary.bakeMinutes: got -5; expected a number >= 0",
            ]);
            assert.deepStrictEqual(problemsOf({ stages: { canary: { weight: 101 } } }), [
                "claude-enhancer:rollout.stages.canary.weight: got 101; expected a number <= 100",
            ]);
        });

        it("requires a candidate outside the stable stage, different from the stable version", () => {
            assert.deepStrictEqual(problemsOf({ stage: "canary" }), [
                'claude-enhancer:rollout.candidateVersion: got nothing (the key is missing); expected a version tag (stage "canary" rolls out a candidate)',
            ]);
            assert.deepStrictEqual(problemsOf({ stage: "canary", candidateVersion: "5.0.0" }), [
                'claude-enhancer:rollout.candidateVersion: got "5.0.0"; expected a version other than stableVersion "5.0.0"',
            ]);
        });

        it("accepts only pinned image tags", () => {
            assert.deepStrictEqual(problemsOf({ stableVersion: "latest" }), [
                'claude-enhancer:rollout.stableVersion: got "latest"; expected a pinned version tag such as "5.1.0", never "latest"',
            ]);
            assert.deepStrictEqual(problemsOf({ stage: "canary", candidateVersion: "5.1 beta" }), [
                "claude-enhancer:rollout.candidateVersion: got \"5.1 beta\"; expected an image tag such as \"5.1.0\" (letters, digits, '.', '_', '-'; at most 128)",
            ]);
            assert.deepStrictEqual(problemsOf({ stableVersion: undefined }), [
                "claude-enhancer:rollout.stableVersion: got nothing (the key is missing); expected a value of type string",
            ]);
        });
    });
});
