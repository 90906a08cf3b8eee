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
        Project: "claude-enhancer",
        Environment: args.environment,
        CostCenter: args.costCenter,
        ManagedBy: "pulumi",
    };
}
