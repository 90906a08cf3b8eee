import type { IngressNginxConfig } from "../../config/mesh";

/** Helm values of ingress-nginx, the router for clusters without Istio (docs/architecture.md, Traffic). */

export const INGRESS_NGINX_RELEASE = "ingress-nginx";

export function ingressNginxValues(nginx: IngressNginxConfig, metricsServiceMonitor: boolean): Record<string, unknown> {
    return {
        controller: {
            replicaCount: nginx.replicas,
            resources: { requests: { ...nginx.requests } },
            ingressClassResource: { name: nginx.ingressClassName, enabled: true, default: false },
            ingressClass: nginx.ingressClassName,
            service: { type: nginx.serviceType },
            config: {
                // Clients over a per-Ingress limit-rps / limit-connections get 429, not nginx's default 503.
                "limit-req-status-code": "429",
                "limit-conn-status-code": "429",
                "ssl-protocols": "TLSv1.2 TLSv1.3",
                // Configuration snippets in annotations would let any Ingress author inject nginx directives.
                "allow-snippet-annotations": "false",
            },
            metrics: { enabled: true, serviceMonitor: { enabled: metricsServiceMonitor } },
        },
    };
}
