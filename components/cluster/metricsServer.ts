import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MetricsServerConfig } from "../../config/cluster";
import type { ChartMirror } from "../../config/charts";
import { chartSource } from "../kubernetes/chartSource";
import { CHARTS } from "../kubernetes/helmCharts";
import { METRICS_SERVER_NAMESPACE, METRICS_SERVER_RELEASE, metricsServerValues } from "./metricsServerValues";
import { componentType } from "../../identity";

export interface MetricsServerArgs {
    metricsServer: MetricsServerConfig;
    /** Skip verifying kubelet serving certificates (resolved from the config and the cluster mode). */
    kubeletInsecureTls: boolean;
    /** `charts.mirror`: where every chart comes from instead of its public repository (undefined: the public one). */
    chartMirror: ChartMirror | undefined;
}

/**
 * metrics-server in kube-system: serves metrics.k8s.io, the CPU and memory usage the application's
 * HorizontalPodAutoscalers compare with their targets. Without it their targets do nothing.
 */
export class MetricsServer extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: MetricsServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("cluster", "MetricsServer"), name, {}, opts);
        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: METRICS_SERVER_RELEASE,
                ...chartSource({ ...CHARTS.metricsServer, version: args.metricsServer.chartVersion }, args.chartMirror),
                namespace: METRICS_SERVER_NAMESPACE,
                values: metricsServerValues({ kubeletInsecureTls: args.kubeletInsecureTls }),
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
