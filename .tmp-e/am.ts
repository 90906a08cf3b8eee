import { stringify } from "yaml";
import { MonitoringSchema } from "../config/observability";
import { alertmanagerConfig } from "../observability/alertmanager";
const s = MonitoringSchema.parse({ alertmanager: { email: { to: "oncall@example.com", from: "am@example.com", smarthost: "smtp.example.com:587", authUsername: "am" } } }).alertmanager;
console.log(stringify(alertmanagerConfig(s, { pagerdutyRoutingKey: "abc", slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/X", smtpPassword: "pw" })));
