import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { OffHoursConfig } from "../../config/backup";
import type { NodeGroupConfig } from "../../config/cluster";
import { offHoursActions } from "../../cost/offHours";
import { componentType } from "../../identity";

export interface OffHoursScheduleArgs {
    offHours: OffHoursConfig;
    /** The cluster's node group settings (sizes restored in the morning). */
    nodeGroupConfigs: NodeGroupConfig[];
    /** The cluster's managed node groups, by node group name. */
    nodeGroups: Record<string, aws.eks.NodeGroup>;
}

/** The Auto Scaling group EKS created for a managed node group. */
function autoscalingGroupName(nodeGroup: aws.eks.NodeGroup): pulumi.Output<string> {
    return nodeGroup.resources.apply((resources) => {
        const asg = resources?.[0]?.autoscalingGroups?.[0]?.name;
        if (!asg) throw new Error("the EKS node group reports no Auto Scaling group");
        return asg;
    });
}

/**
 * Out-of-hours scale-down of a non-production cluster: scheduled actions on each node group's Auto
 * Scaling group shrink it at night (seeds: 22:00 daily) and restore the configured sizes in the
 * morning (08:00 Monday–Friday), in the configured time zone. The table comes from offHoursActions.
 */
export class OffHoursSchedule extends pulumi.ComponentResource {
    /** Scheduled action names, by node group. */
    readonly scheduledActions: Record<string, string[]> = {};

    constructor(name: string, args: OffHoursScheduleArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("cost", "OffHoursSchedule"), name, {}, opts);
        for (const action of offHoursActions(args.offHours, args.nodeGroupConfigs)) {
            const nodeGroup = args.nodeGroups[action.nodeGroup];
            if (!nodeGroup) throw new Error(`off-hours schedule: the cluster has no node group ${action.nodeGroup}`);
            const actionName = `${name}-${action.nodeGroup}-${action.action}`;
            new aws.autoscaling.Schedule(
                actionName,
                {
                    scheduledActionName: actionName,
                    autoscalingGroupName: autoscalingGroupName(nodeGroup),
                    recurrence: action.recurrence,
                    timeZone: action.timeZone,
                    minSize: action.minSize,
                    maxSize: action.maxSize,
                    desiredCapacity: action.desiredCapacity,
                },
                { parent: this },
            );
            (this.scheduledActions[action.nodeGroup] ??= []).push(actionName);
        }
        this.registerOutputs({ scheduledActions: this.scheduledActions });
    }
}
