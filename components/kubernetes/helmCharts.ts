import type { PlatformConfig } from "../../config";
import { certManagerInstalled } from "../../config/tls";
import type { ChartRef } from "./chartSource";

/** Every chart the program installs, as its publisher ships it: chart name and public repository. */
export const CHARTS = {
    clusterAutoscaler: { name: "cluster-autoscaler", repo: "https://kubernetes.github.io/autoscaler" },
    metricsServer: { name: "metrics-server", repo: "https://kubernetes-sigs.github.io/metrics-server/" },
    kubePrometheusStack: { name: "kube-prometheus-stack", repo: "https://prometheus-community.github.io/helm-charts" },
    cloudwatchExporter: { name: "prometheus-cloudwatch-exporter", repo: "https://prometheus-community.github.io/helm-charts" },
    istioBase: { name: "base", repo: "https://istio-release.storage.googleapis.com/charts" },
    istioCni: { name: "cni", repo: "https://istio-release.storage.googleapis.com/charts" },
    istiod: { name: "istiod", repo: "https://istio-release.storage.googleapis.com/charts" },
    istioGateway: { name: "gateway", repo: "https://istio-release.storage.googleapis.com/charts" },
    ingressNginx: { name: "ingress-nginx", repo: "https://kubernetes.github.io/ingress-nginx" },
    certManager: { name: "cert-manager", repo: "https://charts.jetstack.io" },
    fluentBit: { name: "fluent-bit", repo: "https://fluent.github.io/helm-charts" },
    opensearch: { name: "opensearch", repo: "https://opensearch-project.github.io/helm-charts" },
    opensearchDashboards: { name: "opensearch-dashboards", repo: "https://opensearch-project.github.io/helm-charts" },
    jaeger: { name: "jaeger", repo: "https://jaegertracing.github.io/helm-charts" },
} as const satisfies Record<string, Omit<ChartRef, "version">>;

/**
 * The charts a stack installs, one per Helm release, at the versions its configuration pins: what
 * `charts.mirror` must hold. It follows the composition in index.ts; test/programCharts.test.ts holds
 * it equal to what the program registers.
 */
export function helmCharts(config: PlatformConfig): ChartRef[] {
    const onAws = config.cluster.mode === "eks" && config.aws !== undefined;
    const charts: ChartRef[] = [];
    const add = (chart: Omit<ChartRef, "version">, version: string) => charts.push({ ...chart, version });
    if (onAws) add(CHARTS.clusterAutoscaler, config.clusterAutoscaler.chartVersion);
    if (config.metricsServer.enabled) add(CHARTS.metricsServer, config.metricsServer.chartVersion);
    add(CHARTS.kubePrometheusStack, config.monitoring.chartVersion);
    if (onAws && (config.database.mode === "rds" || config.cache.mode === "elasticache")) {
        add(CHARTS.cloudwatchExporter, config.monitoring.cloudwatchExporter.chartVersion);
    }
    if (config.mesh.router === "istio") {
        for (const chart of [CHARTS.istioBase, CHARTS.istioCni, CHARTS.istiod, CHARTS.istioGateway])
            add(chart, config.mesh.istio.chartVersion);
    } else {
        add(CHARTS.ingressNginx, config.mesh.ingressNginx.chartVersion);
    }
    if (certManagerInstalled(config)) add(CHARTS.certManager, config.certManager.chartVersion);
    if (config.logging.enabled) {
        const opensearch = config.logging.opensearch;
        if (opensearch.mode === "in-cluster") {
            add(CHARTS.opensearch, opensearch.chartVersion);
            add(CHARTS.opensearchDashboards, opensearch.dashboardsChartVersion);
        }
        add(CHARTS.fluentBit, config.logging.fluentBitChartVersion);
    }
    if (config.tracing.enabled) add(CHARTS.jaeger, config.tracing.chartVersion);
    return charts;
}
