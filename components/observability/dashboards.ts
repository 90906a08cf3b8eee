import type { MetricsConfig } from "../../config/metrics";
import type { MonitoringConfig } from "../../config/observability";
import { STAGE_LABEL, TRACK_LABEL, WEIGHT_LABEL } from "../../identity";
import { LATENCY_QUANTILES, recordedNames } from "./rules";

/**
 * Grafana dashboards (JSON model, schemaVersion 39) generated from the stack's metric names, so a
 * service with other metric names gets working dashboards by configuration alone. The Monitoring
 * component ships each as a ConfigMap that Grafana's dashboard sidecar loads.
 */

export interface DashboardContext {
    metrics: MetricsConfig;
    thresholds: MonitoringConfig["alerts"];
    /** `job` label of the service's scrape targets and `service` label of its alerts. */
    job: string;
    service: string;
    namespace: string;
    container: string;
}

export interface DashboardTarget {
    expr: string;
    legendFormat: string;
}

export interface Panel {
    id: number;
    type: "timeseries" | "stat";
    title: string;
    description: string;
    gridPos: { x: number; y: number; w: number; h: number };
    datasource: { type: "prometheus"; uid: string };
    targets: (DashboardTarget & { refId: string })[];
    fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
    options?: Record<string, unknown>;
}

export interface Dashboard {
    uid: string;
    title: string;
    tags: string[];
    timezone: "browser";
    schemaVersion: number;
    editable: boolean;
    refresh: string;
    time: { from: string; to: string };
    templating: { list: Record<string, unknown>[] };
    panels: Panel[];
}

const DATASOURCE = { type: "prometheus" as const, uid: "${datasource}" };
const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;

interface PanelSpec {
    title: string;
    description: string;
    targets: DashboardTarget[];
    unit: string;
    type?: Panel["type"];
    /** A red threshold line/colour at this value (the alert's threshold, in the panel's unit). */
    threshold?: number;
    stacked?: boolean;
    min?: number;
    max?: number;
}

/** The name kube-state-metrics gives a Kubernetes label in `kube_*_labels` series: `label_` and the name with every other character as `_`. */
export function kubeStateMetricsLabel(label: string): string {
    return `label_${label.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

/** Lays the panels out two per row, numbering panels and targets. */
function layout(specs: PanelSpec[]): Panel[] {
    return specs.map((spec, i) => ({
        id: i + 1,
        type: spec.type ?? "timeseries",
        title: spec.title,
        description: spec.description,
        gridPos: { x: (i % 2) * PANEL_WIDTH, y: Math.floor(i / 2) * PANEL_HEIGHT, w: PANEL_WIDTH, h: PANEL_HEIGHT },
        datasource: DATASOURCE,
        targets: spec.targets.map((t, j) => ({ ...t, refId: String.fromCharCode(65 + j) })),
        fieldConfig: {
            defaults: {
                unit: spec.unit,
                ...(spec.min !== undefined ? { min: spec.min } : {}),
                ...(spec.max !== undefined ? { max: spec.max } : {}),
                custom: {
                    ...(spec.stacked ? { stacking: { mode: "normal", group: "A" }, fillOpacity: 40 } : {}),
                    ...(spec.threshold !== undefined ? { thresholdsStyle: { mode: "line" } } : {}),
                },
                thresholds: {
                    mode: "absolute",
                    steps: [
                        { color: "green", value: null },
                        ...(spec.threshold !== undefined ? [{ color: "red", value: spec.threshold }] : []),
                    ],
                },
            },
            overrides: [],
        },
        ...(spec.type === "stat" ? { options: { reduceOptions: { calcs: ["lastNotNull"] }, colorMode: "background" } } : {}),
    }));
}

function variables(ctx: DashboardContext): Record<string, unknown>[] {
    const v = ctx.metrics.versionLabel;
    return [
        { name: "datasource", label: "Data source", type: "datasource", query: "prometheus", current: {}, hide: 0 },
        {
            name: v,
            label: "Version",
            type: "query",
            datasource: DATASOURCE,
            query: { query: `label_values(${ctx.metrics.requestsTotal}, ${v})`, refId: "versions" },
            definition: `label_values(${ctx.metrics.requestsTotal}, ${v})`,
            refresh: 2,
            multi: true,
            includeAll: true,
            allValue: ".*",
            current: { text: "All", value: "$__all" },
            hide: 0,
        },
    ];
}

function dashboard(uid: string, title: string, ctx: DashboardContext, specs: PanelSpec[]): Dashboard {
    return {
        uid,
        title,
        tags: [ctx.service],
        timezone: "browser",
        schemaVersion: 39,
        editable: false,
        refresh: "30s",
        time: { from: "now-3h", to: "now" },
        templating: { list: variables(ctx) },
        panels: layout(specs),
    };
}

/**
 * The rollout dashboard (seed 002): how traffic is split between versions, and each version's error
 * rate, latency quantiles, agents and workflow phases, side by side while a rollout stage bakes.
 */
export function rolloutDashboard(ctx: DashboardContext): Dashboard {
    const m = ctx.metrics;
    const names = recordedNames(m);
    const v = m.versionLabel;
    const sel = `{${v}=~"$${v}"}`;
    const legend = `{{${v}}}`;
    const [track, stage, weight] = [TRACK_LABEL, STAGE_LABEL, WEIGHT_LABEL].map(kubeStateMetricsLabel);
    const pod = `namespace="${ctx.namespace}",container="${ctx.container}"`;
    return dashboard(`${ctx.service}-rollout`, "Claude Enhancer — rollout", ctx, [
        {
            title: "Traffic split by version",
            description: "Share of all requests each version serves (5 m rate).",
            targets: [{ expr: `100 * ${names.requestRate}${sel} / scalar(sum(${names.requestRate}))`, legendFormat: legend }],
            unit: "percent",
            stacked: true,
            min: 0,
            max: 100,
        },
        {
            title: "Error rate (5xx) by version",
            description: "Share of requests answered with 5xx; the red line is the critical alert's threshold.",
            targets: [{ expr: `100 * ${names.errorRatio}${sel}`, legendFormat: legend }],
            unit: "percent",
            threshold: ctx.thresholds.errorRatePercent,
            min: 0,
        },
        {
            title: "Latency p50 / p95 / p99 by version",
            description: "Request latency quantiles from the duration histogram; the red line is the p95 alert's threshold.",
            targets: LATENCY_QUANTILES.map((q) => ({
                expr: `${names.latency[q]}${sel}`,
                legendFormat: `p${Math.round(q * 100)} ${legend}`,
            })),
            unit: "s",
            threshold: ctx.thresholds.latencyP95Ms / 1000,
            min: 0,
        },
        {
            title: "Request rate by version",
            description: "Requests per second each version serves.",
            targets: [{ expr: `${names.requestRate}${sel}`, legendFormat: legend }],
            unit: "reqps",
            min: 0,
        },
        {
            title: "Active agents by version",
            description: `Agents loaded and healthy, summed over each version's pods (${m.expectedAgents} expected per pod).`,
            targets: [
                { expr: `sum by (${v}) (${m.agentsActive}${sel})`, legendFormat: legend },
                { expr: `${m.expectedAgents} * count by (${v}) (${m.agentsActive}${sel})`, legendFormat: `expected ${legend}` },
            ],
            unit: "short",
            min: 0,
        },
        {
            title: "Agent failures (5 m) and success rate",
            description: "Agent failures within 5 minutes, and the share of agent requests that succeed.",
            targets: [
                { expr: `${names.agentFailures}${sel}`, legendFormat: `failures ${legend}` },
                { expr: `100 * ${names.agentSuccessRatio}${sel}`, legendFormat: `success % ${legend}` },
            ],
            unit: "short",
            threshold: ctx.thresholds.agentFailures,
            min: 0,
        },
        {
            title: "Workflow phases: time in current phase",
            description: "Longest time a workflow has spent in its current phase, per version and phase.",
            targets: [{ expr: `${names.workflowPhaseDuration}${sel}`, legendFormat: `${legend} {{${m.phaseLabel}}}` }],
            unit: "s",
            threshold: ctx.thresholds.workflowPhaseMinutes * 60,
            min: 0,
        },
        {
            title: "Rollout stage and declared weight by track",
            description: "What the last stack update declared: the stage and each track's share of traffic (Deployment labels).",
            targets: [
                {
                    expr: `max by (${track}, ${stage}, ${weight}) (kube_deployment_labels{namespace="${ctx.namespace}",deployment=~"${ctx.service}-(stable|candidate)"})`,
                    legendFormat: `{{${track}}}: {{${stage}}}, weight {{${weight}}} %`,
                },
            ],
            unit: "short",
            type: "stat",
        },
        {
            title: "Agent availability by version (gate check)",
            description: `Active agents as a share of ${m.expectedAgents} per pod: the gate's agent-availability criterion, per version.`,
            targets: [
                {
                    expr: `100 * sum by (${v}) (${m.agentsActive}${sel}) / (${m.expectedAgents} * count by (${v}) (${m.agentsActive}${sel}))`,
                    legendFormat: legend,
                },
            ],
            unit: "percent",
            min: 0,
            max: 100,
        },
        {
            title: "Workflow success by version (gate check)",
            description: "Share of workflow runs that succeeded (5 m): the gate's workflow-success criterion, per version.",
            targets: [
                {
                    expr: `100 * sum by (${v}) (rate(${m.workflowRunsTotal}{${v}=~"$${v}",${m.workflowResultLabel}="success"}[5m])) / sum by (${v}) (rate(${m.workflowRunsTotal}${sel}[5m]))`,
                    legendFormat: legend,
                },
            ],
            unit: "percent",
            min: 0,
            max: 100,
        },
        {
            title: "Memory and CPU: share of limit by track (gate checks)",
            description: "The busiest pod of each track: the gate's memory and CPU rollback triggers, stable and candidate side by side.",
            targets: [
                {
                    expr: `100 * max by (track) (label_replace(${names.memoryLimitRatio}{${pod}}, "track", "$1", "pod", "${ctx.service}-(stable|candidate)-.+"))`,
                    legendFormat: "memory {{track}}",
                },
                {
                    expr: `100 * max by (track) (label_replace(sum by (pod) (rate(container_cpu_usage_seconds_total{${pod}}[5m])) / sum by (pod) (kube_pod_container_resource_limits{${pod},resource="cpu"}), "track", "$1", "pod", "${ctx.service}-(stable|candidate)-.+"))`,
                    legendFormat: "cpu {{track}}",
                },
            ],
            unit: "percent",
            threshold: ctx.thresholds.memoryPercent,
            min: 0,
        },
        {
            title: "Workflow runs by result",
            description: "Workflow runs per second by version and result.",
            targets: [
                {
                    expr: `sum by (${v}, ${m.workflowResultLabel}) (rate(${m.workflowRunsTotal}${sel}[5m]))`,
                    legendFormat: `${legend} {{${m.workflowResultLabel}}}`,
                },
            ],
            unit: "ops",
            min: 0,
        },
    ]);
}

/** Service overview: the whole service at a glance (all versions together), its pods and its alerts. */
export function serviceOverviewDashboard(ctx: DashboardContext): Dashboard {
    const m = ctx.metrics;
    const names = recordedNames(m);
    const pod = `namespace="${ctx.namespace}",container="${ctx.container}"`;
    const limits = (resource: string) => `sum by (pod) (kube_pod_container_resource_limits{${pod},resource="${resource}"})`;
    return dashboard(`${ctx.service}-overview`, "Claude Enhancer — service overview", ctx, [
        {
            title: "Targets up",
            description: "Scrape targets of the service that are up.",
            targets: [{ expr: `sum(up{job="${ctx.job}"})`, legendFormat: "up" }],
            unit: "short",
            type: "stat",
        },
        {
            title: "Firing alerts",
            description: "Alerts of the service currently firing, by severity.",
            targets: [{ expr: `sum by (severity) (ALERTS{service="${ctx.service}",alertstate="firing"})`, legendFormat: "{{severity}}" }],
            unit: "short",
            type: "stat",
        },
        {
            title: "Requests per second",
            description: "All versions together.",
            targets: [{ expr: `sum(${names.requestRate})`, legendFormat: "requests/s" }],
            unit: "reqps",
            min: 0,
        },
        {
            title: "Error rate (5xx)",
            description: "All versions together; the red line is the critical alert's threshold.",
            targets: [{ expr: `100 * sum(${names.errorRate}) / sum(${names.requestRate})`, legendFormat: "5xx %" }],
            unit: "percent",
            threshold: ctx.thresholds.errorRatePercent,
            min: 0,
        },
        {
            title: "Latency p95",
            description: "All versions together; the red line is the p95 alert's threshold.",
            targets: [
                {
                    expr: `histogram_quantile(0.95, sum by (le) (rate(${m.requestDurationSeconds}_bucket[5m])))`,
                    legendFormat: "p95",
                },
            ],
            unit: "s",
            threshold: ctx.thresholds.latencyP95Ms / 1000,
            min: 0,
        },
        {
            title: "Memory: share of limit per pod",
            description: "Working set of each pod's service container over its memory limit.",
            targets: [{ expr: `100 * max by (pod) (${names.memoryLimitRatio})`, legendFormat: "{{pod}}" }],
            unit: "percent",
            threshold: ctx.thresholds.memoryPercent,
            min: 0,
        },
        {
            title: "CPU: share of limit per pod",
            description: "CPU use of each pod's service container over its CPU limit.",
            targets: [
                {
                    expr: `100 * sum by (pod) (rate(container_cpu_usage_seconds_total{${pod}}[5m])) / ${limits("cpu")}`,
                    legendFormat: "{{pod}}",
                },
            ],
            unit: "percent",
            min: 0,
        },
        {
            title: "Hook timeouts and agent success",
            description: "Share of hook executions that time out, and of agent requests that succeed.",
            targets: [
                { expr: `100 * ${names.hookTimeoutRatio}`, legendFormat: `hook timeouts % {{${m.versionLabel}}}` },
                { expr: `100 * ${names.agentSuccessRatio}`, legendFormat: `agent success % {{${m.versionLabel}}}` },
            ],
            unit: "percent",
            min: 0,
        },
    ]);
}

export const DASHBOARD_FILES = ["claude-enhancer-rollout.json", "claude-enhancer-overview.json"] as const;
export type DashboardFile = (typeof DASHBOARD_FILES)[number];

/** Every dashboard the Monitoring component ships, keyed by the ConfigMap file name. */
export function dashboards(ctx: DashboardContext): Record<DashboardFile, Dashboard> {
    return { "claude-enhancer-rollout.json": rolloutDashboard(ctx), "claude-enhancer-overview.json": serviceOverviewDashboard(ctx) };
}

/** Every PromQL expression a dashboard queries (for validating them with promtool). */
export function dashboardExpressions(d: Dashboard): string[] {
    return d.panels.flatMap((p) => p.targets.map((t) => t.expr));
}
