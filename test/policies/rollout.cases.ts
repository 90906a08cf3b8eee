/** The compliant and violating cases of every rollout policy (test/policies/rollout.test.ts runs them; coverage.test.ts checks every pack policy has some). */
import * as f from "./fixtures";
import { PolicyCases, UNKNOWN, changed } from "./harness";

const GATE_CHECK = (index: number, path: string[]) => ["gate", "checks", index, ...path];
const checkIndex = (id: string) => f.healthGate().inputs.gate.checks.findIndex((c: { id: string }) => c.id === id);
const withoutCheck = (id: string) => () =>
    changed(
        f.healthGate(),
        ["gate", "checks"],
        f.healthGate().inputs.gate.checks.filter((c: { id: string }) => c.id !== id),
    );

/** A stage whose routing sends `weight` % to the candidate, with its gate. */
function stage(name: string, weight: number, router: "istio" | "nginx" = "istio") {
    const routing = router === "istio" ? f.virtualService({ stable: 100 - weight, canary: weight }) : f.canaryIngress(String(weight));
    return () => [routing, f.healthGate(name, 1800, routing)];
}

export const rolloutCases: PolicyCases = {
    "rollout-traffic-weights": [
        { title: "95/5 split", resource: () => f.virtualService() },
        {
            title: "split summing to 90",
            resource: () => f.virtualService({ stable: 85, canary: 5 }),
            violation: "route weighted: weights 85, 5 sum to 90, not 100.",
        },
        {
            title: "fractional weight",
            resource: () => changed(f.virtualService(), ["spec", "http", 1, "route", 1, "weight"], 4.5),
            violation: "are not all integers between 0 and 100",
        },
    ],
    "rollout-canary-ingress-weight": [
        { title: "canary ingress at 20", resource: () => f.canaryIngress("20") },
        {
            title: "main (non-canary) ingress",
            resource: () => changed(f.canaryIngress(), ["metadata", "annotations"], { "nginx.ingress.kubernetes.io/ssl-redirect": "true" }),
        },
        {
            title: "canary ingress at 150",
            resource: () => f.canaryIngress("150"),
            violation: "canary-weight is 150; expected an integer between 0 and 100.",
        },
        {
            title: "canary ingress without a weight",
            resource: () => changed(f.canaryIngress(), ["metadata", "annotations", "nginx.ingress.kubernetes.io/canary-weight"], undefined),
            violation: "canary-weight is unset",
        },
    ],
    "rollout-health-gate": [
        { title: "canary with its gate (istio)", resources: stage("canary", 5) },
        { title: "canary-expand with its gate (nginx)", resources: stage("canary-expand", 20, "nginx") },
        {
            title: "stable stage: all traffic to stable, no gate needed",
            resources: () => [f.virtualService({ stable: 100, canary: 0 })],
            notApplicable: "no routing object sends traffic to a candidate version",
        },
        {
            title: "traffic to the candidate without a gate",
            resources: () => [f.virtualService()],
            violation:
                'VirtualService "claude-enhancer-routes" sends 5 % of traffic to a candidate version, but no HealthGate depends on it.',
            violator: "claude-enhancer-routes",
        },
        {
            title: "gate that does not depend on the routing",
            resources: () => [f.canaryIngress("20"), { ...f.healthGate("canary-expand"), dependencies: [] }],
            violation: "sends 20 % of traffic to a candidate version, but no HealthGate depends on it.",
        },
    ],
    "rollout-gate-rollback-triggers": [
        { title: "seed triggers", resource: () => f.healthGate() },
        {
            title: "no latency trigger",
            resource: () => changed(f.healthGate(), GATE_CHECK(checkIndex("latency-p95"), ["triggerAbove"]), undefined),
            violation: "the canary gate has no rollback trigger on latency-p95.",
        },
        {
            title: "no triggers at all",
            resource: () => changed(f.healthGate(), ["gate", "checks"], [{ id: "agent-availability", criterionAbove: 99, noData: "wait" }]),
            violation: "the canary gate has no rollback trigger at all.",
        },
    ],
    "rollout-gate-min-traffic": [
        { title: "100 requests, waits when quiet", resource: () => f.healthGate() },
        {
            title: "5 requests",
            resource: () => changed(f.healthGate(), ["gate", "minRequests"], 5),
            violation: "the canary gate judges the candidate after 5 requests; at least 50 are required.",
        },
        {
            title: "quiet canary passes",
            resource: () => changed(f.healthGate(), ["gate", "trafficNoData"], "pass"),
            violation: 'counts too little traffic as a pass (trafficNoData "pass")',
        },
        {
            title: "error rate judged without the guard",
            resource: () => changed(f.healthGate(), GATE_CHECK(checkIndex("error-rate"), ["needsTraffic"]), false),
            violation: "checks error-rate are judged without the traffic guard",
        },
    ],
    "rollout-gate-no-data-policy": [
        { title: "explicit wait everywhere", resource: () => f.healthGate() },
        {
            title: "workflow-success may pass without data",
            resource: () => changed(f.healthGate(), GATE_CHECK(checkIndex("workflow-success"), ["noData"]), "pass"),
        },
        {
            title: "latency passes without data",
            resource: () => changed(f.healthGate(), GATE_CHECK(checkIndex("latency-p95"), ["noData"]), "pass"),
            violation: 'check latency-p95 counts missing data as met (noData "pass").',
        },
        {
            title: "no policy",
            resource: () => changed(f.healthGate(), GATE_CHECK(checkIndex("cpu"), ["noData"]), undefined),
            violation: "check cpu has no no-data policy (got none; expected fail, wait or pass).",
        },
    ],
    "rollout-gate-stable-comparison": [
        { title: "error rate and latency compared", resource: () => f.healthGate() },
        {
            title: "latency not compared",
            resource: () => changed(f.healthGate(), GATE_CHECK(checkIndex("latency-p95"), ["comparison"]), undefined),
            violation: "the canary gate does not compare latency-p95 with the stable version.",
        },
        { title: "error-rate check missing", resource: withoutCheck("error-rate"), violation: "does not compare error-rate" },
    ],
    "rollout-gate-bake": [
        { title: "30 min, every 15 s", resource: () => f.healthGate() },
        { title: "1 min bake", resource: () => f.healthGate("canary", 60), violation: "the canary gate bakes 60 s; at least 300 s." },
        {
            title: "every 2 min",
            resource: () => changed(f.healthGate(), ["gate", "intervalSeconds"], 120),
            violation: "evaluates every 120 s; at most every 30 s.",
        },
    ],
    "rollout-gate-fast-abort": [
        { title: "fast abort with a target", resource: () => f.healthGate() },
        { title: "fast abort off", resource: () => changed(f.healthGate(), ["gate", "fastAbort"], false), violation: "has fastAbort off" },
        {
            title: "no target",
            resource: () => changed(f.healthGate(), ["trafficCut"], undefined),
            violation: "fastAbort on but no trafficCut target",
        },
    ],
    "rollout-max-step": [
        { title: "canary at 5 %", resources: stage("canary", 5) },
        { title: "full-switch from 50 to 100", resources: stage("full-switch", 100) },
        { title: "steeper ladder allowed by config", resources: stage("canary", 60), config: { maxStepPercent: 60 } },
        {
            title: "canary at 60 %",
            resources: stage("canary", 60),
            violation:
                'stage canary sends 60 % to the candidate through VirtualService "claude-enhancer-routes": 60 points above stable\'s 0 %; at most 50.',
        },
        {
            title: "canary-expand at 80 % (nginx)",
            resources: stage("canary-expand", 80, "nginx"),
            violation: "75 points above canary's 5 %; at most 50.",
        },
    ],
    "rollout-pre-rollout-snapshot": [
        {
            title: "canary with a snapshot of the primary",
            resources: () => [f.rdsPrimary(), f.preRolloutSnapshot(), ...stage("canary", 5)()],
        },
        {
            title: "snapshot found by dependency when its identifier is unknown",
            resources: () => [
                f.rdsPrimary(),
                { ...f.preRolloutSnapshot(), outputs: { ...f.preRolloutSnapshot().outputs, dbInstanceIdentifier: UNKNOWN } },
                ...stage("canary", 5)(),
            ],
        },
        {
            title: "no database in the stack (local)",
            resources: stage("canary", 5),
            notApplicable: "no traffic-raising stage in a stack with RDS databases",
        },
        {
            title: "stable stage",
            resources: () => [f.rdsPrimary(), f.virtualService({ stable: 100, canary: 0 })],
            notApplicable: "no traffic-raising stage",
        },
        {
            title: "canary without a snapshot",
            resources: () => [f.rdsPrimary(), ...stage("canary", 5)()],
            violation:
                'stage canary raises traffic to the candidate but no aws.rds.Snapshot of Instance "database-primary" exists to roll the data back to.',
        },
        {
            title: "snapshot of another database",
            resources: () => [
                f.rdsPrimary(),
                { ...changed(f.preRolloutSnapshot(), ["dbInstanceIdentifier"], "some-other-db"), dependencies: [] },
                ...stage("full-switch", 100)(),
            ],
            violation: "stage full-switch raises traffic to the candidate but no aws.rds.Snapshot",
        },
    ],
};
