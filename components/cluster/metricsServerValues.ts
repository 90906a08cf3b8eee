import { SYSTEM_TAINT } from "./nodeGroupSettings";
import { FIXED_REQUESTS } from "../../config/capacity";

/** metrics-server (docs/capacity.md, Autoscaling): the resource metrics API the HorizontalPodAutoscalers read. */

export const METRICS_SERVER_RELEASE = "metrics-server";
export const METRICS_SERVER_NAMESPACE = "kube-system";
/** The metrics-server pod's requests (the capacity check counts them). */
export const METRICS_SERVER_REQUESTS = FIXED_REQUESTS.metricsServer;

/** Values of the metrics-server chart: the chart's restricted pod, our requests, system-node toleration. */
export function metricsServerValues(args: { kubeletInsecureTls: boolean }): Record<string, unknown> {
    return {
        fullnameOverride: METRICS_SERVER_RELEASE,
        // kind and minikube kubelets serve self-signed certificates; EKS kubelets' are signed by the cluster CA.
        args: args.kubeletInsecureTls ? ["--kubelet-insecure-tls"] : [],
        resources: { requests: { ...METRICS_SERVER_REQUESTS }, limits: { memory: METRICS_SERVER_REQUESTS.memory } },
        priorityClassName: "system-cluster-critical",
        tolerations: [{ key: SYSTEM_TAINT.key, operator: "Equal", value: SYSTEM_TAINT.value, effect: "NoSchedule" }],
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            runAsUser: 1000,
            capabilities: { drop: ["ALL"] },
        },
    };
}
