import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GateDefinition, PrometheusEndpoint } from "../../rollout/gate/gates";
import { GuardConfig, guardMain } from "../../rollout/gate/guard";
import { SERVICE_ACCOUNT_DIR } from "../../rollout/gate/kubeApi";
import { TrafficCutTarget, liveRouterOf } from "../../rollout/gate/routers";
import type { GateVersions } from "../../rollout/gate/verdict";
import { APP_NAME, componentType } from "../../identity";
import { FIXED_REQUESTS } from "../../config/capacity";
import {
    ApiServerAddress,
    apiServerEgress,
    DNS_EGRESS,
    EgressRule,
    namespacePeer,
    OPEN_EGRESS_REASON_ANNOTATION,
    tcp,
} from "../kubernetes/networkPeers";

/**
 * Public image the guard runs in, pinned to an exact Node release. Pinned by tag, not digest: a digest
 * must be read from the registry when the tag is adopted (`docker buildx imagetools inspect`), which the
 * machine this was written on could not do (docs/rollout.md, "The guard between stages").
 */
export const GUARD_IMAGE = "node:22.12.0-alpine";
/** The `node` user of the official image. */
const GUARD_UID = 1000;
export const GUARD_NAME = `${APP_NAME}-rollout-guard`;
/** The guard's objects and pod; its NetworkPolicy selects them, Prometheus' admits them. */
export const GUARD_LABELS = {
    "app.kubernetes.io/name": GUARD_NAME,
    "app.kubernetes.io/component": "rollout-guard",
    "app.kubernetes.io/part-of": APP_NAME,
    "app.kubernetes.io/managed-by": "pulumi",
} as const;
/** Where the pod finds the module and its config (the ConfigMap's mount). */
const GUARD_DIR = "/guard";
const HEARTBEAT_FILE = "/tmp/heartbeat";

export interface RolloutGuardArgs {
    /** The namespace of the router objects (the application's); the guard runs and is allowed there only. */
    namespace: pulumi.Input<string>;
    /** The stage's gate definition, exactly as its HealthGate judges it. */
    gate: GateDefinition;
    versions: GateVersions;
    /** The router object the cut patches (the TrafficSplit's `trafficCut`). */
    target: pulumi.Input<TrafficCutTarget>;
    prometheus: PrometheusEndpoint;
    /** Where the pod reaches the Kubernetes API server (the traffic cut). */
    apiServer: ApiServerAddress;
}

let moduleText: Promise<string> | undefined;

/**
 * The pod's program: guardMain and everything it calls, written out by Pulumi's closure serialiser (the
 * one that writes dynamic providers) as one self-contained CommonJS module that requires only Node
 * built-ins, plus the line that starts it. The same for every stage, so serialised once per process.
 */
export function guardModuleText(): Promise<string> {
    moduleText ??= pulumi.runtime
        .serializeFunction(() => guardMain(process.env), { exportName: "main" })
        .then((serialised) => `${serialised.text}\nexports.main().catch((err) => {\n    console.error(err);\n    process.exit(1);\n});\n`);
    return moduleText;
}

/** The one permission the guard has: what its router's cut does to the router object of this rollout, by name. */
export function guardRoleRules(target: TrafficCutTarget): k8s.types.input.rbac.v1.PolicyRule[] {
    const access = liveRouterOf(target).access(target);
    return [{ apiGroups: [access.apiGroup], resources: [access.resource], resourceNames: [access.name], verbs: access.verbs }];
}

/**
 * Egress of the guard pod: the cluster DNS, the API server (the traffic cut) and Prometheus only; a
 * Prometheus outside the cluster (a URL) by its port, as its addresses are not known here.
 */
export function guardEgress(prometheus: PrometheusEndpoint, apiServer: ApiServerAddress): EgressRule[] {
    const toPrometheus =
        "url" in prometheus
            ? { ports: [tcp(Number(new URL(prometheus.url).port) || (prometheus.url.startsWith("https:") ? 443 : 80))] }
            : { to: [namespacePeer(prometheus.service.namespace)], ports: [tcp(prometheus.service.port)] };
    return [DNS_EGRESS, apiServerEgress(apiServer), toPrometheus];
}

/**
 * The rollout guard (docs/rollout.md, "The guard between stages"): a one-replica Deployment that judges
 * the stage's rollback triggers while no update runs and cuts traffic to stable on a confirmed breach,
 * with a ServiceAccount allowed only that cut, and a NetworkPolicy that lets it reach only DNS, the API
 * server and Prometheus. The config's checksum is in the pod template, so a new stage restarts the pod.
 */
export class RolloutGuard extends pulumi.ComponentResource {
    readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: RolloutGuardArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("rollout", "RolloutGuard"), name, {}, opts);
        const labels = { ...GUARD_LABELS };
        const metadata = { name: GUARD_NAME, namespace: args.namespace, labels };
        const config = pulumi
            .output(args.target)
            .apply((target) =>
                JSON.stringify({ gate: args.gate, versions: args.versions, target, prometheus: args.prometheus } satisfies GuardConfig),
            );
        const code = pulumi.output(guardModuleText());
        const configMap = new k8s.core.v1.ConfigMap(
            name,
            { metadata, data: { "index.js": code, "config.json": config } },
            { parent: this },
        );
        // Its token is mounted only into the guard pod, explicitly (below).
        const serviceAccount = new k8s.core.v1.ServiceAccount(name, { metadata, automountServiceAccountToken: false }, { parent: this });
        const role = new k8s.rbac.v1.Role(name, { metadata, rules: pulumi.output(args.target).apply(guardRoleRules) }, { parent: this });
        const binding = new k8s.rbac.v1.RoleBinding(
            name,
            {
                metadata,
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: args.namespace }],
            },
            { parent: this },
        );
        new k8s.networking.v1.NetworkPolicy(
            name,
            {
                metadata: {
                    ...metadata,
                    annotations:
                        "url" in args.prometheus
                            ? {
                                  [OPEN_EGRESS_REASON_ANNOTATION]:
                                      "prometheus: gates.prometheus is a URL, whose addresses are not known here",
                              }
                            : undefined,
                },
                spec: {
                    podSelector: { matchLabels: labels },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [],
                    egress: guardEgress(args.prometheus, args.apiServer),
                },
            },
            { parent: this },
        );
        const checksum = pulumi.all([code, config]).apply(([c, j]) => crypto.createHash("sha256").update(c).update(j).digest("hex"));
        // Stale after three missed evaluations, and never sooner than a minute.
        const staleMs = Math.max(3 * args.gate.intervalSeconds, 60) * 1000;
        /** Fresh when the guard evaluated within the last three intervals. */
        const heartbeatProbe = {
            exec: {
                command: [
                    "node",
                    "-e",
                    `process.exit(Date.now() - require("fs").statSync("${HEARTBEAT_FILE}").mtimeMs < ${staleMs} ? 0 : 1)`,
                ],
            },
        };
        const deployment = new k8s.apps.v1.Deployment(
            name,
            {
                metadata,
                spec: {
                    replicas: 1,
                    // Never two guards at once: the old one stops before the new stage's starts.
                    strategy: { type: "Recreate" },
                    selector: { matchLabels: labels },
                    template: {
                        metadata: {
                            labels,
                            annotations: { [`${APP_NAME}.io/guard-config-sha256`]: checksum, "sidecar.istio.io/inject": "false" },
                        },
                        spec: {
                            serviceAccountName: serviceAccount.metadata.name,
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            securityContext: {
                                runAsNonRoot: true,
                                runAsUser: GUARD_UID,
                                runAsGroup: GUARD_UID,
                                seccompProfile: { type: "RuntimeDefault" },
                            },
                            containers: [
                                {
                                    name: "guard",
                                    image: GUARD_IMAGE,
                                    command: ["node", `${GUARD_DIR}/index.js`],
                                    env: [
                                        { name: "GUARD_CONFIG", value: `${GUARD_DIR}/config.json` },
                                        { name: "GUARD_HEARTBEAT_FILE", value: HEARTBEAT_FILE },
                                    ],
                                    resources: { requests: { ...FIXED_REQUESTS.rolloutGuard }, limits: { cpu: "200m", memory: "128Mi" } },
                                    // Ready once it evaluates; alive while it keeps evaluating (a readiness probe also
                                    // makes Pulumi's await and `kubectl rollout status` wait for the first evaluation).
                                    readinessProbe: { ...heartbeatProbe, periodSeconds: 10, timeoutSeconds: 5 },
                                    livenessProbe: {
                                        ...heartbeatProbe,
                                        initialDelaySeconds: Math.max(2 * args.gate.intervalSeconds, 30),
                                        periodSeconds: 30,
                                        timeoutSeconds: 5,
                                    },
                                    securityContext: {
                                        runAsNonRoot: true,
                                        runAsUser: GUARD_UID,
                                        allowPrivilegeEscalation: false,
                                        readOnlyRootFilesystem: true,
                                        capabilities: { drop: ["ALL"] },
                                        seccompProfile: { type: "RuntimeDefault" },
                                    },
                                    volumeMounts: [
                                        { name: "code", mountPath: GUARD_DIR, readOnly: true },
                                        { name: "token", mountPath: SERVICE_ACCOUNT_DIR, readOnly: true },
                                        { name: "tmp", mountPath: "/tmp" },
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "code", configMap: { name: configMap.metadata.name } },
                                // Only the token and the cluster CA: what the guard reads, nothing else of the default mount.
                                {
                                    name: "token",
                                    projected: {
                                        sources: [
                                            { serviceAccountToken: { path: "token", expirationSeconds: 3600 } },
                                            { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                                        ],
                                    },
                                },
                                { name: "tmp", emptyDir: { sizeLimit: "1Mi", medium: "Memory" } },
                            ],
                        },
                    },
                },
            },
            { parent: this, dependsOn: [binding] },
        );
        this.deploymentName = deployment.metadata.name;
        this.registerOutputs({ deploymentName: this.deploymentName });
    }
}
