import type { MonitoringConfig } from "../../config/observability";
import { STAGE_LABEL, TRACK_LABEL, WEIGHT_LABEL } from "../../identity";

/** Helm release name: fixes the Services' names (`<release>-prometheus`, `-alertmanager`, `-grafana`). */
export const MONITORING_RELEASE = "kube-prometheus-stack";
export const GRAFANA_DASHBOARD_LABEL = { key: "grafana_dashboard", value: "1" } as const;
export const GRAFANA_ADMIN_KEYS = { user: "admin-user", password: "admin-password" } as const;

export interface MonitoringValuesArgs {
    monitoring: MonitoringConfig;
    /** Value of the `cluster` external label every series and alert carries (Alertmanager groups by it). */
    cluster: string;
    /** StorageClass of the volumes; the cluster's default class when undefined. */
    storageClassName?: string;
    /** Secret holding alertmanager.yaml (built from secret stack keys, so never a Helm value). */
    alertmanagerConfigSecret: string;
    /** Secret holding Grafana's admin user and password. */
    grafanaAdminSecret: string;
}

function volumeClaim(sizeGb: number, storageClassName: string | undefined): Record<string, unknown> {
    return {
        spec: {
            ...(storageClassName ? { storageClassName } : {}),
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: `${sizeGb}Gi` } },
        },
    };
}

/**
 * Prometheus' size-based retention: 85 % of its volume, so a burst of series hits the size cap and
 * drops old blocks instead of filling the disk and stopping ingestion.
 */
export function retentionSize(storageGb: number): string {
    return `${Math.floor(storageGb * 0.85 * 1024)}MB`;
}

/** Values of the kube-prometheus-stack chart for one stack. */
export function kubePrometheusStackValues(args: MonitoringValuesArgs): Record<string, unknown> {
    const { prometheus, alertmanager, grafana } = args.monitoring;
    return {
        crds: { enabled: true },
        // Managed control planes (EKS, GKE, AKS) expose no scheduler/controller-manager/etcd metrics,
        // and kind binds them to loopback: scraping them only raises "target down" alerts.
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        prometheus: {
            prometheusSpec: {
                scrapeInterval: prometheus.scrapeInterval,
                evaluationInterval: prometheus.evaluationInterval,
                retention: prometheus.retention,
                retentionSize: retentionSize(prometheus.storageGb),
                replicas: prometheus.replicas,
                resources: { requests: { ...prometheus.requests } },
                externalLabels: { cluster: args.cluster },
                // Select every PrometheusRule / ServiceMonitor / PodMonitor / Probe in the cluster,
                // not only those labelled with this release (ours live beside the application too).
                ruleSelectorNilUsesHelmValues: false,
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                storageSpec: { volumeClaimTemplate: volumeClaim(prometheus.storageGb, args.storageClassName) },
            },
        },
        alertmanager: {
            alertmanagerSpec: {
                useExistingSecret: true,
                configSecret: args.alertmanagerConfigSecret,
                replicas: alertmanager.replicas,
                resources: { requests: { ...alertmanager.requests } },
                storage: { volumeClaimTemplate: volumeClaim(alertmanager.storageGb, args.storageClassName) },
            },
        },
        // The Deployments' track, stage and weight labels become kube_deployment_labels series (rollout dashboard).
        "kube-state-metrics": { metricLabelsAllowlist: [`deployments=[${TRACK_LABEL},${STAGE_LABEL},${WEIGHT_LABEL}]`] },
        grafana: {
            admin: { existingSecret: args.grafanaAdminSecret, userKey: GRAFANA_ADMIN_KEYS.user, passwordKey: GRAFANA_ADMIN_KEYS.password },
            persistence: {
                enabled: true,
                type: "pvc",
                size: `${grafana.storageGb}Gi`,
                ...(args.storageClassName ? { storageClassName: args.storageClassName } : {}),
            },
            resources: { requests: { ...grafana.requests } },
            sidecar: {
                dashboards: {
                    enabled: true,
                    label: GRAFANA_DASHBOARD_LABEL.key,
                    labelValue: GRAFANA_DASHBOARD_LABEL.value,
                    searchNamespace: "ALL",
                },
            },
        },
    };
}
