import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { CacheConfig, ElastiCacheConfig } from "../../config/cache";
import { checkedIdentifier, currentStackPrefix } from "../aws/names";
import { clusterOnlySecurityGroup, DataStoreClients, DataStoreNetwork } from "./dataStoreNetwork";
import { rotatingKey } from "../aws/kms";
import { InClusterStore, storeSecretName } from "./inClusterStore";
import { redisExporter } from "../observability/exporters";
import { componentType } from "../../identity";

export const REDIS_PORT = 6379;
/** Official Redis 7 image, Alpine variant: its `redis` user is uid 999, group 1000. */
export const REDIS_IMAGE = "redis:7.2.7-alpine";
const REDIS_USER = { uid: 999, gid: 1000 };
/** Memory limit of the in-cluster Redis container, and the share of it Redis may fill before evicting. */
const IN_CLUSTER_MEMORY_LIMIT_MI = 512;
const IN_CLUSTER_MAXMEMORY_MB = 384;

/**
 * Special characters ElastiCache accepts in an AUTH token (it rejects /, ", @ and spaces, among
 * others); https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html
 */
export const AUTH_TOKEN_SPECIALS = "!&#$^<>-";

/** Parameters of the Redis 7 parameter group: cluster mode (shards from config, even a single one). */
export const REDIS_PARAMETERS: aws.types.input.elasticache.ParameterGroupParameter[] = [{ name: "cluster-enabled", value: "yes" }];

/**
 * redis.conf of the in-cluster Redis: password required, AOF persistence on the data volume, and a
 * memory ceiling below the container limit with ElastiCache's default eviction (keys with a TTL first).
 */
export function inClusterRedisConf(password: string): string {
    return [
        "bind * -::*",
        `port ${REDIS_PORT}`,
        `requirepass ${password}`,
        "dir /data",
        "appendonly yes",
        `maxmemory ${IN_CLUSTER_MAXMEMORY_MB}mb`,
        "maxmemory-policy volatile-lru",
        "",
    ].join("\n");
}

export interface CacheArgs {
    cache: CacheConfig;
    environment: string;
    /** Required for `elasticache`. */
    network?: DataStoreNetwork;
    cluster: DataStoreClients;
    /** Namespace of the in-cluster Redis; required for `in-cluster`. */
    namespace?: pulumi.Input<string>;
}

/**
 * Redis 7 for the platform (docs/architecture.md).
 *
 * `elasticache`: a rotating KMS key; a subnet group over the private subnets; a security group admitting
 * 6379 only from the cluster's security group; a redis7 parameter group with cluster mode; a replication
 * group in cluster mode (shards × replicas from config) with automatic failover, Multi-AZ, at-rest (KMS)
 * and in-transit (TLS required) encryption, an AUTH token from @pulumi/random, and daily snapshots.
 *
 * `in-cluster`: a Redis 7 StatefulSet requiring a generated password (a Pulumi secret), see InClusterStore.
 */
export class Cache extends pulumi.ComponentResource {
    /** Cluster-mode configuration endpoint (ElastiCache) or the in-cluster Service's name. */
    readonly host: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    /** AUTH token / requirepass password; a Pulumi secret. */
    readonly authToken: pulumi.Output<string>;
    /** Clients must connect with TLS (ElastiCache); the in-cluster Redis speaks plain text inside the cluster. */
    readonly tls: boolean;
    readonly replicationGroup?: aws.elasticache.ReplicationGroup;
    readonly kmsKeyArn?: pulumi.Output<string>;
    readonly securityGroupId?: pulumi.Output<string>;

    constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("data", "Cache"), name, {}, opts);
        const config = args.cache;

        if (config.mode === "elasticache") {
            const elasticache = this.createElastiCache(name, config, args);
            this.host = elasticache.group.configurationEndpointAddress;
            this.port = pulumi.output(REDIS_PORT);
            this.authToken = elasticache.authToken;
            this.tls = true;
            this.replicationGroup = elasticache.group;
            this.kmsKeyArn = elasticache.key.arn;
            this.securityGroupId = elasticache.securityGroup.id;
        } else {
            if (args.namespace === undefined) throw new Error("cache.mode in-cluster needs the data namespace");
            const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
            this.authToken = pulumi.secret(password.result);
            const store = new InClusterStore(
                `${name}-redis`,
                {
                    namespace: args.namespace,
                    name: "redis",
                    component: "cache",
                    user: REDIS_USER,
                    port: REDIS_PORT,
                    storageGb: config.storageGb,
                    dataPath: "/data",
                    // The password reaches Redis in its config file, not on its command line (visible in the process list).
                    secretData: { password: this.authToken, "redis.conf": this.authToken.apply(inClusterRedisConf) },
                    container: redisContainer(storeSecretName("redis")),
                    exporter: redisExporter({ port: REDIS_PORT, secretName: storeSecretName("redis") }),
                    volumes: [
                        {
                            name: "config",
                            secret: {
                                secretName: storeSecretName("redis"),
                                items: [{ key: "redis.conf", path: "redis.conf" }],
                                defaultMode: 0o440,
                            },
                        },
                    ],
                    volumeMounts: [{ name: "config", mountPath: "/etc/redis", readOnly: true }],
                },
                { parent: this },
            );
            this.host = store.host;
            this.port = store.port;
            this.tls = false;
        }

        this.registerOutputs({ host: this.host, port: this.port, authToken: this.authToken, kmsKeyArn: this.kmsKeyArn });
    }

    private createElastiCache(name: string, config: ElastiCacheConfig, args: CacheArgs) {
        if (!args.network) throw new Error("cache.mode elasticache needs the Network component (cluster.mode eks)");
        const clusterSecurityGroupId = args.cluster.clusterSecurityGroupId;
        if (clusterSecurityGroupId === undefined)
            throw new Error("cache.mode elasticache needs the EKS cluster's security group (cluster.mode eks)");
        const prefix = currentStackPrefix();
        const groupId = checkedIdentifier(prefix, 40, "ElastiCache replication group id");
        const parent = { parent: this };

        const key = rotatingKey(`${name}-key`, `${prefix}-cache`, `Redis data and snapshots of ${prefix}`, ["elasticache"], {
            parent: this,
        });
        const subnetGroup = new aws.elasticache.SubnetGroup(
            `${name}-subnets`,
            { name: prefix, description: `Private subnets of ${prefix}`, subnetIds: args.network.privateSubnetIds },
            parent,
        );
        const securityGroup = clusterOnlySecurityGroup(
            name,
            { name: `${prefix}-cache`, service: "Redis", port: REDIS_PORT, vpcId: args.network.vpcId, clusterSecurityGroupId },
            parent,
        );
        const parameterGroup = new aws.elasticache.ParameterGroup(
            `${name}-params`,
            {
                name: `${prefix}-redis7`,
                family: "redis7",
                description: `Redis 7 cluster-mode settings of ${prefix}`,
                parameters: REDIS_PARAMETERS,
            },
            parent,
        );
        const token = new random.RandomPassword(
            `${name}-auth-token`,
            { length: 64, special: true, overrideSpecial: AUTH_TOKEN_SPECIALS, minUpper: 1, minLower: 1, minNumeric: 1 },
            parent,
        );
        const authToken = pulumi.secret(token.result);

        const group = new aws.elasticache.ReplicationGroup(
            `${name}-redis`,
            {
                replicationGroupId: groupId,
                description: `Redis 7 of ${prefix}`,
                engine: "redis",
                engineVersion: config.engineVersion,
                nodeType: config.nodeType,
                port: REDIS_PORT,
                clusterMode: "enabled",
                numNodeGroups: config.shards,
                replicasPerNodeGroup: config.replicasPerShard,
                automaticFailoverEnabled: true,
                multiAzEnabled: true,
                parameterGroupName: parameterGroup.name,
                subnetGroupName: subnetGroup.name,
                securityGroupIds: [securityGroup.id],
                atRestEncryptionEnabled: true,
                kmsKeyId: key.arn,
                transitEncryptionEnabled: true,
                transitEncryptionMode: "required",
                authToken,
                autoMinorVersionUpgrade: true,
                snapshotRetentionLimit: config.snapshotRetentionDays,
                snapshotWindow: config.snapshotWindow,
                maintenanceWindow: config.maintenanceWindow,
                tags: { Name: groupId },
            },
            { parent: this, additionalSecretOutputs: ["authToken"] },
        );
        return { key, securityGroup, group, authToken };
    }
}

/** The Redis container of the in-cluster cache, minus what InClusterStore adds. */
function redisContainer(secretName: string) {
    // redis-cli reads the password from REDISCLI_AUTH; PING answers PONG only when authenticated.
    const ping = { exec: { command: ["sh", "-c", `redis-cli -h 127.0.0.1 -p ${REDIS_PORT} ping | grep -q PONG`] } };
    return {
        image: REDIS_IMAGE,
        args: ["redis-server", "/etc/redis/redis.conf"],
        env: [{ name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: secretName, key: "password" } } }],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: `${IN_CLUSTER_MEMORY_LIMIT_MI}Mi` } },
        readinessProbe: { ...ping, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        livenessProbe: { ...ping, initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 6 },
    };
}
