import type { TracingConfig } from "../../config/observability";

export const JAEGER_RELEASE = "jaeger";
/** OTLP receiver ports of the Jaeger Service. */
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;

/** Where and how much the application and the mesh send traces: Jaeger's OTLP/gRPC receiver. */
export interface OtlpTarget {
    /** Namespace of the collector (the NetworkPolicy's egress peer). */
    namespace: string;
    /** The collector Service's cluster-local name. */
    host: string;
    port: number;
    samplingRatio: number;
}

export function otlpTarget(tracing: Pick<TracingConfig, "samplingRatio">, namespace: string): OtlpTarget {
    return {
        namespace,
        host: `${JAEGER_RELEASE}.${namespace}.svc.cluster.local`,
        port: OTLP_GRPC_PORT,
        samplingRatio: tracing.samplingRatio,
    };
}
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
        receivers: { otlp: { protocols: { grpc: any(OTLP_GRPC_PORT), http: any(OTLP_HTTP_PORT) } } },
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
