import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE } from "./errors";
import type { CriticalReceiverKind } from "./observability";

/**
 * Secret stack settings (`pulumi config set --secret claude-enhancer:<key>`) of the Alertmanager
 * receivers. They are read here, as Pulumi secrets, and never enter the schema or a log.
 */
export const ALERTING_SECRET_KEYS = {
    pagerdutyRoutingKey: "alertmanagerPagerdutyRoutingKey",
    slackWebhookUrl: "alertmanagerSlackWebhookUrl",
    smtpPassword: "alertmanagerSmtpPassword",
} as const;

/** The secret each kind of critical receiver needs, what it holds, and a placeholder for `pulumi config set`. */
export const CRITICAL_RECEIVER_SECRETS: Record<
    CriticalReceiverKind,
    { secret: keyof typeof ALERTING_SECRET_KEYS; holds: string; placeholder: string }
> = {
    pagerduty: {
        secret: "pagerdutyRoutingKey",
        holds: "the PagerDuty Events API v2 routing key of the on-call service",
        placeholder: "<routing key>",
    },
    slack: {
        secret: "slackWebhookUrl",
        holds: "the Slack incoming-webhook URL of monitoring.alertmanager.criticalSlackChannel",
        placeholder: "https://hooks.slack.com/services/...",
    },
};

/**
 * Production refuses to deploy with critical alerts paging no one: one problem, in ConfigError's
 * `key: got ...; expected ...` form, for each receiver of `criticalReceivers` whose secret is not set.
 * Only whether a key is set is asked, never its value.
 */
export function missingReceiverSecrets(criticalReceivers: readonly CriticalReceiverKind[], isSet: (key: string) => boolean): string[] {
    return criticalReceivers.flatMap((kind) => {
        const { secret, holds, placeholder } = CRITICAL_RECEIVER_SECRETS[kind];
        const key = ALERTING_SECRET_KEYS[secret];
        if (isSet(key)) return [];
        return [
            `${CONFIG_NAMESPACE}:${key}: got nothing (the secret is not set); expected ${holds}, as ` +
                `monitoring.alertmanager.criticalReceivers lists "${kind}" and production pages a person on critical alerts ` +
                `(pulumi config set --secret ${key} ${placeholder})`,
        ];
    });
}

/** Whether the secret key `key` of this stack is set (not empty); its value is not kept. */
export function secretKeyIsSet(key: string): boolean {
    return !!pulumi.runtime.allConfig()[`${CONFIG_NAMESPACE}:${key}`];
}

/** The receivers' credentials that are set; an unset one is absent. */
export type AlertingSecrets = Partial<Record<keyof typeof ALERTING_SECRET_KEYS, pulumi.Output<string>>>;

/** Every secret key a stack may set (config validation accepts them beside the schema's keys). */
export const SECRET_KEYS: readonly string[] = Object.values(ALERTING_SECRET_KEYS);

/** Reads the receivers' secrets of this stack. */
export function loadAlertingSecrets(config = new pulumi.Config(CONFIG_NAMESPACE)): AlertingSecrets {
    const secrets: AlertingSecrets = {};
    for (const [name, key] of Object.entries(ALERTING_SECRET_KEYS) as [keyof typeof ALERTING_SECRET_KEYS, string][]) {
        const value = config.getSecret(key);
        if (value !== undefined) secrets[name] = value;
    }
    return secrets;
}
