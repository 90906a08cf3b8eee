import * as assert from "assert";
import * as aws from "@pulumi/aws";
import { OffHoursSchedule } from "../../../components/cost/offHoursSchedule";
import type { OffHoursConfig } from "../../../config/backup";
import type { NodeGroupConfig } from "../../../config/cluster";
import { loadStackConfig } from "../../../config/stackFile";
import { RecordingMocks } from "../../harness/recorder";
import { awsProviders, registered } from "../backupDrFixtures";

/** Managed node groups like the Cluster component's, and the schedule on top of them. */
async function scheduleOf(
    stack: "staging" | "production",
    offHours?: OffHoursConfig,
): Promise<{ mocks: RecordingMocks; groups: NodeGroupConfig[] }> {
    const config = loadStackConfig(stack);
    if (config.cluster.mode !== "eks") return assert.fail(`${stack} is an EKS stack`);
    const groups = config.cluster.nodeGroups;
    const mocks = await registered(stack, () => {
        const providers = awsProviders(stack);
        const nodeGroups = Object.fromEntries(
            groups.map((g) => [
                g.name,
                new aws.eks.NodeGroup(
                    `cluster-${g.name}`,
                    {
                        clusterName: "cluster",
                        nodeRoleArn: "arn:aws:iam::123456789012:role/nodes",
                        subnetIds: ["subnet-a"],
                        scalingConfig: { minSize: g.minSize, desiredSize: g.desiredSize, maxSize: g.maxSize },
                    },
                    { provider: providers.primary },
                ),
            ]),
        );
        new OffHoursSchedule(
            "off-hours",
            { offHours: offHours ?? config.offHours, nodeGroupConfigs: groups, nodeGroups },
            { providers: [providers.primary] },
        );
    });
    return { mocks, groups };
}

describe("OffHoursSchedule component", function () {
    this.timeout(60_000);

    it("staging: scales each node group's Auto Scaling group to 0 at 22:00 and back at 08:00 Mon–Fri, Asia/Shanghai", async () => {
        const { mocks } = await scheduleOf("staging");
        const schedules = mocks.ofType("aws:autoscaling/schedule:Schedule").map((s) => s.inputs);
        const zone = { timeZone: "Asia/Shanghai" };
        assert.deepStrictEqual(schedules, [
            {
                ...zone,
                scheduledActionName: "off-hours-system-scale-down",
                autoscalingGroupName: "eks-cluster-system-asg",
                recurrence: "0 22 * * *",
                minSize: 0,
                maxSize: 0,
                desiredCapacity: 0,
            },
            {
                ...zone,
                scheduledActionName: "off-hours-system-scale-up",
                autoscalingGroupName: "eks-cluster-system-asg",
                recurrence: "0 8 * * 1-5",
                minSize: 2,
                maxSize: 3,
                desiredCapacity: 2,
            },
            {
                ...zone,
                scheduledActionName: "off-hours-app-scale-down",
                autoscalingGroupName: "eks-cluster-app-asg",
                recurrence: "0 22 * * *",
                minSize: 0,
                maxSize: 0,
                desiredCapacity: 0,
            },
            {
                ...zone,
                scheduledActionName: "off-hours-app-scale-up",
                autoscalingGroupName: "eks-cluster-app-asg",
                recurrence: "0 8 * * 1-5",
                minSize: 2,
                maxSize: 23,
                desiredCapacity: 3,
            },
        ]);
        const component = mocks.one("claude-enhancer:cost:OffHoursSchedule");
        for (const s of mocks.ofType("aws:autoscaling/schedule:Schedule")) assert.strictEqual(s.parentUrn, component.urn);
    });

    it("production: schedules nothing", async () => {
        const { mocks } = await scheduleOf("production");
        assert.deepStrictEqual(mocks.ofType("aws:autoscaling/schedule:Schedule"), []);
    });

    it("fails naming a scheduled node group the cluster does not have", async () => {
        const staging = loadStackConfig("staging");
        await assert.rejects(
            registered("staging", () => {
                new OffHoursSchedule("off-hours", {
                    offHours: staging.offHours,
                    nodeGroupConfigs: staging.cluster.mode === "eks" ? staging.cluster.nodeGroups : [],
                    nodeGroups: {},
                });
            }),
            { message: "off-hours schedule: the cluster has no node group system" },
        );
    });
});
