import { OffHoursConfig, parseWeeklyCron, WeeklyCron } from "../config/backup";
import type { NodeGroupConfig } from "../config/cluster";

/** One scheduled action on a node group's Auto Scaling group. */
export interface OffHoursAction {
    nodeGroup: string;
    action: "scale-down" | "scale-up";
    /** Unix cron, read in `timeZone`. */
    recurrence: string;
    timeZone: string;
    minSize: number;
    desiredCapacity: number;
    maxSize: number;
}

/** The node groups the schedule acts on: the configured list, or every group. */
export function scheduledNodeGroups(offHours: OffHoursConfig, nodeGroups: NodeGroupConfig[]): NodeGroupConfig[] {
    if (!offHours.enabled) return [];
    const names = offHours.nodeGroups ?? nodeGroups.map((g) => g.name);
    return nodeGroups.filter((g) => names.includes(g.name));
}

/**
 * The schedule table: per scheduled node group, a scale-down to `minNodes` (min = desired = max, so
 * nothing scales nodes back up overnight) and a scale-up restoring the group's configured sizes.
 */
export function offHoursActions(offHours: OffHoursConfig, nodeGroups: NodeGroupConfig[]): OffHoursAction[] {
    return scheduledNodeGroups(offHours, nodeGroups).flatMap((group): OffHoursAction[] => [
        {
            nodeGroup: group.name,
            action: "scale-down",
            recurrence: offHours.scaleDownCron,
            timeZone: offHours.timeZone,
            minSize: offHours.minNodes,
            desiredCapacity: offHours.minNodes,
            maxSize: offHours.minNodes,
        },
        {
            nodeGroup: group.name,
            action: "scale-up",
            recurrence: offHours.scaleUpCron,
            timeZone: offHours.timeZone,
            minSize: group.minSize,
            desiredCapacity: group.desiredSize,
            maxSize: group.maxSize,
        },
    ]);
}

const MINUTES_PER_WEEK = 7 * 24 * 60;

function firings(cron: WeeklyCron, kind: "up" | "down"): { at: number; kind: "up" | "down" }[] {
    return cron.days.map((day) => ({ at: day * 1440 + cron.hour * 60 + cron.minute, kind }));
}

/**
 * Hours per week the groups run at full size: walk the week's scale-down and scale-up firings in
 * order; each state lasts until the next firing, and the week wraps around.
 */
export function weeklyFullSizeHours(offHours: Pick<OffHoursConfig, "scaleDownCron" | "scaleUpCron">): number {
    const down = parseWeeklyCron(offHours.scaleDownCron);
    const up = parseWeeklyCron(offHours.scaleUpCron);
    if (!down || !up) throw new Error(`unsupported cron expression: ${!down ? offHours.scaleDownCron : offHours.scaleUpCron}`);
    const events = [...firings(down, "down"), ...firings(up, "up")].sort((a, b) => a.at - b.at);
    let upMinutes = 0;
    events.forEach((event, i) => {
        const next = i + 1 < events.length ? events[i + 1].at : events[0].at + MINUTES_PER_WEEK;
        if (event.kind === "up") upMinutes += next - event.at;
    });
    return upMinutes / 60;
}
