import * as assert from "assert";
import { Budget } from "../../../components/cost/budget";
import type { BudgetConfig } from "../../../config/budget";
import { loadStackConfig } from "../../../config/stackFile";
import { budgetNotifications } from "../../../policies/cost";
import { assertCompliant, assertViolation, checkResource, resource } from "../../policies/harness";
import { RecordedResource } from "../../harness/recorder";
import { providers, registered } from "../dataStoreFixtures";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:platform-alerts";

async function budgetOf(stack: "staging" | "production", budget: BudgetConfig): Promise<RecordedResource> {
    const { mocks } = await registered(
        stack,
        () => new Budget("budget", { budget, environment: stack }, { providers: providers(stack, true).slice(0, 1) }),
    );
    return mocks.one("aws:budgets/budget:Budget");
}

describe("Budget component", function () {
    this.timeout(60_000);

    it("budgets staging's monthly cost at 500 USD over the resources tagged Environment=staging", async () => {
        const budget = (await budgetOf("staging", loadStackConfig("staging").budget!)).inputs;
        assert.strictEqual(budget.name, "claude-enhancer-staging-monthly");
        assert.strictEqual(budget.budgetType, "COST");
        assert.strictEqual(budget.timeUnit, "MONTHLY");
        assert.strictEqual(budget.limitAmount, "500");
        assert.strictEqual(budget.limitUnit, "USD");
        assert.deepStrictEqual(budget.costFilters, [{ name: "TagKeyValue", values: ["user:Environment$staging"] }]);
    });

    it("notifies the configured e-mails at 80 % of actual and 100 % of forecast spend", async () => {
        const budget = await budgetOf("production", loadStackConfig("production").budget!);
        const emails = ["platform-team@example.com", "finance-alerts@example.com"];
        assert.deepStrictEqual(budget.inputs.notifications, [
            {
                notificationType: "ACTUAL",
                comparisonOperator: "GREATER_THAN",
                threshold: 80,
                thresholdType: "PERCENTAGE",
                subscriberEmailAddresses: emails,
            },
            {
                notificationType: "FORECASTED",
                comparisonOperator: "GREATER_THAN",
                threshold: 100,
                thresholdType: "PERCENTAGE",
                subscriberEmailAddresses: emails,
            },
        ]);
        assertCompliant(await checkResource(budgetNotifications, resource(budget.type, budget.name, budget.inputs)));
        assert.strictEqual(budget.inputs.costFilters[0].values[0], "user:Environment$production");
    });

    it("notifies the SNS topic as well when one is configured, or alone", async () => {
        const both = await budgetOf("staging", {
            monthlyLimitUsd: 750.5,
            notificationEmails: ["ops@example.com"],
            notificationTopicArns: [TOPIC],
        });
        assert.strictEqual(both.inputs.limitAmount, "750.5");
        for (const n of both.inputs.notifications) {
            assert.deepStrictEqual([n.subscriberEmailAddresses, n.subscriberSnsTopicArns], [["ops@example.com"], [TOPIC]]);
        }
        const topicOnly = await budgetOf("staging", { monthlyLimitUsd: 500, notificationEmails: [], notificationTopicArns: [TOPIC] });
        for (const n of topicOnly.inputs.notifications) {
            assert.deepStrictEqual([n.subscriberEmailAddresses, n.subscriberSnsTopicArns], [undefined, [TOPIC]]);
        }
        assertCompliant(await checkResource(budgetNotifications, resource(topicOnly.type, topicOnly.name, topicOnly.inputs)));
    });

    it("would fail the policy pack's notification rule without the forecast notification (the compliance check above is not vacuous)", async () => {
        const budget = await budgetOf("staging", loadStackConfig("staging").budget!);
        const actualOnly = { ...budget.inputs, notifications: budget.inputs.notifications.slice(0, 1) };
        assertViolation(await checkResource(budgetNotifications, resource(budget.type, budget.name, actualOnly)), "FORECASTED");
    });
});
