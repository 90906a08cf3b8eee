import { z } from "zod";

const METRIC_NAME = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "a Prometheus metric name");
const LABEL_NAME = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "a Prometheus label name");

/**
 * The service's metrics contract (docs/rollout.md, Metrics contract). Health-gate queries and alert rules are templates over
 * these names, so a service with other metric names is gated and alerted on by configuration alone.
 */
export const MetricsSchema = z.strictObject({
    requestsTotal: METRIC_NAME.default("http_requests_total"),
    requestDurationSeconds: METRIC_NAME.default("http_request_duration_seconds"),
    agentsActive: METRIC_NAME.default("claude_enhancer_agents_active_total"),
    agentFailuresTotal: METRIC_NAME.default("claude_enhancer_agent_failures_total"),
    workflowRunsTotal: METRIC_NAME.default("claude_enhancer_workflow_runs_total"),
    workflowPhaseDurationSeconds: METRIC_NAME.default("claude_enhancer_workflow_phase_duration_seconds"),
    /** Histogram of whole workflow runs, by `version` (seed 003's WorkflowDurationHigh: its mean over 5 m). */
    workflowDurationSeconds: METRIC_NAME.default("claude_enhancer_workflow_duration_seconds"),
    /** Agent invocations, by `version` and `agentResultLabel` ("success"/"failure"): the agent success rate. */
    agentRequestsTotal: METRIC_NAME.default("claude_enhancer_agent_requests_total"),
    /** Hook runs, by `version` and `hookResultLabel` ("success"/"failure"/"timeout"): the hook timeout rate. */
    hookExecutionsTotal: METRIC_NAME.default("claude_enhancer_hook_executions_total"),
    /** Agents a healthy pod has loaded. */
    expectedAgents: z.number().int().positive().default(61),
    versionLabel: LABEL_NAME.default("version"),
    statusLabel: LABEL_NAME.default("status"),
    workflowResultLabel: LABEL_NAME.default("result"),
    phaseLabel: LABEL_NAME.default("phase"),
    agentResultLabel: LABEL_NAME.default("result"),
    hookResultLabel: LABEL_NAME.default("result"),
});

export type MetricsConfig = z.infer<typeof MetricsSchema>;
