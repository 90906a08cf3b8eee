import * as assert from "assert";
import { parse, stringify } from "yaml";
import { MonitoringSchema } from "../../../config/observability";
import { loadStackConfig } from "../../../config/stackFile";
import { STACK_SECRETS } from "../../harness/program";
import { GROUP_BY, RECEIVERS, ReceiverSecrets, alertmanagerConfig, receiverPlan } from "../../../components/observability/alertmanager";
import { CAUSED_BY_SERVICE_DOWN, SERVICE_DOWN_ALERT } from "../../../components/observability/rules";
import { eventually } from "../../harness/eventually";
import { checkAlertmanagerConfig, routeReceivers, withAlertmanager } from "./tools";

const EMAIL = {
    to: "oncall@example.com",
    from: "alertmanager@example.com",
    smarthost: "smtp.example.com:587",
    authUsername: "alertmanager",
};
const ALL_SECRETS: ReceiverSecrets = {
    pagerdutyRoutingKey: "pd-routing-key-0123456789abcdef",
    slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
    smtpPassword: "smtp-password",
};

function settings(raw: Record<string, unknown> = {}) {
    return MonitoringSchema.parse({ alertmanager: raw }).alertmanager;
}

/** alertmanager.yaml exactly as the Monitoring component writes it into its Secret. */
function configFile(raw: Record<string, unknown>, secrets: ReceiverSecrets): string {
    return stringify(alertmanagerConfig(settings(raw), secrets));
}

describe("Alertmanager configuration (observability/alertmanager.ts)", function () {
    this.timeout(60_000);

    describe("with every receiver's secret set and e-mail configured", () => {
        const file = configFile({ email: EMAIL }, ALL_SECRETS);

        it("passes amtool check-config with the null receiver and four real receivers", () => {
            const result = checkAlertmanagerConfig(file);
            assert.strictEqual(result.status, 0, result.output);
            assert.match(result.output, /SUCCESS/);
            assert.match(result.output, /5 receivers/);
            assert.match(result.output, /2 inhibit rules/);
        });

        it("routes severity=critical to PagerDuty and Slack #claude-critical (amtool config routes test)", () => {
            assert.deepStrictEqual(
                routeReceivers(file, { severity: "critical", alertname: "ClaudeEnhancerHighErrorRate", service: "claude-enhancer" }),
                [RECEIVERS.pagerdutyCritical, RECEIVERS.slackCritical],
            );
            const config = parse(file);
            const pagerduty = config.receivers.find((r: { name: string }) => r.name === RECEIVERS.pagerdutyCritical).pagerduty_configs[0];
            assert.strictEqual(pagerduty.routing_key, ALL_SECRETS.pagerdutyRoutingKey);
            const slack = config.receivers.find((r: { name: string }) => r.name === RECEIVERS.slackCritical).slack_configs[0];
            assert.strictEqual(slack.channel, "#claude-critical");
            assert.strictEqual(slack.api_url, ALL_SECRETS.slackWebhookUrl);
        });

        it("routes severity=warning to Slack #claude-alerts and e-mail", () => {
            assert.deepStrictEqual(routeReceivers(file, { severity: "warning", alertname: "ClaudeEnhancerHighLatencyP95" }), [
                RECEIVERS.slackWarning,
                RECEIVERS.emailWarning,
            ]);
            const config = parse(file);
            assert.strictEqual(
                config.receivers.find((r: { name: string }) => r.name === RECEIVERS.slackWarning).slack_configs[0].channel,
                "#claude-alerts",
            );
            const email = config.receivers.find((r: { name: string }) => r.name === RECEIVERS.emailWarning).email_configs[0];
            assert.deepStrictEqual(
                [email.to, email.smarthost, email.auth_username, email.auth_password, email.require_tls],
                [EMAIL.to, EMAIL.smarthost, EMAIL.authUsername, ALL_SECRETS.smtpPassword, true],
            );
        });

        it("sends kube-prometheus-stack's Watchdog heartbeat and unknown severities nowhere", () => {
            assert.deepStrictEqual(routeReceivers(file, { alertname: "Watchdog", severity: "none" }), ["null"]);
            assert.deepStrictEqual(routeReceivers(file, { alertname: "Watchdog", severity: "critical" }), ["null"]);
            assert.deepStrictEqual(routeReceivers(file, { alertname: "Something", severity: "info" }), ["null"]);
        });

        it("groups by alertname, cluster and service, and lets a critical alert inhibit the same warning", () => {
            const config = parse(file);
            assert.deepStrictEqual(config.route.group_by, ["alertname", "cluster", "service"]);
            assert.deepStrictEqual([...GROUP_BY], ["alertname", "cluster", "service"]);
            assert.deepStrictEqual(
                [config.route.group_wait, config.route.group_interval, config.route.repeat_interval],
                ["30s", "5m", "4h"],
            );
            assert.deepStrictEqual(config.inhibit_rules, [
                {
                    source_matchers: ['severity="critical"'],
                    target_matchers: ['severity="warning"'],
                    equal: ["alertname", "cluster", "service"],
                },
                {
                    source_matchers: ['alertname="ClaudeEnhancerServiceDown"'],
                    target_matchers: [
                        'alertname=~"ClaudeEnhancerHighErrorRate|ClaudeEnhancerHighLatencyP95|ClaudeEnhancerAnomalousErrorRate"',
                    ],
                    equal: ["cluster", "service"],
                },
            ]);
        });

        it("routes ServiceDown and the alerts it inhibits to their severity's receivers (amtool config routes test)", () => {
            const service = { service: "claude-enhancer", cluster: "staging" };
            assert.deepStrictEqual(routeReceivers(file, { alertname: SERVICE_DOWN_ALERT, severity: "critical", ...service }), [
                "pagerduty-critical",
                "slack-critical",
            ]);
            assert.deepStrictEqual(routeReceivers(file, { alertname: "ClaudeEnhancerHighErrorRate", severity: "critical", ...service }), [
                "pagerduty-critical",
                "slack-critical",
            ]);
            for (const alertname of [
                "ClaudeEnhancerHighLatencyP95",
                "ClaudeEnhancerAnomalousErrorRate",
                "ClaudeEnhancerWorkflowDurationHigh",
            ])
                assert.deepStrictEqual(routeReceivers(file, { alertname, severity: "warning", ...service }), [
                    "slack-warning",
                    "email-warning",
                ]);
        });
    });

    describe("the production stack as shipped (Pulumi.production.yaml and its secrets)", () => {
        const production = loadStackConfig("production").monitoring.alertmanager;
        const secrets: ReceiverSecrets = {
            pagerdutyRoutingKey: STACK_SECRETS.production.alertmanagerPagerdutyRoutingKey,
            slackWebhookUrl: STACK_SECRETS.production.alertmanagerSlackWebhookUrl,
        };
        const file = stringify(alertmanagerConfig(production, secrets));

        it("routes a firing critical alert to PagerDuty and Slack #claude-critical, a warning to Slack #claude-alerts", () => {
            assert.deepStrictEqual(production.criticalReceivers, ["pagerduty", "slack"]);
            assert.strictEqual(checkAlertmanagerConfig(file).status, 0);
            const alert = { service: "claude-enhancer", cluster: "production", version: "5.0.0" };
            assert.deepStrictEqual(routeReceivers(file, { ...alert, alertname: SERVICE_DOWN_ALERT, severity: "critical" }), [
                RECEIVERS.pagerdutyCritical,
                RECEIVERS.slackCritical,
            ]);
            assert.deepStrictEqual(routeReceivers(file, { ...alert, alertname: "ClaudeEnhancerHighLatencyP95", severity: "warning" }), [
                RECEIVERS.slackWarning,
            ]);
            assert.deepStrictEqual(receiverPlan(production, { pagerdutyRoutingKey: true, slackWebhookUrl: true, smtpPassword: false }), {
                enabled: [RECEIVERS.pagerdutyCritical, RECEIVERS.slackCritical, RECEIVERS.slackWarning],
                omitted: ["email-warning: monitoring.alertmanager.email is not set"],
                pagesNoOne: false,
            });
        });
    });

    describe("criticalReceivers chooses who is paged", () => {
        it("only Slack: a critical alert goes to Slack #claude-critical alone although PagerDuty's key is set", () => {
            const file = configFile({ criticalReceivers: ["slack"] }, ALL_SECRETS);
            assert.strictEqual(checkAlertmanagerConfig(file).status, 0);
            assert.deepStrictEqual(routeReceivers(file, { alertname: "ClaudeEnhancerAgentFailures", severity: "critical" }), [
                RECEIVERS.slackCritical,
            ]);
            assert.ok(!file.includes(ALL_SECRETS.pagerdutyRoutingKey!), "an unlisted receiver's key is not written");
            const plan = receiverPlan(settings({ criticalReceivers: ["slack"] }), {
                pagerdutyRoutingKey: false,
                slackWebhookUrl: true,
                smtpPassword: false,
            });
            // An unlisted receiver is not wanted, so it is not reported as left out.
            assert.deepStrictEqual(plan.omitted, ["email-warning: monitoring.alertmanager.email is not set"]);
            assert.strictEqual(plan.pagesNoOne, false);
        });

        it("only PagerDuty: a critical alert pages PagerDuty alone; warnings still go to Slack", () => {
            const file = configFile({ criticalReceivers: ["pagerduty"] }, ALL_SECRETS);
            assert.deepStrictEqual(routeReceivers(file, { alertname: "ClaudeEnhancerMemoryHigh", severity: "critical" }), [
                RECEIVERS.pagerdutyCritical,
            ]);
            assert.deepStrictEqual(routeReceivers(file, { alertname: "ClaudeEnhancerHighLatencyP95", severity: "warning" }), [
                RECEIVERS.slackWarning,
            ]);
        });

        it("none listed (allowed outside production): critical alerts go nowhere, which the plan reports", () => {
            const file = configFile({ criticalReceivers: [] }, ALL_SECRETS);
            assert.deepStrictEqual(routeReceivers(file, { alertname: "ClaudeEnhancerServiceDown", severity: "critical" }), ["null"]);
            assert.strictEqual(
                receiverPlan(settings({ criticalReceivers: [] }), { pagerdutyRoutingKey: true, slackWebhookUrl: true, smtpPassword: true })
                    .pagesNoOne,
                true,
            );
        });
    });

    describe("inhibition in a real Alertmanager (alerts sent and read with amtool)", () => {
        const file = configFile({ email: EMAIL }, ALL_SECRETS);
        const staging = { service: "claude-enhancer", cluster: "staging" };
        const severity: Record<string, string> = {
            ClaudeEnhancerHighErrorRate: "critical",
            ClaudeEnhancerHighLatencyP95: "warning",
            ClaudeEnhancerAnomalousErrorRate: "warning",
        };

        it("ServiceDown silences the error and latency alerts of its service and cluster, and nothing else", () =>
            withAlertmanager(file, async (am) => {
                am.add({ alertname: SERVICE_DOWN_ALERT, severity: "critical", ...staging });
                for (const alertname of CAUSED_BY_SERVICE_DOWN) {
                    am.add({ alertname, severity: severity[alertname], version: "v2", ...staging });
                    // Same alert in another cluster: a different outage, not covered.
                    am.add({ alertname, severity: severity[alertname], version: "v2", service: "claude-enhancer", cluster: "production" });
                }
                // Not caused by the service being down.
                am.add({ alertname: "ClaudeEnhancerWorkflowDurationHigh", severity: "warning", version: "v2", ...staging });
                const byState = (state: string, cluster: string) =>
                    am
                        .alerts()
                        .filter((a) => a.state === state && a.labels.cluster === cluster)
                        .map((a) => a.alertname)
                        .sort();
                // Alertmanager's inhibitor learns of ServiceDown from its own subscription to the alerts, after the add returned.
                await eventually(() => assert.deepStrictEqual(byState("suppressed", "staging"), [...CAUSED_BY_SERVICE_DOWN].sort()), {
                    what: "ServiceDown to inhibit the alerts it causes",
                    timeoutMs: 10_000,
                });
                assert.deepStrictEqual(byState("active", "staging"), [SERVICE_DOWN_ALERT, "ClaudeEnhancerWorkflowDurationHigh"].sort());
                assert.deepStrictEqual(byState("active", "production"), [...CAUSED_BY_SERVICE_DOWN].sort());
                for (const alert of am.alerts().filter((a) => a.state === "suppressed")) assert.strictEqual(alert.inhibitedBy.length, 1);
            }));

        it("without ServiceDown the same alerts are active", () =>
            withAlertmanager(file, (am) => {
                for (const alertname of CAUSED_BY_SERVICE_DOWN)
                    am.add({ alertname, severity: severity[alertname], version: "v2", ...staging });
                assert.deepStrictEqual(
                    am
                        .alerts()
                        .map((a) => [a.alertname, a.state])
                        .sort(),
                    CAUSED_BY_SERVICE_DOWN.map((a) => [a, "active"]).sort(),
                );
            }));
    });

    describe("receivers whose secrets are not set", () => {
        it("are left out, and the configuration stays valid: without any secret every alert stays in the UI", () => {
            const file = configFile({}, {});
            const result = checkAlertmanagerConfig(file);
            assert.strictEqual(result.status, 0, result.output);
            assert.match(result.output, /1 receivers/);
            assert.deepStrictEqual(routeReceivers(file, { severity: "critical" }), ["null"]);
            assert.deepStrictEqual(routeReceivers(file, { severity: "warning" }), ["null"]);
            assert.deepStrictEqual(receiverPlan(settings(), { pagerdutyRoutingKey: false, slackWebhookUrl: false, smtpPassword: false }), {
                enabled: [],
                omitted: [
                    "pagerduty-critical: secret alertmanagerPagerdutyRoutingKey is not set",
                    "slack-critical: secret alertmanagerSlackWebhookUrl is not set",
                    "slack-warning: secret alertmanagerSlackWebhookUrl is not set",
                    "email-warning: monitoring.alertmanager.email is not set",
                ],
                pagesNoOne: true,
            });
        });

        it("with only the Slack webhook: critical → Slack #claude-critical alone, warning → Slack", () => {
            const file = configFile({}, { slackWebhookUrl: ALL_SECRETS.slackWebhookUrl });
            assert.strictEqual(checkAlertmanagerConfig(file).status, 0);
            assert.deepStrictEqual(routeReceivers(file, { severity: "critical" }), [RECEIVERS.slackCritical]);
            assert.deepStrictEqual(routeReceivers(file, { severity: "warning" }), [RECEIVERS.slackWarning]);
        });

        it("e-mail with an SMTP user but no password secret is left out, saying why", () => {
            const plan = receiverPlan(settings({ email: EMAIL }), {
                pagerdutyRoutingKey: true,
                slackWebhookUrl: true,
                smtpPassword: false,
            });
            assert.deepStrictEqual(plan.enabled, [RECEIVERS.pagerdutyCritical, RECEIVERS.slackCritical, RECEIVERS.slackWarning]);
            assert.deepStrictEqual(plan.omitted, [
                "email-warning: monitoring.alertmanager.email.authUsername is set but secret alertmanagerSmtpPassword is not",
            ]);
            const { authUsername: _, ...anonymous } = EMAIL;
            const withoutAuth = configFile({ email: anonymous }, {});
            assert.strictEqual(checkAlertmanagerConfig(withoutAuth).status, 0);
            assert.deepStrictEqual(routeReceivers(withoutAuth, { severity: "warning" }), [RECEIVERS.emailWarning]);
        });
    });

    it("amtool check-config rejects a configuration routing to an undefined receiver", () => {
        const config = alertmanagerConfig(settings(), ALL_SECRETS) as { route: { routes: { receiver: string }[] } };
        config.route.routes[1].receiver = "pagerduty-typo";
        const result = checkAlertmanagerConfig(stringify(config));
        assert.notStrictEqual(result.status, 0);
        assert.match(result.output, /FAILED/);
        assert.match(result.output, /undefined receiver "pagerduty-typo"/);
    });
});
