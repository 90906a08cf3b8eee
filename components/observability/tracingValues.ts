import type { TracingConfig } from "../../config/observability";

export const JAEGER_REPO = "https://jaegertracing.github.io/helm-charts";
export const JAEGER_RELEASE = "jaeger";
/** Where the Badger volume is mounted in the Jaeger pod. */
export const BADGER_MOUNT = "/badger";
/** The image's user (jaegertracing/jaeger runs as 10001). */
export const JAEGER_UID = 10001;

/** Pod Security "restricted": non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp. */
export const RESTRICTED_POD_SECURITY_CONTEXT = {
    runAsNonRoot: true,
    runAsUser: JAEGER_UID,
    runAsGroup: JAEGER_UID,
    fsGroup: JAEGER_UID,
    seccompProfile: { type: "RuntimeDefault" },
};
export const RESTRICTED_CONTAINER_SECURITY_CONTEXT = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
};

/**
 * Jaeger v2 configuration (an OpenTelemetry Collector distribution): OTLP in, Badger on a persistent
 * volume as the trace store, spans expiring after the stack's retention. Every endpoint listens on
 * all interfaces: Jaeger's defaults bind to localhost, which a Service and the kubelet cannot reach.
 */
export function jaegerConfig(tracing: Pick<TracingConfig, "retentionHours">): Record<string, unknown> {
    const any = (port: number) => ({ endpoint: `0.0.0.0:${port}` });
    return {
        service: {
            extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
            pipelines: { traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] } },
            telemetry: {
                metrics: { level: "detailed", readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: 8888 } } } }] },
            },
        },
        extensions: {
            healthcheckv2: { use_v2: true, http: any(13133) },
            jaeger_query: { storage: { traces: "badger_store" }, http: any(16686), grpc: any(16685) },
            jaeger_storage: {
                backends: {
                    badger_store: {
                        badger: {
                            directories: { keys: `${BADGER_MOUNT}/keys`, values: `${BADGER_MOUNT}/values` },
                            ephemeral: false,
                            ttl: { spans: `${tracing.retentionHours}h` },
                        },
                    },
                },
            },
        },
        receivers: { otlp: { protocols: { grpc: any(4317), http: any(4318) } } },
        processors: { batch: {} },
        exporters: { jaeger_storage_exporter: { trace_storage: "badger_store" } },
    };
}

export function jaegerValues(tracing: TracingConfig, badgerClaimName: string): Record<string, unknown> {
    return {
        userconfig: jaegerConfig(tracing),
        jaeger: {
            // Badger is an embedded store: one writer per volume.
            replicas: 1,
            resources: { requests: { ...tracing.requests } },
            serviceAccount: { automountServiceAccountToken: false },
            podSecurityContext: RESTRICTED_POD_SECURITY_CONTEXT,
            securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
            extraVolumes: [{ name: "badger-data", persistentVolumeClaim: { claimName: badgerClaimName } }],
            extraVolumeMounts: [{ name: "badger-data", mountPath: BADGER_MOUNT }],
        },
    };
}
