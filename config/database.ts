import { z } from "zod";
import { CLOUDWATCH_RETENTION_DAYS } from "./network";
import { dailyWindowSchema, weeklyWindowSchema, windowsOverlap } from "./windows";

export const RDS_INSTANCE_CLASS = /^db\.[a-z][a-z0-9-]*\d[a-z0-9-]*\.(micro|small|medium|large|\d{0,2}xlarge)$/;

export const DatabaseSchema = z.discriminatedUnion("mode", [
    z
        .strictObject({
            mode: z.literal("rds"),
            engineVersion: z
                .string()
                .regex(/^15(\.\d+)?$/, 'a PostgreSQL 15 version such as "15" or "15.8"')
                .default("15"),
            instanceClass: z.string().regex(RDS_INSTANCE_CLASS, "an RDS instance class such as db.r6g.large"),
            allocatedStorageGb: z.number().int().min(20).max(65536).default(100),
            /** Storage autoscaling ceiling. */
            maxAllocatedStorageGb: z.number().int().min(20).max(65536).default(500),
            multiAz: z.boolean().default(false),
            readReplica: z.boolean().default(false),
            backupRetentionDays: z.number().int().min(1).max(35).default(7),
            deletionProtection: z.boolean().default(false),
            /** Seconds between Performance Insights/Enhanced Monitoring samples; 0 disables Enhanced Monitoring. */
            monitoringIntervalSeconds: z
                .union([z.literal(0), z.literal(1), z.literal(5), z.literal(10), z.literal(15), z.literal(30), z.literal(60)])
                .default(60),
            databaseName: z
                .string()
                .regex(/^[a-z][a-z0-9_]{0,62}$/, "a PostgreSQL identifier")
                .default("claude_enhancer"),
            masterUsername: z
                .string()
                .regex(/^[a-z][a-z0-9_]{0,15}$/, "a PostgreSQL user name (max 16)")
                .default("claude_admin"),
            /** Retention of the PostgreSQL and upgrade logs RDS exports to /aws/rds/instance/<id>/<log>. */
            logRetentionDays: z
                .number()
                .int()
                .refine((d) => CLOUDWATCH_RETENTION_DAYS.includes(d), {
                    message: `a CloudWatch Logs retention period: one of ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`,
                })
                .default(30),
            /** Daily UTC window of the automated backup; clear of the AWS Backup plan's default start (03:00 UTC). */
            backupWindow: dailyWindowSchema(30, "00:00-01:00").default("00:00-01:00"),
            /** Weekly UTC window for minor-version upgrades and other maintenance. */
            maintenanceWindow: weeklyWindowSchema(30, "sun:01:30-sun:02:30").default("sun:01:30-sun:02:30"),
        })
        .refine((d) => d.maxAllocatedStorageGb >= d.allocatedStorageGb, {
            message: "maxAllocatedStorageGb >= allocatedStorageGb",
            path: ["maxAllocatedStorageGb"],
        })
        .refine((d) => !windowsOverlap(d.backupWindow, d.maintenanceWindow), {
            message: "a maintenanceWindow that does not overlap backupWindow (RDS rejects overlapping windows)",
            path: ["maintenanceWindow"],
        }),
    z.strictObject({
        mode: z.literal("in-cluster"),
        storageGb: z.number().int().min(1).max(1000).default(10),
        databaseName: z
            .string()
            .regex(/^[a-z][a-z0-9_]{0,62}$/, "a PostgreSQL identifier")
            .default("claude_enhancer"),
    }),
]);

export type DatabaseConfig = z.infer<typeof DatabaseSchema>;
export type RdsDatabaseConfig = Extract<DatabaseConfig, { mode: "rds" }>;
