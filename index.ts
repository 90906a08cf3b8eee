/**
 * Composition root: read the validated stack configuration, compose the platform's components.
 * Network → Cluster → Database/Cache/Storage → Observability → Application → Rollout.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadPlatformConfig } from "./config";
import { AwsProviders } from "./components/aws/providers";
import { Backup } from "./components/resilience/backup";
import { Budget } from "./components/cost/budget";
import { Cache } from "./components/data/cache";
import { Cluster } from "./components/cluster/cluster";
import { Database } from "./components/data/database";
import { DisasterRecovery } from "./components/resilience/dr";
import { Namespaces } from "./components/kubernetes/namespaces";
import { Network } from "./components/network/network";
import { OffHoursSchedule } from "./components/cost/offHoursSchedule";
import {
    APP_NAMESPACE,
    DATA_NAMESPACE,
    INGRESS_NGINX_NAMESPACE,
    ISTIO_NAMESPACE,
    LOGGING_NAMESPACE,
    MONITORING_NAMESPACE,
    TRACING_NAMESPACE,
    platformNamespaces,
} from "./components/kubernetes/platformNamespaces";
import { Storage } from "./components/data/storage";
import { BACKUP_SELECTION_TAG } from "./components/aws/tags";
import { IngressNginx } from "./components/traffic/nginx";
import { Logging } from "./components/observability/logging";
import { Mesh } from "./components/traffic/istio";
import { Monitoring } from "./components/observability/monitoring";
import { Gp3StorageClass } from "./components/kubernetes/storageClass";
import { costTags } from "./components/aws/tags";
import { Tracing } from "./components/observability/tracing";
import { Application, StoreLocation, DatabaseCredentials } from "./components/app/application";
import { Rollout } from "./components/rollout/rollout";
import { stageOverridesOf } from "./config/rollout";
import { resolveStageTable } from "./rollout/stages";
import { APP_NAME } from "./identity";

export = async () => {
    const config = loadPlatformConfig();
    const production = config.environment === "production";
    // Stateful resources cannot be deleted by a `pulumi up` or `destroy` in production; children inherit `protect`.
    const stateful = { protect: production };

    const aws =
        config.cluster.mode === "eks" && config.aws
            ? new AwsProviders("aws", {
                  region: config.aws.region,
                  drRegion: config.aws.drRegion,
                  environment: config.environment,
                  costCenter: config.tags.costCenter,
                  extra: config.tags.extra,
              })
            : undefined;
    const awsProviders = aws ? [aws.primary] : [];

    const network = aws ? new Network("network", config.network, { providers: awsProviders }) : undefined;

    const cluster = new Cluster(
        "cluster",
        { cluster: config.cluster, environment: config.environment, network },
        { providers: awsProviders },
    );
    const k8sProviders = [cluster.provider];

    const namespaces = new Namespaces("namespaces", { namespaces: platformNamespaces(config) }, { providers: k8sProviders });

    const dataNamespace = config.database.mode === "in-cluster" || config.cache.mode === "in-cluster" ? namespaces.nameOf(DATA_NAMESPACE) : undefined;
    const database = new Database(
        "database",
        { database: config.database, environment: config.environment, network, cluster, namespace: dataNamespace },
        { providers: [...awsProviders, ...k8sProviders], ...stateful },
    );
    const cache = new Cache(
        "cache",
        { cache: config.cache, environment: config.environment, network, cluster, namespace: dataNamespace },
        { providers: [...awsProviders, ...k8sProviders], ...stateful },
    );
    const storage = aws
        ? new Storage("storage", { storage: config.storage, environment: config.environment }, { providers: awsProviders, ...stateful })
        : undefined;
    if (aws && config.budget) {
        new Budget("budget", { budget: config.budget, environment: config.environment }, { providers: awsProviders });
    }
    if (aws && config.cluster.mode === "eks" && config.offHours.enabled) {
        new OffHoursSchedule(
            "off-hours",
            { offHours: config.offHours, nodeGroupConfigs: config.cluster.nodeGroups, nodeGroups: cluster.nodeGroups },
            { providers: awsProviders },
        );
    }

    // Backup & DR: the daily AWS Backup plan on every AWS stack; with `dr.enabled`, copies, replica and replicated bucket in the DR region.
    const backup = aws
        ? new Backup(
              "backup",
              { backup: config.backup, environment: config.environment, drProvider: config.dr.enabled ? aws.dr : undefined },
              { providers: awsProviders, ...stateful },
          )
        : undefined;
    let dr: DisasterRecovery | undefined;
    if (aws && config.aws && config.dr.enabled) {
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
    const dataNetwork = (inCluster: boolean): StoreLocation =>
        inCluster && dataNamespace !== undefined ? { namespace: dataNamespace } : { cidrs: [config.network.cidr] };
    // `dr.activeDatabase: dr` is the failover switch: the promoted DR instance becomes the stack's database,
    // reached in the peered DR VPC (outside network.cidr) and snapshotted in the DR region before a rollout.
    const activeDatabase =
        dr && config.dr.activeDatabase === "dr"
            ? {
                  host: dr.replicaAddress,
                  port: dr.replicaPort,
                  credentialsSecretArn: dr.credentialsSecretArn,
                  kmsKeyArn: dr.kmsKeyArn,
                  network: { cidrs: [config.dr.vpcCidr] },
                  instanceIdentifier: dr.replicaIdentifier,
                  provider: aws?.dr,
              }
            : {
                  host: database.host,
                  port: database.port,
                  credentialsSecretArn: database.credentialsSecretArn,
                  kmsKeyArn: database.kmsKeyArn,
                  network: dataNetwork(config.database.mode === "in-cluster"),
                  instanceIdentifier: database.primary?.identifier,
                  provider: undefined,
              };

    // Observability, then the mesh / ingress controller the service's traffic enters through.
    const gp3 =
        config.cluster.mode === "eks"
            ? new Gp3StorageClass(
                  "gp3",
                  {
                      volumeTags: {
                          ...costTags({ environment: config.environment, costCenter: config.tags.costCenter, extra: config.tags.extra }),
                          [BACKUP_SELECTION_TAG.key]: BACKUP_SELECTION_TAG.value,
                      },
                  },
                  { providers: k8sProviders },
              )
            : undefined;
    const storageClassName = gp3?.storageClassName;
    const appNamespace = namespaces.nameOf(APP_NAMESPACE);
    const monitoring = new Monitoring(
        "monitoring",
        {
            monitoring: config.monitoring,
            metrics: config.metrics,
            environment: config.environment,
            namespace: namespaces.nameOf(MONITORING_NAMESPACE),
            appNamespace,
            router: config.mesh.router,
            appPort: config.app.containerPort,
            storageClassName,
        },
        { providers: k8sProviders },
    );
    const mesh =
        config.mesh.router === "istio"
            ? new Mesh(
                  "mesh",
                  {
                      istio: config.mesh.istio,
                      istioNamespace: namespaces.nameOf(ISTIO_NAMESPACE),
                      appNamespace,
                      monitoringNamespace: MONITORING_NAMESPACE,
                      serviceSelector: { "app.kubernetes.io/name": APP_NAME },
                      host: config.app.ingress.host,
                  },
                  { providers: k8sProviders },
              )
            : undefined;
    const ingressNginx =
        config.mesh.router === "nginx"
            ? new IngressNginx(
                  "ingress-nginx",
                  { ingressNginx: config.mesh.ingressNginx, namespace: namespaces.nameOf(INGRESS_NGINX_NAMESPACE), monitoringRelease: monitoring.release },
                  { providers: k8sProviders },
              )
            : undefined;
    const logging = config.logging.enabled
        ? new Logging(
              "logging",
              {
                  logging: config.logging,
                  environment: config.environment,
                  namespace: namespaces.nameOf(LOGGING_NAMESPACE),
                  storageClassName,
                  cluster: cluster.oidcProviderArn && cluster.oidcProviderUrl ? { oidcProviderArn: cluster.oidcProviderArn, oidcProviderUrl: cluster.oidcProviderUrl } : undefined,
                  archive:
                      storage && config.aws
                          ? { bucketName: storage.logArchiveBucketName, bucketArn: storage.logArchiveBucketArn, kmsKeyArn: storage.kmsKeyArn, region: config.aws.region }
                          : undefined,
                  network: network ? { vpcId: network.vpcId, vpcCidr: network.vpcCidr, privateSubnetIds: network.privateSubnetIds } : undefined,
                  protectDomain: production,
              },
              { providers: [...awsProviders, ...k8sProviders] },
          )
        : undefined;
    const tracing = config.tracing.enabled
        ? new Tracing("tracing", { tracing: config.tracing, namespace: namespaces.nameOf(TRACING_NAMESPACE), storageClassName }, { providers: k8sProviders })
        : undefined;

    // The service and the rollout stage this update converges to (SPEC §4).
    const stage = resolveStageTable(stageOverridesOf(config.rollout), config.app.autoscaling)[config.rollout.stage];
    const databaseCredentials: DatabaseCredentials =
        activeDatabase.credentialsSecretArn && cluster.oidcProviderArn && cluster.oidcProviderUrl
            ? {
                  kind: "secretsManager",
                  username: database.username,
                  secretArn: pulumi.output(activeDatabase.credentialsSecretArn).apply((arn) => {
                      // A replica has no master secret of its own; RDS creates one when it is promoted.
                      if (!arn) throw new pulumi.RunError("claude-enhancer:dr.activeDatabase: the DR instance has no RDS-managed master secret yet; promote it (runbook step 1) before switching");
                      return arn;
                  }),
                  kmsKeyArn: activeDatabase.kmsKeyArn,
                  irsa: { oidcProviderArn: cluster.oidcProviderArn, issuerHostPath: cluster.oidcProviderUrl.apply((url) => url.replace(/^https:\/\//, "")) },
              }
            : { kind: "password", username: database.username, password: database.password! };
    const routerController = mesh ?? ingressNginx!;
    const application = new Application(
        "app",
        {
            app: config.app,
            namespace: appNamespace,
            stage,
            stableVersion: config.rollout.stableVersion,
            candidateVersion: config.rollout.candidateVersion,
            database: {
                host: activeDatabase.host,
                port: activeDatabase.port,
                name: database.databaseName,
                credentials: databaseCredentials,
                tls: database.tls,
                network: activeDatabase.network,
            },
            cache: { host: cache.host, port: cache.port, authToken: cache.authToken, tls: cache.tls, network: dataNetwork(config.cache.mode === "in-cluster") },
            router: config.mesh.router,
            ingressNamespaces: routerController.ingressNamespaces,
            istioNamespace: mesh ? ISTIO_NAMESPACE : undefined,
        },
        // Pods start once the data stores answer and, with Istio, once istiod can inject their sidecar.
        { providers: [...awsProviders, ...k8sProviders], dependsOn: [database, cache, routerController] },
    );
    const rollout = new Rollout(
        "rollout",
        {
            environment: config.environment,
            stage,
            rollout: config.rollout,
            application,
            traffic: {
                router: config.mesh.router,
                entry: config.app.ingress,
                istioGateways: mesh?.gateways,
                ingressClassName: ingressNginx?.ingressClassName,
            },
            rdsInstanceIdentifier: activeDatabase.instanceIdentifier,
            rdsProvider: activeDatabase.provider,
            gate: {
                gates: config.gates,
                metrics: config.metrics,
                kubeconfig: cluster.kubeconfig,
                context: config.cluster.mode === "existing" ? config.cluster.context : undefined,
            },
        },
        { providers: [...awsProviders, ...k8sProviders], dependsOn: [monitoring] },
    );

    return {
        environment: config.environment,
        vpcId: network?.vpcId,
        clusterName: cluster.clusterName,
        kubeconfig: cluster.kubeconfig,
        databaseHost: activeDatabase.host,
        databasePort: activeDatabase.port,
        databaseName: database.databaseName,
        databaseCredentialsSecretArn: activeDatabase.credentialsSecretArn,
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
        istioGateways: mesh?.gateways,
        ingressClassName: ingressNginx?.ingressClassName,
        rolloutStage: rollout.stage,
        trafficWeights: rollout.weights,
        stableVersion: config.rollout.stableVersion,
        candidateVersion: stage.candidatePresent ? config.rollout.candidateVersion : undefined,
        preRolloutSnapshot: rollout.snapshotIdentifier,
        gateVerdict: rollout.gateVerdict,
    };
};
