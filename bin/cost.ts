/**
 * `npm run cost [-- --stack <name>] [--markdown]`: each stack's monthly baseline at list prices, line
 * by line, computed from the same validated stack configuration `pulumi up` reads (Pulumi.<stack>.yaml).
 * `--markdown` prints the cost section of docs/cost.md; `--write <file>` puts it between the file's
 * `<!-- COST:BEGIN -->` / `<!-- COST:END -->` markers, `--check <file>` fails when they hold anything else.
 */
import * as fs from "fs";
import { parseArgs } from "util";
import { loadStackConfig, STACKS } from "../config/stackFile";
import { estimateMonthlyCost, formatMarkdown, formatText } from "../cost/estimate";
import { costBlockOf, costMarkdown, withCostBlock } from "../cost/readme";

function main(argv: string[]): number {
    const { values } = parseArgs({
        args: argv,
        options: {
            stack: { type: "string", multiple: true },
            markdown: { type: "boolean", default: false },
            write: { type: "string" },
            check: { type: "string" },
        },
        strict: true,
    });
    const file = values.write ?? values.check;
    if (file !== undefined) {
        if (values.write !== undefined && values.check !== undefined) throw new Error("--write and --check exclude each other");
        if (values.stack) throw new Error("--write and --check cover every stack; drop --stack");
        const text = fs.readFileSync(file, "utf8");
        const markdown = costMarkdown();
        if (values.write !== undefined) {
            fs.writeFileSync(file, withCostBlock(text, markdown));
            process.stdout.write(`cost: wrote the cost table into ${file}\n`);
            return 0;
        }
        const block = costBlockOf(text);
        if (block === markdown) return 0;
        process.stderr.write(
            `cost: ${file}: ${block === undefined ? "has no <!-- COST:BEGIN --> / <!-- COST:END --> block" : "the cost table is out of date"}; ` +
                `run \`npm run cost -- --write ${file}\`\n`,
        );
        return 1;
    }
    const stacks = values.stack ?? [...STACKS];
    const estimates = stacks.map((stack) => estimateMonthlyCost(stack, loadStackConfig(stack)));
    process.stdout.write(`${values.markdown ? formatMarkdown(estimates) : formatText(estimates)}\n`);
    return 0;
}

try {
    process.exitCode = main(process.argv.slice(2));
} catch (err) {
    process.stderr.write(`cost: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
}
