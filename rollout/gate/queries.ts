/** The checks a health gate runs, by the name messages and the no-data policies use. */
export const CHECK_IDS = [
    "error-rate",
    "latency-p50",
    "latency-p95",
    "latency-p99",
    "agent-failures",
    "workflow-errors",
    "agent-availability",
    "workflow-success",
    "memory",
    "cpu",
    "throughput",
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/**
 * The metric and label names of the service's metrics contract the gate queries (docs/rollout.md,
 * Metrics contract); the stack's `metrics` config is one.
 */
export interface MetricNames {
    requestsTotal: string;
    requestDurationSeconds: string;
    agentsActive: string;
    agentFailuresTotal: string;
    workflowRunsTotal: string;
    /** Agents a healthy pod has loaded. */
    expectedAgents: number;
    versionLabel: string;
    statusLabel: string;
    workflowResultLabel: string;
}

/** Where the saturation metrics (cAdvisor, kube-state-metrics) of the two tracks are found. */
export interface SaturationSource {
    namespace: string;
    container: string;
    cpuUsageMetric: string;
    memoryWorkingSetMetric: string;
    limitsMetric: string;
}

export const TEMPLATE_VARIABLES = ["version", "window", "pods"] as const;
export type TemplateVariables = Record<(typeof TEMPLATE_VARIABLES)[number], string>;

/**
 * PromQL templates of every check and of the traffic guard over the metric names of the stack
 * (docs/rollout.md, Metrics contract). Each yields one number per version: `{{version}}` is the version label's value,
 * `{{window}}` the gate's range, `{{pods}}` the track's pod-name regex.
 *
 * Counts of bad events use `bad or 0 * all`: a version that served requests but never produced a
 * 5xx series counts 0 errors, while a version with no series at all yields an empty result, which
 * the gate treats as "no data" — never as healthy. Ratios over zero requests give NaN: no data too.
 */
export function checkTemplates(metrics: MetricNames, saturation: SaturationSource): Record<CheckId | "traffic", string> {
    const v = `${metrics.versionLabel}="{{version}}"`;
    const increase = (metric: string, selector: string) => `sum(increase(${metric}{${selector}}[{{window}}]))`;
    const requests = increase(metrics.requestsTotal, v);
    const errors = increase(metrics.requestsTotal, `${v},${metrics.statusLabel}=~"5.."`);
    const runs = increase(metrics.workflowRunsTotal, v);
    const runsWith = (result: string) => increase(metrics.workflowRunsTotal, `${v},${metrics.workflowResultLabel}="${result}"`);
    const pod = `namespace="${saturation.namespace}",container="${saturation.container}",pod=~"{{pods}}"`;
    const quantile = (q: number) =>
        `1000 * histogram_quantile(${q}, sum by (le) (rate(${metrics.requestDurationSeconds}_bucket{${v}}[{{window}}])))`;
    const limit = (resource: string) => `sum by (pod) (${saturation.limitsMetric}{${pod},resource="${resource}"})`;
    return {
        traffic: requests,
        "error-rate": `100 * (${errors} or 0 * ${requests}) / ${requests}`,
        "latency-p50": quantile(0.5),
        "latency-p95": quantile(0.95),
        "latency-p99": quantile(0.99),
        throughput: `sum(rate(${metrics.requestsTotal}{${v}}[{{window}}]))`,
        "agent-failures": `${increase(metrics.agentFailuresTotal, v)} or 0 * sum(${metrics.agentsActive}{${v}})`,
        "workflow-errors": `${runsWith("failure")} or 0 * ${runs}`,
        "agent-availability": `100 * avg(avg_over_time(${metrics.agentsActive}{${v}}[{{window}}])) / ${metrics.expectedAgents}`,
        "workflow-success": `100 * (${runsWith("success")} or 0 * ${runs}) / ${runs}`,
        memory: `100 * max(sum by (pod) (${saturation.memoryWorkingSetMetric}{${pod}}) / ${limit("memory")})`,
        cpu: `100 * max(sum by (pod) (rate(${saturation.cpuUsageMetric}{${pod}}[{{window}}])) / ${limit("cpu")})`,
    };
}

/** A value inside a PromQL double-quoted string. */
function promqlString(value: string): string {
    return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}

/** Fills a template's `{{name}}` placeholders; an unknown placeholder is an error, not left in the query. */
export function renderQuery(template: string, variables: TemplateVariables): string {
    return template.replace(/\{\{\s*([A-Za-z_]+)\s*\}\}/g, (_, name: string) => {
        if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) {
            throw new Error(
                `unknown placeholder {{${name}}} in query template; expected one of ${TEMPLATE_VARIABLES.map((t) => `{{${t}}}`).join(", ")}`,
            );
        }
        const value = variables[name as keyof TemplateVariables];
        // The window is a range, not a string literal; regexes and versions are string literals.
        return name === "window" ? value : promqlString(value);
    });
}
