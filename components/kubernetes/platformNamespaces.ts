import { PlatformConfig } from "../../config";
import { certManagerInstalled } from "../../config/tls";
import { NamespaceSpec } from "./namespaces";
import { APP_NAME } from "../../identity";

export const APP_NAMESPACE = APP_NAME;
export const DATA_NAMESPACE = `${APP_NAME}-data`;
export const MONITORING_NAMESPACE = "monitoring";
export const LOGGING_NAMESPACE = "logging";
export const TRACING_NAMESPACE = "tracing";
export const ISTIO_NAMESPACE = "istio-system";
export const CERT_MANAGER_NAMESPACE = "cert-manager";

/**
 * The namespaces a stack needs and the Pod Security level each enforces, with those only its router needs
 * (RouterModule.namespaces). Everything runs under `restricted` except what must touch the node, and each
 * exception says why.
 */
export function platformNamespaces(config: PlatformConfig, routerNamespaces: NamespaceSpec[]): NamespaceSpec[] {
    const namespaces: NamespaceSpec[] = [
        { name: APP_NAMESPACE, podSecurity: "restricted", labels: { "istio-injection": "enabled" } },
        {
            name: MONITORING_NAMESPACE,
            podSecurity: "privileged",
            exception: "node-exporter reads the host's /proc and /sys with hostNetwork and hostPID",
        },
        { name: LOGGING_NAMESPACE, podSecurity: "privileged", exception: "the log shipper DaemonSet reads container logs from host paths" },
        { name: TRACING_NAMESPACE, podSecurity: "restricted" },
        {
            name: ISTIO_NAMESPACE,
            podSecurity: "privileged",
            exception:
                "the istio-cni node agent installs the CNI plugin on every node, so application pods need no NET_ADMIN init container",
        },
    ];
    namespaces.push(...routerNamespaces);
    if (certManagerInstalled(config)) {
        namespaces.push({ name: CERT_MANAGER_NAMESPACE, podSecurity: "restricted" });
    }
    if (config.database.mode === "in-cluster" || config.cache.mode === "in-cluster") {
        namespaces.push({ name: DATA_NAMESPACE, podSecurity: "restricted" });
    }
    return namespaces;
}
