import { loadStackConfig, STACKS } from "../config/stackFile";
import { estimateMonthlyCost, formatMarkdown } from "./estimate";

/** The cost section of docs/cost.md sits between these markers; everything between them is generated. */
export const COST_BEGIN = "<!-- COST:BEGIN -->";
export const COST_END = "<!-- COST:END -->";

const BLOCK = new RegExp(`${COST_BEGIN}\\n([\\s\\S]*?)\\n${COST_END}`);

/** The cost section of docs/cost.md as `npm run cost -- --markdown` prints it: every stack, from its stack file. */
export function costMarkdown(): string {
    return formatMarkdown(STACKS.map((stack) => estimateMonthlyCost(stack, loadStackConfig(stack))));
}

/** What a document holds between the cost markers, or undefined when it has no cost block. */
export function costBlockOf(text: string): string | undefined {
    return BLOCK.exec(text)?.[1];
}

/** The document with its cost block replaced by `markdown`; the markers must already be there. */
export function withCostBlock(text: string, markdown: string): string {
    if (costBlockOf(text) === undefined)
        throw new Error(`no cost block: put ${COST_BEGIN} and ${COST_END} on lines of their own where the table goes`);
    // A replacer function, so "$" in the table (prices) is not read as a substitution pattern.
    return text.replace(BLOCK, () => `${COST_BEGIN}\n${markdown}\n${COST_END}`);
}
