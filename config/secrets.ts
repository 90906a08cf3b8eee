import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE } from "./errors";

/**
 * Secret stack settings (`pulumi config set --secret claude-enhancer:<key>`) of the Alertmanager
 * receivers. They are read here, as Pulumi secrets, and never enter the schema or a log.
 */
export const ALERTING_SECRET_KEYS = {
    pagerdutyRoutingKey: "alertmanagerPagerdutyRoutingKey",
    slackWebhookUrl: "alertmanagerSlackWebhookUrl",
    smtpPassword: "alertmanagerSmtpPassword",
} as const;

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
