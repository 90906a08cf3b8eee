import { z } from "zod";

// AWS Budgets allows up to 10 e-mail subscribers and one SNS topic per notification.
export const BudgetSchema = z
    .strictObject({
        monthlyLimitUsd: z.number().positive(),
        /** Notified at 80 % of actual spend and at 100 % of forecast spend. */
        notificationEmails: z.array(z.email("an e-mail address")).max(10).default([]),
        /** An existing SNS topic notified as well (e.g. one wired to Slack or PagerDuty); its policy must let budgets.amazonaws.com publish. */
        notificationTopicArns: z
            .array(z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, "an SNS topic ARN"))
            .max(1)
            .default([]),
    })
    .refine((b) => b.notificationEmails.length + b.notificationTopicArns.length > 0, {
        message:
            "at least one subscriber in notificationEmails or notificationTopicArns (AWS Budgets needs a subscriber for each notification)",
        path: ["notificationEmails"],
    });

export type BudgetConfig = z.infer<typeof BudgetSchema>;
