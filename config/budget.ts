import { z } from "zod";

export const BudgetSchema = z.strictObject({
    monthlyLimitUsd: z.number().positive(),
    /** Notified at 80 % of actual spend and at 100 % of forecast spend. */
    notificationEmails: z.array(z.email("an e-mail address")).default([]),
    /** Existing SNS topic ARNs notified as well (e.g. one wired to Slack or PagerDuty). */
    notificationTopicArns: z.array(z.string().regex(/^arn:aws[a-z-]*:sns:/, "an SNS topic ARN")).default([]),
});

export type BudgetConfig = z.infer<typeof BudgetSchema>;
