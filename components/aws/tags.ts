import { APP_NAME } from "../../identity";
/** Cost-allocation tags every AWS resource carries (provider defaultTags), keyed as AWS Cost Explorer shows them. */
export interface CostTagsArgs {
    environment: string;
    costCenter: string;
    extra?: Record<string, string>;
}

export const REQUIRED_COST_TAGS = ["Project", "Environment", "CostCenter", "ManagedBy"] as const;

export function costTags(args: CostTagsArgs): Record<string, string> {
    return {
        ...args.extra,
        Project: APP_NAME,
        Environment: args.environment,
        CostCenter: args.costCenter,
        ManagedBy: "pulumi",
    };
}

/**
 * The tag that puts a resource in the daily backup plan. The Database component puts it on the RDS
 * primary; persistent volumes (e.g. the monitoring stack's) get it through their StorageClass tags.
 */
export const BACKUP_SELECTION_TAG = { key: "Backup", value: "daily" } as const;
