import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import type { MetricsConfig } from "../../config/metrics";
import type { MonitoringConfig } from "../../config/observability";
import type { ChartMirror } from "../../config/charts";
import { chartSource } from "../kubernetes/chartSource";
import { CHARTS } from "../kubernetes/helmCharts";
import type { AlertingSecrets } from "../../config/secrets";
import { ReceiverSecrets, alertmanagerConfig, receiverPlan } from "./alertmanager";
import { DASHBOARD_FILES, dashboards } from "./dashboards";
import { GRAFANA_ADMIN_KEYS, GRAFANA_DASHBOARD_LABEL, MONITORING_RELEASE, kubePrometheusStackValues } from "./monitoringValues";
import { ruleGroups } from "./rules";
import {
    CLOUDWATCH_EXPORTER_RELEASE,
    CLOUDWATCH_EXPORTER_SERVICE_ACCOUNT,
    cloudwatchExporterConfig,
    cloudwatchExporterValues,
    cloudwatchReaderPolicy,
    dataStoreServiceMonitorSpec,
} from "./exporters";
import { irsaAssumeRolePolicy } from "../aws/iamDocuments";
import { METRICS_PORT_NAME, scrapeTarget, serviceMonitorSpec } from "./scrape";
import type { Router } from "../../rollout/gate/routers";
import { APP_NAME, componentType, PLATFORM_LABELS } from "../../identity";

/** The service whose metrics, alerts and dashboards this stack monitors. */

export interface MonitoringArgs {
    monitoring: MonitoringConfig;
    metrics: MetricsConfig;
    environment: string;
    /** MONITORING_NAMESPACE (as the Namespaces component's output, so objects wait for it). */
    namespace: pulumi.Input<string>;
    /** Namespace of the service (APP_NAMESPACE): its metrics Service goes there. */
    appNamespace: pulumi.Input<string>;
    router: Router;
    /** The service's container port (app.containerPort): API, /metrics and health. */
    appPort: number;
    /** StorageClass of Prometheus', Alertmanager's and Grafana's volumes; the cluster default when undefined. */
    storageClassName?: pulumi.Input<string>;
    /** The Alertmanager receivers' credentials (config/secrets.ts); a receiver without its secret is left out. */
    alertingSecrets: AlertingSecrets;
    /** Namespace of the in-cluster stores, whose exporter sidecars a ServiceMonitor scrapes; undefined without in-cluster stores. */
    dataNamespace?: pulumi.Input<string>;
    /** RDS / ElastiCache to read from CloudWatch (exporters.ts); undefined without AWS data stores. */
    cloudwatch?: CloudWatchExporterArgs;
    /** `charts.mirror`: where every chart comes from instead of its public repository (undefined: the public one). */
    chartMirror: ChartMirror | undefined;
}

export interface CloudWatchExporterArgs {
    region: string;
    /** EKS OIDC provider: the exporter's IRSA role trusts its service account only. */
    oidcProviderArn: pulumi.Input<string>;
    /** Issuer URL without https:// (Cluster component's oidcProviderUrl). */
    oidcProviderUrl: pulumi.Input<string>;
    rdsInstances: pulumi.Input<pulumi.Input<string>[]>;
    cacheClusters: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * kube-prometheus-stack (Prometheus, Alertmanager, Grafana, the operator, kube-state-metrics,
 * node-exporter) plus what monitors the service: its ServiceMonitor, its alert and recording rules,
 * the Alertmanager routing and the Grafana dashboards.
 */
export class Monitoring extends pulumi.ComponentResource {
    /** The kube-prometheus-stack release: what installs the monitoring.coreos.com CRDs other charts' ServiceMonitors need. */
    readonly release: k8s.helm.v3.Release;
    readonly releaseName: pulumi.Output<string>;
    readonly namespace: pulumi.Output<string>;
    /** In-cluster URL of Prometheus (what the health gates query). */
    readonly prometheusUrl: pulumi.Output<string>;
    readonly grafanaAdminPassword: pulumi.Output<string>;
    /** Receivers Alertmanager routes to (those whose secrets are set). */
    readonly alertReceivers: string[];
    /** IRSA role of the CloudWatch exporter; undefined without AWS data stores. */
    readonly cloudwatchExporterRoleArn?: pulumi.Output<string>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("observability", "Monitoring"), name, {}, opts);
        const { monitoring, metrics } = args;
        this.namespace = pulumi.output(args.namespace);

        const grafanaPassword = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, { parent: this });
        this.grafanaAdminPassword = pulumi.secret(grafanaPassword.result);
        const grafanaAdmin = new k8s.core.v1.Secret(
            `${name}-grafana-admin`,
            {
                metadata: { name: "grafana-admin", namespace: args.namespace, labels: PLATFORM_LABELS },
                type: "Opaque",
                stringData: pulumi.secret({ [GRAFANA_ADMIN_KEYS.user]: "admin", [GRAFANA_ADMIN_KEYS.password]: grafanaPassword.result }),
            },
            { parent: this },
        );

        const given = args.alertingSecrets;
        const plan = receiverPlan(monitoring.alertmanager, {
            pagerdutyRoutingKey: given.pagerdutyRoutingKey !== undefined,
            slackWebhookUrl: given.slackWebhookUrl !== undefined,
            smtpPassword: given.smtpPassword !== undefined,
        });
        for (const omitted of plan.omitted) void pulumi.log.warn(`Alertmanager receiver omitted: ${omitted}`, this);
        if (plan.pagesNoOne) {
            void pulumi.log.warn(
                "Alertmanager: no critical receiver is configured, so critical alerts page no one " +
                    "(set the secrets of monitoring.alertmanager.criticalReceivers; production refuses to deploy without them)",
                this,
            );
        }
        this.alertReceivers = plan.enabled;
        const alertmanagerSecret = this.alertmanagerConfigSecret(name, args);

        const appNamespace = pulumi.output(args.appNamespace);
        const dashboardsIn = (ns: string) =>
            dashboards({ metrics, thresholds: monitoring.alerts, job: APP_NAME, service: APP_NAME, namespace: ns, container: APP_NAME });
        const dashboardMaps = DASHBOARD_FILES.map((file) => {
            const base = file.replace(/\.json$/, "");
            return new k8s.core.v1.ConfigMap(
                `${name}-dashboard-${base}`,
                {
                    metadata: {
                        name: `dashboard-${base}`,
                        namespace: args.namespace,
                        labels: { ...PLATFORM_LABELS, [GRAFANA_DASHBOARD_LABEL.key]: GRAFANA_DASHBOARD_LABEL.value },
                    },
                    data: appNamespace.apply((ns) => ({ [file]: JSON.stringify(dashboardsIn(ns)[file], null, 2) })),
                },
                { parent: this },
            );
        });

        const values = pulumi
            .all([args.storageClassName, alertmanagerSecret.metadata.name, grafanaAdmin.metadata.name])
            .apply(([storageClassName, alertmanagerConfigSecret, grafanaAdminSecret]) =>
                kubePrometheusStackValues({
                    monitoring,
                    cluster: args.environment,
                    storageClassName,
                    alertmanagerConfigSecret,
                    grafanaAdminSecret,
                }),
            );
        const release = new k8s.helm.v3.Release(
            `${name}-kube-prometheus-stack`,
            {
                name: MONITORING_RELEASE,
                ...chartSource({ ...CHARTS.kubePrometheusStack, version: monitoring.chartVersion }, args.chartMirror),
                namespace: args.namespace,
                values,
                // Prometheus' and Grafana's volumes are provisioned on first start; give them time.
                timeout: 900,
            },
            { parent: this, dependsOn: dashboardMaps },
        );
        this.release = release;
        this.releaseName = release.name;
        this.prometheusUrl = pulumi.interpolate`http://${MONITORING_RELEASE}-prometheus.${this.namespace}.svc.cluster.local:9090`;

        // The custom resources below need the CRDs the release installs.
        const afterRelease = { parent: this, dependsOn: [release] };
        new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: `${APP_NAME}-rules`, namespace: args.namespace, labels: PLATFORM_LABELS },
                spec: appNamespace.apply((ns) => ({
                    groups: ruleGroups({
                        metrics,
                        thresholds: monitoring.alerts,
                        service: APP_NAME,
                        job: APP_NAME,
                        namespace: ns,
                        container: APP_NAME,
                        runbookBaseUrl: monitoring.runbookBaseUrl,
                    }),
                })),
            },
            afterRelease,
        );

        const metricsServiceLabels = { "app.kubernetes.io/name": APP_NAME, "app.kubernetes.io/component": "metrics" };
        const target = scrapeTarget(args.router, args.appPort);
        new k8s.core.v1.Service(
            `${name}-metrics-service`,
            {
                metadata: {
                    name: `${APP_NAME}-metrics`,
                    namespace: args.appNamespace,
                    labels: { ...PLATFORM_LABELS, ...metricsServiceLabels },
                },
                spec: {
                    // Headless: Prometheus scrapes each pod's endpoint, never a load-balanced VIP.
                    clusterIP: "None",
                    selector: { "app.kubernetes.io/name": APP_NAME, "app.kubernetes.io/component": "api" },
                    ports: [{ name: METRICS_PORT_NAME, port: target.port, targetPort: target.port, protocol: "TCP" }],
                },
            },
            { parent: this },
        );
        new k8s.apiextensions.CustomResource(
            `${name}-service-monitor`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: { name: APP_NAME, namespace: args.namespace, labels: PLATFORM_LABELS },
                spec: appNamespace.apply((ns) =>
                    serviceMonitorSpec({
                        metrics,
                        router: args.router,
                        serviceLabels: metricsServiceLabels,
                        jobLabel: "app.kubernetes.io/name",
                        appNamespace: ns,
                        appPort: args.appPort,
                        scrapeInterval: monitoring.prometheus.serviceScrapeInterval,
                    }),
                ),
            },
            afterRelease,
        );

        if (args.dataNamespace !== undefined) {
            new k8s.apiextensions.CustomResource(
                `${name}-data-store-exporters`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: { name: `${APP_NAME}-data-stores`, namespace: args.namespace, labels: PLATFORM_LABELS },
                    spec: pulumi
                        .output(args.dataNamespace)
                        .apply((ns) => dataStoreServiceMonitorSpec(ns, monitoring.prometheus.scrapeInterval)),
                },
                afterRelease,
            );
        }
        if (args.cloudwatch) this.cloudwatchExporterRoleArn = this.cloudwatchExporter(name, args, args.cloudwatch, release);

        this.registerOutputs({
            cloudwatchExporterRoleArn: this.cloudwatchExporterRoleArn,
            releaseName: this.releaseName,
            prometheusUrl: this.prometheusUrl,
            grafanaAdminPassword: this.grafanaAdminPassword,
        });
    }

    /** prometheus-cloudwatch-exporter with an IRSA role that may read CloudWatch metrics and nothing else. */
    private cloudwatchExporter(
        name: string,
        args: MonitoringArgs,
        cw: CloudWatchExporterArgs,
        release: pulumi.Resource,
    ): pulumi.Output<string> {
        const role = new aws.iam.Role(
            `${name}-cloudwatch-exporter`,
            {
                description: "CloudWatch exporter (IRSA): reads RDS and ElastiCache metrics for Prometheus",
                assumeRolePolicy: pulumi
                    .all([cw.oidcProviderArn, cw.oidcProviderUrl, this.namespace])
                    .apply(([arn, url, ns]) => JSON.stringify(irsaAssumeRolePolicy(arn, url, ns, CLOUDWATCH_EXPORTER_SERVICE_ACCOUNT))),
            },
            { parent: this },
        );
        const policy = new aws.iam.RolePolicy(
            `${name}-cloudwatch-exporter-read`,
            { role: role.name, policy: JSON.stringify(cloudwatchReaderPolicy()) },
            { parent: this },
        );
        const config = pulumi
            .all([cw.rdsInstances, cw.cacheClusters])
            // The provider leaves memberClusters unset until the replication group exists (and mocks never set it).
            .apply(([rdsInstances, cacheClusters]) =>
                cloudwatchExporterConfig({ region: cw.region, rdsInstances: rdsInstances ?? [], cacheClusters: cacheClusters ?? [] }),
            );
        new k8s.helm.v3.Release(
            `${name}-cloudwatch-exporter`,
            {
                name: CLOUDWATCH_EXPORTER_RELEASE,
                ...chartSource(
                    { ...CHARTS.cloudwatchExporter, version: args.monitoring.cloudwatchExporter.chartVersion },
                    args.chartMirror,
                ),
                namespace: args.namespace,
                values: pulumi
                    .all([config, role.arn])
                    .apply(([c, roleArn]) =>
                        cloudwatchExporterValues({ config: c, roleArn, scrapeInterval: args.monitoring.cloudwatchExporter.scrapeInterval }),
                    ),
            },
            // Its ServiceMonitor needs the CRDs; its first calls need the role's permissions.
            { parent: this, dependsOn: [release, policy] },
        );
        return role.arn;
    }

    /** alertmanager.yaml in a Secret: receivers' keys come from secret stack keys and stay secret. */
    private alertmanagerConfigSecret(name: string, args: MonitoringArgs): k8s.core.v1.Secret {
        const given = args.alertingSecrets;
        const secrets = pulumi.all({
            pagerdutyRoutingKey: given.pagerdutyRoutingKey,
            slackWebhookUrl: given.slackWebhookUrl,
            smtpPassword: given.smtpPassword,
        });
        const file = secrets.apply((s) => stringify(alertmanagerConfig(args.monitoring.alertmanager, s as ReceiverSecrets)));
        return new k8s.core.v1.Secret(
            `${name}-alertmanager-config`,
            {
                metadata: { name: `alertmanager-${APP_NAME}`, namespace: args.namespace, labels: PLATFORM_LABELS },
                type: "Opaque",
                stringData: { "alertmanager.yaml": pulumi.secret(file) },
            },
            { parent: this },
        );
    }
}
