import type { MetricsConfig } from "../../config/metrics";
import { LIVE_ROUTERS, Router } from "../../rollout/gate/routers";
import type { MetricsEndpoint } from "../../rollout/gate/routers/liveRouter";

/** How Prometheus scrapes the service: where depends on the router (its live half's metricsEndpoint). */

export const METRICS_PORT_NAME = "metrics";
/** The pod label the Application puts each track's version in. */
export const POD_VERSION_LABEL = "version";

/** Where a pod's metrics are scraped; `appPort` is the service's container port (API, /metrics, /health). */
export function scrapeTarget(router: Router, appPort: number): MetricsEndpoint {
    return LIVE_ROUTERS[router].metricsEndpoint(appPort);
}

export interface ServiceMonitorArgs {
    metrics: MetricsConfig;
    router: Router;
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
