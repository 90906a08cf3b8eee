import * as assert from "assert";
import { cidrsOverlap } from "../../config/backup";
import { loadStackConfig, readStackSettings } from "../../config/stackFile";
import { problemsOf } from "./problems";

const staging = (extra: Record<string, unknown>) => ({ ...readStackSettings("staging"), ...extra });
const production = (extra: Record<string, unknown>) => ({ ...readStackSettings("production"), ...extra });
const local = (extra: Record<string, unknown>) => ({ ...readStackSettings("local"), ...extra });

describe("backup, DR and off-hours configuration", () => {
    it("reads the stack files: production DR on with 30-day backups, staging off-hours on, local defaults", () => {
        const prod = loadStackConfig("production");
        assert.deepStrictEqual(prod.backup, { retentionDays: 30, schedule: "cron(0 3 * * ? *)", scheduleTimeZone: "Etc/UTC" });
        assert.deepStrictEqual(prod.dr, {
            enabled: true,
            activeDatabase: "primary",
            vpcCidr: "10.250.0.0/16",
            azCount: 2,
            replicaLagAlarmSeconds: 60,
            alarmTopicArns: [],
        });
        assert.strictEqual(prod.offHours.enabled, false);
        const stag = loadStackConfig("staging");
        assert.strictEqual(stag.dr.enabled, false);
        assert.strictEqual(stag.backup.retentionDays, 7);
        assert.deepStrictEqual(stag.offHours, {
            enabled: true,
            timeZone: "Asia/Shanghai",
            scaleDownCron: "0 22 * * *",
            scaleUpCron: "0 8 * * 1-5",
            minNodes: 0,
        });
        const loc = loadStackConfig("local");
        assert.deepStrictEqual([loc.dr.enabled, loc.offHours.enabled], [false, false]);
    });

    const bad: { what: string; raw: Record<string, unknown>; message: string }[] = [
        {
            what: "a time zone that is not IANA",
            raw: staging({ offHours: { enabled: true, timeZone: "CET+1" } }),
            message: 'claude-enhancer:offHours.timeZone: got "CET+1"; expected an IANA time zone such as Etc/UTC or Europe/Berlin',
        },
        {
            what: "a cron expression beyond minute/hour/day-of-week",
            raw: staging({ offHours: { enabled: true, scaleUpCron: "0 8 1 * *" } }),
            message:
                'claude-enhancer:offHours.scaleUpCron: got "0 8 1 * *"; expected a cron expression "minute hour * * day-of-week" such as "0 8 * * 1-5" (0 = Sunday)',
        },
        {
            what: "scale-up and scale-down at the same time",
            raw: staging({ offHours: { enabled: true, scaleDownCron: "0 8 * * 1", scaleUpCron: "0 8 * * 1-5" } }),
            message:
                'claude-enhancer:offHours.scaleUpCron: got "0 8 * * 1-5"; expected a time different from scaleDownCron\'s on the days both fire',
        },
        {
            what: "off-hours scale-down in production",
            raw: production({ offHours: { enabled: true } }),
            message:
                "claude-enhancer:offHours.enabled: got true; expected false in production (off-hours scale-down is for non-production stacks)",
        },
        {
            what: "off-hours on a cluster that is not EKS",
            raw: local({ offHours: { enabled: true } }),
            message:
                'claude-enhancer:offHours.enabled: got true; expected false (off-hours scale-down acts on EKS node groups; cluster.mode is not "eks")',
        },
        {
            what: "an unknown node group",
            raw: staging({ offHours: { enabled: true, nodeGroups: ["app", "gpu"] } }),
            message: 'claude-enhancer:offHours.nodeGroups[1]: got "gpu"; expected one of the cluster\'s node groups: system, app',
        },
        {
            what: "a floor above a group's desired size",
            raw: staging({ offHours: { enabled: true, minNodes: 3 } }),
            message: "claude-enhancer:offHours.minNodes: got 3; expected a number <= 2 (node group system's desiredSize)",
        },
        {
            what: "failing over without DR",
            raw: staging({ dr: { enabled: false, activeDatabase: "dr" } }),
            message:
                'claude-enhancer:dr.activeDatabase: got "dr"; expected "primary" unless dr.enabled is true (there is no DR replica to fail over to)',
        },
        {
            what: "DR without an RDS database",
            raw: local({ dr: { enabled: true } }),
            message: 'claude-enhancer:dr.enabled: got true; expected false (DR replicates an RDS database; database.mode is not "rds")',
        },
        {
            what: "a DR VPC overlapping the primary VPC",
            raw: production({ dr: { enabled: true, vpcCidr: "10.20.128.0/17" } }),
            message:
                'claude-enhancer:dr.vpcCidr: got "10.20.128.0/17"; expected a CIDR block not overlapping network.cidr 10.20.0.0/16 (the two VPCs are peered)',
        },
        {
            what: "backup retention of zero days",
            raw: production({ backup: { retentionDays: 0 } }),
            message: "claude-enhancer:backup.retentionDays: got 0; expected a number >= 1",
        },
        {
            what: "a backup schedule in Unix cron form",
            raw: production({ backup: { schedule: "0 3 * * *" } }),
            message: 'claude-enhancer:backup.schedule: got "0 3 * * *"; expected an AWS cron expression such as cron(0 3 * * ? *)',
        },
        {
            what: "a replica-lag alarm topic outside the DR region",
            raw: production({ dr: { enabled: true, alarmTopicArns: ["arn:aws:sns:us-east-1:123456789012:oncall"] } }),
            message:
                'claude-enhancer:dr.alarmTopicArns[0]: got "arn:aws:sns:us-east-1:123456789012:oncall"; expected an SNS topic in the DR region us-west-2 (where the alarm lives)',
        },
        {
            what: "a misspelt DR key",
            raw: production({ dr: { enabled: true, vpcCIDR: "10.250.0.0/16" } }),
            message: "claude-enhancer:dr.vpcCIDR: unknown key; check its spelling or remove it",
        },
    ];
    for (const { what, raw, message } of bad) {
        it(`rejects ${what}`, () => assert.deepStrictEqual(problemsOf(raw), [message]));
    }

    it("tells overlapping CIDR blocks apart", () => {
        assert.strictEqual(cidrsOverlap("10.0.0.0/16", "10.0.255.0/24"), true);
        assert.strictEqual(cidrsOverlap("10.0.0.0/16", "10.1.0.0/16"), false);
        assert.strictEqual(cidrsOverlap("10.250.0.0/16", "10.0.0.0/8"), true);
    });
});
