import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { configKeyDocs, configKeysMarkdown } from "../../config/docs";
import { PROJECT_ROOT } from "../../config/stackFile";

describe("stack settings documentation", () => {
    it("lists each key with what it accepts and its default, from the schema", () => {
        const byKey = Object.fromEntries(configKeyDocs().map((d) => [d.key, d]));
        assert.deepStrictEqual(byKey["claude-enhancer:network.azCount"], {
            key: "claude-enhancer:network.azCount",
            when: "",
            accepts: "integer (≥ 2, ≤ 6)",
            default: "`3`",
            description: "",
        });
        assert.strictEqual(byKey["claude-enhancer:cluster.mode"].accepts, '"eks" \\| "kind" \\| "existing"');
        assert.strictEqual(byKey["claude-enhancer:cluster.nodeGroups[].capacityType"].when, "cluster.mode=eks");
        assert.strictEqual(byKey["claude-enhancer:database.instanceClass"].default, "**required**");
    });

    it("is what docs/configuration.md shows (regenerate with `npm run docs:config`)", () => {
        const readme = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "configuration.md"), "utf8");
        const match = /<!-- CONFIG-KEYS:BEGIN -->\n([\s\S]*?)\n<!-- CONFIG-KEYS:END -->/.exec(readme);
        assert.ok(match, "docs/configuration.md has no CONFIG-KEYS block");
        assert.strictEqual(match[1], configKeysMarkdown());
    });
});
