/**
 * `npm run cost [-- --stack <name>] [--markdown]`: each stack's monthly baseline at list prices, line
 * by line, computed from the same validated stack configuration `pulumi up` reads (Pulumi.<stack>.yaml).
 * `--markdown` prints the README's cost table.
 */
import { parseArgs } from "util";
import { ConfigError } from "../config";
import { loadStackConfig, STACKS } from "../config/stackFile";
import { estimateMonthlyCost, formatMarkdown, formatText } from "../cost/estimate";

function main(argv: string[]): number {
    const { values } = parseArgs({
        args: argv,
        options: {
            stack: { type: "string", multiple: true },
            markdown: { type: "boolean", default: false },
        },
        strict: true,
    });
    const stacks = values.stack ?? [...STACKS];
    const estimates = stacks.map((stack) => estimateMonthlyCost(stack, loadStackConfig(stack)));
    process.stdout.write(`${values.markdown ? formatMarkdown(estimates) : formatText(estimates)}\n`);
    return 0;
}

try {
    process.exitCode = main(process.argv.slice(2));
} catch (err) {
    process.stderr.write(`cost: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
}
