import { z } from "zod";
import { dailyWindowSchema, weeklyWindowSchema, windowsOverlap } from "./windows";

export const CACHE_NODE_TYPE = /^cache\.[a-z][a-z0-9-]*\d[a-z0-9-]*\.(micro|small|medium|large|\d{0,2}xlarge)$/;

export const CacheSchema = z.discriminatedUnion("mode", [
    z
        .strictObject({
            mode: z.literal("elasticache"),
            engineVersion: z
                .string()
                .regex(/^7\.\d+$/, 'a Redis 7 version such as "7.1"')
                .default("7.1"),
            nodeType: z.string().regex(CACHE_NODE_TYPE, "an ElastiCache node type such as cache.r6g.large"),
            /** Cluster-mode shards (node groups); 1 shard is cluster mode with a single slot range. */
            shards: z.number().int().min(1).max(500).default(1),
            replicasPerShard: z.number().int().min(1).max(5).default(1),
            snapshotRetentionDays: z.number().int().min(0).max(35).default(7),
            /** Daily UTC window of the automatic snapshot. */
            snapshotWindow: dailyWindowSchema(60, "00:00-01:00").default("00:00-01:00"),
            /** Weekly UTC window for engine patches and node replacement. */
            maintenanceWindow: weeklyWindowSchema(60, "sun:01:30-sun:02:30").default("sun:01:30-sun:02:30"),
        })
        .refine((c) => !windowsOverlap(c.snapshotWindow, c.maintenanceWindow), {
            message: "a maintenanceWindow that does not overlap snapshotWindow (ElastiCache rejects overlapping windows)",
            path: ["maintenanceWindow"],
        }),
    z.strictObject({
        mode: z.literal("in-cluster"),
        storageGb: z.number().int().min(1).max(100).default(2),
    }),
]);

export type CacheConfig = z.infer<typeof CacheSchema>;
export type ElastiCacheConfig = Extract<CacheConfig, { mode: "elasticache" }>;
