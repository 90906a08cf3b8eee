import { z } from "zod";
import { FORWARD_STAGES, ForwardStageName } from "../rollout/stages";
import { NO_DATA_POLICIES, withOverrides } from "../rollout/gate/gates";

const METRIC_NAME = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "a Prometheus metric name");
const DNS_LABEL = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a Kubernetes name (lowercase letters, digits, '-')");
const PROM_DURATION = z.string().regex(/^(\d+(ms|s|m|h|d))+$/, 'a Prometheus duration such as "5m" or "30s"');
const PERCENT = z.number().min(0).max(100);
const POLICY = z.enum(NO_DATA_POLICIES);

/** How the gate reaches Prometheus: a URL, or an in-cluster Service through the API server's service proxy (no extra exposure). */
export const PrometheusEndpointSchema = z.union([
    z.strictObject({ url: z.url({ protocol: /^https?$/ }) }),
    z.strictObject({
        service: z.strictObject({
            namespace: DNS_LABEL,
            name: DNS_LABEL,
            port: z.number().int().min(1).max(65535),
            scheme: z.enum(["http", "https"]).default("http"),
        }),
    }),
]);

/** Rollback triggers: a value above any of these fails the stage at once. */
const TRIGGER_FIELDS = {
    errorRatePercent: PERCENT,
    latencyP95Ms: z.number().positive(),
    agentFailures: z.number().int().min(0),
    workflowErrors: z.number().int().min(0),
    memoryPercent: PERCENT,
    cpuPercent: PERCENT,
};
const TriggersSchema = z.strictObject({
    errorRatePercent: TRIGGER_FIELDS.errorRatePercent.default(0.5),
    latencyP95Ms: TRIGGER_FIELDS.latencyP95Ms.default(1000),
    agentFailures: TRIGGER_FIELDS.agentFailures.default(5),
    workflowErrors: TRIGGER_FIELDS.workflowErrors.default(10),
    memoryPercent: TRIGGER_FIELDS.memoryPercent.default(90),
    cpuPercent: TRIGGER_FIELDS.cpuPercent.default(85),
});

/** Success criteria: what must hold when the bake ends. */
const CriteriaSchema = z.strictObject({
    errorRatePercent: PERCENT.default(0.1),
    /** Seed 002: median latency < 200 ms. */
    latencyP50Ms: z.number().positive().default(200),
    latencyP95Ms: z.number().positive().default(500),
    /** Seed 002: 99th percentile latency < 1000 ms. */
    latencyP99Ms: z.number().positive().default(1000),
    /**
     * Seed 002's throughput, relative to stable: the candidate's requests per second per weight point must be
     * at least this share of stable's (a router that starves the candidate, or clients giving up on it, fail it).
     */
    throughputPercentOfStable: PERCENT.default(50),
    agentAvailabilityPercent: PERCENT.default(99),
    workflowSuccessPercent: PERCENT.default(98),
});

const EVIDENCE_FIELDS = {
    window: PROM_DURATION,
    minRequests: z.number().int().min(0),
    consecutiveBreaches: z.number().int().min(1).max(60),
};

/**
 * What a rollback trigger needs before it aborts. Defaults: a 1m window, 250 candidate requests in it (one
 * failed request is then at most 0.4 %, and stays under the 0.5 % error trigger even after increase()'s
 * extrapolation, window ÷ (window − scrape interval) = 1.09 for 1m at 5 s) and 2 breaching evaluations in a
 * row (Flagger's `threshold`); a real 5 % error spike still crosses the trigger within seconds and is cut on
 * the second evaluation that sees it.
 */
const TriggerEvidenceSchema = z.strictObject({
    /** Range of the triggers' queries: shorter than `window`, so a spike is not diluted by minutes of healthy traffic. */
    window: EVIDENCE_FIELDS.window.default("1m"),
    /** Candidate requests the trigger window must hold before request-derived triggers (error rate, p95) are judged. */
    minRequests: EVIDENCE_FIELDS.minRequests.default(250),
    /** Evaluations in a row a trigger must breach before the gate cuts traffic and fails. */
    consecutiveBreaches: EVIDENCE_FIELDS.consecutiveBreaches.default(2),
});

/** Per-stage replacements of single criteria or triggers; unset keys keep the gate-wide value. */
function stageOverrideSchema(criteriaDefaults: Partial<z.infer<typeof CriteriaSchema>>) {
    return z
        .strictObject({
            criteria: z
                .strictObject({
                    errorRatePercent: PERCENT.optional(),
                    latencyP50Ms: z.number().positive().optional(),
                    latencyP99Ms: z.number().positive().optional(),
                    throughputPercentOfStable: PERCENT.optional(),
                    latencyP95Ms:
                        criteriaDefaults.latencyP95Ms !== undefined
                            ? z.number().positive().default(criteriaDefaults.latencyP95Ms)
                            : z.number().positive().optional(),
                    agentAvailabilityPercent: PERCENT.optional(),
                    workflowSuccessPercent: PERCENT.optional(),
                })
                .prefault({}),
            triggers: z.strictObject(TRIGGER_FIELDS).partial().prefault({}),
            triggerEvidence: z.strictObject(EVIDENCE_FIELDS).partial().prefault({}),
        })
        .prefault({});
}

const StageOverridesSchema = z.strictObject(
    Object.fromEntries(
        // Seed 002: the first canary must answer faster (p95 < 200 ms) than the later stages (< 500 ms).
        FORWARD_STAGES.map((stage) => [stage, stageOverrideSchema(stage === "canary" ? { latencyP95Ms: 200 } : {})]),
    ) as Record<ForwardStageName, ReturnType<typeof stageOverrideSchema>>,
);

/**
 * The health gate of every traffic-raising stage (docs/rollout.md): evaluated every `intervalSeconds` over
 * `window` while the stage bakes (the bake per stage is in the rollout stage table). Rollback
 * triggers fail the stage at once, success criteria and the canary-vs-stable comparison must hold
 * when the bake ends, the traffic guard refuses to call a quiet canary healthy, and each check says
 * what missing data means.
 */
export const GatesSchema = z
    .strictObject({
        /** Seconds between evaluations (seeds: 10–30 s). */
        intervalSeconds: z.number().int().min(1).max(300).default(10),
        /** Range of the rate/quantile queries. */
        window: PROM_DURATION.default("5m"),
        /** Cut traffic to 100 % stable through the Kubernetes API the moment a trigger fires, before failing the update. */
        fastAbort: z.boolean().default(true),
        /** Requests the candidate must serve in the window before request-derived checks are judged. */
        minRequests: z.number().int().min(0).default(100),
        /** After the bake, how long checks with the `wait` policy may still wait for data before the gate fails. */
        graceSeconds: z.number().int().min(0).max(3600).default(120),
        /** Timeout of one Prometheus request; failed requests are retried within the interval. */
        queryTimeoutSeconds: z.number().int().min(1).max(60).default(5),
        prometheus: PrometheusEndpointSchema.default({
            service: { namespace: "monitoring", name: "prometheus-operated", port: 9090, scheme: "http" },
        }),
        triggers: TriggersSchema.prefault({}),
        /** Evidence before abort: the triggers' window, minimum requests and consecutive breaching evaluations. */
        triggerEvidence: TriggerEvidenceSchema.prefault({}),
        criteria: CriteriaSchema.prefault({}),
        /** Per-stage criteria/trigger/trigger-evidence overrides; canary defaults to p95 < 200 ms. */
        stages: StageOverridesSchema.prefault({}),
        comparison: z
            .strictObject({
                enabled: z.boolean().default(true),
                /** Canary p95 <= stable p95 × latencyRatio. */
                latencyRatio: z.number().min(1).default(1.5),
                /** Canary error rate <= stable error rate + this many percentage points. */
                errorRateMarginPoints: PERCENT.default(0.5),
                /** What a missing stable baseline means (full-switch sends stable no traffic). */
                noBaseline: POLICY.default("pass"),
            })
            .prefault({}),
        /** No-data policy per check; `traffic` is the minimum-traffic guard. */
        noData: z
            .strictObject({
                traffic: POLICY.default("wait"),
                "error-rate": POLICY.default("wait"),
                "latency-p50": POLICY.default("wait"),
                "latency-p95": POLICY.default("wait"),
                "latency-p99": POLICY.default("wait"),
                throughput: POLICY.default("wait"),
                "agent-failures": POLICY.default("wait"),
                "workflow-errors": POLICY.default("wait"),
                "agent-availability": POLICY.default("wait"),
                "workflow-success": POLICY.default("wait"),
                memory: POLICY.default("wait"),
                cpu: POLICY.default("wait"),
            })
            .prefault({}),
        /** Saturation checks over cAdvisor / kube-state-metrics, which carry pod names rather than the version label. */
        saturation: z
            .strictObject({
                enabled: z.boolean().default(true),
                namespace: DNS_LABEL.default("claude-enhancer"),
                container: DNS_LABEL.default("claude-enhancer"),
                /** Pod-name regexes of the two Deployments (tracks). */
                pods: z
                    .strictObject({
                        stable: z.string().min(1).default("claude-enhancer-stable-.+"),
                        candidate: z.string().min(1).default("claude-enhancer-candidate-.+"),
                    })
                    .prefault({}),
                cpuUsageMetric: METRIC_NAME.default("container_cpu_usage_seconds_total"),
                memoryWorkingSetMetric: METRIC_NAME.default("container_memory_working_set_bytes"),
                limitsMetric: METRIC_NAME.default("kube_pod_container_resource_limits"),
            })
            .prefault({}),
    })
    .superRefine((g, ctx) => {
        // A criterion laxer than its rollback trigger can never decide anything: the trigger aborts first.
        for (const stage of [undefined, ...FORWARD_STAGES]) {
            const criteria = stage ? withOverrides(g.criteria, g.stages[stage].criteria) : g.criteria;
            const triggers = stage ? withOverrides(g.triggers, g.stages[stage].triggers) : g.triggers;
            for (const key of ["errorRatePercent", "latencyP95Ms"] as const) {
                const criterion = criteria[key];
                if (criterion !== undefined && criterion > triggers[key]) {
                    ctx.addIssue({
                        code: "custom",
                        path: [...(stage ? ["stages", stage] : []), "criteria", key],
                        message: `a ${key} <= the rollback trigger's ${triggers[key]} (got ${criterion})`,
                    });
                }
            }
            // Percentiles are ordered: a p50 limit above the p95 one (or p95 above p99) is a typo, not a policy.
            for (const [lower, upper] of [
                ["latencyP50Ms", "latencyP95Ms"],
                ["latencyP95Ms", "latencyP99Ms"],
            ] as const) {
                if (criteria[lower] > criteria[upper]) {
                    ctx.addIssue({
                        code: "custom",
                        path: [...(stage ? ["stages", stage] : []), "criteria", lower],
                        message: `a ${lower} <= ${upper} ${criteria[upper]} (got ${criteria[lower]})`,
                    });
                }
            }
        }
        for (const [key, pattern] of Object.entries(g.saturation.pods)) {
            try {
                new RegExp(pattern);
            } catch {
                ctx.addIssue({ code: "custom", path: ["saturation", "pods", key], message: "a valid regular expression (RE2 syntax)" });
            }
        }
    });

export type GatesConfig = z.infer<typeof GatesSchema>;
export type PrometheusEndpointConfig = z.infer<typeof PrometheusEndpointSchema>;
