import { stringify } from "yaml";
import { MetricsSchema } from "../config/metrics";
import { MonitoringSchema } from "../config/observability";
import { ruleGroups } from "../observability/rules";
const ctx = { metrics: MetricsSchema.parse({}), thresholds: MonitoringSchema.parse({}).alerts, service: "claude-enhancer", job: "claude-enhancer", namespace: "claude-enhancer", container: "claude-enhancer", runbookBaseUrl: "https://runbooks.example.com/claude-enhancer" };
console.log(stringify({ groups: ruleGroups(ctx) }));
