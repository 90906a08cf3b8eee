import type { MetricsConfig } from "../../config/metrics";

/**
 * How Prometheus scrapes the service. Under Istio with mTLS STRICT a scraper outside the mesh cannot
 * reach the application port, so it scrapes the sidecar agent's merged-metrics endpoint (port 15020,
 * `/stats/prometheus`), which serves the application's /metrics together with Envoy's; that port is
 * outside the mTLS capture. With ingress-nginx there is no sidecar and /metrics is scraped directly.
 */
export type ScrapeRouter = "istio" | "nginx";

export const METRICS_PORT_NAME = "metrics";
export const ISTIO_MERGED_METRICS_PORT = 15020;
export const ISTIO_MERGED_METRICS_PATH = "/stats/prometheus";
/** The pod label the Application puts each track's version in. */
export const POD_VERSION_LABEL = "version";

export interface ScrapeTarget {
    /** Pod port Prometheus scrapes. */
    port: number;
    path: string;
}

/** Where a pod's metrics are scraped; `appPort` is the service's container port (API, /metrics, /health). */
export function scrapeTarget(router: ScrapeRouter, appPort: number): ScrapeTarget {
    return router === "istio" ? { port: ISTIO_MERGED_METRICS_PORT, path: ISTIO_MERGED_METRICS_PATH } : { port: appPort, path: "/metrics" };
}

export interface ServiceMonitorArgs {
    metrics: MetricsConfig;
    router: ScrapeRouter;
    /** Labels of the metrics Service (the ServiceMonitor's selector). */
    serviceLabels: Record<string, string>;
    /** Label of the metrics Service whose value becomes the targets' `job` label. */
    jobLabel: string;
    appNamespace: string;
    appPort: number;
    scrapeInterval: string;
}

/** `spec` of the service's ServiceMonitor (monitoring.coreos.com/v1). */
export function serviceMonitorSpec(args: ServiceMonitorArgs): Record<string, unknown> {
    return {
        jobLabel: args.jobLabel,
        selector: { matchLabels: { ...args.serviceLabels } },
        namespaceSelector: { matchNames: [args.appNamespace] },
        endpoints: [
            {
                port: METRICS_PORT_NAME,
                path: scrapeTarget(args.router, args.appPort).path,
                interval: args.scrapeInterval,
                scheme: "http",
                relabelings: [
                    // The pod's version label becomes the series' version label (seed 002's relabelling, docs/rollout.md, Metrics contract).
                    {
                        action: "replace",
                        sourceLabels: [`__meta_kubernetes_pod_label_${POD_VERSION_LABEL}`],
                        targetLabel: args.metrics.versionLabel,
                    },
                ],
            },
        ],
    };
}
