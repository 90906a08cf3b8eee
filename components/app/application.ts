import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AppConfig } from "../../config/app";
import { candidateReplicas, Stage, stageWeights } from "../../rollout/stages";
import { irsaAssumeRolePolicy } from "../aws/iamDocuments";
import { MONITORING_NAMESPACE } from "../kubernetes/platformNamespaces";
import {
    cidrPeers,
    DNS_EGRESS,
    EgressRule,
    namespacePeer,
    NetworkPolicyPeer,
    OPEN_EGRESS_REASON_ANNOTATION,
    tcp,
} from "../kubernetes/networkPeers";
import type { Router } from "../traffic/router";
import { ROUTERS } from "../traffic/routers";
import { APP_NAME, componentType, LABEL_DOMAIN, STAGE_LABEL, WEIGHT_LABEL } from "../../identity";
import { StoreLocation } from "../data/dataStoreNetwork";
import { AwsApiRoute, CacheConnection, DatabaseConnection, DatabaseCredentials } from "./connections";
import {
    AppTracing,
    imageRepositoryOf,
    PodContext,
    podLabels,
    podTemplate,
    selectorLabels,
    SERVICE_SELECTOR,
    taskPodTemplate,
    Track,
} from "./podSpec";

export interface ApplicationArgs {
    app: AppConfig;
    namespace: pulumi.Input<string>;
    /** Image repository without tag; default imageRepositoryOf(app.image), i.e. without the stack's ECR repository. */
    imageRepository?: pulumi.Input<string>;
    /** Required when the database credentials come from Secrets Manager. */
    awsApis?: AwsApiRoute;
    /** The rollout stage this update converges to (replica counts, candidate present or not). */
    stage: Pick<Stage, "name" | "weight" | "candidatePresent" | "canaryReplicas" | "greenReplicas" | "blueReplicas">;
    stableVersion: string;
    /** Required when the stage runs a candidate. */
    candidateVersion?: string;
    database: DatabaseConnection;
    cache: CacheConnection;
    /** The router the service's traffic enters through: what its pods must reach for it, and where they are scraped. */
    router: Router;
    /** Namespaces whose pods send user traffic to the service (the ingress controller or mesh gateway). */
    ingressNamespaces: pulumi.Input<string[]>;
    /** The trace collector (OTel environment, NetworkPolicy egress); none when tracing is off. */
    tracing?: AppTracing & { namespace: string };
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

/**
 * The await condition (pulumi.com/waitFor) that holds an update until a track has at least `floor` ready
 * pods, set on the track's PodDisruptionBudget: the budget's status counts the track's healthy (ready)
 * pods, and its annotation changes whenever the floor does, so every floor change is awaited. The
 * Deployment keeps the provider's own await (its rollout complete), which a custom condition would replace;
 * that await only covers the replicas the Deployment holds when applied, and the autoscaler raises them
 * afterwards. The expression holds no "=" (the provider reads the text after one as an expected value).
 */
export function floorAwait(floor: number): Record<string, string> {
    if (!Number.isInteger(floor) || floor < 1) throw new Error(`a track's replica floor must be a positive integer; got ${floor}`);
    return { [WAIT_FOR_ANNOTATION]: `jsonpath={[?@.currentHealthy > ${floor - 1}]}` };
}

/** The Kubernetes provider's custom await annotation. */
export const WAIT_FOR_ANNOTATION = "pulumi.com/waitFor";

/** A track's autoscaler: CPU and memory targets, seed 000's behaviour, the stage's floor, the application's ceiling. */
export function hpaSpec(
    deploymentName: string,
    minReplicas: number,
    autoscaling: AppConfig["autoscaling"],
): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
    const utilization = (resource: "cpu" | "memory", averageUtilization: number) => ({
        type: "Resource",
        resource: { name: resource, target: { type: "Utilization", averageUtilization } },
    });
    return {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
        minReplicas,
        maxReplicas: autoscaling.maxReplicas,
        metrics: [utilization("cpu", autoscaling.targetCpuPercent), utilization("memory", autoscaling.targetMemoryPercent)],
        behavior: HPA_BEHAVIOR,
    };
}

function peersOf(network: StoreLocation): NetworkPolicyPeer[] {
    return "cidrs" in network ? cidrPeers(network.cidrs) : [namespacePeer(network.namespace)];
}

/** True for a CIDR block that spans every address (a /0). */
export function isOpenCidr(cidr: string): boolean {
    return cidr.endsWith("/0");
}

/**
 * The Claude Enhancer service (docs/architecture.md): a stable (blue) Deployment and, during a rollout, a
 * candidate Deployment (the canary, later green), with their Services, autoscalers, disruption
 * budgets, NetworkPolicy and credentials Secret. Each track's autoscaler has the stage's size as its
 * floor, and the update waits until that many pods of the track are ready (floorAwait, on its budget).
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
    /** Each track's autoscaler floor in this stage (0: no candidate). */
    readonly replicas: { stableMin: number; candidate: number };

    private readonly args: ApplicationArgs;
    /** What the pod templates are built from. */
    private readonly podContext: PodContext;

    constructor(name: string, args: ApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("app", "Application"), name, {}, opts);
        this.args = args;
        const { app, stage } = args;
        const candidatePresent = stage.candidatePresent;
        if (candidatePresent && !args.candidateVersion)
            throw new Error(`stage ${stage.name} runs a candidate but no candidateVersion was given`);
        const common = {
            "app.kubernetes.io/name": APP_NAME,
            "app.kubernetes.io/part-of": APP_NAME,
            "app.kubernetes.io/managed-by": "pulumi",
        };
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
        this.podContext = {
            app,
            imageRepository: args.imageRepository ?? imageRepositoryOf(app.image),
            database: args.database,
            cache: args.cache,
            serviceAccountName: this.serviceAccountName,
            credentialsSecretName: this.credentialsSecretName,
            tracing: args.tracing,
        };

        const service = (resourceName: string, serviceName: string, selector: Record<string, string>, description: string) =>
            new k8s.core.v1.Service(
                resourceName,
                {
                    metadata: {
                        name: serviceName,
                        namespace: args.namespace,
                        labels: common,
                        annotations: { [`${LABEL_DOMAIN}/description`]: description },
                    },
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
        service(
            `${name}-candidate-service`,
            `${APP_NAME}-candidate`,
            selectorLabels("candidate"),
            "candidate track only (nginx canary Ingress)",
        );
        this.services = { main: APP_NAME, stable: `${APP_NAME}-stable`, candidate: `${APP_NAME}-candidate`, port: app.servicePort };

        this.networkPolicy(name, common);

        // Each track is sized by its autoscaler (no replicas here: an update must never reset what the autoscaler
        // set, and a field Pulumi stops applying would fall back to 1). The track's budget waits for the stage's floor.
        const deployment = (track: Track, version: string) =>
            new k8s.apps.v1.Deployment(
                `${name}-${track}`,
                {
                    metadata: {
                        name: `${APP_NAME}-${track}`,
                        namespace: args.namespace,
                        // Stage and weight on the Deployment only (not the pod template): a stage change restarts no pod.
                        labels: {
                            ...podLabels(track, version),
                            [STAGE_LABEL]: stage.name,
                            [WEIGHT_LABEL]: String(stageWeights(stage)[track]),
                        },
                    },
                    spec: {
                        selector: { matchLabels: selectorLabels(track) },
                        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
                        template: podTemplate(this.podContext, track, version),
                    },
                },
                { parent: this },
            );
        // Not dependent on the Deployment (a literal target name): it scales the Deployment from its creation.
        const autoscaler = (track: Track, minReplicas: number) =>
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${name}-${track}`,
                {
                    metadata: { name: `${APP_NAME}-${track}`, namespace: args.namespace, labels: common },
                    spec: hpaSpec(`${APP_NAME}-${track}`, minReplicas, app.autoscaling),
                },
                { parent: this },
            );

        // In full-switch blue's floor is green's size: the hot standby a rollback lands on, waited for like green.
        this.stableDeployment = deployment("stable", args.stableVersion);
        autoscaler("stable", stage.blueReplicas);
        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-stable`,
            {
                metadata: {
                    name: `${APP_NAME}-stable`,
                    namespace: args.namespace,
                    labels: common,
                    annotations: floorAwait(stage.blueReplicas),
                },
                spec: {
                    minAvailable: app.pdbMinAvailable,
                    selector: { matchLabels: selectorLabels("stable") },
                    // A crash-looping pod is not "available" anyway; it must not block node drains.
                    unhealthyPodEvictionPolicy: "AlwaysAllow",
                },
            },
            { parent: this },
        );

        const candidateCount = candidateReplicas(stage);
        this.replicas = { stableMin: stage.blueReplicas, candidate: candidatePresent ? candidateCount : 0 };
        if (candidatePresent) {
            if (candidateCount < 1) throw new Error(`stage ${stage.name} runs a candidate but sizes it at ${candidateCount} replicas`);
            // The canary's fixed count or green's full size is its autoscaler's floor; traffic moves once that many are ready.
            this.candidateDeployment = deployment("candidate", args.candidateVersion!);
            autoscaler("candidate", candidateCount);
            // Not minAvailable: with a 1-replica canary any minAvailable >= 1 forbids every eviction and
            // hangs node drains. maxUnavailable 1 lets drains proceed one candidate pod at a time.
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-candidate`,
                {
                    metadata: {
                        name: `${APP_NAME}-candidate`,
                        namespace: args.namespace,
                        labels: common,
                        annotations: floorAwait(candidateCount),
                    },
                    spec: {
                        maxUnavailable: 1,
                        selector: { matchLabels: selectorLabels("candidate") },
                        unhealthyPodEvictionPolicy: "AlwaysAllow",
                    },
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
                            {
                                Effect: "Allow",
                                Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                                Resource: secretArn,
                            },
                            ...(keyArn ? [{ Effect: "Allow", Action: "kms:Decrypt", Resource: keyArn }] : []),
                        ],
                    }),
                ),
            },
            { parent: this },
        );
        return role;
    }

    /**
     * A run-to-completion pod with the service's image, environment and hardening, for one-off tasks
     * such as the schema migration (see taskPodTemplate).
     */
    taskPodTemplate(version: string, command: string[], extraLabels: Record<string, string>): k8s.types.input.core.v1.PodTemplateSpec {
        return taskPodTemplate(this.podContext, version, command, extraLabels);
    }

    /**
     * Ingress only from the ingress controller / mesh gateway, on the service port, and from monitoring,
     * on it and the port the router has the metrics scraped on. Egress only to what the service reaches
     * (docs/image-and-network.md): PostgreSQL and Redis where they run, the cluster DNS pods, the router's
     * control plane (istiod: a sidecar cannot run without it), the trace collector's OTLP port, the AWS
     * APIs (through the VPC endpoints) when the database credentials come from Secrets Manager, and the
     * stack's documented `app.egress.exceptions`. A rule open to any address carries its reason in the
     * OPEN_EGRESS_REASON_ANNOTATION.
     * It selects every pod of the service: both tracks and the migration Job.
     */
    private networkPolicy(name: string, labels: Record<string, string>): void {
        const { app, database, cache, router, awsApis } = this.args;
        const { live, workloadEgress } = ROUTERS[router];
        const metricsPort = live.metricsEndpoint(app.containerPort).port;
        const egress: EgressRule[] = [
            { to: peersOf(database.network), ports: [tcp(database.port)] },
            { to: peersOf(cache.network), ports: [tcp(cache.port)] },
            DNS_EGRESS,
        ];
        const openReasons: string[] = [];
        if (database.credentials.kind === "secretsManager") {
            if (!awsApis)
                throw new Error("the database credentials come from Secrets Manager but no route to the AWS APIs (awsApis) was given");
            if (awsApis.kind === "endpoints") egress.push({ to: cidrPeers(awsApis.cidrs), ports: [tcp(443)] });
            else {
                egress.push({ to: cidrPeers(["0.0.0.0/0"]), ports: [tcp(443)] });
                openReasons.push(`aws-apis: ${awsApis.reason}`);
            }
        }
        for (const peer of workloadEgress) egress.push({ to: [namespacePeer(peer.namespace)], ports: [tcp(peer.port)] });
        // Spans, from the SDK and (with Istio) the sidecar, to the collector's OTLP/gRPC port and nothing else there.
        if (this.args.tracing) egress.push({ to: [namespacePeer(this.args.tracing.namespace)], ports: [tcp(this.args.tracing.port)] });
        for (const exception of app.egress.exceptions) {
            egress.push({ to: cidrPeers(exception.cidrs), ports: exception.ports.map(tcp) });
            if (exception.cidrs.some(isOpenCidr)) openReasons.push(`${exception.name}: ${exception.reason}`);
        }
        const annotations = openReasons.length > 0 ? { [OPEN_EGRESS_REASON_ANNOTATION]: openReasons.join("; ") } : undefined;
        new k8s.networking.v1.NetworkPolicy(
            `${name}-network-policy`,
            {
                metadata: { name: APP_NAME, namespace: this.args.namespace, labels, annotations },
                spec: {
                    podSelector: { matchLabels: { "app.kubernetes.io/name": APP_NAME } },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [
                        {
                            from: pulumi.output(this.args.ingressNamespaces).apply((names) => names.map((ns) => namespacePeer(ns))),
                            ports: [tcp(app.containerPort)],
                        },
                        // With a sidecar, Prometheus scrapes the sidecar's merged metrics port instead of the app's.
                        { from: [namespacePeer(MONITORING_NAMESPACE)], ports: [...new Set([app.containerPort, metricsPort])].map(tcp) },
                    ],
                    egress,
                },
            },
            { parent: this },
        );
    }
}
