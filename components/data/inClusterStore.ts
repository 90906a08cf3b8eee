import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APP_NAMESPACE, MONITORING_NAMESPACE } from "../kubernetes/platformNamespaces";
import { EXPORTER_PORT_NAME, EXPORTER_SERVICE_LABEL, StoreExporter } from "../observability/exporters";
import { APP_NAME, componentType } from "../../identity";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;
type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** The non-root user an image is built to run as (files in the image and on the volume belong to it). */
export interface ImageUser {
    uid: number;
    gid: number;
}

/** Pod-level security context meeting Pod Security "restricted"; fsGroup makes the data volume writable by the user. */
export function restrictedPodSecurityContext(user: ImageUser): PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: user.uid,
        runAsGroup: user.gid,
        fsGroup: user.gid,
        // Re-chowning a large volume on every start would delay restarts; only fix ownership when it is wrong.
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Container-level security context meeting Pod Security "restricted", with a read-only root filesystem. */
export function restrictedContainerSecurityContext(user: ImageUser): SecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: user.uid,
        runAsGroup: user.gid,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Labels of a store's pods; the first two are its (immutable) selector. */
export function storeLabels(name: string, component: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": APP_NAME,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

const fromNamespaces = (namespaces: string[]) =>
    namespaces.map((ns) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } }));

/**
 * Who may reach a store: pods of the application namespace, on the store's port only, and with an
 * exporter, Prometheus' namespace on the exporter's port only. The stores open no connections
 * themselves (the exporter talks to the store over the pod's loopback), so all egress is denied.
 */
export function clientsOnlyPolicy(
    selector: Record<string, string>,
    port: number,
    clientNamespaces: string[],
    exporterPort?: number,
): NetworkPolicySpec {
    return {
        podSelector: { matchLabels: selector },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
            { from: fromNamespaces(clientNamespaces), ports: [{ protocol: "TCP", port }] },
            ...(exporterPort === undefined
                ? []
                : [{ from: fromNamespaces([MONITORING_NAMESPACE]), ports: [{ protocol: "TCP", port: exporterPort }] }]),
        ],
        egress: [],
    };
}

/** The exporter sidecar: its own non-root user, the same restricted context, small fixed resources. */
export function exporterContainer(exporter: StoreExporter): Container {
    return {
        name: "exporter",
        image: exporter.image,
        env: exporter.env,
        volumeMounts: exporter.volumeMounts,
        ports: [{ name: EXPORTER_PORT_NAME, containerPort: exporter.port, protocol: "TCP" }],
        securityContext: restrictedContainerSecurityContext(exporter.user),
        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
        // The listener only: the exporter serves (reporting *_up 0) while the store is down, so a store outage
        // never unreadies the pod through its exporter.
        readinessProbe: { tcpSocket: { port: EXPORTER_PORT_NAME }, periodSeconds: 10, timeoutSeconds: 3 },
        livenessProbe: { tcpSocket: { port: EXPORTER_PORT_NAME }, initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 3 },
    };
}

/** Name of the Secret of the store named `name` (containers refer to it before it exists). */
export function storeSecretName(name: string): string {
    return `${name}-auth`;
}

export interface InClusterStoreArgs {
    namespace: pulumi.Input<string>;
    /** Name of the Service, StatefulSet, Secret and NetworkPolicy, and the app.kubernetes.io/name label. */
    name: string;
    /** app.kubernetes.io/component, e.g. "database". */
    component: string;
    user: ImageUser;
    port: number;
    storageGb: number;
    /** Where the data volume is mounted in the container. */
    dataPath: string;
    /** Contents of the store's Secret (credentials, config files holding them); kept a Pulumi secret. */
    secretData: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * The store's one container without name, ports, security context and mounts, which the store
     * adds. It may refer to the Secret by `storeSecretName(name)`.
     */
    container: Omit<Container, "name" | "ports" | "securityContext" | "volumeMounts">;
    /** Pod volumes besides the data volume (e.g. emptyDirs for the read-only root filesystem)... */
    volumes?: Volume[];
    /** ...and where the container mounts them. */
    volumeMounts?: VolumeMount[];
    /** Namespaces whose pods are the store's clients; default: the application namespace. */
    clientNamespaces?: string[];
    /** A metrics exporter sidecar (observability/exporters.ts); its port joins the Service, reachable from monitoring only. */
    exporter?: StoreExporter;
}

/**
 * A single-replica stateful data store in the cluster (the `local` stack's stand-in for RDS and
 * ElastiCache): a Secret with its credentials, a StatefulSet with a persistent volume per replica and a
 * Pod Security "restricted" pod, a ClusterIP Service, and a NetworkPolicy admitting the clients only.
 */
export class InClusterStore extends pulumi.ComponentResource {
    /** `<service>.<namespace>.svc.cluster.local` */
    readonly host: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    readonly secretName: string;
    readonly statefulSet: k8s.apps.v1.StatefulSet;

    constructor(name: string, args: InClusterStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("data", "InClusterStore"), name, {}, opts);
        const labels = storeLabels(args.name, args.component);
        const selector = {
            "app.kubernetes.io/name": labels["app.kubernetes.io/name"],
            "app.kubernetes.io/part-of": labels["app.kubernetes.io/part-of"],
        };
        const metadata = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels });
        const exporter = args.exporter;
        this.secretName = storeSecretName(args.name);

        const secret = new k8s.core.v1.Secret(
            `${name}-auth`,
            { metadata: metadata(this.secretName), type: "Opaque", stringData: pulumi.secret(args.secretData) },
            { parent: this },
        );
        const service = new k8s.core.v1.Service(
            name,
            {
                metadata: {
                    ...metadata(args.name),
                    labels: exporter ? { ...labels, [EXPORTER_SERVICE_LABEL.key]: EXPORTER_SERVICE_LABEL.value } : labels,
                },
                spec: {
                    type: "ClusterIP",
                    selector,
                    ports: [
                        { name: args.name, port: args.port, targetPort: args.name, protocol: "TCP" },
                        ...(exporter
                            ? [{ name: EXPORTER_PORT_NAME, port: exporter.port, targetPort: EXPORTER_PORT_NAME, protocol: "TCP" }]
                            : []),
                    ],
                },
            },
            { parent: this },
        );
        new k8s.networking.v1.NetworkPolicy(
            name,
            {
                metadata: metadata(args.name),
                spec: clientsOnlyPolicy(selector, args.port, args.clientNamespaces ?? [APP_NAMESPACE], exporter?.port),
            },
            { parent: this },
        );
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            name,
            {
                metadata: metadata(args.name),
                spec: {
                    replicas: 1,
                    serviceName: service.metadata.name,
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels },
                        spec: {
                            // The store never talks to the Kubernetes API.
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            terminationGracePeriodSeconds: 60,
                            securityContext: restrictedPodSecurityContext(args.user),
                            containers: [
                                {
                                    ...args.container,
                                    name: args.name,
                                    ports: [{ name: args.name, containerPort: args.port, protocol: "TCP" }],
                                    securityContext: restrictedContainerSecurityContext(args.user),
                                    volumeMounts: [{ name: "data", mountPath: args.dataPath }, ...(args.volumeMounts ?? [])],
                                },
                                ...(exporter ? [exporterContainer(exporter)] : []),
                            ],
                            volumes: args.volumes,
                        },
                    },
                    volumeClaimTemplates: [
                        {
                            metadata: { name: "data", labels },
                            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${args.storageGb}Gi` } } },
                        },
                    ],
                },
            },
            // The pod reads the Secret at start; create it first so the first start does not fail.
            { parent: this, dependsOn: [secret] },
        );

        this.host = pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
        this.port = pulumi.output(args.port);
        this.registerOutputs({ host: this.host, port: this.port, secretName: this.secretName });
    }
}
