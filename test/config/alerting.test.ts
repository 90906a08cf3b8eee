import * as assert from "assert";
import { ConfigError, loadPlatformConfig } from "../../config";
import { missingReceiverSecrets } from "../../config/secrets";
import { readStackSettings } from "../../config/stackFile";
import { STACK_SECRETS, setStackConfig, stackSecrets } from "../harness/program";
import { problemsIfAny, problemsOf } from "./problems";

const PAGERDUTY_MISSING =
    "claude-enhancer:alertmanagerPagerdutyRoutingKey: got nothing (the secret is not set); expected the PagerDuty Events API v2 " +
    'routing key of the on-call service, as monitoring.alertmanager.criticalReceivers lists "pagerduty" and production pages a ' +
    "person on critical alerts (pulumi config set --secret alertmanagerPagerdutyRoutingKey <routing key>)";
const SLACK_MISSING =
    "claude-enhancer:alertmanagerSlackWebhookUrl: got nothing (the secret is not set); expected the Slack incoming-webhook URL of " +
    'monitoring.alertmanager.criticalSlackChannel, as monitoring.alertmanager.criticalReceivers lists "slack" and production pages ' +
    "a person on critical alerts (pulumi config set --secret alertmanagerSlackWebhookUrl https://hooks.slack.com/services/...)";

/** A stack's settings with monitoring.alertmanager.criticalReceivers set to `kinds`. */
function withCriticalReceivers(stack: string, kinds: unknown): Record<string, unknown> {
    const settings = structuredClone(readStackSettings(stack)) as Record<string, any>;
    settings.monitoring = { ...settings.monitoring, alertmanager: { ...settings.monitoring?.alertmanager, criticalReceivers: kinds } };
    return settings;
}

/** The problems loadPlatformConfig reports for a stack's runtime configuration, none when it loads. */
function loadProblems(settings: Record<string, unknown>, secrets: Record<string, string>): string[] {
    setStackConfig(settings, Object.fromEntries(Object.entries(secrets).map(([k, v]) => [`claude-enhancer:${k}`, v])));
    try {
        loadPlatformConfig();
        return [];
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
        return err.problems;
    }
}

describe("critical alert receivers (monitoring.alertmanager.criticalReceivers and their secrets)", () => {
    const production = readStackSettings("production");
    const { alertmanagerPagerdutyRoutingKey: routingKey, alertmanagerSlackWebhookUrl: webhook } = STACK_SECRETS.production;

    it("production refuses to deploy without its receivers' secrets, naming each key and the command that sets it", () => {
        assert.deepStrictEqual(loadProblems(production, {}), [PAGERDUTY_MISSING, SLACK_MISSING]);
        assert.throws(
            () => loadPlatformConfig(),
            (err: Error) => err.message.startsWith(`invalid stack configuration:\n  - ${PAGERDUTY_MISSING}\n  - ${SLACK_MISSING}`),
        );
    });

    it("production with one secret of two still fails, for the other, and never prints the secret it has", () => {
        const problems = loadProblems(production, { alertmanagerPagerdutyRoutingKey: routingKey });
        assert.deepStrictEqual(problems, [SLACK_MISSING]);
        assert.ok(!problems.join("\n").includes(routingKey));
        assert.deepStrictEqual(loadProblems(production, { alertmanagerPagerdutyRoutingKey: routingKey, alertmanagerSlackWebhookUrl: "" }), [
            SLACK_MISSING,
        ]);
    });

    it("production loads with the secrets of the receivers it lists", () => {
        assert.deepStrictEqual(loadProblems(production, STACK_SECRETS.production), []);
        setStackConfig(production, stackSecrets("production"));
        assert.deepStrictEqual(loadPlatformConfig().monitoring.alertmanager.criticalReceivers, ["pagerduty", "slack"]);
        // Slack alone is a person reached: PagerDuty's key is then not asked for.
        assert.deepStrictEqual(loadProblems(withCriticalReceivers("production", ["slack"]), { alertmanagerSlackWebhookUrl: webhook }), []);
    });

    it("production cannot list no critical receiver at all (schema, so the stack file alone fails)", () => {
        assert.deepStrictEqual(problemsOf(withCriticalReceivers("production", [])), [
            'claude-enhancer:monitoring.alertmanager.criticalReceivers: got []; expected at least one of "pagerduty", "slack" ' +
                "(production pages a person on critical alerts)",
        ]);
    });

    it("staging and local load without any receiver secret (the Monitoring component warns instead)", () => {
        for (const stack of ["staging", "local"]) {
            assert.deepStrictEqual(loadProblems(readStackSettings(stack), {}), [], stack);
            assert.deepStrictEqual(problemsIfAny(withCriticalReceivers(stack, [])), [], stack);
        }
    });

    it("accepts only known receivers, each once", () => {
        assert.match(
            problemsOf(withCriticalReceivers("staging", ["opsgenie"]))[0],
            /^claude-enhancer:monitoring\.alertmanager\.criticalReceivers\[0\]: got "opsgenie"; expected one of "pagerduty", "slack"$/,
        );
        assert.deepStrictEqual(problemsOf(withCriticalReceivers("staging", ["slack", "slack"])), [
            'claude-enhancer:monitoring.alertmanager.criticalReceivers: got ["slack","slack"]; expected a list without repeated receivers',
        ]);
    });

    it("asks only whether a key is set, in the order of the list", () => {
        const asked: string[] = [];
        const problems = missingReceiverSecrets(["slack", "pagerduty"], (key) => (asked.push(key), key === "alertmanagerSlackWebhookUrl"));
        assert.deepStrictEqual(asked, ["alertmanagerSlackWebhookUrl", "alertmanagerPagerdutyRoutingKey"]);
        assert.deepStrictEqual(problems, [PAGERDUTY_MISSING]);
        assert.deepStrictEqual(
            missingReceiverSecrets([], () => false),
            [],
        );
    });
});
