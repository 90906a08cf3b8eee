import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadStackConfig, PROJECT_ROOT } from "../../config/stackFile";
import { estimateMonthlyCost, formatMarkdown } from "../../cost/estimate";
import { COST_BEGIN, COST_END, costBlockOf, costMarkdown, withCostBlock } from "../../cost/readme";

const cost = (...args: string[]) =>
    spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(PROJECT_ROOT, "bin/cost.ts"), ...args], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
    });

describe("the cost table of docs/cost.md", function () {
    this.timeout(60_000);

    it("is every stack's estimate from its stack file, in stack order", () => {
        const markdown = costMarkdown();
        const estimates = ["staging", "production", "local"].map((stack) => estimateMonthlyCost(stack, loadStackConfig(stack)));
        assert.strictEqual(markdown, formatMarkdown(estimates));
        assert.ok(
            markdown.includes("| stack | USD / month |\n|---|---:|\n| staging | $397.88 |\n| production | $2,744.60 |\n| local | $0.00 |"),
            markdown,
        );
    });

    it("replaces only what lies between the markers", () => {
        const doc = `# Title\n\n${COST_BEGIN}\nold table\n${COST_END}\n\nafter $1 and $&\n`;
        const updated = withCostBlock(doc, "| a | $2.00 |");
        assert.strictEqual(updated, `# Title\n\n${COST_BEGIN}\n| a | $2.00 |\n${COST_END}\n\nafter $1 and $&\n`);
        assert.strictEqual(costBlockOf(updated), "| a | $2.00 |");
        assert.strictEqual(costBlockOf("# no markers\n"), undefined);
        assert.throws(() => withCostBlock("# no markers\n", "x"), {
            message: `no cost block: put ${COST_BEGIN} and ${COST_END} on lines of their own where the table goes`,
        });
    });

    it("npm run cost -- --write puts it into a file and --check accepts it, then refuses a stale one", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cost-readme-"));
        try {
            const file = path.join(dir, "README.md");
            fs.writeFileSync(file, `# Doc\n\n${COST_BEGIN}\n| stack | USD / month |\n${COST_END}\n`);
            const stale = cost("--check", file);
            assert.strictEqual(stale.status, 1);
            assert.strictEqual(stale.stderr, `cost: ${file}: the cost table is out of date; run \`npm run cost -- --write ${file}\`\n`);

            const write = cost("--write", file);
            assert.strictEqual(write.status, 0, write.stderr);
            assert.strictEqual(fs.readFileSync(file, "utf8"), `# Doc\n\n${COST_BEGIN}\n${costMarkdown()}\n${COST_END}\n`);
            const fresh = cost("--check", file);
            assert.deepStrictEqual([fresh.status, fresh.stderr], [0, ""]);

            fs.writeFileSync(file, "# Doc without markers\n");
            const missing = cost("--check", file);
            assert.strictEqual(missing.status, 1);
            assert.match(missing.stderr, /has no <!-- COST:BEGIN --> \/ <!-- COST:END --> block/);
            assert.strictEqual(
                cost("--write", file, "--stack", "staging").stderr,
                "cost: --write and --check cover every stack; drop --stack\n",
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("is what docs/cost.md shows (regenerate with `npm run cost -- --write docs/cost.md`)", () => {
        const readme = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "cost.md"), "utf8");
        const block = costBlockOf(readme);
        assert.ok(block !== undefined, `docs/cost.md has no ${COST_BEGIN} … ${COST_END} block`);
        assert.strictEqual(block, costMarkdown());
    });
});
