import type { PlatformConfig } from "../config";
import { stageOverridesOf } from "../config/rollout";
import { GateDefinition, PrometheusEndpoint, gateForStage } from "../rollout/gate/gates";
import { FORWARD_STAGES, isForwardStage, parseStageName, resolveStageTable } from "../rollout/stages";
import type { GateEvaluation } from "../rollout/gate/verdict";

/** Exit codes of the gate CLI. */
export const GATE_EXIT = { pass: 0, fail: 1, couldNotEvaluate: 2 } as const;

/**
 * The gate `pulumi up` creates for `stage` in the stack: the definition from the stack's gate config
 * (gateForStage, as components/rollout.ts builds it) with the bake of the stack's stage table.
 */
export function stackGate(config: PlatformConfig, stageText: string): GateDefinition {
    const stage = parseStageName(stageText);
    if (!isForwardStage(stage)) throw new Error(`stage "${stage}" has no health gate; expected one of ${FORWARD_STAGES.join(", ")}`);
    const table = resolveStageTable(stageOverridesOf(config.rollout), config.app.autoscaling);
    return gateForStage(config.gates, config.metrics, stage, table[stage].bakeMinutes * 60, table[stage].weight);
}

/**
 * What a single evaluation judged as if the bake were over means for the CLI: pass, fail, or — while
 * checks under the "wait" policy lack data — could not evaluate, with the reasons.
 */
export function onceOutcome(def: GateDefinition, evaluation: GateEvaluation): { exitCode: number; reasons: string[] } {
    if (evaluation.verdict === "pass") return { exitCode: GATE_EXIT.pass, reasons: [] };
    if (evaluation.verdict === "fail") return { exitCode: GATE_EXIT.fail, reasons: evaluation.failures };
    // Checks not judged for lack of traffic are waiting on the traffic guard, which is listed itself.
    const onTraffic =
        evaluation.traffic.status !== "pass" ? new Set(def.checks.filter((c) => c.needsTraffic).map((c) => c.id)) : new Set<string>();
    const waiting = [evaluation.traffic, ...evaluation.checks].filter(
        (r) => r.status === "no-data" && r.policy === "wait" && !onTraffic.has(r.id),
    );
    return {
        exitCode: GATE_EXIT.couldNotEvaluate,
        reasons: waiting.map((r) => `${r.finding ?? `${r.id} has no data`} (no-data policy "wait")`),
    };
}

/** How the CLI was told to reach Prometheus. */
export interface CliEndpointArgs {
    /** `--prometheus <url>`: straight to this URL, whatever the stack says. */
    prometheus?: string;
    /** `--kubeconfig <file>` for the service proxy. */
    kubeconfig?: string;
    /** `--context <name>` of that kubeconfig. */
    context?: string;
}

/** Where the CLI queries: a URL, or the stack's Prometheus Service through the API server's proxy with a kubeconfig file. */
export type CliPrometheusTarget =
    { url: string } | (Extract<PrometheusEndpoint, { service: unknown }> & { kubeconfigPath: string; context?: string });

/**
 * The Prometheus the CLI reaches for a stack: `--prometheus`, else the stack's `gates.prometheus` — a
 * URL as is, a Service through the API server's service proxy (as the HealthGate does) with the
 * kubeconfig from `--kubeconfig`, else the stack's `cluster.kubeconfigPath`, else the ambient one.
 */
export function cliPrometheusTarget(
    config: PlatformConfig,
    stack: string,
    args: CliEndpointArgs,
    ambientKubeconfig: () => string | undefined,
): CliPrometheusTarget {
    if (args.prometheus !== undefined) {
        if (args.kubeconfig !== undefined || args.context !== undefined)
            throw new Error("--prometheus goes straight to a URL; it does not take --kubeconfig or --context");
        if (!/^https?:\/\//.test(args.prometheus)) throw new Error(`--prometheus takes an http(s) URL; got "${args.prometheus}"`);
        return { url: args.prometheus };
    }
    const endpoint = config.gates.prometheus;
    if ("url" in endpoint) return { url: endpoint.url };
    const existing = config.cluster.mode === "existing" ? config.cluster : undefined;
    const kubeconfigPath = args.kubeconfig ?? existing?.kubeconfigPath ?? ambientKubeconfig();
    const { namespace, name, port } = endpoint.service;
    if (kubeconfigPath === undefined) {
        throw new Error(
            `stack "${stack}" reaches Prometheus through the API server's service proxy (${namespace}/${name}:${port}) and no kubeconfig was found ` +
                `(--kubeconfig, KUBECONFIG, ~/.kube/config); pass --kubeconfig <file>, or --prometheus <url> after \`kubectl -n ${namespace} port-forward svc/${name} ${port}\``,
        );
    }
    const context = args.context ?? existing?.context;
    return { service: endpoint.service, kubeconfigPath, ...(context !== undefined ? { context } : {}) };
}
