import * as assert from "assert";
import { parsePlatformConfig } from "../../config";
import { readStackSettings } from "../../config/stackFile";
import { windowMinutes, windowsOverlap } from "../../config/windows";
import { problemsOf } from "./problems";

/** Staging's real settings with `patch` merged into one top-level key. */
function stagingWith(key: string, patch: Record<string, unknown>): Record<string, unknown> {
    const settings = structuredClone(readStackSettings("staging")) as Record<string, Record<string, unknown>>;
    settings[key] = { ...settings[key], ...patch };
    return settings;
}

describe("maintenance and backup windows", () => {
    it("measures daily and weekly windows, across midnight and the week's end", () => {
        assert.strictEqual(windowMinutes("00:00-01:00"), 60);
        assert.strictEqual(windowMinutes("23:30-00:15"), 45);
        assert.strictEqual(windowMinutes("sun:01:30-sun:02:30"), 60);
        assert.strictEqual(windowMinutes("sun:23:00-mon:01:00"), 120);
        assert.strictEqual(windowMinutes("tue:25:00-tue:26:00"), undefined);
    });

    it("finds overlaps of a daily window with a weekly one on any day", () => {
        assert.strictEqual(windowsOverlap("00:00-01:00", "sun:01:30-sun:02:30"), false);
        assert.strictEqual(windowsOverlap("00:00-01:00", "sun:01:00-sun:02:00"), false);
        assert.strictEqual(windowsOverlap("00:00-01:00", "sun:00:59-sun:02:00"), true);
        assert.strictEqual(windowsOverlap("03:00-04:00", "wed:02:00-wed:03:30"), true);
        assert.strictEqual(windowsOverlap("23:30-00:30", "mon:00:00-mon:01:00"), true);
        assert.strictEqual(windowsOverlap("00:10-00:40", "sun:23:00-mon:00:20"), true);
        assert.strictEqual(windowsOverlap("12:00-13:00", "sun:23:00-mon:00:20"), false);
        assert.strictEqual(windowsOverlap("bad", "sun:23:00-mon:00:20"), false);
    });
});

describe("data store configuration", () => {
    const cases: { what: string; key: string; patch: Record<string, unknown>; message: string; ending?: string }[] = [
        {
            what: "a malformed RDS backup window",
            key: "database",
            patch: { backupWindow: "1am-2am" },
            message: 'claude-enhancer:database.backupWindow: got "1am-2am"; expected a daily UTC window hh:mm-hh:mm such as "00:00-01:00"',
        },
        {
            what: "an RDS backup window shorter than 30 minutes",
            key: "database",
            patch: { backupWindow: "00:00-00:20" },
            message: 'claude-enhancer:database.backupWindow: got "00:00-00:20"; expected a window of at least 30 minutes',
        },
        {
            what: "an RDS maintenance window overlapping the backup window",
            key: "database",
            patch: { backupWindow: "02:00-03:00", maintenanceWindow: "sun:02:30-sun:03:30" },
            message:
                'claude-enhancer:database.maintenanceWindow: got "sun:02:30-sun:03:30"; expected a maintenanceWindow that does not overlap backupWindow',
        },
        {
            what: "an ElastiCache maintenance window shorter than an hour",
            key: "cache",
            patch: { maintenanceWindow: "sun:05:00-sun:05:30" },
            message: 'claude-enhancer:cache.maintenanceWindow: got "sun:05:00-sun:05:30"; expected a window of 60 minutes to 24 hours',
        },
        {
            what: "an ElastiCache maintenance window overlapping the snapshot window",
            key: "cache",
            patch: { snapshotWindow: "05:00-06:00", maintenanceWindow: "fri:05:30-fri:06:30" },
            message:
                'claude-enhancer:cache.maintenanceWindow: got "fri:05:30-fri:06:30"; expected a maintenanceWindow that does not overlap snapshotWindow',
        },
        {
            what: "an RDS log retention CloudWatch Logs does not offer",
            key: "database",
            patch: { logRetentionDays: 45 },
            message: "claude-enhancer:database.logRetentionDays: got 45; expected a CloudWatch Logs retention period: one of 1, 3, 5, 7,",
        },
        {
            what: "access logs expiring before their STANDARD_IA transition",
            key: "storage",
            patch: { accessLogExpirationDays: 30 },
            message: "claude-enhancer:storage.accessLogExpirationDays: got 30; expected a number >= 31",
        },
        {
            what: "Glacier less than 30 days after STANDARD_IA",
            key: "storage",
            patch: { transitionToIaDays: 60, transitionToGlacierDays: 75 },
            message: "claude-enhancer:storage.transitionToGlacierDays: got 75; expected transitionToGlacierDays >= transitionToIaDays + 30",
        },
        {
            what: "a budget without any subscriber",
            key: "budget",
            patch: { notificationEmails: [] },
            message:
                "claude-enhancer:budget.notificationEmails: got []; expected at least one subscriber in notificationEmails or notificationTopicArns",
        },
        {
            what: "a budget with two SNS topics",
            key: "budget",
            patch: { notificationTopicArns: ["arn:aws:sns:us-east-1:123456789012:a", "arn:aws:sns:us-east-1:123456789012:b"] },
            message: "claude-enhancer:budget.notificationTopicArns: got [",
            ending: "; expected at most 1 item(s)",
        },
        {
            what: "more than 10 budget e-mails",
            key: "budget",
            patch: { notificationEmails: Array.from({ length: 11 }, (_, i) => `person${i}@example.com`) },
            message: "claude-enhancer:budget.notificationEmails: got [",
            ending: "; expected at most 10 item(s)",
        },
        {
            what: "a budget topic that is not an SNS ARN",
            key: "budget",
            patch: { notificationTopicArns: ["arn:aws:sqs:us-east-1:123456789012:queue"] },
            message:
                'claude-enhancer:budget.notificationTopicArns[0]: got "arn:aws:sqs:us-east-1:123456789012:queue"; expected an SNS topic ARN',
        },
    ];

    for (const c of cases) {
        it(`rejects ${c.what}`, () => {
            const problems = problemsOf(stagingWith(c.key, c.patch));
            assert.ok(
                problems.some((p) => p.startsWith(c.message) && p.endsWith(c.ending ?? "")),
                `no problem starts with\n  ${c.message}\n${c.ending ? `and ends with\n  ${c.ending}\n` : ""}got:\n  ${problems.join("\n  ")}`,
            );
        });
    }

    it("fills the window defaults on the AWS stacks", () => {
        const config = parsePlatformConfig(readStackSettings("production"));
        assert.ok(config.database.mode === "rds" && config.cache.mode === "elasticache");
        assert.deepStrictEqual(
            [config.database.backupWindow, config.database.maintenanceWindow, config.cache.snapshotWindow, config.cache.maintenanceWindow],
            ["00:00-01:00", "sun:01:30-sun:02:30", "00:00-01:00", "sun:01:30-sun:02:30"],
        );
    });
});
