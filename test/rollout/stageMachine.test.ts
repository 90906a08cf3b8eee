import * as assert from "assert";
import { MACHINE_STAGES, StagePosition, describeLegalNext, judgeTransition, legalNextStages } from "../../rollout/stageMachine";
import { STAGE_NAMES } from "../../rollout/stages";

const STABLE = "5.0.0";
const CANDIDATE = "5.1.0";

/** Where a stack is after completing `stage` of the rollout of CANDIDATE over STABLE. */
function at(stage: string): StagePosition {
    return stage === "stable" ? { stage, stableVersion: STABLE } : { stage, stableVersion: STABLE, candidateVersion: CANDIDATE };
}

/** What an update asking for `to` from `from` writes in the stack file, the versions as a rollout would. */
function request(from: string, to: string): StagePosition {
    if (to === "stable") return { stage: "stable", stableVersion: from === "full-switch" ? CANDIDATE : STABLE };
    return { stage: to, stableVersion: STABLE, candidateVersion: CANDIDATE };
}

const LEGAL: Record<string, string[]> = {
    stable: ["stable", "canary", "rollback"],
    canary: ["canary", "canary-expand", "rollback"],
    "canary-expand": ["canary-expand", "blue-green-prep", "rollback"],
    "blue-green-prep": ["blue-green-prep", "full-switch", "rollback"],
    "full-switch": ["full-switch", "stable", "rollback"],
    rollback: ["rollback", "stable"],
};

describe("rollout stage machine (rollout/stageMachine.ts)", () => {
    it("knows the same stages as the stage table", () => {
        assert.deepStrictEqual([...MACHINE_STAGES], [...STAGE_NAMES]);
        for (const stage of MACHINE_STAGES) assert.deepStrictEqual(legalNextStages(stage), LEGAL[stage], stage);
    });

    for (const from of MACHINE_STAGES) {
        describe(`from a stack that completed ${from}`, () => {
            for (const to of MACHINE_STAGES) {
                const legal = LEGAL[from].includes(to);
                it(`${legal ? "accepts" : "rejects"} ${to}`, () => {
                    const verdict = judgeTransition(at(from), request(from, to));
                    if (legal) {
                        assert.strictEqual(verdict.legal, true, JSON.stringify(verdict));
                        return;
                    }
                    assert.ok(!verdict.legal);
                    assert.strictEqual(verdict.property, "stage");
                    assert.ok(
                        verdict.reason.startsWith(`"${to}" does not follow "${from}": the stack last completed ${from} `),
                        verdict.reason,
                    );
                    const named = verdict.reason.slice(verdict.reason.indexOf("legal next: "));
                    for (const next of LEGAL[from]) assert.ok(named.includes(next), `${next} named in: ${verdict.reason}`);
                    assert.ok(verdict.reason.endsWith("To jump deliberately, set rollout.allowStageJump to the reason."));
                });
            }
        });
    }

    it("names the legal stages with their versions (stable -> full-switch)", () => {
        const verdict = judgeTransition(at("stable"), request("stable", "full-switch"));
        assert.deepStrictEqual(verdict, {
            legal: false,
            property: "stage",
            reason:
                '"full-switch" does not follow "stable": the stack last completed stable (stable 5.0.0); legal next: ' +
                "stable (no change; stableVersion 5.0.0); canary (a new candidate; stableVersion 5.0.0); rollback (stableVersion 5.0.0). " +
                "To jump deliberately, set rollout.allowStageJump to the reason.",
        });
        assert.strictEqual(
            describeLegalNext(at("full-switch")),
            "full-switch (candidate 5.1.0), a retry; stable with stableVersion 5.1.0 (promotion); rollback (stableVersion 5.0.0)",
        );
    });

    it("says what kind of step each legal one is", () => {
        const kind = (from: string, to: string) => {
            const v = judgeTransition(at(from), request(from, to));
            return v.legal ? v.kind : `illegal: ${v.reason}`;
        };
        assert.strictEqual(kind("stable", "canary"), "start");
        assert.strictEqual(kind("canary", "canary-expand"), "advance");
        assert.strictEqual(kind("canary", "canary"), "retry");
        assert.strictEqual(kind("full-switch", "stable"), "promote");
        assert.strictEqual(kind("blue-green-prep", "rollback"), "rollback");
        assert.strictEqual(kind("rollback", "stable"), "end-rollback");
        assert.strictEqual(kind("stable", "stable"), "retry");
    });

    describe("versions", () => {
        it("a new candidate starts from stable only", () => {
            assert.deepStrictEqual(
                judgeTransition(at("canary"), { stage: "canary-expand", stableVersion: STABLE, candidateVersion: "5.2.0" }),
                {
                    legal: false,
                    property: "candidateVersion",
                    reason: '"5.2.0": the stack is rolling out 5.1.0 and a new candidate starts from stable only; finish or roll back 5.1.0 first (the stack last completed canary (stable 5.0.0, candidate 5.1.0)). To jump deliberately, set rollout.allowStageJump to the reason.',
                },
            );
            assert.strictEqual(
                judgeTransition(at("stable"), { stage: "canary", stableVersion: STABLE, candidateVersion: "5.2.0" }).legal,
                true,
            );
            assert.strictEqual(
                judgeTransition(at("stable"), { stage: "canary", stableVersion: STABLE, candidateVersion: STABLE }).legal,
                false,
            );
        });

        it("a new stable version arrives only by promotion of the candidate after full-switch", () => {
            const ungated = judgeTransition(at("stable"), { stage: "stable", stableVersion: "5.1.0" });
            assert.ok(!ungated.legal && ungated.property === "stableVersion", JSON.stringify(ungated));
            assert.match(ungated.reason, /^"5\.1\.0": a new version reaches stable only by promotion after full-switch/);
            const backToOld = judgeTransition(at("full-switch"), { stage: "stable", stableVersion: STABLE });
            assert.ok(!backToOld.legal && backToOld.property === "stableVersion");
            assert.match(backToOld.reason, /stableVersion must be 5\.1\.0; to return to 5\.0\.0 use rollback/);
            const midRollout = judgeTransition(at("canary"), {
                stage: "canary-expand",
                stableVersion: "4.9.0",
                candidateVersion: CANDIDATE,
            });
            assert.ok(!midRollout.legal && midRollout.property === "stableVersion");
        });

        it("a rollback returns to the stable version the stack runs", () => {
            const elsewhere = judgeTransition(at("canary"), { stage: "rollback", stableVersion: "4.9.0", candidateVersion: CANDIDATE });
            assert.ok(!elsewhere.legal && elsewhere.property === "stableVersion");
            // Any candidate: the rollback removes it.
            assert.strictEqual(
                judgeTransition(at("canary"), { stage: "rollback", stableVersion: STABLE, candidateVersion: "9.9.9" }).legal,
                true,
            );
        });
    });

    describe("a stack with no record yet (judged as stable)", () => {
        it("accepts stable, canary and rollback of any versions, and rejects the rest", () => {
            for (const stage of MACHINE_STAGES) {
                const verdict = judgeTransition(undefined, { stage, stableVersion: "1.0.0", candidateVersion: "1.1.0" });
                assert.strictEqual(verdict.legal, ["stable", "canary", "rollback"].includes(stage), stage);
            }
            const jump = judgeTransition(undefined, { stage: "full-switch", stableVersion: "1.0.0", candidateVersion: "1.1.0" });
            assert.ok(!jump.legal);
            assert.match(
                jump.reason,
                /^"full-switch" does not follow a stack with no completed stage \(judged as stable\); legal next: stable, canary, rollback\./,
            );
        });
    });

    describe("override (rollout.allowStageJump)", () => {
        const reason = "INC-4711: hotfix 5.1.0 straight to full traffic, approved by J. Doe";

        it("accepts one illegal step per reason and returns what to record", () => {
            assert.deepStrictEqual(judgeTransition(at("stable"), request("stable", "full-switch"), reason), {
                legal: true,
                kind: "override",
                override: { reason, from: "stable", to: "full-switch" },
            });
            const reused = judgeTransition(at("full-switch"), request("full-switch", "canary"), reason, {
                reason,
                from: "stable",
                to: "full-switch",
            });
            assert.ok(!reused.legal && reused.property === "allowStageJump", JSON.stringify(reused));
            assert.match(reused.reason, /already authorised the jump stable -> full-switch; a reason authorises one jump, write a new one/);
            assert.strictEqual(
                judgeTransition(at("full-switch"), request("full-switch", "canary"), "INC-4712: second jump, approved").legal,
                true,
            );
        });

        it("is not used for a legal step, nor when blank", () => {
            assert.deepStrictEqual(judgeTransition(at("canary"), request("canary", "canary-expand"), reason), {
                legal: true,
                kind: "advance",
            });
            assert.strictEqual(judgeTransition(at("stable"), request("stable", "full-switch"), "   ").legal, false);
        });

        it("never accepts an unknown stage", () => {
            const verdict = judgeTransition(at("stable"), { stage: "half-switch", stableVersion: STABLE }, reason);
            assert.deepStrictEqual(verdict, {
                legal: false,
                property: "stage",
                reason: '"half-switch" is not a stage; expected one of stable, canary, canary-expand, blue-green-prep, full-switch, rollback',
            });
        });
    });
});
