import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { policyDocs } from "../../bin/policy-docs";
import { PROJECT_ROOT } from "../../config/stackFile";
import { policyTableMarkdown } from "../../policies/docs";
import { pack, policies } from "../../policies/pack";

describe("policy pack documentation", () => {
    it("has one row per policy with what it checks, its level per stack and its config with each stack's values", () => {
        const rows = policyDocs().split("\n");
        assert.equal(rows[0], "| Policy | What it checks | Severity | staging | production | local | Config (default; per-stack values) |");
        assert.equal(rows.length, 2 + policies.length);
        assert.ok(
            rows.includes(
                "| `aws-rds-backup-retention` | RDS primary instances keep automated backups (point-in-time recovery) for at least the configured days. | high | mandatory | mandatory | mandatory | `minRetentionDays` = 7 (production: 30) |",
            ),
        );
        assert.ok(
            rows.includes(
                "| `aws-rds-multi-az` | RDS primary instances run Multi-AZ with a synchronous standby. | high | advisory | mandatory | mandatory | – |",
            ),
        );
        assert.ok(
            rows.some(
                (r) =>
                    r.startsWith("| `cost-spot-app-nodes` |") &&
                    r.includes(
                        "| low | mandatory | disabled | mandatory | `appLabelKey` = claude-enhancer.io/role<br>`appLabelValue` = app |",
                    ),
            ),
        );
    });

    it("lists object-valued properties, and only the stacks it is given", () => {
        const table = policyTableMarkdown(
            { ...pack, policies: policies.filter((p) => p.name === "rollout-max-step") },
            { staging: {}, production: { "rollout-max-step": { maxStepPercent: 30 } } },
        );
        assert.equal(
            table.split("\n")[2],
            "| `rollout-max-step` | A stage raises the candidate's traffic share by at most the configured step over the previous stage's approved share. | high | mandatory | mandatory | `stableSubset` = stable<br>`maxStepPercent` = 50 (production: 30)<br>`stageWeights` = canary: 5, canary-expand: 20, blue-green-prep: 50, full-switch: 100 |",
        );
    });

    it("is what docs/policies.md shows between the POLICIES markers (regenerate with `npm run docs:policies`)", () => {
        const readme = readFileSync(join(PROJECT_ROOT, "docs", "policies.md"), "utf8");
        const match = /<!-- POLICIES:BEGIN -->\n([\s\S]*?)\n<!-- POLICIES:END -->/.exec(readme);
        assert.ok(match, "docs/policies.md has no POLICIES block");
        assert.equal(match[1], policyDocs());
    });
});
