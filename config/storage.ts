import { z } from "zod";

export const StorageSchema = z
    .strictObject({
        transitionToIaDays: z.number().int().min(30).default(30),
        transitionToGlacierDays: z.number().int().min(60).default(90),
        /** Backups expire after this many days (noncurrent versions too). */
        backupExpirationDays: z.number().int().min(1).default(365),
        /** Archived logs expire after this many days. */
        logArchiveExpirationDays: z.number().int().min(1).default(365),
        /** S3 server access logs (of every bucket, in the per-region access-log bucket) expire after this many days (after their STANDARD_IA transition on day 30). */
        accessLogExpirationDays: z.number().int().min(31).default(90),
    })
    .refine((s) => s.transitionToGlacierDays >= s.transitionToIaDays + 30, {
        message: "transitionToGlacierDays >= transitionToIaDays + 30 (S3 keeps objects 30 days in STANDARD_IA before Glacier)",
        path: ["transitionToGlacierDays"],
    })
    .refine((s) => s.backupExpirationDays > s.transitionToGlacierDays, {
        message: "backupExpirationDays > transitionToGlacierDays (objects must reach Glacier before expiring)",
        path: ["backupExpirationDays"],
    })
    .refine((s) => s.logArchiveExpirationDays > s.transitionToGlacierDays, {
        message: "logArchiveExpirationDays > transitionToGlacierDays (objects must reach Glacier before expiring)",
        path: ["logArchiveExpirationDays"],
    });

export type StorageConfig = z.infer<typeof StorageSchema>;
