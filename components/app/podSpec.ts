import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AppConfig, PUBLIC_IMAGE_REPOSITORY } from "../../config/app";
import { APP_NAME, TRACK_LABEL } from "../../identity";
import type { CacheConnection, DatabaseConnection } from "./connections";

/**
 * The service's pods as plain data: labels, hardening, probes, environment and the pod templates of
 * the two tracks and of one-off tasks. Pure functions of the stack config and the connections.
 */

/** Pod label telling the two Deployments apart; part of each Deployment's (immutable) selector. */
export type Track = "stable" | "candidate";
/** Container name, also the pod's default container. */
const CONTAINER = APP_NAME;

/** What a pod template is built from. */
export interface PodContext {
    app: AppConfig;
    /** Registry and repository of the service's image, without tag (see imageRepositoryOf). */
    imageRepository: pulumi.Input<string>;
    database: DatabaseConnection;
    cache: CacheConnection;
    serviceAccountName: pulumi.Input<string>;
    /** Secret holding the passwords the environment refers to. */
    credentialsSecretName: pulumi.Input<string>;
    /** Where the OpenTelemetry SDK sends spans; no OTel environment when tracing is off. */
    tracing?: AppTracing;
}

/** The application's view of tracing: the collector's OTLP/gRPC endpoint, the sampling ratio, the stack. */
export interface AppTracing {
    host: string;
    port: number;
    samplingRatio: number;
    /** Stack name, the `deployment.environment` resource attribute. */
    environment: string;
}

/**
 * The OpenTelemetry SDK's standard environment (read by opentelemetry-python's auto-instrumentation):
 * spans over OTLP/gRPC to the collector, metrics and logs not exported this way (Prometheus scrapes
 * /metrics, Fluent Bit ships stdout). Sampling is parent-based, so a request the mesh sampled at the
 * gateway stays sampled through the service (W3C traceparent, the header Envoy's OpenTelemetry tracer
 * writes), and a trace the service starts itself is sampled at the same ratio.
 */
export function otelEnvironment(tracing: AppTracing, track: Track | "migration", version: string): k8s.types.input.core.v1.EnvVar[] {
    // Resource attribute values are percent-encoded (OTel spec), so a version with ',' or '=' cannot split the list.
    const attributes = [
        `service.version=${encodeURIComponent(version)}`,
        `deployment.environment=${encodeURIComponent(tracing.environment)}`,
        `${APP_NAME}.track=${track}`,
        // Kubernetes expands $(VAR) from variables defined earlier in the list (POD_NAME, POD_NAMESPACE).
        "k8s.pod.name=$(POD_NAME)",
        "k8s.namespace.name=$(POD_NAMESPACE)",
    ];
    return [
        { name: "OTEL_SERVICE_NAME", value: APP_NAME },
        { name: "OTEL_RESOURCE_ATTRIBUTES", value: attributes.join(",") },
        { name: "OTEL_TRACES_EXPORTER", value: "otlp" },
        { name: "OTEL_METRICS_EXPORTER", value: "none" },
        { name: "OTEL_LOGS_EXPORTER", value: "none" },
        { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: `http://${tracing.host}:${tracing.port}` },
        { name: "OTEL_EXPORTER_OTLP_PROTOCOL", value: "grpc" },
        { name: "OTEL_TRACES_SAMPLER", value: "parentbased_traceidratio" },
        { name: "OTEL_TRACES_SAMPLER_ARG", value: String(tracing.samplingRatio) },
        { name: "OTEL_PROPAGATORS", value: "tracecontext,baggage" },
    ];
}

/**
 * Where the service's image comes from: `app.image.repository` when the stack sets it, else the
 * stack's own ECR repository (AWS stacks), else the public release image.
 */
export function imageRepositoryOf(image: AppConfig["image"], ecrRepositoryUrl?: pulumi.Input<string>): pulumi.Input<string> {
    return image.repository ?? ecrRepositoryUrl ?? PUBLIC_IMAGE_REPOSITORY;
}

/** The image of one version: repository and the version as its tag (a plain string when the repository is one). */
export function imageReference(repository: pulumi.Input<string>, version: string): pulumi.Input<string> {
    return typeof repository === "string" ? `${repository}:${version}` : pulumi.interpolate`${repository}:${version}`;
}

/** A version string as a label value: at most 63 characters of [A-Za-z0-9._-], alphanumeric at both ends. */
export function versionLabel(version: string): string {
    const cleaned = version
        .replace(/[^A-Za-z0-9._-]/g, "-")
        .slice(0, 63)
        .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
    if (cleaned === "") throw new Error(`version "${version}" has no characters usable in a label value`);
    return cleaned;
}

/** A string as a DNS-1123 label (object names): lowercase alphanumerics and '-', at most `max` characters. */
export function dnsLabel(text: string, max = 63): string {
    return text
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-+/g, "-")
        .slice(0, max)
        .replace(/^-+|-+$/g, "");
}

/** Selects the service's pods of both tracks (the main Service; the mesh's authorization policy). */
export const SERVICE_SELECTOR: Readonly<Record<string, string>> = {
    "app.kubernetes.io/name": APP_NAME,
    "app.kubernetes.io/component": "api",
};

/** The labels a track's Deployment selects on; they never change, so no stage ever needs to replace a Deployment. */
export function selectorLabels(track: Track): Record<string, string> {
    return { ...SERVICE_SELECTOR, [TRACK_LABEL]: track };
}

/** Recommended labels plus `version` (what Prometheus and Istio telemetry group by). */
export function podLabels(track: Track, version: string): Record<string, string> {
    const v = versionLabel(version);
    return {
        ...selectorLabels(track),
        "app.kubernetes.io/version": v,
        "app.kubernetes.io/part-of": APP_NAME,
        "app.kubernetes.io/managed-by": "pulumi",
        version: v,
    };
}

/** Pod-level security context (Pod Security "restricted"; docs/architecture.md, App). */
export const POD_SECURITY_CONTEXT = {
    runAsNonRoot: true,
    runAsUser: 65532,
    runAsGroup: 65532,
    fsGroup: 65532,
    seccompProfile: { type: "RuntimeDefault" },
};

/** Container-level security context (docs/architecture.md, App). */
export const CONTAINER_SECURITY_CONTEXT = {
    runAsNonRoot: true,
    runAsUser: 65532,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/** Writable scratch space; the root filesystem is read-only. */
const VOLUMES = [
    { name: "tmp", emptyDir: { sizeLimit: "100Mi" } },
    { name: "cache", emptyDir: { sizeLimit: "200Mi" } },
];
const VOLUME_MOUNTS = [
    { name: "tmp", mountPath: "/tmp" },
    { name: "cache", mountPath: "/app/cache" },
];

/** Probes of seed 002: startup gates the other two, readiness takes a pod out of rotation, liveness restarts it. */
export function probes(port: number): Record<"startupProbe" | "readinessProbe" | "livenessProbe", Record<string, unknown>> {
    const get = (path: string) => ({ path, port, httpHeaders: [{ name: "X-Health-Check", value: "kubernetes" }] });
    return {
        startupProbe: {
            httpGet: get("/health/startup"),
            initialDelaySeconds: 30,
            periodSeconds: 10,
            timeoutSeconds: 10,
            failureThreshold: 10,
        },
        readinessProbe: {
            httpGet: get("/health/ready"),
            initialDelaySeconds: 10,
            periodSeconds: 10,
            timeoutSeconds: 5,
            failureThreshold: 2,
        },
        livenessProbe: {
            httpGet: get("/health/live"),
            initialDelaySeconds: 60,
            periodSeconds: 30,
            timeoutSeconds: 10,
            failureThreshold: 3,
        },
    };
}

/** Environment of the service's container: versions, data-store endpoints, credentials by reference only. */
export function containerEnvironment(ctx: PodContext, track: Track | "migration", version: string): k8s.types.input.core.v1.EnvVar[] {
    const { database, cache, app } = ctx;
    const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: ctx.credentialsSecretName, key } } });
    const credentials = database.credentials;
    const env: k8s.types.input.core.v1.EnvVar[] = [
        { name: "APP_VERSION", value: version },
        { name: "APP_TRACK", value: track },
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: "DATABASE_HOST", value: database.host },
        // Read-only queries may go to the read replica; without one this is the primary (docs/image-and-network.md).
        { name: "DATABASE_READ_HOST", value: database.readHost ?? database.host },
        { name: "DATABASE_PORT", value: pulumi.output(database.port).apply(String) },
        { name: "DATABASE_NAME", value: database.name },
        { name: "DATABASE_SSLMODE", value: database.tls ? "require" : "prefer" },
        { name: "DATABASE_USER", value: credentials.username },
        credentials.kind === "password"
            ? fromSecret("DATABASE_PASSWORD", "DATABASE_PASSWORD")
            : { name: "DATABASE_CREDENTIALS_SECRET_ARN", value: credentials.secretArn },
        { name: "REDIS_HOST", value: cache.host },
        { name: "REDIS_PORT", value: pulumi.output(cache.port).apply(String) },
        { name: "REDIS_TLS", value: cache.tls ? "true" : "false" },
    ];
    if (cache.authToken !== undefined) env.push(fromSecret("REDIS_PASSWORD", "REDIS_PASSWORD"));
    if (ctx.tracing) env.push(...otelEnvironment(ctx.tracing, track, version));
    for (const [name, value] of Object.entries(app.env)) env.push({ name, value });
    return env;
}

/** The pod a track runs: hardened, probed, sized (docs/architecture.md, App), spread over nodes and zones, scraped by Prometheus. */
export function podTemplate(ctx: PodContext, track: Track, version: string): k8s.types.input.core.v1.PodTemplateSpec {
    const { app } = ctx;
    const labels = podLabels(track, version);
    return {
        metadata: {
            labels,
            annotations: {
                "prometheus.io/scrape": "true",
                "prometheus.io/port": String(app.containerPort),
                "prometheus.io/path": "/metrics",
                "kubectl.kubernetes.io/default-container": CONTAINER,
            },
        },
        spec: {
            serviceAccountName: ctx.serviceAccountName,
            automountServiceAccountToken: false,
            securityContext: POD_SECURITY_CONTEXT,
            terminationGracePeriodSeconds: app.terminationGracePeriodSeconds,
            affinity: {
                podAntiAffinity: {
                    preferredDuringSchedulingIgnoredDuringExecution: [
                        {
                            weight: 100,
                            podAffinityTerm: {
                                labelSelector: { matchLabels: selectorLabels(track) },
                                topologyKey: "kubernetes.io/hostname",
                            },
                        },
                    ],
                },
            },
            topologySpreadConstraints: [
                {
                    maxSkew: 1,
                    topologyKey: "topology.kubernetes.io/zone",
                    whenUnsatisfiable: "ScheduleAnyway",
                    labelSelector: { matchLabels: selectorLabels(track) },
                },
            ],
            containers: [
                {
                    name: CONTAINER,
                    image: imageReference(ctx.imageRepository, version),
                    imagePullPolicy: app.image.pullPolicy,
                    ports: [{ name: "http", containerPort: app.containerPort, protocol: "TCP" }],
                    env: containerEnvironment(ctx, track, version),
                    resources: { requests: { ...app.resources.requests }, limits: { ...app.resources.limits } },
                    securityContext: CONTAINER_SECURITY_CONTEXT,
                    ...probes(app.containerPort),
                    volumeMounts: VOLUME_MOUNTS,
                },
            ],
            volumes: VOLUMES,
        },
    };
}

/**
 * A run-to-completion pod with the service's image, environment and hardening, for one-off tasks
 * such as the schema migration. Outside the mesh: an injected sidecar would never exit, and the
 * data stores are not in the mesh either.
 */
export function taskPodTemplate(
    ctx: PodContext,
    version: string,
    command: string[],
    extraLabels: Record<string, string>,
): k8s.types.input.core.v1.PodTemplateSpec {
    const { app } = ctx;
    return {
        metadata: {
            labels: {
                "app.kubernetes.io/name": APP_NAME,
                "app.kubernetes.io/part-of": APP_NAME,
                "app.kubernetes.io/managed-by": "pulumi",
                "app.kubernetes.io/version": versionLabel(version),
                version: versionLabel(version),
                ...extraLabels,
            },
            annotations: { "sidecar.istio.io/inject": "false" },
        },
        spec: {
            serviceAccountName: ctx.serviceAccountName,
            automountServiceAccountToken: false,
            securityContext: POD_SECURITY_CONTEXT,
            restartPolicy: "Never",
            containers: [
                {
                    name: CONTAINER,
                    image: imageReference(ctx.imageRepository, version),
                    imagePullPolicy: app.image.pullPolicy,
                    command,
                    env: containerEnvironment(ctx, "migration", version),
                    resources: { requests: { ...app.resources.requests }, limits: { ...app.resources.limits } },
                    securityContext: CONTAINER_SECURITY_CONTEXT,
                    volumeMounts: VOLUME_MOUNTS,
                },
            ],
            volumes: VOLUMES,
        },
    };
}
