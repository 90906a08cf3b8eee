import type { CriticalReceiverKind, MonitoringConfig } from "../../config/observability";
import { ALERTING_SECRET_KEYS, CRITICAL_RECEIVER_SECRETS } from "../../config/secrets";
import { CAUSED_BY_SERVICE_DOWN, SERVICE_DOWN_ALERT } from "./rules";

/**
 * Alertmanager routing (docs/observability.md, Alerts): critical → the receivers of
 * `criticalReceivers` (PagerDuty, Slack #claude-critical), warning → Slack and e-mail, grouped by
 * alertname/cluster/service. Credentials come from secret stack keys; a receiver whose secret is not
 * set is left out (the caller warns). Production never gets here without its critical receivers'
 * secrets (config/index.ts refuses it); another stack without them deploys, with its alerts visible in
 * the Alertmanager UI only.
 */

export type AlertmanagerSettings = MonitoringConfig["alertmanager"];

/** The receivers' credentials, resolved (see config/secrets.ts). */
export type ReceiverSecrets = Partial<Record<keyof typeof ALERTING_SECRET_KEYS, string>>;

export const NULL_RECEIVER = "null";
export const RECEIVERS = {
    pagerdutyCritical: "pagerduty-critical",
    slackCritical: "slack-critical",
    slackWarning: "slack-warning",
    emailWarning: "email-warning",
} as const;

/** The receiver each kind of `criticalReceivers` routes critical alerts to. */
export const CRITICAL_RECEIVERS: Record<CriticalReceiverKind, string> = {
    pagerduty: RECEIVERS.pagerdutyCritical,
    slack: RECEIVERS.slackCritical,
};

export const GROUP_BY = ["alertname", "cluster", "service"] as const;

type Receiver = { name: string } & Record<string, unknown>;
type Route = Record<string, unknown>;

/**
 * Which receivers are configured, given which secrets are present; `omitted` explains each receiver left
 * out; `pagesNoOne` when no critical receiver is left (a warning on stacks other than production).
 */
export function receiverPlan(
    settings: AlertmanagerSettings,
    present: Record<keyof ReceiverSecrets, boolean>,
): { enabled: string[]; omitted: string[]; pagesNoOne: boolean } {
    const enabled: string[] = [];
    const omitted: string[] = [];
    const need = (receiver: string, ok: boolean, why: string) => (ok ? enabled.push(receiver) : omitted.push(`${receiver}: ${why}`));
    // A kind missing from criticalReceivers is not wanted, so not reported as omitted.
    for (const kind of settings.criticalReceivers) {
        const { secret } = CRITICAL_RECEIVER_SECRETS[kind];
        need(CRITICAL_RECEIVERS[kind], present[secret], `secret ${ALERTING_SECRET_KEYS[secret]} is not set`);
    }
    need(RECEIVERS.slackWarning, present.slackWebhookUrl, `secret ${ALERTING_SECRET_KEYS.slackWebhookUrl} is not set`);
    if (!settings.email) {
        omitted.push(`${RECEIVERS.emailWarning}: monitoring.alertmanager.email is not set`);
    } else {
        need(
            RECEIVERS.emailWarning,
            settings.email.authUsername === undefined || present.smtpPassword,
            `monitoring.alertmanager.email.authUsername is set but secret ${ALERTING_SECRET_KEYS.smtpPassword} is not`,
        );
    }
    const critical: string[] = Object.values(CRITICAL_RECEIVERS);
    return { enabled, omitted, pagesNoOne: !enabled.some((r) => critical.includes(r)) };
}

function presence(secrets: ReceiverSecrets): Record<keyof ReceiverSecrets, boolean> {
    return {
        pagerdutyRoutingKey: !!secrets.pagerdutyRoutingKey,
        slackWebhookUrl: !!secrets.slackWebhookUrl,
        smtpPassword: !!secrets.smtpPassword,
    };
}

function receiverConfig(name: string, settings: AlertmanagerSettings, secrets: ReceiverSecrets): Receiver {
    const slack = (channel: string) => ({
        slack_configs: [
            {
                api_url: secrets.slackWebhookUrl,
                channel,
                send_resolved: true,
                title: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.cluster }})",
                text: "{{ range .Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}",
            },
        ],
    });
    switch (name) {
        case RECEIVERS.pagerdutyCritical:
            return {
                name,
                pagerduty_configs: [
                    {
                        routing_key: secrets.pagerdutyRoutingKey,
                        severity: "critical",
                        send_resolved: true,
                        description: "{{ .CommonLabels.alertname }} ({{ .CommonLabels.cluster }}): {{ .CommonAnnotations.summary }}",
                    },
                ],
            };
        case RECEIVERS.slackCritical:
            return { name, ...slack(settings.criticalSlackChannel) };
        case RECEIVERS.slackWarning:
            return { name, ...slack(settings.warningSlackChannel) };
        case RECEIVERS.emailWarning: {
            const email = settings.email!;
            return {
                name,
                email_configs: [
                    {
                        to: email.to,
                        from: email.from,
                        smarthost: email.smarthost,
                        require_tls: true,
                        send_resolved: true,
                        ...(email.authUsername !== undefined
                            ? { auth_username: email.authUsername, auth_password: secrets.smtpPassword }
                            : {}),
                    },
                ],
            };
        }
        default:
            throw new Error(`unknown receiver ${name}`);
    }
}

/**
 * The Alertmanager configuration file (alertmanager.yaml) as an object. Each severity's receivers
 * are sibling routes with `continue: true` on all but the last, so an alert reaches all of them.
 */
export function alertmanagerConfig(settings: AlertmanagerSettings, secrets: ReceiverSecrets): Record<string, unknown> {
    const { enabled } = receiverPlan(settings, presence(secrets));
    const routesFor = (severity: string, receivers: string[]): Route[] =>
        receivers
            .filter((r) => enabled.includes(r))
            .map((receiver, i, all) => ({
                receiver,
                matchers: [`severity="${severity}"`],
                ...(i < all.length - 1 ? { continue: true } : {}),
            }));
    return {
        route: {
            receiver: NULL_RECEIVER,
            group_by: [...GROUP_BY],
            group_wait: settings.groupWait,
            group_interval: settings.groupInterval,
            repeat_interval: settings.repeatInterval,
            routes: [
                // kube-prometheus-stack's always-firing heartbeat and info-level inhibitor carry no action.
                { receiver: NULL_RECEIVER, matchers: ['alertname=~"Watchdog|InfoInhibitor"'] },
                ...routesFor("critical", Object.values(CRITICAL_RECEIVERS)),
                ...routesFor("warning", [RECEIVERS.slackWarning, RECEIVERS.emailWarning]),
            ],
        },
        inhibit_rules: [
            // A critical alert silences the warning of the same name on the same service.
            {
                source_matchers: ['severity="critical"'],
                target_matchers: ['severity="warning"'],
                equal: ["alertname", "cluster", "service"],
            },
            // With no pod up, the error and latency alerts say nothing the page for the outage does not.
            {
                source_matchers: [`alertname="${SERVICE_DOWN_ALERT}"`],
                target_matchers: [`alertname=~"${CAUSED_BY_SERVICE_DOWN.join("|")}"`],
                equal: ["cluster", "service"],
            },
        ],
        receivers: [{ name: NULL_RECEIVER }, ...enabled.map((name) => receiverConfig(name, settings, secrets))],
    };
}
