import * as pulumi from "@pulumi/pulumi";
import { GateDefinition, gateDefinitionIssues } from "../rollout/gate/gates";
import { LiveGateInputs, runLiveGate } from "../rollout/gate/gateRun";
import type { PrometheusEndpoint } from "../rollout/gate/gates";
import type { DeclaredTraffic, TrafficCutTarget } from "../rollout/gate/trafficCut";
import { LIVE_ROUTERS, ROUTER_NAMES, Router } from "../rollout/gate/routers";
import type { CheckResult, Verdict } from "../rollout/gate/verdict";
import { HEALTH_GATE } from "../identity";

export type { GateDefinition } from "../rollout/gate/gates";
export type { DeclaredTraffic, TrafficCutTarget } from "../rollout/gate/trafficCut";

/**
 * How the gate reaches Prometheus: a URL, or an in-cluster Service through the API server's service
 * proxy with a kubeconfig (stored as a secret; changing only the kubeconfig never re-runs the gate).
 */
export type HealthGatePrometheus =
    | { url: pulumi.Input<string> }
    | { service: Extract<PrometheusEndpoint, { service: unknown }>["service"]; kubeconfig: pulumi.Input<string>; context?: string };

/** The router the fast traffic cut patches (the TrafficSplit's `trafficCut` output) and the credentials to do it. */
export interface HealthGateTrafficCut {
    kubeconfig: pulumi.Input<string>;
    context?: string;
    target: pulumi.Input<TrafficCutTarget>;
    /**
     * The stage's declared traffic: the gate sets the live router to it before judging, so every update that
     * runs a gate converges the router (after a cut or an out-of-band edit) without a refresh. Not a re-run key.
     */
    declared?: DeclaredTraffic;
}

export interface HealthGateArgs {
    /** The rollout stage being gated. */
    stage: pulumi.Input<string>;
    candidateVersion: pulumi.Input<string>;
    stableVersion: pulumi.Input<string>;
    prometheus: HealthGatePrometheus;
    /** From `gateForStage(config.gates, config.metrics, stage, bakeSeconds)`. */
    gate: pulumi.Input<GateDefinition>;
    /** Where to send all traffic back to stable when a rollback trigger fires (with `gate.fastAbort`). */
    trafficCut?: HealthGateTrafficCut;
}

/** The last value of a check, as the resource outputs it. */
export interface HealthGateCheckOutput {
    status: CheckResult["status"];
    canary: number | null;
    stable: number | null;
    unit: string;
    threshold: string;
    finding?: string;
    note?: string;
}

/** What identifies a gate run: any change here runs the gate again; nothing else does. */
const RERUN_KEYS = ["stage", "candidateVersion", "stableVersion"] as const;

/**
 * What the engine passes for a value not known yet (a preview before the cluster exists): the SDK's
 * `runtime/rpc` `unknownValue`. Such a value is accepted as it is; the update checks it again once known.
 */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

interface CheckFailure {
    property: string;
    reason: string;
}

function isText(value: unknown): value is string {
    return typeof value === "string" && value !== "";
}

/** Issues of named string fields of `value` (reported under `prefix`); an unknown value passes. */
function textFieldIssues(value: unknown, prefix: string, fields: string[]): CheckFailure[] {
    if (value === UNKNOWN) return [];
    const record = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    return fields.filter((f) => !isText(record[f])).map((f) => ({ property: `${prefix}.${f}`, reason: "a non-empty string" }));
}

function prometheusIssues(p: unknown): CheckFailure[] {
    const shape = "{ url } or { service: { namespace, name, port, scheme }, kubeconfig }";
    if (typeof p !== "object" || p === null) return [{ property: "prometheus", reason: shape }];
    const endpoint = p as Record<string, unknown>;
    if ("url" in endpoint) {
        const url = endpoint.url;
        if (url === UNKNOWN) return [];
        let protocol = "";
        try {
            protocol = new URL(String(url)).protocol;
        } catch {
            // reported below
        }
        return protocol === "http:" || protocol === "https:"
            ? []
            : [{ property: "prometheus.url", reason: `an http(s) URL; got ${JSON.stringify(url)}` }];
    }
    if (!("service" in endpoint)) return [{ property: "prometheus", reason: shape }];
    const issues = textFieldIssues(endpoint.service, "prometheus.service", ["namespace", "name"]);
    const service = endpoint.service as Record<string, unknown> | undefined;
    if (service !== undefined && (service as unknown) !== UNKNOWN) {
        const port = service?.port;
        if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
            issues.push({ property: "prometheus.service.port", reason: `a port number 1-65535; got ${JSON.stringify(port)}` });
        }
        if (service?.scheme !== "http" && service?.scheme !== "https") {
            issues.push({ property: "prometheus.service.scheme", reason: `"http" or "https"; got ${JSON.stringify(service?.scheme)}` });
        }
    }
    // Never echo the kubeconfig: it holds credentials.
    if (!isText(endpoint.kubeconfig))
        issues.push({ property: "prometheus.kubeconfig", reason: "a kubeconfig (YAML or JSON text) for the API server's service proxy" });
    return issues;
}

function trafficCutIssues(cut: unknown): CheckFailure[] {
    if (cut === undefined || cut === null || cut === UNKNOWN) return [];
    if (typeof cut !== "object") return [{ property: "trafficCut", reason: "{ kubeconfig, context?, target }" }];
    const { kubeconfig, target } = cut as Record<string, unknown>;
    const issues: CheckFailure[] = isText(kubeconfig)
        ? []
        : [{ property: "trafficCut.kubeconfig", reason: "a kubeconfig (YAML or JSON text) allowed to patch the router" }];
    if (target === UNKNOWN) return issues;
    const router = (target as { router?: unknown } | undefined)?.router;
    const live = typeof router === "string" && Object.hasOwn(LIVE_ROUTERS, router) ? LIVE_ROUTERS[router as Router] : undefined;
    if (live) issues.push(...textFieldIssues(target, "trafficCut.target", [...live.targetFields]));
    else
        issues.push({
            property: "trafficCut.target.router",
            reason: `${ROUTER_NAMES.slice(0, -1)
                .map((r) => JSON.stringify(r))
                .join(", ")} or ${JSON.stringify(ROUTER_NAMES[ROUTER_NAMES.length - 1])}; got ${JSON.stringify(router)}`,
        });
    const declared = (cut as Record<string, unknown>).declared as Record<string, unknown> | undefined;
    if (declared !== undefined && declared !== null) {
        const weight = declared.candidateWeight;
        if (typeof weight !== "number" || !Number.isInteger(weight) || weight < 0 || weight > 100)
            issues.push({
                property: "trafficCut.declared.candidateWeight",
                reason: `an integer percentage 0-100; got ${JSON.stringify(weight)}`,
            });
        if (declared.headerRoute !== undefined)
            issues.push(...textFieldIssues(declared.headerRoute, "trafficCut.declared.headerRoute", ["name", "header", "value"]));
    }
    return issues;
}

/**
 * The dynamic provider. Pulumi serialises this object with its closure into the resource's state,
 * and the dynamic-provider host evaluates that text in a fresh process: the rollout/ modules it
 * calls are captured by value (they are pure, hold no clients or agents, and import only Node
 * built-ins and `yaml`, which become `require` calls resolved from the project's node_modules).
 * Nothing here reads pulumi.Config or captures anything created at deployment time; credentials
 * arrive only as inputs.
 */
export const healthGateProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds, news) {
        const failures: CheckFailure[] = [];
        for (const key of RERUN_KEYS) {
            if (!isText(news[key])) failures.push({ property: key, reason: `a non-empty string; got ${JSON.stringify(news[key])}` });
        }
        failures.push(...gateDefinitionIssues(news.gate));
        const gateStage = (news.gate as { stage?: unknown } | undefined)?.stage;
        if (isText(news.stage) && isText(gateStage) && gateStage !== news.stage) {
            failures.push({ property: "gate.stage", reason: `the gated stage "${news.stage}" (the definition is for "${gateStage}")` });
        }
        failures.push(...prometheusIssues(news.prometheus), ...trafficCutIssues(news.trafficCut));
        return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
        // Stable, key-sorted JSON: the gate definition goes through protobuf Structs, which do not keep key order.
        const canonical = (value: unknown): string =>
            JSON.stringify(value, (_key, v) =>
                v && typeof v === "object" && !Array.isArray(v)
                    ? Object.fromEntries(
                          Object.keys(v)
                              .sort()
                              .map((k) => [k, v[k]]),
                      )
                    : v,
            );
        const replaces = RERUN_KEYS.filter((key) => olds[key] !== news[key]);
        const gateChanged = canonical(olds.gate) !== canonical(news.gate);
        return { changes: replaces.length > 0 || gateChanged, replaces, deleteBeforeReplace: false };
    },

    async create(inputs) {
        const outs = await evaluate(inputs);
        return { id: `${inputs.stage}-${inputs.candidateVersion}-${outs.evaluatedAt}`, outs };
    },

    async update(_id, _olds, news) {
        return { outs: await evaluate(news) };
    },

    // A gate leaves nothing behind in the world: deleting it (a replacement, the stage's end) only drops it from the state.
    async delete() {},
};

/** Runs the gate for the inputs; resolves with the outputs when it passes, throws the gate's report when it fails. */
async function evaluate(inputs: pulumi.Inputs): Promise<pulumi.Inputs> {
    const p = inputs.prometheus;
    const live: LiveGateInputs = {
        gate: inputs.gate,
        versions: { candidate: inputs.candidateVersion, stable: inputs.stableVersion },
        prometheus: typeof p.url === "string" ? { url: p.url } : { service: p.service, kubeconfig: p.kubeconfig, context: p.context },
        trafficCut: inputs.trafficCut
            ? {
                  kubeconfig: inputs.trafficCut.kubeconfig,
                  context: inputs.trafficCut.context,
                  target: inputs.trafficCut.target,
                  declared: inputs.trafficCut.declared,
              }
            : undefined,
    };
    // The engine shows the provider's stdout as info diagnostics: the operator sees every evaluation.
    const result = await runLiveGate(live, (line) => console.log(line));
    if (result.verdict === "fail") throw new Error(result.message);
    const checks: Record<string, HealthGateCheckOutput> = {};
    for (const r of [result.evaluation.traffic, ...result.evaluation.checks]) {
        // Outputs carry finite numbers only; +Inf latency stays visible in the finding.
        const finite = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);
        checks[r.id] = { status: r.status, canary: finite(r.canary), stable: finite(r.stable), unit: r.unit, threshold: r.threshold };
        if (r.finding) checks[r.id].finding = r.finding;
        if (r.note) checks[r.id].note = r.note;
    }
    return {
        stage: inputs.stage,
        candidateVersion: inputs.candidateVersion,
        stableVersion: inputs.stableVersion,
        gate: inputs.gate,
        verdict: result.verdict,
        checks,
        evaluatedAt: new Date(result.evaluatedAt).toISOString(),
        evaluations: result.evaluations,
        report: result.message,
    };
}

/**
 * A stage's health gate (docs/rollout.md): creating it first sets the live router to the stage's declared
 * weights, then blocks the stack update for the bake while it evaluates Prometheus every interval. A
 * rollback trigger confirmed over its evidence fails it at once, unmet success criteria fail it when the
 * bake ends, and missing data is judged by each check's no-data policy; with `fastAbort` every failure
 * first cuts traffic to stable. It runs again only when the stage, a version or the gate
 * definition changes, so a no-op `pulumi up` does not re-run it.
 */
export class HealthGate extends pulumi.dynamic.Resource {
    declare readonly verdict: pulumi.Output<Exclude<Verdict, "pending">>;
    /** The last value of every check, by check id (plus `traffic`, the minimum-traffic guard). */
    declare readonly checks: pulumi.Output<Record<string, HealthGateCheckOutput>>;
    /** ISO time of the evaluation that decided. */
    declare readonly evaluatedAt: pulumi.Output<string>;
    declare readonly evaluations: pulumi.Output<number>;

    constructor(name: string, args: HealthGateArgs, opts?: pulumi.CustomResourceOptions) {
        const prometheus =
            "url" in args.prometheus
                ? { url: args.prometheus.url }
                : {
                      service: args.prometheus.service,
                      kubeconfig: pulumi.secret(args.prometheus.kubeconfig),
                      context: args.prometheus.context,
                  };
        const trafficCut = args.trafficCut && {
            kubeconfig: pulumi.secret(args.trafficCut.kubeconfig),
            context: args.trafficCut.context,
            target: args.trafficCut.target,
            declared: args.trafficCut.declared,
        };
        super(
            healthGateProvider,
            name,
            {
                stage: args.stage,
                candidateVersion: args.candidateVersion,
                stableVersion: args.stableVersion,
                prometheus,
                gate: args.gate,
                trafficCut,
                verdict: undefined,
                checks: undefined,
                evaluatedAt: undefined,
                evaluations: undefined,
            },
            opts,
            HEALTH_GATE.module,
            HEALTH_GATE.type,
        );
    }
}
