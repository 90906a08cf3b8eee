/**
 * Composition root: read the validated stack configuration, compose the platform's components.
 * Network → Cluster → Database/Cache/Storage → Observability → Application → Rollout.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadPlatformConfig } from "./config";
import { AwsProviders } from "./components/awsProviders";
import { Budget } from "./components/budget";
import { Cache } from "./components/cache";
import { Cluster } from "./components/cluster";
import { Database } from "./components/database";
import { Namespaces } from "./components/namespaces";
import { Network } from "./components/network";
import { DATA_NAMESPACE, platformNamespaces } from "./components/platformNamespaces";
import { Storage } from "./components/storage";

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

    return {
        environment: config.environment,
        vpcId: network?.vpcId,
        clusterName: cluster.clusterName,
        kubeconfig: cluster.kubeconfig,
        databaseHost: database.host,
        databasePort: database.port,
        databaseName: database.databaseName,
        databaseCredentialsSecretArn: database.credentialsSecretArn,
        redisHost: cache.host,
        redisPort: cache.port,
        redisAuthToken: cache.authToken,
        backupBucket: storage?.backupBucketName,
        logArchiveBucket: storage?.logArchiveBucketName,
    };
};
