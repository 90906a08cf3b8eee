import * as assert from "assert";
import { OffHoursSchema, parseWeeklyCron } from "../../config/backup";
import { loadStackConfig } from "../../config/stackFile";
import { offHoursActions, scheduledNodeGroups, weeklyFullSizeHours } from "../../cost/offHours";

describe("off-hours schedule", () => {
    describe("parseWeeklyCron", () => {
        it("reads minute, hour and the days of the week", () => {
            assert.deepStrictEqual(parseWeeklyCron("0 22 * * *"), { minute: 0, hour: 22, days: [0, 1, 2, 3, 4, 5, 6] });
            assert.deepStrictEqual(parseWeeklyCron("30 8 * * 1-5"), { minute: 30, hour: 8, days: [1, 2, 3, 4, 5] });
            assert.deepStrictEqual(parseWeeklyCron("0 7 * * 0,2-3,6"), { minute: 0, hour: 7, days: [0, 2, 3, 6] });
        });

        it("rejects what it cannot turn into weekly firings", () => {
            for (const bad of [
                "0 24 * * *",
                "60 8 * * *",
                "0 8 1 * *",
                "0 8 * 1 *",
                "0 8 * * 7",
                "0 8 * * 5-1",
                "*/5 8 * * *",
                "0 8 * * MON-FRI",
                "cron(0 8 * * ? *)",
            ]) {
                assert.strictEqual(parseWeeklyCron(bad), undefined, bad);
            }
        });
    });

    describe("weeklyFullSizeHours", () => {
        it("is 70 h for the seeds' schedule (down 22:00 daily, up 08:00 Monday–Friday)", () => {
            assert.strictEqual(weeklyFullSizeHours({ scaleDownCron: "0 22 * * *", scaleUpCron: "0 8 * * 1-5" }), 70);
        });

        it("counts every day when the groups also come up at weekends", () => {
            assert.strictEqual(weeklyFullSizeHours({ scaleDownCron: "0 22 * * *", scaleUpCron: "0 8 * * *" }), 98);
        });

        it("handles minutes and a week that starts at full size", () => {
            assert.strictEqual(weeklyFullSizeHours({ scaleDownCron: "30 19 * * 1-5", scaleUpCron: "0 7 * * 1-5" }), 62.5);
            assert.strictEqual(weeklyFullSizeHours({ scaleDownCron: "0 2 * * *", scaleUpCron: "0 6 * * *" }), 140);
        });
    });

    describe("offHoursActions", () => {
        it("is staging's table: every node group down to 0 at 22:00 and back to its sizes at 08:00 Mon–Fri, Asia/Shanghai", () => {
            const staging = loadStackConfig("staging");
            assert.strictEqual(staging.cluster.mode, "eks");
            if (staging.cluster.mode !== "eks") return;
            const base = { timeZone: "Asia/Shanghai" };
            assert.deepStrictEqual(offHoursActions(staging.offHours, staging.cluster.nodeGroups), [
                {
                    ...base,
                    nodeGroup: "system",
                    action: "scale-down",
                    recurrence: "0 22 * * *",
                    minSize: 0,
                    desiredCapacity: 0,
                    maxSize: 0,
                },
                { ...base, nodeGroup: "system", action: "scale-up", recurrence: "0 8 * * 1-5", minSize: 2, desiredCapacity: 2, maxSize: 3 },
                { ...base, nodeGroup: "app", action: "scale-down", recurrence: "0 22 * * *", minSize: 0, desiredCapacity: 0, maxSize: 0 },
                { ...base, nodeGroup: "app", action: "scale-up", recurrence: "0 8 * * 1-5", minSize: 2, desiredCapacity: 3, maxSize: 23 },
            ]);
        });

        it("keeps the configured floor and acts only on the listed node groups", () => {
            const staging = loadStackConfig("staging");
            if (staging.cluster.mode !== "eks") return assert.fail("staging is an EKS stack");
            const offHours = OffHoursSchema.parse({ enabled: true, nodeGroups: ["app"], minNodes: 1 });
            assert.deepStrictEqual(offHoursActions(offHours, staging.cluster.nodeGroups), [
                {
                    nodeGroup: "app",
                    action: "scale-down",
                    recurrence: "0 22 * * *",
                    timeZone: "Etc/UTC",
                    minSize: 1,
                    desiredCapacity: 1,
                    maxSize: 1,
                },
                {
                    nodeGroup: "app",
                    action: "scale-up",
                    recurrence: "0 8 * * 1-5",
                    timeZone: "Etc/UTC",
                    minSize: 2,
                    desiredCapacity: 3,
                    maxSize: 23,
                },
            ]);
        });

        it("is empty when the schedule is off (production)", () => {
            const production = loadStackConfig("production");
            if (production.cluster.mode !== "eks") return assert.fail("production is an EKS stack");
            assert.strictEqual(production.offHours.enabled, false);
            assert.deepStrictEqual(offHoursActions(production.offHours, production.cluster.nodeGroups), []);
            assert.deepStrictEqual(scheduledNodeGroups(production.offHours, production.cluster.nodeGroups), []);
        });
    });
});
