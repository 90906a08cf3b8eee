import { z } from "zod";
import type { ClusterConfig } from "./cluster";
import type { DatabaseConfig } from "./database";
import type { NetworkConfig } from "./network";

/** True when the runtime's ICU knows the IANA time zone (AWS accepts the canonical IANA names). */
function isIanaTimeZone(zone: string): boolean {
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: zone });
        return true;
    } catch {
        return false;
    }
}

const TIME_ZONE = z.string().refine(isIanaTimeZone, "an IANA time zone such as Etc/UTC or Europe/Berlin");

/** AWS Backup schedule: the six-field AWS cron form, e.g. cron(0 3 * * ? *). */
const AWS_CRON = /^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/;

export const BackupSchema = z.strictObject({
    /** Days a daily recovery point is kept, in the primary vault and (with DR) in the DR-region copy. */
    retentionDays: z.number().int().min(1).max(36500).default(30),
    /** When the daily backup starts. */
    schedule: z.string().regex(AWS_CRON, "an AWS cron expression such as cron(0 3 * * ? *)").default("cron(0 3 * * ? *)"),
    scheduleTimeZone: TIME_ZONE.default("Etc/UTC"),
});

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

export const DrSchema = z
    .strictObject({
        /** Everything in the DR region: cross-region RDS replica, replicated backup bucket, DR backup vault + copy rule. */
        enabled: z.boolean().default(false),
        /**
         * Which database the stack serves. "dr" is the failover switch of the runbook: the DR replica is
         * promoted (Pulumi drops its replication source) and the stack's database endpoint points at it.
         */
        activeDatabase: z.enum(["primary", "dr"]).default("primary"),
        /** CIDR of the DR-region VPC; peered with the primary VPC, so it must not overlap network.cidr. */
        vpcCidr: z
            .string()
            .regex(CIDR, "an IPv4 CIDR block such as 10.250.0.0/16")
            .refine((v) => {
                const m = CIDR.exec(v);
                return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) >= 16 && Number(m[5]) <= 24;
            }, "an IPv4 CIDR block with octets <= 255 and a prefix between /16 and /24")
            .default("10.250.0.0/16"),
        /** AZs of the DR VPC's private subnets (an RDS subnet group needs at least two). */
        azCount: z.number().int().min(2).max(3).default(2),
        /** The replica lag (seconds) that raises the DR region's ReplicaLag alarm: the RPO target of the DR path. */
        replicaLagAlarmSeconds: z.number().int().min(1).max(3600).default(60),
        /** SNS topics in the DR region notified by the replica-lag alarm (alarm and topic must share a region). */
        alarmTopicArns: z.array(z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, "an SNS topic ARN")).default([]),
        /** Instance class of the DR replica; unset means the primary's class (so a promoted replica carries the load). */
        replicaInstanceClass: z
            .string()
            .regex(
                /^db\.[a-z][a-z0-9-]*\d[a-z0-9-]*\.(micro|small|medium|large|\d{0,2}xlarge)$/,
                "an RDS instance class such as db.r6g.large",
            )
            .optional(),
    })
    .refine((d) => d.enabled || d.activeDatabase === "primary", {
        message: '"primary" unless dr.enabled is true (there is no DR replica to fail over to)',
        path: ["activeDatabase"],
    });

/** Unix cron as EC2 Auto Scaling takes it, restricted to "minute hour * * day-of-week" (what off-hours needs). */
const WEEKLY_CRON = /^(\d{1,2}) (\d{1,2}) \* \* (\*|[0-6](-[0-6])?(,[0-6](-[0-6])?)*)$/;

export interface WeeklyCron {
    minute: number;
    hour: number;
    /** Days of the week it fires on, 0 = Sunday. */
    days: number[];
}

/** Parses "minute hour * * day-of-week" (day-of-week: *, n, n-m, lists of those; 0 = Sunday). */
export function parseWeeklyCron(expression: string): WeeklyCron | undefined {
    const m = WEEKLY_CRON.exec(expression.trim());
    if (!m) return undefined;
    const minute = Number(m[1]);
    const hour = Number(m[2]);
    if (minute > 59 || hour > 23) return undefined;
    const days = new Set<number>();
    for (const part of m[3] === "*" ? ["0-6"] : m[3].split(",")) {
        const [from, to = from] = part.split("-").map(Number);
        if (from > to) return undefined;
        for (let d = from; d <= to; d++) days.add(d);
    }
    return { minute, hour, days: [...days].sort((a, b) => a - b) };
}

const WEEKLY_CRON_TEXT = z
    .string()
    .refine((v) => parseWeeklyCron(v) !== undefined, 'a cron expression "minute hour * * day-of-week" such as "0 8 * * 1-5" (0 = Sunday)');

export const OffHoursSchema = z
    .strictObject({
        /** Scale node groups down out of hours; for non-production stacks only. */
        enabled: z.boolean().default(false),
        /** Time zone the two cron expressions are read in. */
        timeZone: TIME_ZONE.default("Etc/UTC"),
        scaleDownCron: WEEKLY_CRON_TEXT.default("0 22 * * *"),
        scaleUpCron: WEEKLY_CRON_TEXT.default("0 8 * * 1-5"),
        /** Node groups to scale down (cluster.nodeGroups names); unset means all of them. */
        nodeGroups: z.array(z.string().min(1)).min(1).optional(),
        /** Nodes each scaled group keeps out of hours (min = desired = max = this). */
        minNodes: z.number().int().min(0).max(100).default(0),
    })
    .refine(
        (o) => {
            const down = parseWeeklyCron(o.scaleDownCron);
            const up = parseWeeklyCron(o.scaleUpCron);
            if (!down || !up) return true;
            return !(down.minute === up.minute && down.hour === up.hour && down.days.some((d) => up.days.includes(d)));
        },
        { message: "a time different from scaleDownCron's on the days both fire", path: ["scaleUpCron"] },
    );

export type BackupConfig = z.infer<typeof BackupSchema>;
export type DrConfig = z.infer<typeof DrSchema>;
export type OffHoursConfig = z.infer<typeof OffHoursSchema>;

export interface ConfigIssue {
    path: (string | number)[];
    message: string;
}

function cidrRange(cidr: string): [number, number] {
    const [address, prefix] = cidr.split("/");
    const base = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
    const size = 2 ** (32 - Number(prefix));
    const start = base - (base % size);
    return [start, start + size - 1];
}

export function cidrsOverlap(a: string, b: string): boolean {
    const [aStart, aEnd] = cidrRange(a);
    const [bStart, bEnd] = cidrRange(b);
    return aStart <= bEnd && bStart <= aEnd;
}

/** The settings the DR / off-hours checks read across keys. */
export interface DrScheduleContext {
    environment: string;
    aws?: { drRegion: string };
    network: NetworkConfig;
    cluster: ClusterConfig;
    database: DatabaseConfig;
    dr: DrConfig;
    offHours: OffHoursConfig;
}

/** Checks that span keys (called from PlatformSchema's superRefine), phrased as the expectation. */
export function drAndOffHoursIssues(c: DrScheduleContext): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    if (c.dr.enabled && c.database.mode !== "rds") {
        issues.push({ path: ["dr", "enabled"], message: 'false (DR replicates an RDS database; database.mode is not "rds")' });
    }
    if (c.dr.enabled && cidrsOverlap(c.dr.vpcCidr, c.network.cidr)) {
        issues.push({
            path: ["dr", "vpcCidr"],
            message: `a CIDR block not overlapping network.cidr ${c.network.cidr} (the two VPCs are peered)`,
        });
    }
    c.dr.alarmTopicArns.forEach((arn, i) => {
        if (c.aws && arn.split(":")[3] !== c.aws.drRegion) {
            issues.push({
                path: ["dr", "alarmTopicArns", i],
                message: `an SNS topic in the DR region ${c.aws.drRegion} (where the alarm lives)`,
            });
        }
    });
    if (c.offHours.enabled) {
        if (c.environment === "production") {
            issues.push({
                path: ["offHours", "enabled"],
                message: "false in production (off-hours scale-down is for non-production stacks)",
            });
        }
        if (c.cluster.mode !== "eks") {
            issues.push({
                path: ["offHours", "enabled"],
                message: 'false (off-hours scale-down acts on EKS node groups; cluster.mode is not "eks")',
            });
        } else {
            const groups = new Map(c.cluster.nodeGroups.map((g) => [g.name, g]));
            (c.offHours.nodeGroups ?? []).forEach((name, i) => {
                if (!groups.has(name)) {
                    issues.push({
                        path: ["offHours", "nodeGroups", i],
                        message: `one of the cluster's node groups: ${[...groups.keys()].join(", ")}`,
                    });
                }
            });
            for (const name of c.offHours.nodeGroups ?? [...groups.keys()]) {
                const group = groups.get(name);
                if (group && c.offHours.minNodes > group.desiredSize) {
                    issues.push({
                        path: ["offHours", "minNodes"],
                        message: `a number <= ${group.desiredSize} (node group ${name}'s desiredSize)`,
                    });
                }
            }
        }
    }
    return issues;
}
