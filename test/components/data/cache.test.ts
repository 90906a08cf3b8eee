import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { AUTH_TOKEN_SPECIALS, Cache, inClusterRedisConf } from "../../../components/data/cache";
import type { CacheConfig } from "../../../config/cache";
import { loadStackConfig } from "../../../config/stackFile";
import { elasticacheAtRestEncryption, elasticacheFailover, elasticacheTransitEncryption } from "../../../policies/awsSecurity";
import { withWaivers } from "../../../policies/pack";
import { kubernetesSecurityPolicies } from "../../../policies/kubernetesSecurity";
import { assertCompliant, checkResource, resource, asRegisteredBy } from "../../policies/harness";
import { RecordingMocks } from "../../harness/recorder";
import {
    awsResources,
    CLUSTER_SG,
    DATA_NS,
    EKS_CLUSTER,
    NETWORK,
    providers,
    registered,
    resolved,
    secretInput,
} from "../dataStoreFixtures";

const GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";

async function cacheOf(stack: "staging" | "production" | "local"): Promise<{ mocks: RecordingMocks; cache: Cache }> {
    const config: CacheConfig = loadStackConfig(stack).cache;
    const onAws = config.mode === "elasticache";
    const { mocks, built } = await registered(
        stack,
        () =>
            new Cache(
                "cache",
                {
                    cache: config,
                    environment: stack,
                    network: onAws ? NETWORK : undefined,
                    cluster: onAws ? EKS_CLUSTER : {},
                    namespace: onAws ? undefined : pulumi.output(DATA_NS),
                },
                { providers: providers(stack, onAws) },
            ),
    );
    return { mocks, cache: built };
}

describe("Cache component", function () {
    this.timeout(60_000);

    describe("elasticache, production", () => {
        let mocks: RecordingMocks;
        let cache: Cache;
        before(async () => {
            ({ mocks, cache } = await cacheOf("production"));
        });
        const group = () => mocks.one(GROUP).inputs;

        it("runs Redis 7 in cluster mode with 3 shards × 1 replica, failing over automatically across AZs", () => {
            assert.strictEqual(group().replicationGroupId, "claude-enhancer-production");
            assert.strictEqual(group().engine, "redis");
            assert.strictEqual(group().engineVersion, "7.1");
            assert.strictEqual(group().nodeType, "cache.r6g.large");
            assert.strictEqual(group().clusterMode, "enabled");
            assert.strictEqual(group().numNodeGroups, 3);
            assert.strictEqual(group().replicasPerNodeGroup, 1);
            assert.strictEqual(group().numCacheClusters, undefined);
            assert.strictEqual(group().automaticFailoverEnabled, true);
            assert.strictEqual(group().multiAzEnabled, true);
        });

        it("encrypts at rest with its own rotating KMS key and requires TLS in transit", async () => {
            const key = mocks.one("aws:kms/key:Key", "cache-key");
            assert.strictEqual(key.inputs.enableKeyRotation, true);
            assert.strictEqual(group().atRestEncryptionEnabled, true);
            assert.strictEqual(group().kmsKeyId, key.state.arn);
            assert.strictEqual(group().transitEncryptionEnabled, true);
            assert.strictEqual(group().transitEncryptionMode, "required");
            assert.strictEqual(cache.tls, true);
            const recorded = mocks.one(GROUP);
            for (const policy of [elasticacheAtRestEncryption, elasticacheTransitEncryption, elasticacheFailover]) {
                assertCompliant(
                    await checkResource(
                        policy,
                        resource(recorded.type, recorded.name, { ...recorded.inputs, authToken: secretInput(recorded.inputs.authToken) }),
                    ),
                );
            }
        });

        it("sets a generated AUTH token, sent and stored as a secret, from characters ElastiCache accepts", async () => {
            const token = mocks.one("random:index/randomPassword:RandomPassword", "cache-auth-token");
            assert.strictEqual(token.inputs.length, 64);
            assert.strictEqual(token.inputs.overrideSpecial, AUTH_TOKEN_SPECIALS);
            assert.ok(!/[/"@ ]/.test(AUTH_TOKEN_SPECIALS));
            assert.deepStrictEqual(token.additionalSecretOutputs, ["bcryptHash", "result"]);
            assert.strictEqual(secretInput(group().authToken), token.state.result);
            assert.ok(mocks.one(GROUP).additionalSecretOutputs.includes("authToken"));
            assert.strictEqual(await pulumi.isSecret(cache.authToken), true);
            assert.strictEqual(await resolved(cache.authToken), token.state.result);
        });

        it("keeps daily snapshots for the configured days, in windows that do not overlap", () => {
            assert.strictEqual(group().snapshotRetentionLimit, 7);
            assert.strictEqual(group().snapshotWindow, "00:00-01:00");
            assert.strictEqual(group().maintenanceWindow, "sun:01:30-sun:02:30");
        });

        it("admits Redis only from the cluster's security group, on 6379", () => {
            const sg = mocks.one("aws:ec2/securityGroup:SecurityGroup", "cache-sg");
            assert.strictEqual(sg.inputs.ingress, undefined);
            const rules = mocks
                .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                .filter((r) => r.inputs.securityGroupId === sg.id);
            assert.deepStrictEqual(
                rules.map((r) => ({
                    source: r.inputs.referencedSecurityGroupId,
                    protocol: r.inputs.ipProtocol,
                    from: r.inputs.fromPort,
                    to: r.inputs.toPort,
                    v4: r.inputs.cidrIpv4,
                })),
                [{ source: CLUSTER_SG, protocol: "tcp", from: 6379, to: 6379, v4: undefined }],
            );
            assert.deepStrictEqual(group().securityGroupIds, [sg.id]);
        });

        it("uses a cluster-mode redis7 parameter group and a subnet group over the private subnets", () => {
            const params = mocks.one("aws:elasticache/parameterGroup:ParameterGroup").inputs;
            assert.strictEqual(params.family, "redis7");
            assert.deepStrictEqual(params.parameters, [{ name: "cluster-enabled", value: "yes" }]);
            assert.strictEqual(group().parameterGroupName, params.name);
            const subnets = mocks.one("aws:elasticache/subnetGroup:SubnetGroup").inputs;
            assert.deepStrictEqual(subnets.subnetIds, NETWORK.privateSubnetIds);
            assert.strictEqual(group().subnetGroupName, subnets.name);
        });

        it("gives clients the configuration endpoint", async () => {
            assert.strictEqual(await resolved(cache.host), "clustercfg.cache-redis.abc123.use1.cache.amazonaws.com");
            assert.strictEqual(await resolved(cache.port), 6379);
        });
    });

    describe("elasticache, staging", () => {
        it("runs one shard with one replica and keeps one day of snapshots", async () => {
            const { mocks } = await cacheOf("staging");
            const group = mocks.one(GROUP).inputs;
            assert.strictEqual(group.numNodeGroups, 1);
            assert.strictEqual(group.replicasPerNodeGroup, 1);
            assert.strictEqual(group.snapshotRetentionLimit, 1);
            assert.strictEqual(group.nodeType, "cache.t4g.medium");
        });

        it("refuses to build without the cluster's security group", async () => {
            const config = loadStackConfig("staging").cache;
            await registered("staging", () => {
                assert.throws(
                    () => new Cache("no-sg", { cache: config, environment: "staging", network: NETWORK, cluster: {} }),
                    /needs the EKS cluster's security group/,
                );
            });
        });
    });

    describe("in-cluster (local)", () => {
        let mocks: RecordingMocks;
        let cache: Cache;
        before(async () => {
            ({ mocks, cache } = await cacheOf("local"));
        });
        const statefulSet = () => mocks.one("kubernetes:apps/v1:StatefulSet");
        const container = () => statefulSet().inputs.spec.template.spec.containers[0];

        it("creates no AWS resource", () => {
            assert.deepStrictEqual(
                awsResources(mocks).map((r) => r.type),
                [],
            );
        });

        it("runs a pinned Redis 7 image as the image's redis user under Pod Security restricted", async () => {
            assert.match(container().image, /^redis:7\.\d+\.\d+-alpine$/);
            assert.strictEqual(statefulSet().inputs.metadata.namespace, DATA_NS);
            const pod = statefulSet().inputs.spec.template.spec;
            assert.strictEqual(pod.securityContext.runAsUser, 999);
            assert.strictEqual(pod.securityContext.fsGroup, 1000);
            assert.strictEqual(container().securityContext.readOnlyRootFilesystem, true);
            assert.deepStrictEqual(container().securityContext.capabilities, { drop: ["ALL"] });
            const set = statefulSet();
            for (const policy of kubernetesSecurityPolicies.filter((p): p is ResourceValidationPolicy => "validateResource" in p)) {
                // As the local stack runs it: its tag-pinned third-party images are waived there (policies/waivers.json).
                assertCompliant(
                    await checkResource(
                        withWaivers(policy) as ResourceValidationPolicy,
                        asRegisteredBy("local", resource(set.type, set.name, set.inputs)),
                    ),
                );
            }
        });

        it("requires a generated password, given in a config file from a secret Secret rather than on the command line", async () => {
            const secret = mocks.one("kubernetes:core/v1:Secret");
            const password = mocks.one("random:index/randomPassword:RandomPassword").state.result as string;
            const data = secretInput(secret.inputs.stringData) as Record<string, string>;
            assert.strictEqual(data.password, password);
            assert.strictEqual(data["redis.conf"], inClusterRedisConf(password));
            assert.deepStrictEqual(container().args, ["redis-server", "/etc/redis/redis.conf"]);
            assert.ok(!JSON.stringify(statefulSet().inputs).includes(password), "the password appears in the StatefulSet");
            const configVolume = statefulSet().inputs.spec.template.spec.volumes.find((v: { name: string }) => v.name === "config");
            assert.strictEqual(configVolume.secret.secretName, secret.inputs.metadata.name);
            assert.strictEqual(await pulumi.isSecret(cache.authToken), true);
            assert.strictEqual(await resolved(cache.authToken), password);
            assert.strictEqual(cache.tls, false);
        });

        it("probes with an authenticated PING", () => {
            assert.deepStrictEqual(container().readinessProbe.exec.command, [
                "sh",
                "-c",
                "redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG",
            ]);
            assert.deepStrictEqual(container().env, [
                { name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: "redis-auth", key: "password" } } },
            ]);
        });

        it("admits only the application namespace on 6379 and is reached at the Service's DNS name", async () => {
            const policy = mocks.one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs;
            assert.deepStrictEqual(policy.spec.ingress[0].ports, [{ protocol: "TCP", port: 6379 }]);
            assert.deepStrictEqual(policy.spec.ingress[0].from, [
                { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "claude-enhancer" } } },
            ]);
            assert.strictEqual(await resolved(cache.host), `redis.${DATA_NS}.svc.cluster.local`);
            assert.deepStrictEqual(statefulSet().inputs.spec.volumeClaimTemplates[0].spec.resources, { requests: { storage: "1Gi" } });
        });
    });

    it("writes a redis.conf that requires the password, persists to /data and caps memory below the container limit", () => {
        assert.strictEqual(
            inClusterRedisConf("s3cret"),
            "bind * -::*\nport 6379\nrequirepass s3cret\ndir /data\nappendonly yes\nmaxmemory 384mb\nmaxmemory-policy volatile-lru\n",
        );
    });
});
