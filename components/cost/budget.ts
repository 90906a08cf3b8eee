import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { BudgetConfig } from "../../config/budget";
import { currentStackPrefix } from "../aws/names";
import { componentType } from "../../identity";

/** Notify when actual spend passes this share of the limit... */
export const ACTUAL_THRESHOLD_PERCENT = 80;
/** ...and when the month's forecast passes the limit. */
export const FORECAST_THRESHOLD_PERCENT = 100;

/**
 * The budget's cost filter: costs tagged `Environment=<environment>`, the tag every AWS resource of the
 * stack carries through the providers' defaultTags. "user:" marks a user-defined cost allocation tag.
 */
export function environmentCostFilter(environment: string): aws.types.input.budgets.BudgetCostFilter {
    return { name: "TagKeyValue", values: [`user:Environment$${environment}`] };
}

/** The two notifications, each to every configured subscriber. */
export function budgetNotifications(budget: BudgetConfig): aws.types.input.budgets.BudgetNotification[] {
    const subscribers = {
        subscriberEmailAddresses: budget.notificationEmails.length > 0 ? budget.notificationEmails : undefined,
        subscriberSnsTopicArns: budget.notificationTopicArns.length > 0 ? budget.notificationTopicArns : undefined,
    };
    return [
        {
            notificationType: "ACTUAL",
            comparisonOperator: "GREATER_THAN",
            threshold: ACTUAL_THRESHOLD_PERCENT,
            thresholdType: "PERCENTAGE",
            ...subscribers,
        },
        {
            notificationType: "FORECASTED",
            comparisonOperator: "GREATER_THAN",
            threshold: FORECAST_THRESHOLD_PERCENT,
            thresholdType: "PERCENTAGE",
            ...subscribers,
        },
    ];
}

export interface BudgetArgs {
    budget: BudgetConfig;
    environment: string;
}

/**
 * The stack's monthly AWS cost budget (docs/architecture.md Cost): the configured limit in USD over the costs
 * tagged with this environment, notifying at 80 % of actual and 100 % of forecast spend.
 * The `Environment` tag must be activated as a cost allocation tag in the Billing console (once per
 * payer account) for the filter to match anything.
 */
export class Budget extends pulumi.ComponentResource {
    readonly budgetName: pulumi.Output<string>;

    constructor(name: string, args: BudgetArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("cost", "Budget"), name, {}, opts);
        const budget = new aws.budgets.Budget(
            name,
            {
                name: `${currentStackPrefix()}-monthly`,
                budgetType: "COST",
                timeUnit: "MONTHLY",
                limitAmount: String(args.budget.monthlyLimitUsd),
                limitUnit: "USD",
                costFilters: [environmentCostFilter(args.environment)],
                notifications: budgetNotifications(args.budget),
            },
            { parent: this },
        );
        this.budgetName = budget.name;
        this.registerOutputs({ budgetName: this.budgetName });
    }
}
