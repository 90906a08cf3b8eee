import type { PlatformConfig } from "../../config";
import { STACKS, loadStackConfig } from "../../config/stackFile";
import { CHARTS, helmCharts } from "./helmCharts";

/**
 * The chart table of docs/configuration.md (Air-gapped clusters): every chart the program can install,
 * its public repository, and the version each stack installs ("–" where it installs none).
 */
export function helmChartsMarkdown(stacks: Record<string, PlatformConfig>): string {
    const installed = Object.entries(stacks).map(([stack, config]) => ({ stack, charts: helmCharts(config) }));
    const lines = [
        `| chart | public repository | ${installed.map((s) => s.stack).join(" | ")} |`,
        `|---|---|${"---|".repeat(installed.length)}`,
    ];
    for (const chart of Object.values(CHARTS)) {
        const versions = installed.map((s) => s.charts.find((c) => c.name === chart.name && c.repo === chart.repo)?.version ?? "–");
        lines.push(`| \`${chart.name}\` | ${chart.repo} | ${versions.join(" | ")} |`);
    }
    return lines.join("\n");
}

/** The table for the shipped stack files. */
export function shippedHelmChartsMarkdown(): string {
    return helmChartsMarkdown(Object.fromEntries(STACKS.map((s) => [s, loadStackConfig(s)])));
}
