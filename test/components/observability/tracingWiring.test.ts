import * as assert from "assert";
import { readStackSettings } from "../../../config/stackFile";
import { ProgramRun, runProgram } from "../../harness/program";

/**
 * Tracing wired end to end, per stack, in the whole program (mock runtime): the application's
 * OpenTelemetry environment, its NetworkPolicy's OTLP egress, and (Istio stacks) the mesh's tracing
 * provider and Telemetry resource, all pointing at the Tracing component's Jaeger.
 */

const COLLECTOR = "jaeger.tracing.svc.cluster.local";
const TRACING_PEER = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "tracing" } } };
const EXPECTED = [
    { stack: "staging", ratio: 0.25, istio: true },
    { stack: "production", ratio: 0.05, istio: true },
    { stack: "local", ratio: 1, istio: false },
] as const;

type Env = { name: string; value?: string; valueFrom?: unknown };

/** Each application container's environment (both tracks and the migration Job), as name → value. */
function appEnvironments(run: ProgramRun): Record<string, string | undefined>[] {
    const templates = [
        ...run.mocks.ofType("kubernetes:apps/v1:Deployment").filter((d) => d.name.startsWith("app-")),
        ...run.mocks.ofType("kubernetes:batch/v1:Job"),
    ].map((r) => r.inputs.spec.template);
    assert.ok(templates.length > 0, "no application pod template");
    return templates.flatMap((t) =>
        t.spec.containers
            .filter((c: { name: string }) => c.name === "claude-enhancer")
            .map((c: { env: Env[] }) => Object.fromEntries(c.env.map((e) => [e.name, e.value]))),
    );
}

function otlpEgress(run: ProgramRun): unknown[] {
    const policy = run.mocks.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "app-network-policy");
    return policy.inputs.spec.egress.filter((rule: { to?: unknown[] }) => JSON.stringify(rule.to ?? []).includes('"tracing"'));
}

function istiodMeshConfig(run: ProgramRun): Record<string, unknown> {
    return run.mocks.one("kubernetes:helm.sh/v3:Release", "mesh-istiod").inputs.values.meshConfig;
}

describe("tracing wired end to end in every stack (whole program, mock runtime)", function () {
    this.timeout(180_000);

    for (const { stack, ratio, istio } of EXPECTED) {
        describe(`stack ${stack}`, () => {
            let run: ProgramRun;
            before(async () => {
                run = await runProgram(stack);
            });

            it(`gives every application container the OpenTelemetry environment: OTLP/gRPC to Jaeger, parent-based sampling at ${ratio}`, () => {
                for (const env of appEnvironments(run)) {
                    const version = env.APP_VERSION!;
                    assert.deepStrictEqual(
                        {
                            OTEL_SERVICE_NAME: env.OTEL_SERVICE_NAME,
                            OTEL_RESOURCE_ATTRIBUTES: env.OTEL_RESOURCE_ATTRIBUTES,
                            OTEL_TRACES_EXPORTER: env.OTEL_TRACES_EXPORTER,
                            OTEL_METRICS_EXPORTER: env.OTEL_METRICS_EXPORTER,
                            OTEL_LOGS_EXPORTER: env.OTEL_LOGS_EXPORTER,
                            OTEL_EXPORTER_OTLP_ENDPOINT: env.OTEL_EXPORTER_OTLP_ENDPOINT,
                            OTEL_EXPORTER_OTLP_PROTOCOL: env.OTEL_EXPORTER_OTLP_PROTOCOL,
                            OTEL_TRACES_SAMPLER: env.OTEL_TRACES_SAMPLER,
                            OTEL_TRACES_SAMPLER_ARG: env.OTEL_TRACES_SAMPLER_ARG,
                            OTEL_PROPAGATORS: env.OTEL_PROPAGATORS,
                        },
                        {
                            OTEL_SERVICE_NAME: "claude-enhancer",
                            OTEL_RESOURCE_ATTRIBUTES: `service.version=${version},deployment.environment=${stack},claude-enhancer.track=${env.APP_TRACK},k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE)`,
                            OTEL_TRACES_EXPORTER: "otlp",
                            OTEL_METRICS_EXPORTER: "none",
                            OTEL_LOGS_EXPORTER: "none",
                            OTEL_EXPORTER_OTLP_ENDPOINT: `http://${COLLECTOR}:4317`,
                            OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
                            OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
                            OTEL_TRACES_SAMPLER_ARG: String(ratio),
                            OTEL_PROPAGATORS: "tracecontext,baggage",
                        },
                    );
                }
            });

            it("the pod variables OTEL_RESOURCE_ATTRIBUTES expands are defined before it (Kubernetes $(VAR) order)", () => {
                const deployment = run.mocks.ofType("kubernetes:apps/v1:Deployment").find((d) => d.name.startsWith("app-"))!;
                const names = deployment.inputs.spec.template.spec.containers[0].env.map((e: Env) => e.name);
                assert.ok(names.indexOf("POD_NAME") < names.indexOf("OTEL_RESOURCE_ATTRIBUTES"));
                assert.ok(names.indexOf("POD_NAMESPACE") < names.indexOf("OTEL_RESOURCE_ATTRIBUTES"));
            });

            it("lets the application reach the tracing namespace on the OTLP/gRPC port 4317 and nothing else there", () => {
                assert.deepStrictEqual(otlpEgress(run), [{ to: [TRACING_PEER], ports: [{ protocol: "TCP", port: 4317 }] }]);
            });

            if (istio) {
                it(`gives Istio an OpenTelemetry tracing provider at Jaeger and samples ${ratio * 100} % of requests mesh-wide`, () => {
                    assert.deepStrictEqual(istiodMeshConfig(run), {
                        enablePrometheusMerge: true,
                        extensionProviders: [{ name: "otel-tracing", opentelemetry: { service: COLLECTOR, port: 4317 } }],
                    });
                    const telemetry = run.mocks.one("kubernetes:telemetry.istio.io/v1:Telemetry");
                    assert.deepStrictEqual(telemetry.inputs.metadata.name, "mesh-default");
                    assert.deepStrictEqual(telemetry.inputs.metadata.namespace, "istio-system");
                    assert.deepStrictEqual(telemetry.inputs.spec, {
                        tracing: [{ providers: [{ name: "otel-tracing" }], randomSamplingPercentage: ratio * 100 }],
                    });
                });
            } else {
                it("has no mesh, so no Telemetry resource (router nginx)", () => {
                    assert.deepStrictEqual(run.mocks.ofType("kubernetes:telemetry.istio.io/v1:Telemetry"), []);
                });
            }
        });
    }

    describe("tracing.enabled: false (staging)", () => {
        let run: ProgramRun;
        before(async () => {
            const tracing = readStackSettings("staging").tracing as Record<string, unknown>;
            run = await runProgram("staging", { overrides: { tracing: { ...tracing, enabled: false } } });
        });

        it("no OTel environment, no OTLP egress, no tracing provider and no Telemetry resource", () => {
            for (const env of appEnvironments(run))
                assert.deepStrictEqual(
                    Object.keys(env).filter((k) => k.startsWith("OTEL_")),
                    [],
                );
            assert.deepStrictEqual(otlpEgress(run), []);
            assert.deepStrictEqual(istiodMeshConfig(run), { enablePrometheusMerge: true });
            assert.deepStrictEqual(run.mocks.ofType("kubernetes:telemetry.istio.io/v1:Telemetry"), []);
            assert.deepStrictEqual(
                run.mocks.ofType("kubernetes:helm.sh/v3:Release").filter((r) => r.name === "tracing-jaeger"),
                [],
            );
        });
    });
});
