import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AppConfig } from "../../config/app";
import { Stage } from "../../rollout/stages";
import { irsaAssumeRolePolicy } from "../aws/iamDocuments";
import { MONITORING_NAMESPACE } from "../kubernetes/platformNamespaces";
import type { Router } from "../traffic/router";
import { APP_NAME, componentType, LABEL_DOMAIN, TRACK_LABEL } from "../../identity";

/** Pod label telling the two Deployments apart; part of each Deployment's (immutable) selector. */
export type Track = "stable" | "candidate";
/** Container name, also the pod's default container. */
const CONTAINER = APP_NAME;
/** istiod's xDS and certificate port: sidecars must reach it or they never become ready. */
const ISTIOD_XDS_PORT = 15012;
/** Where istio-proxy serves the merged (application + Envoy) Prometheus metrics. */
const ISTIO_MERGED_METRICS_PORT = 15020;

/** Where a data store runs, for the NetworkPolicy's egress rule. */
export type StoreLocation = { namespace: pulumi.Input<string> } | { cidrs: string[] };

/** How the service gets the database password. */
export type DatabaseCredentials =
    /** A Pulumi secret, handed to the pods in a Kubernetes Secret (the in-cluster database). */
    | { kind: "password"; username: pulumi.Input<string>; password: pulumi.Input<string> }
    /**
     * A Secrets Manager secret the pods read at run time through IRSA (RDS-managed master password):
     * RDS rotates it, so a copy taken at deployment would stop working after the first rotation.
     */
    | {
          kind: "secretsManager";
          username: pulumi.Input<string>;
          secretArn: pulumi.Input<string>;
          /** Key encrypting the secret, when it is a customer-managed one. */
          kmsKeyArn?: pulumi.Input<string>;
          /** The cluster's OIDC provider and its issuer without https://. */
          irsa: { oidcProviderArn: pulumi.Input<string>; issuerHostPath: pulumi.Input<string> };
      };

export interface DatabaseConnection {
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    name: pulumi.Input<string>;
    credentials: DatabaseCredentials;
    /** Server requires TLS (RDS with rds.force_ssl=1). */
    tls: boolean;
    network: StoreLocation;
}

export interface CacheConnection {
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    /** AUTH token (a Pulumi secret), when the cache requires one. */
    authToken?: pulumi.Input<string>;
    tls: boolean;
    network: StoreLocation;
}

export interface ApplicationArgs {
    app: AppConfig;
    namespace: pulumi.Input<string>;
    /** The rollout stage this update converges to (replica counts, candidate present or not). */
    stage: Pick<Stage, "name" | "candidatePresent" | "canaryReplicas" | "greenReplicas" | "blueReplicas">;
    stableVersion: string;
    /** Required when the stage runs a candidate. */
    candidateVersion?: string;
    database: DatabaseConnection;
    cache: CacheConnection;
    router: Router;
    /** Namespaces whose pods send user traffic to the service (the ingress controller or mesh gateway). */
    ingressNamespaces: pulumi.Input<string[]>;
    /** Namespace of istiod (router "istio"). */
    istioNamespace?: string;
}

/** A version string as a label value: at most 63 characters of [A-Za-z0-9._-], alphanumeric at both ends. */
export function versionLabel(version: string): string {
    const cleaned = version.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
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
export const SERVICE_SELECTOR: Readonly<Record<string, string>> = { "app.kubernetes.io/name": APP_NAME, "app.kubernetes.io/component": "api" };

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

/** Pod-level security context of SPEC §3 (Pod Security "restricted"). */
export const POD_SECURITY_CONTEXT = {
    runAsNonRoot: true,
    runAsUser: 65532,
    runAsGroup: 65532,
    fsGroup: 65532,
    seccompProfile: { type: "RuntimeDefault" },
};

/** Container-level security context of SPEC §3. */
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
        startupProbe: { httpGet: get("/health/startup"), initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 10 },
        readinessProbe: { httpGet: get("/health/ready"), initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 2 },
        livenessProbe: { httpGet: get("/health/live"), initialDelaySeconds: 60, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3 },
    };
}

/** Seed 000's autoscaling behaviour: scale up fast (50 % or 2 pods), down slowly (10 %/min after 5 min). */
export const HPA_BEHAVIOR = {
    scaleUp: {
        stabilizationWindowSeconds: 60,
        policies: [
            { type: "Percent", value: 50, periodSeconds: 30 },
            { type: "Pods", value: 2, periodSeconds: 60 },
        ],
        selectPolicy: "Max",
    },
    scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Percent", value: 10, periodSeconds: 60 }] },
};

function peersOf(network: StoreLocation): k8s.types.input.networking.v1.NetworkPolicyPeer[] {
    if ("cidrs" in network) return network.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
    return [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": network.namespace } } }];
}

function namespacePeer(name: string): k8s.types.input.networking.v1.NetworkPolicyPeer {
    return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } };
}

/**
 * The Claude Enhancer service (SPEC §3): a stable (blue) Deployment and, during a rollout, a
 * candidate Deployment (the canary, later green), with their Services, autoscaler, disruption
 * budgets, NetworkPolicy and credentials Secret.
 *
 * Outside a rollout (stages stable and rollback) the candidate Deployment and its budget are not
 * declared, so Pulumi deletes them at the end of the update — after the traffic split has moved
 * every request to the stable track.
 */
export class Application extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly services: { main: string; stable: string; candidate: string; port: number };
    readonly stableDeployment: k8s.apps.v1.Deployment;
    readonly candidateDeployment?: k8s.apps.v1.Deployment;
    readonly credentialsSecretName: pulumi.Output<string>;
    readonly serviceAccountName: pulumi.Output<string>;
    /** Replicas per track this stage runs ("autoscaled" floor for stable). */
    readonly replicas: { stableMin: number; candidate: number };

    private readonly args: ApplicationArgs;

    constructor(name: string, args: ApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("app", "Application"), name, {}, opts);
        this.args = args;
        const { app, stage } = args;
        const candidatePresent = stage.candidatePresent;
        if (candidatePresent && !args.candidateVersion) throw new Error(`stage ${stage.name} runs a candidate but no candidateVersion was given`);
        const common = { "app.kubernetes.io/name": APP_NAME, "app.kubernetes.io/part-of": APP_NAME, "app.kubernetes.io/managed-by": "pulumi" };
        this.namespace = pulumi.output(args.namespace);

        const credentials = args.database.credentials;
        const role = credentials.kind === "secretsManager" ? this.credentialsReader(name, credentials) : undefined;
        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-service-account`,
            {
                metadata: {
                    name: APP_NAME,
                    namespace: args.namespace,
                    labels: common,
                    annotations: role ? { "eks.amazonaws.com/role-arn": role.arn } : undefined,
                },
                // The service never calls the Kubernetes API (the IRSA webhook mounts its own STS token).
                automountServiceAccountToken: false,
            },
            { parent: this },
        );
        this.serviceAccountName = serviceAccount.metadata.name;

        const stringData: Record<string, pulumi.Input<string>> = {};
        if (credentials.kind === "password") stringData.DATABASE_PASSWORD = credentials.password;
        if (args.cache.authToken !== undefined) stringData.REDIS_PASSWORD = args.cache.authToken;
        const secret = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: { name: `${APP_NAME}-credentials`, namespace: args.namespace, labels: common },
                type: "Opaque",
                stringData: pulumi.secret(stringData),
            },
            { parent: this },
        );
        this.credentialsSecretName = secret.metadata.name;

        const service = (resourceName: string, serviceName: string, selector: Record<string, string>, description: string) =>
            new k8s.core.v1.Service(
                resourceName,
                {
                    metadata: { name: serviceName, namespace: args.namespace, labels: common, annotations: { [`${LABEL_DOMAIN}/description`]: description } },
                    spec: {
                        type: "ClusterIP",
                        selector,
                        ports: [{ name: "http", port: app.servicePort, targetPort: "http", protocol: "TCP", appProtocol: "http" }],
                    },
                },
                { parent: this },
            );
        service(`${name}-service`, APP_NAME, { ...SERVICE_SELECTOR }, "both tracks; Istio splits by subset");
        service(`${name}-stable-service`, `${APP_NAME}-stable`, selectorLabels("stable"), "stable track only (nginx main Ingress)");
        service(`${name}-candidate-service`, `${APP_NAME}-candidate`, selectorLabels("candidate"), "candidate track only (nginx canary Ingress)");
        this.services = { main: APP_NAME, stable: `${APP_NAME}-stable`, candidate: `${APP_NAME}-candidate`, port: app.servicePort };

        this.networkPolicy(name, common);

        const deployment = (track: Track, version: string, replicas: number | undefined) =>
            new k8s.apps.v1.Deployment(
                `${name}-${track}`,
                {
                    metadata: { name: `${APP_NAME}-${track}`, namespace: args.namespace, labels: podLabels(track, version) },
                    spec: {
                        // Stable is sized by its autoscaler (no replicas here, or every update would reset it);
                        // the candidate has a fixed size per stage so Pulumi waits for all of it before traffic moves.
                        replicas,
                        selector: { matchLabels: selectorLabels(track) },
                        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
                        template: this.podTemplate(track, version),
                    },
                },
                { parent: this },
            );

        this.stableDeployment = deployment("stable", args.stableVersion, undefined);
        new k8s.autoscaling.v2.HorizontalPodAutoscaler(
            `${name}-stable`,
            {
                metadata: { name: `${APP_NAME}-stable`, namespace: args.namespace, labels: common },
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: this.stableDeployment.metadata.name },
                    minReplicas: stage.blueReplicas,
                    maxReplicas: app.autoscaling.maxReplicas,
                    metrics: [
                        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: app.autoscaling.targetCpuPercent } } },
                        { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: app.autoscaling.targetMemoryPercent } } },
                    ],
                    behavior: HPA_BEHAVIOR,
                },
            },
            { parent: this },
        );
        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-stable`,
            {
                metadata: { name: `${APP_NAME}-stable`, namespace: args.namespace, labels: common },
                spec: {
                    minAvailable: app.pdbMinAvailable,
                    selector: { matchLabels: selectorLabels("stable") },
                    // A crash-looping pod is not "available" anyway; it must not block node drains.
                    unhealthyPodEvictionPolicy: "AlwaysAllow",
                },
            },
            { parent: this },
        );

        const candidateCount = stage.canaryReplicas + stage.greenReplicas;
        this.replicas = { stableMin: stage.blueReplicas, candidate: candidatePresent ? candidateCount : 0 };
        if (candidatePresent) {
            this.candidateDeployment = deployment("candidate", args.candidateVersion!, candidateCount);
            // Not minAvailable: with a 1-replica canary any minAvailable >= 1 forbids every eviction and
            // hangs node drains. maxUnavailable 1 lets drains proceed one candidate pod at a time.
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-candidate`,
                {
                    metadata: { name: `${APP_NAME}-candidate`, namespace: args.namespace, labels: common },
                    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels("candidate") }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
                },
                { parent: this },
            );
        }

        this.registerOutputs({
            namespace: this.namespace,
            services: this.services,
            credentialsSecretName: this.credentialsSecretName,
            replicas: this.replicas,
        });
    }

    /**
     * The IAM role the pods assume through IRSA to read the database credentials: only this namespace's
     * service account may assume it, and it may only read that one secret (and decrypt it).
     */
    private credentialsReader(name: string, credentials: Extract<DatabaseCredentials, { kind: "secretsManager" }>): aws.iam.Role {
        const role = new aws.iam.Role(
            `${name}-database-credentials-reader`,
            {
                description: "Lets the Claude Enhancer service account read the RDS-managed database credentials",
                assumeRolePolicy: pulumi
                    .all([credentials.irsa.oidcProviderArn, credentials.irsa.issuerHostPath, this.args.namespace])
                    .apply(([arn, issuer, namespace]) => JSON.stringify(irsaAssumeRolePolicy(arn, issuer, namespace, APP_NAME))),
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(
            `${name}-database-credentials-reader`,
            {
                role: role.name,
                policy: pulumi.all([credentials.secretArn, credentials.kmsKeyArn]).apply(([secretArn, keyArn]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            { Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: secretArn },
                            ...(keyArn ? [{ Effect: "Allow", Action: "kms:Decrypt", Resource: keyArn }] : []),
                        ],
                    }),
                ),
            },
            { parent: this },
        );
        return role;
    }

    /** Environment of the service's container: versions, data-store endpoints, credentials by reference only. */
    environment(track: Track | "migration", version: string): k8s.types.input.core.v1.EnvVar[] {
        const { database, cache, app } = this.args;
        const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: this.credentialsSecretName, key } } });
        const credentials = database.credentials;
        const env: k8s.types.input.core.v1.EnvVar[] = [
            { name: "APP_VERSION", value: version },
            { name: "APP_TRACK", value: track },
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
            { name: "DATABASE_HOST", value: database.host },
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
        for (const [name, value] of Object.entries(app.env)) env.push({ name, value });
        return env;
    }

    /** The pod a track runs: hardened, probed, sized per SPEC §3, spread over nodes and zones, scraped by Prometheus. */
    podTemplate(track: Track, version: string): k8s.types.input.core.v1.PodTemplateSpec {
        const { app } = this.args;
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
                serviceAccountName: this.serviceAccountName,
                automountServiceAccountToken: false,
                securityContext: POD_SECURITY_CONTEXT,
                terminationGracePeriodSeconds: app.terminationGracePeriodSeconds,
                affinity: {
                    podAntiAffinity: {
                        preferredDuringSchedulingIgnoredDuringExecution: [
                            {
                                weight: 100,
                                podAffinityTerm: { labelSelector: { matchLabels: selectorLabels(track) }, topologyKey: "kubernetes.io/hostname" },
                            },
                        ],
                    },
                },
                topologySpreadConstraints: [
                    { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selectorLabels(track) } },
                ],
                containers: [
                    {
                        name: CONTAINER,
                        image: `${app.image.repository}:${version}`,
                        imagePullPolicy: app.image.pullPolicy,
                        ports: [{ name: "http", containerPort: app.containerPort, protocol: "TCP" }],
                        env: this.environment(track, version),
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
    taskPodTemplate(version: string, command: string[], extraLabels: Record<string, string>): k8s.types.input.core.v1.PodTemplateSpec {
        const { app } = this.args;
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
                serviceAccountName: this.serviceAccountName,
                automountServiceAccountToken: false,
                securityContext: POD_SECURITY_CONTEXT,
                restartPolicy: "Never",
                containers: [
                    {
                        name: CONTAINER,
                        image: `${app.image.repository}:${version}`,
                        imagePullPolicy: app.image.pullPolicy,
                        command,
                        env: this.environment("migration", version),
                        resources: { requests: { ...app.resources.requests }, limits: { ...app.resources.limits } },
                        securityContext: CONTAINER_SECURITY_CONTEXT,
                        volumeMounts: VOLUME_MOUNTS,
                    },
                ],
                volumes: VOLUMES,
            },
        };
    }

    /**
     * Ingress only from the ingress controller / mesh gateway and from monitoring, on the service
     * port; egress only to PostgreSQL, Redis and DNS, plus istiod (a sidecar cannot run without it) and
 * HTTPS when the database credentials come from Secrets Manager.
     * It selects every pod of the service: both tracks and the migration Job.
     */
    private networkPolicy(name: string, labels: Record<string, string>): void {
        const { app, database, cache, router } = this.args;
        const istio = router === "istio";
        const istioNamespace = this.args.istioNamespace ?? "istio-system";
        const tcp = (port: pulumi.Input<number>) => ({ protocol: "TCP", port });
        const egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[] = [
            { to: peersOf(database.network), ports: [tcp(database.port)] },
            { to: peersOf(cache.network), ports: [tcp(cache.port)] },
            // DNS wherever the cluster resolves it (CoreDNS, or a node-local cache on a link-local address).
            { ports: [{ protocol: "UDP", port: 53 }, tcp(53)] },
        ];
        // Secrets Manager and STS (for the IRSA token exchange) answer on public AWS endpoints.
        if (database.credentials.kind === "secretsManager") egress.push({ ports: [tcp(443)] });
        if (istio) egress.push({ to: [namespacePeer(istioNamespace)], ports: [tcp(ISTIOD_XDS_PORT)] });
        new k8s.networking.v1.NetworkPolicy(
            `${name}-network-policy`,
            {
                metadata: { name: APP_NAME, namespace: this.args.namespace, labels },
                spec: {
                    podSelector: { matchLabels: { "app.kubernetes.io/name": APP_NAME } },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [
                        { from: pulumi.output(this.args.ingressNamespaces).apply((names) => names.map(namespacePeer)), ports: [tcp(app.containerPort)] },
                        // With Istio, Prometheus scrapes the sidecar's merged metrics port instead of the app's.
                        { from: [namespacePeer(MONITORING_NAMESPACE)], ports: istio ? [tcp(app.containerPort), tcp(ISTIO_MERGED_METRICS_PORT)] : [tcp(app.containerPort)] },
                    ],
                    egress,
                },
            },
            { parent: this },
        );
    }
}
