import { CapacityConfig, capacityByStage, cpuText, memoryText, smallestInstanceType } from "./capacity";
import { STACKS, loadStackConfig } from "./stackFile";

/**
 * The "Capacity per stage" tables of docs/capacity.md: per stack and rollout stage, what the pods
 * request against what the node groups hold at maxSize (allocatable after the DaemonSets).
 */
export function capacityMarkdown(stacks: Record<string, CapacityConfig>): string {
    const sections: string[] = [];
    for (const [stack, config] of Object.entries(stacks)) {
        if (config.cluster.mode !== "eks") {
            sections.push(
                `### ${stack}\n\nNot checked: cluster.mode "${config.cluster.mode}" describes no nodes (a kind or existing cluster has the capacity of the machine it runs on).`,
            );
            continue;
        }
        const groups = config.cluster.nodeGroups.map((g) => `"${g.name}" max ${g.maxSize} × ${smallestInstanceType(g) ?? "?"}`).join(", ");
        const stages = capacityByStage(config);
        const rows = stages.map((c) => {
            const app = c.pods.filter((p) => p.name.startsWith("claude-enhancer-") && /-(stable|candidate)$/.test(p.name));
            const tracks = app.map((p) => p.pods).join(" + ");
            const fits = c.unplaced.length === 0 ? "yes" : "**no**";
            return (
                `| ${c.stage} | ${tracks} | ${c.requested.pods} | ${cpuText(c.requested.cpuMillis)} / ${memoryText(c.requested.memoryBytes)} | ` +
                `${cpuText(c.allocatable.cpuMillis)} / ${memoryText(c.allocatable.memoryBytes)} | ${fits} | ${c.minimumMaxSize ?? "> 100"} |`
            );
        });
        const daemons = stages[0]?.perNodeDaemons;
        const raiseName = stages[0]?.raise.name ?? "app";
        sections.push(
            [
                `### ${stack}`,
                "",
                `Node groups at maxSize: ${groups}. DaemonSets per node: ${daemons ? `${cpuText(daemons.cpuMillis)} / ${memoryText(daemons.memoryBytes)}` : "–"}.`,
                "",
                `| Stage | App pods (stable + candidate) | Pods | Requested | Allocatable after DaemonSets | Fits | Smallest "${raiseName}" maxSize that holds it |`,
                "| --- | --- | --- | --- | --- | --- | --- |",
                ...rows,
            ].join("\n"),
        );
    }
    return sections.join("\n\n");
}

/** The tables for the shipped stack files. */
export function shippedCapacityMarkdown(): string {
    return capacityMarkdown(Object.fromEntries(STACKS.map((s) => [s, loadStackConfig(s)])));
}
