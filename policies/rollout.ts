/**
 * Rollout-safety rules (docs/policies.md): every stage that sends traffic to a candidate version is watched
 * by a HealthGate with rollback triggers and a minimum-traffic guard, and traffic moves in capped,
 * well-formed steps, with a data rollback point (a pre-rollout RDS snapshot) where there is a database.
 */
import {
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";
import * as networking from "@pulumi/kubernetes/networking/v1";
import {
    ConfigProperties,
    UNKNOWN,
    configOf,
    describe,
    integer,
    isSet,
    list,
    peek,
    stringList,
    validateResourceOfTypeToken,
    whenKnown,
} from "./lib";

/**
 * The HealthGate's inputs (providers/healthGate.ts HealthGateArgs, rollout/gates.ts GateDefinition),
 * as far as the rules read them. A HealthGate is a dynamic-provider resource registered with module
 * "healthGate" and type "HealthGate", so the engine types it `pulumi-nodejs:dynamic/healthGate:HealthGate`.
 */
export const HEALTH_GATE = "pulumi-nodejs:dynamic/healthGate:HealthGate";

export interface GateCheck {
    id: string;
    triggerAbove?: number;
    criterionBelow?: number;
    criterionAbove?: number;
    comparison?: { kind: string };
    needsTraffic?: boolean;
    noData?: string;
}

export interface GateDefinition {
    stage: string;
    bakeSeconds: number;
    intervalSeconds: number;
    minRequests: number;
    trafficNoData: string;
    fastAbort: boolean;
    checks: GateCheck[];
}

export interface HealthGateInputs {
    stage: string;
    candidateVersion: string;
    gate: GateDefinition;
    trafficCut?: unknown;
}

/** The forward (traffic-raising) stages in rollout order (rollout/stages.ts FORWARD_STAGES). */
export const FORWARD_STAGES = ["canary", "canary-expand", "blue-green-prep", "full-switch"];

function isHealthGate(resource: { type: string }): boolean {
    return resource.type === HEALTH_GATE;
}

/** A validation of HealthGate resources; every other resource is passed over. */
function validateHealthGates(
    check: (gate: HealthGateInputs, report: ReportViolation, args: ResourceValidationArgs) => void,
): ResourceValidation {
    return validateResourceOfTypeToken(HEALTH_GATE, (args, report) =>
        whenKnown<HealthGateInputs>((props, a, r) => check(props, r, a))(args.props as HealthGateInputs, args, report),
    );
}

const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_SNAPSHOT = "aws:rds/snapshot:Snapshot";

export const VIRTUAL_SERVICE_TYPES = [
    "kubernetes:networking.istio.io/v1:VirtualService",
    "kubernetes:networking.istio.io/v1beta1:VirtualService",
];
export const INGRESS_TYPE = "kubernetes:networking.k8s.io/v1:Ingress";
const NGINX = "nginx.ingress.kubernetes.io";

interface RouteDestination {
    destination?: { host?: string; subset?: string };
    weight?: number;
}

interface HttpRoute {
    name?: string;
    route?: RouteDestination[];
}

const routingSchema: ConfigProperties = {
    stableSubset: {
        type: "string",
        default: "stable",
        description: "DestinationRule subset of the stable version; every other subset is a candidate.",
    },
};

/** Percent of weighted traffic a VirtualService sends to subsets other than the stable one. */
export function virtualServiceCandidateShare(spec: { http?: HttpRoute[] } | undefined, stableSubset: string): number {
    let share = 0;
    for (const route of spec?.http ?? []) {
        const destinations = route.route ?? [];
        if (destinations.length < 2) continue;
        share = Math.max(
            share,
            destinations.filter((d) => d.destination?.subset !== stableSubset).reduce((sum, d) => sum + (d.weight ?? 0), 0),
        );
    }
    return share;
}

/** Percent of traffic an ingress-nginx canary Ingress takes (0 for any other Ingress). */
export function canaryIngressShare(annotations: Record<string, string> | undefined): number {
    if (annotations?.[`${NGINX}/canary`] !== "true") return 0;
    return Number(annotations[`${NGINX}/canary-weight`] ?? 0);
}

/** The routing objects of a stack that send a share of traffic to a candidate version, with that share. */
function trafficToCandidates(resources: PolicyResource[], stableSubset: string): { resource: PolicyResource; share: number }[] {
    const out: { resource: PolicyResource; share: number }[] = [];
    for (const resource of resources) {
        const share = peek(() =>
            VIRTUAL_SERVICE_TYPES.includes(resource.type)
                ? virtualServiceCandidateShare(resource.props.spec, stableSubset)
                : resource.type === INGRESS_TYPE
                  ? canaryIngressShare(resource.props.metadata?.annotations)
                  : 0,
        );
        if (typeof share === "number" && share > 0) out.push({ resource, share });
    }
    return out;
}

export const trafficWeights: ResourceValidationPolicy = {
    name: "rollout-traffic-weights",
    description: "VirtualService routes split traffic in integer percentages that sum to 100.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfTypeToken(VIRTUAL_SERVICE_TYPES[0], (args, report) =>
        whenKnown<{ spec?: { http?: HttpRoute[] } }>((props, _a, r) => {
            for (const route of props.spec?.http ?? []) {
                const weights = (route.route ?? []).map((d) => d.weight);
                if (weights.length < 2) continue;
                const bad = weights.filter((w) => w === undefined || !Number.isInteger(w) || w < 0 || w > 100);
                const sum = weights.reduce<number>((total, w) => total + (w ?? 0), 0);
                if (bad.length > 0)
                    r(`route ${route.name ?? "(unnamed)"}: weights ${list(weights)} are not all integers between 0 and 100.`);
                else if (sum !== 100) r(`route ${route.name ?? "(unnamed)"}: weights ${list(weights)} sum to ${sum}, not 100.`);
            }
        })(args.props, args, report),
    ),
};

export const canaryIngressWeight: ResourceValidationPolicy = {
    name: "rollout-canary-ingress-weight",
    description: "Canary Ingresses (ingress-nginx) carry a canary-weight that is an integer percentage.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(
        networking.Ingress,
        whenKnown((ingress, _args, report) => {
            const annotations = ingress.metadata?.annotations;
            if (annotations?.[`${NGINX}/canary`] !== "true") return;
            const raw = annotations[`${NGINX}/canary-weight`];
            const weight = Number(raw);
            if (raw === undefined || !Number.isInteger(weight) || weight < 0 || weight > 100)
                report(`canary-weight is ${raw ?? "unset"}; expected an integer between 0 and 100.`);
        }),
    ),
};

export const healthGatePerStage: StackValidationPolicy = {
    name: "rollout-health-gate",
    description:
        "Every routing object that sends traffic to a candidate version is watched by a HealthGate that depends on it (so the gate judges the new weights).",
    severity: "critical",
    enforcementLevel: "mandatory",
    configSchema: { properties: routingSchema },
    validateStack: (args, report) => {
        const { stableSubset } = configOf<{ stableSubset: string }>(args, routingSchema);
        const routed = trafficToCandidates(args.resources, stableSubset);
        if (routed.length === 0) args.notApplicable("no routing object sends traffic to a candidate version");
        const gates = args.resources.filter(isHealthGate);
        for (const { resource, share } of routed) {
            if (!gates.some((g) => g.dependencies.includes(resource))) {
                report(
                    `${describe(resource)} sends ${share} % of traffic to a candidate version, but no HealthGate depends on it.`,
                    resource.urn,
                );
            }
        }
    },
};

const triggerSchema: ConfigProperties = {
    requiredTriggers: stringList("Checks that must have a rollback trigger (triggerAbove).", ["error-rate", "latency-p95"]),
};

export const gateRollbackTriggers: ResourceValidationPolicy = {
    name: "rollout-gate-rollback-triggers",
    description: "Every HealthGate has rollback triggers (fail at once) on at least the error rate and the p95 latency.",
    severity: "critical",
    enforcementLevel: "mandatory",
    configSchema: { properties: triggerSchema },
    validateResource: validateHealthGates(({ gate, stage }, report, args) => {
        const { requiredTriggers } = configOf<{ requiredTriggers: string[] }>(args, triggerSchema);
        const triggered = gate.checks.filter((c) => typeof c.triggerAbove === "number").map((c) => c.id);
        if (triggered.length === 0) report(`the ${stage} gate has no rollback trigger at all.`);
        const missing = requiredTriggers.filter((id) => !triggered.includes(id));
        if (missing.length > 0) report(`the ${stage} gate has no rollback trigger on ${list(missing)}.`);
    }),
};

const trafficGuardSchema: ConfigProperties = {
    minRequests: integer("Fewest requests the candidate must serve in the window before it can be judged healthy.", 50, 1),
};

export const gateMinimumTraffic: ResourceValidationPolicy = {
    name: "rollout-gate-min-traffic",
    description:
        "Every HealthGate has a minimum-traffic guard: request-derived checks wait for enough requests, and too little traffic is never a pass.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: trafficGuardSchema },
    validateResource: validateHealthGates(({ gate, stage }, report, args) => {
        const { minRequests } = configOf<{ minRequests: number }>(args, trafficGuardSchema);
        if (!(gate.minRequests >= minRequests))
            report(`the ${stage} gate judges the candidate after ${gate.minRequests} requests; at least ${minRequests} are required.`);
        if (gate.trafficNoData === "pass")
            report(`the ${stage} gate counts too little traffic as a pass (trafficNoData "pass"); use "wait" or "fail".`);
        const unguarded = gate.checks
            .filter((c) => ["error-rate", "latency-p95"].includes(c.id) && c.needsTraffic !== true)
            .map((c) => c.id);
        if (unguarded.length > 0) report(`checks ${list(unguarded)} are judged without the traffic guard (needsTraffic is not true).`);
    }),
};

const noDataSchema: ConfigProperties = {
    noPassChecks: stringList("Checks whose missing data must never count as met.", ["error-rate", "latency-p95"]),
};

export const gateNoDataPolicy: ResourceValidationPolicy = {
    name: "rollout-gate-no-data-policy",
    description:
        "Every HealthGate check states what missing data means (fail, wait or pass), and the error-rate and latency checks never pass without data.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: noDataSchema },
    validateResource: validateHealthGates(({ gate }, report, args) => {
        const { noPassChecks } = configOf<{ noPassChecks: string[] }>(args, noDataSchema);
        for (const check of gate.checks) {
            if (!["fail", "wait", "pass"].includes(check.noData ?? ""))
                report(`check ${check.id} has no no-data policy (got ${check.noData ?? "none"}; expected fail, wait or pass).`);
            else if (check.noData === "pass" && noPassChecks.includes(check.id))
                report(`check ${check.id} counts missing data as met (noData "pass").`);
        }
    }),
};

export const gateStableComparison: ResourceValidationPolicy = {
    name: "rollout-gate-stable-comparison",
    description:
        "HealthGates judge the candidate's error rate and latency against the stable version in the same window, not only against absolute limits.",
    severity: "medium",
    enforcementLevel: "mandatory",
    validateResource: validateHealthGates(({ gate, stage }, report) => {
        const missing = ["error-rate", "latency-p95"].filter((id) => !gate.checks.some((c) => c.id === id && c.comparison !== undefined));
        if (missing.length > 0) report(`the ${stage} gate does not compare ${list(missing)} with the stable version.`);
    }),
};

const bakeSchema: ConfigProperties = {
    minBakeSeconds: integer("Shortest bake of a traffic-raising stage.", 300, 0),
    maxIntervalSeconds: integer("Longest time between two evaluations (seeds: 10-30 s).", 30, 1),
};

export const gateBake: ResourceValidationPolicy = {
    name: "rollout-gate-bake",
    description: "HealthGates watch each traffic-raising stage for at least the minimum bake, evaluating at least every 30 s.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: bakeSchema },
    validateResource: validateHealthGates(({ gate, stage }, report, args) => {
        const { minBakeSeconds, maxIntervalSeconds } = configOf<{ minBakeSeconds: number; maxIntervalSeconds: number }>(args, bakeSchema);
        if (gate.bakeSeconds < minBakeSeconds) report(`the ${stage} gate bakes ${gate.bakeSeconds} s; at least ${minBakeSeconds} s.`);
        if (gate.intervalSeconds > maxIntervalSeconds)
            report(`the ${stage} gate evaluates every ${gate.intervalSeconds} s; at most every ${maxIntervalSeconds} s.`);
    }),
};

export const gateFastAbort: ResourceValidationPolicy = {
    name: "rollout-gate-fast-abort",
    description:
        "HealthGates cut traffic back to the stable version themselves when a trigger fires (fastAbort with a traffic-cut target), so rollback does not wait for a stack update.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: validateHealthGates((inputs, report) => {
        if (inputs.gate.fastAbort !== true)
            report(`the ${inputs.stage} gate has fastAbort off: traffic stays on the candidate until a rollback update runs.`);
        else if (!isSet(inputs, "trafficCut")) report(`the ${inputs.stage} gate has fastAbort on but no trafficCut target to patch.`);
    }),
};

const stepSchema: ConfigProperties = {
    ...routingSchema,
    maxStepPercent: integer("Largest rise of the candidate's share from one stage to the next, in percentage points.", 50, 1),
    stageWeights: {
        type: "object",
        description:
            "The approved candidate share of each traffic-raising stage (the stack's stage table); a stage's step is measured from its predecessor's share.",
        properties: Object.fromEntries(FORWARD_STAGES.map((s) => [s, { type: "integer", minimum: 0, maximum: 100 }])),
        additionalProperties: false,
        default: { canary: 5, "canary-expand": 20, "blue-green-prep": 50, "full-switch": 100 },
    },
};

export const maxTrafficStep: StackValidationPolicy = {
    name: "rollout-max-step",
    description: "A stage raises the candidate's traffic share by at most the configured step over the previous stage's approved share.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: stepSchema },
    validateStack: (args, report) => {
        const { maxStepPercent, stageWeights, stableSubset } = configOf<{
            maxStepPercent: number;
            stageWeights: Record<string, number>;
            stableSubset: string;
        }>(args, stepSchema);
        const routed = trafficToCandidates(args.resources, stableSubset);
        for (const gate of args.resources.filter(isHealthGate)) {
            const stage = peek(() => gate.props.stage as string);
            if (typeof stage !== "string") continue;
            const index = FORWARD_STAGES.indexOf(stage);
            if (index < 0) continue;
            const previous =
                index === 0
                    ? { name: "stable", share: 0 }
                    : { name: FORWARD_STAGES[index - 1], share: stageWeights[FORWARD_STAGES[index - 1]] ?? 0 };
            for (const { resource, share } of routed.filter((r) => gate.dependencies.includes(r.resource))) {
                if (share - previous.share > maxStepPercent) {
                    report(
                        `stage ${stage} sends ${share} % to the candidate through ${describe(resource)}: ${share - previous.share} points above ${previous.name}'s ${previous.share} %; at most ${maxStepPercent}.`,
                        resource.urn,
                    );
                }
            }
        }
    },
};

export const preRolloutSnapshot: StackValidationPolicy = {
    name: "rollout-pre-rollout-snapshot",
    description:
        "A stack with RDS databases takes a manual RDS snapshot of one of them in every traffic-raising stage, the data rollback point of the rollout.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const forwardGates = args.resources.filter((r) => isHealthGate(r) && peek(() => FORWARD_STAGES.includes(r.props.stage)) !== false);
        const databases = args.resources.filter((r) => r.type === RDS_INSTANCE);
        if (forwardGates.length === 0 || databases.length === 0)
            args.notApplicable("no traffic-raising stage in a stack with RDS databases");
        const identifiers = new Set(databases.map((db) => peek(() => db.props.identifier)));
        const snapshotsOfDatabases = args.resources.filter((r) => {
            if (r.type !== RDS_SNAPSHOT) return false;
            const target = peek(() => r.props.dbInstanceIdentifier);
            if (typeof target === "string" && !identifiers.has(UNKNOWN)) return identifiers.has(target);
            return databases.some((db) => r.dependencies.includes(db));
        });
        if (snapshotsOfDatabases.length === 0) {
            const stage = peek(() => forwardGates[0].props.stage);
            report(
                `stage ${typeof stage === "string" ? stage : "(unknown)"} raises traffic to the candidate but no aws.rds.Snapshot of ${list(databases.map(describe))} exists to roll the data back to.`,
            );
        }
    },
};

export const rolloutPolicies = [
    trafficWeights,
    canaryIngressWeight,
    healthGatePerStage,
    gateRollbackTriggers,
    gateMinimumTraffic,
    gateNoDataPolicy,
    gateStableComparison,
    gateBake,
    gateFastAbort,
    maxTrafficStep,
    preRolloutSnapshot,
];
