/**
 * Composition root: reads the validated stack configuration and composes the platform's components,
 * Network → Cluster → Database/Cache/Storage → Observability → Traffic → Application → Rollout
 * (docs/architecture.md). Decisions live in the components and the config layer, not here.
 */
import { loadPlatformConfig } from "./config";
import { loadAlertingSecrets } from "./config/secrets";
import { resolveStageTable } from "./rollout/stages";
import { stageOverridesOf } from "./config/rollout";
import { APP_NAME } from "./identity";
import { AwsProviders } from "./components/aws/providers";
import { BACKUP_SELECTION_TAG, costTags } from "./components/aws/tags";
import { Network } from "./components/network/network";
import { subnetPlan } from "./components/network/subnetPlan";
import { InterfaceEndpoints } from "./components/network/interfaceEndpoints";
import { ImageRepository } from "./components/aws/imageRepository";
import { Cluster } from "./components/cluster/cluster";
import { ClusterAutoscaler } from "./components/cluster/clusterAutoscaler";
import { MetricsServer } from "./components/cluster/metricsServer";
import { Namespaces } from "./components/kubernetes/namespaces";
import { ensureChartsMirrored } from "./components/kubernetes/chartMirror";
import { helmCharts } from "./components/kubernetes/helmCharts";
import {
    APP_NAMESPACE,
    CERT_MANAGER_NAMESPACE,
    DATA_NAMESPACE,
    LOGGING_NAMESPACE,
    MONITORING_NAMESPACE,
    TRACING_NAMESPACE,
    platformNamespaces,
} from "./components/kubernetes/platformNamespaces";
import { Gp3StorageClass } from "./components/kubernetes/storageClass";
import { NetworkFences } from "./components/fences/networkFences";
import { stackFences } from "./components/fences/flows";
import { fenceContextOf } from "./components/fences/fenceContext";
import { Database } from "./components/data/database";
import { Cache } from "./components/data/cache";
import { Storage } from "./components/data/storage";
import { StoreLocation } from "./components/data/dataStoreNetwork";
import { Budget } from "./components/cost/budget";
import { OffHoursSchedule } from "./components/cost/offHoursSchedule";
import { Backup } from "./components/resilience/backup";
import { DisasterRecovery } from "./components/resilience/dr";
import { activeDatabase } from "./components/resilience/failover";
import { Monitoring } from "./components/observability/monitoring";
import { Logging } from "./components/observability/logging";
import { Tracing } from "./components/observability/tracing";
import { otlpTarget } from "./components/observability/tracingValues";
import { ROUTERS } from "./components/traffic/routers";
import { ServiceHostRecord } from "./components/traffic/serviceHostRecord";
import { CertManager } from "./components/tls/certManager";
import { ClusterCa } from "./components/tls/clusterCa";
import { certManagerInstalled } from "./config/tls";
import { ServiceCertificate } from "./components/tls/serviceCertificate";
import { Application } from "./components/app/application";
import { AwsApiRoute, databaseCredentials } from "./components/app/connections";
import { imageRepositoryOf } from "./components/app/podSpec";
import { APP_AWS_APIS } from "./config/app";
import { Rollout } from "./components/rollout/rollout";
import { DynamicProviderHost, nextTurn } from "./providers/dynamicProviderHost";
import { definedOutputs } from "./components/stackOutputs";

export = async () => {
    const config = loadPlatformConfig();
    // First, and sent before the rest is composed: the host of the gate's and the stage record's providers starts meanwhile.
    const dynamicProviders = new DynamicProviderHost("dynamic-providers");
    await nextTurn();
    const { environment } = config;
    // Air-gapped clusters (docs/configuration.md): every chart from charts.mirror, which must hold them all before anything is sent.
    const chartMirror = config.charts.mirror;
    if (chartMirror) await ensureChartsMirrored(helmCharts(config), chartMirror);
    const production = environment === "production";
    // Stateful resources cannot be deleted by a `pulumi up` or `destroy` in production; children inherit `protect`.
    const stateful = { protect: production };
    const tags = { environment, costCenter: config.tags.costCenter, extra: config.tags.extra };

    const aws =
        config.cluster.mode === "eks" && config.aws
            ? new AwsProviders("aws", { region: config.aws.region, drRegion: config.aws.drRegion, ...tags })
            : undefined;
    const awsProviders = aws ? [aws.primary] : [];

    const network = aws ? new Network("network", config.network, { providers: awsProviders }) : undefined;
    // The private subnets hold the nodes, the pods, the AWS data stores and the AWS API endpoints.
    const privateCidrs = subnetPlan(config.network.cidr, config.network.azCount, config.network.natGateways).map((az) => az.privateCidr);
    const cluster = new Cluster("cluster", { cluster: config.cluster, environment, network }, { providers: awsProviders });
    const k8sProviders = [cluster.provider];
    // The router the service's traffic enters through (docs/architecture.md, Traffic).
    const router = ROUTERS[config.mesh.router];
    const namespaces = new Namespaces(
        "namespaces",
        { namespaces: platformNamespaces(config, router.namespaces) },
        { providers: k8sProviders },
    );
    // Every pod fenced (docs/network-fences.md): a default deny per namespace, one NetworkPolicy per component;
    // what goes into a namespace through fences.nameOf is created after its fences.
    const fences = new NetworkFences(
        "fences",
        { fences: stackFences(fenceContextOf(config, cluster.addresses, network?.privateSubnetCidrs)), namespaces },
        { providers: k8sProviders },
    );

    // Node and pod capacity (docs/capacity.md): the autoscaler adds nodes up to each group's maxSize; metrics-server feeds the HPAs.
    const clusterAutoscaler =
        config.cluster.mode === "eks" && config.aws && cluster.oidcProviderArn && cluster.oidcProviderUrl
            ? new ClusterAutoscaler(
                  "cluster-autoscaler",
                  {
                      clusterAutoscaler: config.clusterAutoscaler,
                      clusterName: cluster.clusterName,
                      region: config.aws.region,
                      oidcProviderArn: cluster.oidcProviderArn,
                      oidcProviderUrl: cluster.oidcProviderUrl,
                      nodeGroupConfigs: config.cluster.nodeGroups,
                      nodeGroups: cluster.nodeGroups,
                      chartMirror,
                  },
                  { providers: [...awsProviders, ...k8sProviders], dependsOn: [fences] },
              )
            : undefined;
    if (config.metricsServer.enabled) {
        new MetricsServer(
            "metrics-server",
            {
                metricsServer: config.metricsServer,
                kubeletInsecureTls: config.metricsServer.kubeletInsecureTls ?? config.cluster.mode !== "eks",
                chartMirror,
            },
            { providers: k8sProviders, dependsOn: [fences] },
        );
    }

    // Data stores, and where each runs for the service's NetworkPolicy.
    const inCluster = { database: config.database.mode === "in-cluster", cache: config.cache.mode === "in-cluster" };
    const dataNamespace = inCluster.database || inCluster.cache ? fences.nameOf(DATA_NAMESPACE) : undefined;
    const locationOf = (storeInCluster: boolean): StoreLocation =>
        storeInCluster && dataNamespace !== undefined ? { namespace: dataNamespace } : { cidrs: privateCidrs };
    const dataProviders = { providers: [...awsProviders, ...k8sProviders], ...stateful };
    const database = new Database(
        "database",
        { database: config.database, environment, network, cluster, namespace: dataNamespace },
        dataProviders,
    );
    const cache = new Cache("cache", { cache: config.cache, environment, network, cluster, namespace: dataNamespace }, dataProviders);
    const storage = aws
        ? new Storage("storage", { storage: config.storage, environment }, { providers: awsProviders, ...stateful })
        : undefined;
    if (aws && config.budget) {
        new Budget("budget", { budget: config.budget, environment }, { providers: awsProviders });
    }
    if (aws && config.cluster.mode === "eks" && config.offHours.enabled) {
        new OffHoursSchedule(
            "off-hours",
            { offHours: config.offHours, nodeGroupConfigs: config.cluster.nodeGroups, nodeGroups: cluster.nodeGroups },
            { providers: awsProviders },
        );
    }

    // Backup on every AWS stack; with `dr.enabled`, copies, replica and replicated bucket in the DR region.
    const backup = aws
        ? new Backup(
              "backup",
              { backup: config.backup, environment, drProvider: config.dr.enabled ? aws.dr : undefined },
              { providers: awsProviders, ...stateful },
          )
        : undefined;
    let dr: DisasterRecovery | undefined;
    if (aws && config.aws && config.dr.enabled) {
        // The config schema already requires RDS with DR; this narrows the types.
        if (config.database.mode !== "rds" || !database.primary || !database.parameters || !network || !storage) {
            throw new Error("dr.enabled needs the stack's RDS database, network and storage");
        }
        dr = new DisasterRecovery(
            "dr",
            {
                dr: config.dr,
                primaryRegion: config.aws.region,
                drRegion: config.aws.drRegion,
                drProvider: aws.dr,
                database: config.database,
                primaryDatabase: database.primary,
                databaseParameters: database.parameters,
                primaryNetwork: network,
                backupBucket: storage,
                storage: config.storage,
                flowLogRetentionDays: config.network.flowLogRetentionDays,
            },
            { providers: awsProviders, ...stateful },
        );
    }
    const failover = dr && aws && config.dr.activeDatabase === "dr" ? { dr, vpcCidr: config.dr.vpcCidr, provider: aws.dr } : undefined;
    const activeDb = activeDatabase({ database, primaryLocation: locationOf(inCluster.database), failover });
    // Read-only queries go to the read replica where the stack has one; else (and after a failover) to the active database.
    const databaseReadHost = failover ? activeDb.host : (database.replicaHost ?? activeDb.host);

    // Where the service's pods get their image and reach the AWS APIs (docs/image-and-network.md).
    const images = aws
        ? new ImageRepository(
              "images",
              {
                  repositoryName: `${APP_NAME}-${environment}`,
                  keepReleases: config.app.image.ecr.keepReleases,
                  untaggedExpiryDays: config.app.image.ecr.untaggedExpiryDays,
              },
              { providers: awsProviders, ...stateful },
          )
        : undefined;
    // The RDS-managed credentials are read from Secrets Manager through IRSA (STS): both through endpoints in the VPC.
    const awsApiEndpoints =
        network && config.database.mode === "rds"
            ? new InterfaceEndpoints(
                  "aws-endpoints",
                  {
                      vpcId: network.vpcId,
                      subnetIds: network.privateSubnetIds,
                      subnetCidrs: privateCidrs,
                      services: [...APP_AWS_APIS],
                  },
                  { providers: awsProviders },
              )
            : undefined;
    const awsApis: AwsApiRoute | undefined = failover
        ? {
              kind: "public",
              reason: `dr.activeDatabase=dr: the promoted instance's secret is in Secrets Manager in ${config.aws?.drRegion}, which no endpoint in this VPC serves`,
          }
        : awsApiEndpoints && { kind: "endpoints", cidrs: awsApiEndpoints.cidrs };

    // Observability, then the mesh / ingress controller the service's traffic enters through.
    const gp3 =
        config.cluster.mode === "eks"
            ? new Gp3StorageClass(
                  "gp3",
                  { volumeTags: { ...costTags(tags), [BACKUP_SELECTION_TAG.key]: BACKUP_SELECTION_TAG.value } },
                  { providers: k8sProviders },
              )
            : undefined;
    const storageClassName = gp3?.storageClassName;
    const appNamespace = fences.nameOf(APP_NAMESPACE);
    const monitoring = new Monitoring(
        "monitoring",
        {
            monitoring: config.monitoring,
            metrics: config.metrics,
            environment,
            namespace: fences.nameOf(MONITORING_NAMESPACE),
            appNamespace,
            router: config.mesh.router,
            appPort: config.app.containerPort,
            storageClassName,
            alertingSecrets: loadAlertingSecrets(),
            dataNamespace,
            // RDS / ElastiCache metrics come from CloudWatch through an IRSA role (docs/observability.md).
            cloudwatch:
                config.aws && cluster.oidcProviderArn && cluster.oidcProviderUrl && (database.primary || cache.replicationGroup)
                    ? {
                          region: config.aws.region,
                          oidcProviderArn: cluster.oidcProviderArn,
                          oidcProviderUrl: cluster.oidcProviderUrl,
                          rdsInstances: [database.primary, database.replica].flatMap((db) => (db ? [db.identifier] : [])),
                          cacheClusters: cache.replicationGroup?.memberClusters ?? [],
                      }
                    : undefined,
            chartMirror,
        },
        { providers: [...awsProviders, ...k8sProviders] },
    );
    // Where the mesh and the application send spans (the Tracing component's OTLP receiver).
    const otlp = config.tracing.enabled ? otlpTarget(config.tracing, TRACING_NAMESPACE) : undefined;
    const routerController = router.controller(
        {
            mesh: config.mesh,
            namespaceOf: (name) => fences.nameOf(name),
            appNamespace,
            monitoringNamespace: MONITORING_NAMESPACE,
            monitoringRelease: monitoring.release,
            serviceSelector: { "app.kubernetes.io/name": APP_NAME },
            host: config.app.ingress.host,
            tracing: otlp,
            chartMirror,
        },
        { providers: k8sProviders },
    );

    // cert-manager (docs/tls-and-dns.md): the service host's certificate by ACME on AWS stacks with `tls` / `dns`,
    // and the cluster CA that certifies the in-cluster OpenSearch.
    const acme =
        config.tls && config.dns && config.aws && cluster.oidcProviderArn && cluster.oidcProviderUrl
            ? {
                  tls: config.tls,
                  dns: config.dns,
                  host: config.app.ingress.host,
                  region: config.aws.region,
                  oidcProviderArn: cluster.oidcProviderArn,
                  oidcProviderUrl: cluster.oidcProviderUrl,
              }
            : undefined;
    const certManager = certManagerInstalled(config)
        ? new CertManager(
              "cert-manager",
              { certManager: config.certManager, namespace: fences.nameOf(CERT_MANAGER_NAMESPACE), acme, chartMirror },
              { providers: [...awsProviders, ...k8sProviders] },
          )
        : undefined;
    // The schema accepts `tls` and `dns` only with a router whose public entry is the program's.
    const secret = router.servingSecret?.({
        mesh: config.mesh,
        ingress: config.app.ingress,
        appNamespace,
        namespaceOf: (name) => fences.nameOf(name),
    });
    if (certManager?.acmeIssuer && secret) {
        new ServiceCertificate(
            "service-certificate",
            { host: config.app.ingress.host, namespace: secret.namespace, secretName: secret.name, issuer: certManager.acmeIssuer },
            { providers: k8sProviders },
        );
    }
    const inClusterOpenSearch = config.logging.enabled && config.logging.opensearch.mode === "in-cluster";
    const clusterCa =
        certManager && inClusterOpenSearch
            ? new ClusterCa(
                  "cluster-ca",
                  { namespace: fences.nameOf(CERT_MANAGER_NAMESPACE), certManager: certManager.release },
                  { providers: k8sProviders },
              )
            : undefined;
    const loadBalancerService = routerController.loadBalancerService;
    const hostRecord =
        config.dns && loadBalancerService
            ? new ServiceHostRecord(
                  "service-host",
                  { dns: config.dns, host: config.app.ingress.host, loadBalancerService },
                  { providers: [...awsProviders, ...k8sProviders] },
              )
            : undefined;

    const logging = config.logging.enabled
        ? new Logging(
              "logging",
              {
                  logging: config.logging,
                  environment,
                  namespace: fences.nameOf(LOGGING_NAMESPACE),
                  storageClassName,
                  cluster:
                      cluster.oidcProviderArn && cluster.oidcProviderUrl
                          ? { oidcProviderArn: cluster.oidcProviderArn, oidcProviderUrl: cluster.oidcProviderUrl }
                          : undefined,
                  archive:
                      storage && config.aws
                          ? {
                                bucketName: storage.logArchiveBucketName,
                                bucketArn: storage.logArchiveBucketArn,
                                kmsKeyArn: storage.kmsKeyArn,
                                region: config.aws.region,
                            }
                          : undefined,
                  network: network
                      ? { vpcId: network.vpcId, vpcCidr: network.vpcCidr, privateSubnetIds: network.privateSubnetIds }
                      : undefined,
                  protectDomain: production,
                  chartMirror,
                  certificateIssuer: clusterCa && { name: clusterCa.issuerName, resource: clusterCa.issuer },
              },
              { providers: [...awsProviders, ...k8sProviders] },
          )
        : undefined;
    const tracing = config.tracing.enabled
        ? new Tracing(
              "tracing",
              { tracing: config.tracing, namespace: fences.nameOf(TRACING_NAMESPACE), storageClassName, chartMirror },
              { providers: k8sProviders },
          )
        : undefined;

    // The service and the rollout stage this update converges to (docs/rollout.md).
    const stage = resolveStageTable(stageOverridesOf(config.rollout), config.app.autoscaling)[config.rollout.stage];
    const application = new Application(
        "app",
        {
            app: config.app,
            namespace: appNamespace,
            imageRepository: imageRepositoryOf(config.app.image, images?.repositoryUrl),
            awsApis,
            stage,
            stableVersion: config.rollout.stableVersion,
            candidateVersion: config.rollout.candidateVersion,
            database: {
                host: activeDb.host,
                readHost: databaseReadHost,
                port: activeDb.port,
                name: database.databaseName,
                credentials: databaseCredentials({
                    username: database.username,
                    password: database.password,
                    secretArn: activeDb.credentialsSecretArn,
                    kmsKeyArn: activeDb.kmsKeyArn,
                    oidcProviderArn: cluster.oidcProviderArn,
                    oidcProviderUrl: cluster.oidcProviderUrl,
                }),
                tls: database.tls,
                network: activeDb.location,
            },
            cache: { host: cache.host, port: cache.port, authToken: cache.authToken, tls: cache.tls, network: locationOf(inCluster.cache) },
            router: config.mesh.router,
            ingressNamespaces: routerController.ingressNamespaces,
            tracing: otlp && { ...otlp, environment },
        },
        // Pods start once the data stores answer and, with Istio, once istiod can inject their sidecar; a track
        // waits for its floor, which on EKS may need the nodes the autoscaler adds.
        {
            providers: [...awsProviders, ...k8sProviders],
            dependsOn: [database, cache, routerController, ...(clusterAutoscaler ? [clusterAutoscaler] : [])],
        },
    );
    const rollout = new Rollout(
        "rollout",
        {
            environment,
            stage,
            rollout: config.rollout,
            application,
            routerUrl: cluster.routerUrl,
            traffic: { router: config.mesh.router, entry: config.app.ingress, attachTo: routerController.attachTo },
            rdsInstanceIdentifier: activeDb.instanceIdentifier,
            rdsProvider: activeDb.provider,
            gate: {
                gates: config.gates,
                metrics: config.metrics,
                kubeconfig: cluster.kubeconfig,
                context: config.cluster.mode === "existing" ? config.cluster.context : undefined,
                apiServer: cluster.addresses.apiServer,
            },
        },
        { providers: [...awsProviders, ...k8sProviders, dynamicProviders], dependsOn: [monitoring] },
    );

    return definedOutputs({
        environment,
        vpcId: network?.vpcId,
        clusterName: cluster.clusterName,
        kubeconfig: cluster.kubeconfig,
        databaseHost: activeDb.host,
        databaseReadHost,
        databasePort: activeDb.port,
        databaseName: database.databaseName,
        databaseCredentialsSecretArn: activeDb.credentialsSecretArn,
        imageRepositoryUrl: images?.repositoryUrl,
        redisHost: cache.host,
        redisPort: cache.port,
        redisAuthToken: cache.authToken,
        backupBucket: storage?.backupBucketName,
        logArchiveBucket: storage?.logArchiveBucketName,
        backupVault: backup?.vaultName,
        drRegion: dr ? config.aws?.drRegion : undefined,
        drBackupVault: backup?.drVaultName,
        drReplicaIdentifier: dr?.replicaIdentifier,
        drReplicaArn: dr?.replicaArn,
        drReplicaUrn: dr?.replicaUrn,
        drBucket: dr?.bucketName,
        prometheusUrl: monitoring.prometheusUrl,
        grafanaAdminPassword: monitoring.grafanaAdminPassword,
        alertReceivers: monitoring.alertReceivers,
        opensearchUrl: logging?.opensearchUrl,
        otlpGrpcEndpoint: tracing?.otlpGrpcEndpoint,
        ...routerController.stackOutputs,
        serviceHostRecord: hostRecord?.fqdn,
        serviceHostTarget: hostRecord?.target,
        rolloutStage: rollout.stage,
        trafficWeights: rollout.weights,
        stableVersion: config.rollout.stableVersion,
        candidateVersion: stage.candidatePresent ? config.rollout.candidateVersion : undefined,
        preRolloutSnapshot: rollout.snapshotIdentifier,
        gateVerdict: rollout.gateVerdict,
        // The stage the stack last completed and the last deliberate jump (rollout.allowStageJump), for audit.
        rolloutStageRecord: {
            stage: rollout.stageRecord.stage,
            lastOverride: rollout.stageRecord.lastOverride,
            completedAt: rollout.stageRecord.completedAt,
        },
    });
};
