import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { Database, POSTGRES_PARAMETERS } from "../../../components/data/database";
import { checkedIdentifier, stackPrefix } from "../../../components/aws/names";
import type { DatabaseConfig } from "../../../config/database";
import { loadStackConfig } from "../../../config/stackFile";
import { withWaivers } from "../../../policies/pack";
import { kubernetesSecurityPolicies } from "../../../policies/kubernetesSecurity";
import { rdsForceSsl, rdsManagedCredentials, rdsStorageEncrypted } from "../../../policies/awsSecurity";
import { kmsExplicitKeyPolicy, rdsLogExports } from "../../../policies/awsHardening";
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

const INSTANCE = "aws:rds/instance:Instance";

async function databaseOf(
    stack: "staging" | "production" | "local",
    overrides: Partial<Record<string, unknown>> = {},
): Promise<{ mocks: RecordingMocks; database: Database }> {
    const config = { ...loadStackConfig(stack).database, ...overrides } as DatabaseConfig;
    const onAws = config.mode === "rds";
    const { mocks, built } = await registered(
        stack,
        () =>
            new Database(
                "database",
                {
                    database: config,
                    environment: stack,
                    network: onAws ? NETWORK : undefined,
                    cluster: onAws ? EKS_CLUSTER : {},
                    namespace: onAws ? undefined : pulumi.output(DATA_NS),
                },
                { providers: providers(stack, onAws) },
            ),
    );
    return { mocks, database: built };
}

const primaryOf = (mocks: RecordingMocks) => mocks.one(INSTANCE, "database-primary");

describe("data store names", () => {
    it("turns project and stack into an identifier AWS accepts", () => {
        assert.strictEqual(stackPrefix("claude-enhancer", "production"), "claude-enhancer-production");
        assert.strictEqual(stackPrefix("claude-enhancer", "Dev_EU.2"), "claude-enhancer-dev-eu-2");
        assert.strictEqual(stackPrefix("1st", "--x--"), "st-x");
        assert.throws(() => stackPrefix("123", "-"), /give no usable resource name/);
    });

    it("refuses identifiers longer than the service allows", () => {
        assert.strictEqual(checkedIdentifier("claude-enhancer-staging", 40, "id"), "claude-enhancer-staging");
        assert.throws(
            () => checkedIdentifier("claude-enhancer-a-much-longer-stack-names", 40, "ElastiCache replication group id"),
            /ElastiCache replication group id "claude-enhancer-a-much-longer-stack-names" is 41 characters; AWS allows 40/,
        );
    });
});

describe("Database component", function () {
    this.timeout(60_000);

    describe("rds, production", () => {
        let mocks: RecordingMocks;
        let database: Database;
        before(async () => {
            ({ mocks, database } = await databaseOf("production"));
        });

        it("encrypts storage, Performance Insights and the credentials secret with its own rotating KMS key", () => {
            const key = mocks.one("aws:kms/key:Key", "database-key");
            assert.strictEqual(key.inputs.enableKeyRotation, true);
            assert.strictEqual(mocks.one("aws:kms/alias:Alias", "database-key").inputs.name, "alias/claude-enhancer-production-database");
            const primary = primaryOf(mocks).inputs;
            assert.strictEqual(primary.storageEncrypted, true);
            assert.strictEqual(primary.kmsKeyId, key.state.arn);
            assert.strictEqual(primary.performanceInsightsEnabled, true);
            assert.strictEqual(primary.performanceInsightsKmsKeyId, key.state.arn);
            assert.strictEqual(primary.masterUserSecretKmsKeyId, key.state.arn);
        });

        it("gives the key an explicit policy: the account administers it, its principals use it through RDS and Secrets Manager only", async () => {
            const key = mocks.one("aws:kms/key:Key", "database-key");
            const [admin, use] = JSON.parse(key.inputs.policy).Statement;
            assert.deepStrictEqual(admin, {
                Sid: "AccountAdministersTheKey",
                Effect: "Allow",
                Principal: { AWS: "arn:aws:iam::123456789012:root" },
                Action: "kms:*",
                Resource: "*",
            });
            assert.deepStrictEqual(use.Condition.StringEquals, {
                "kms:CallerAccount": "123456789012",
                "kms:ViaService": ["rds.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com"],
            });
            assertCompliant(await checkResource(kmsExplicitKeyPolicy, resource(key.type, key.name, key.inputs)));
        });

        it("lets RDS generate and rotate the master password in Secrets Manager, never passing one", async () => {
            const primary = primaryOf(mocks).inputs;
            assert.strictEqual(primary.manageMasterUserPassword, true);
            assert.strictEqual(primary.password, undefined);
            assert.strictEqual(primary.username, "claude_admin");
            assert.strictEqual(
                await resolved(database.credentialsSecretArn!),
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!database-primary",
            );
        });

        it("runs a private Multi-AZ gp3 PostgreSQL 15 primary with IAM authentication", () => {
            const primary = primaryOf(mocks).inputs;
            assert.strictEqual(primary.identifier, "claude-enhancer-production");
            assert.strictEqual(primary.engine, "postgres");
            assert.strictEqual(primary.engineVersion, "15");
            assert.strictEqual(primary.instanceClass, "db.r6g.large");
            assert.strictEqual(primary.storageType, "gp3");
            assert.strictEqual(primary.allocatedStorage, 200);
            assert.strictEqual(primary.maxAllocatedStorage, 1000);
            assert.strictEqual(primary.multiAz, true);
            assert.strictEqual(primary.publiclyAccessible, false);
            assert.strictEqual(primary.iamDatabaseAuthenticationEnabled, true);
            assert.strictEqual(primary.autoMinorVersionUpgrade, true);
            assert.strictEqual(primary.allowMajorVersionUpgrade, false);
            assert.strictEqual(primary.dbName, "claude_enhancer");
        });

        it("keeps 30 days of automated backups (PITR) in a window apart from maintenance, tagged for the daily backup plan", () => {
            const primary = primaryOf(mocks).inputs;
            assert.strictEqual(primary.backupRetentionPeriod, 30);
            assert.strictEqual(primary.backupWindow, "00:00-01:00");
            assert.strictEqual(primary.maintenanceWindow, "sun:01:30-sun:02:30");
            assert.strictEqual(primary.copyTagsToSnapshot, true);
            assert.strictEqual(primary.tags.Backup, "daily");
        });

        it("protects the primary from deletion and keeps a final snapshot and the automated backups", () => {
            const primary = primaryOf(mocks).inputs;
            assert.strictEqual(primary.deletionProtection, true);
            assert.strictEqual(primary.skipFinalSnapshot, false);
            assert.strictEqual(primary.finalSnapshotIdentifier, "claude-enhancer-production-final");
            assert.strictEqual(primary.deleteAutomatedBackups, false);
        });

        it("admits PostgreSQL only from the cluster's security group, on 5432, with no CIDR anywhere", () => {
            const sg = mocks.one("aws:ec2/securityGroup:SecurityGroup", "database-sg");
            assert.strictEqual(sg.inputs.vpcId, NETWORK.vpcId);
            assert.strictEqual(sg.inputs.ingress, undefined);
            assert.strictEqual(sg.inputs.egress, undefined);
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
                    v6: r.inputs.cidrIpv6,
                })),
                [{ source: CLUSTER_SG, protocol: "tcp", from: 5432, to: 5432, v4: undefined, v6: undefined }],
            );
            assert.deepStrictEqual(primaryOf(mocks).inputs.vpcSecurityGroupIds, [sg.id]);
        });

        it("places the instances in a subnet group over the private subnets", () => {
            const group = mocks.one("aws:rds/subnetGroup:SubnetGroup", "database-subnets");
            assert.deepStrictEqual(group.inputs.subnetIds, NETWORK.privateSubnetIds);
            assert.strictEqual(primaryOf(mocks).inputs.dbSubnetGroupName, group.inputs.name);
        });

        it("uses a postgres15 parameter group loading pg_stat_statements (at reboot) and forcing TLS", async () => {
            const group = mocks.one("aws:rds/parameterGroup:ParameterGroup", "database-params");
            assert.strictEqual(group.inputs.family, "postgres15");
            assert.deepStrictEqual(group.inputs.parameters, [
                { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
                { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
            ]);
            assert.strictEqual(primaryOf(mocks).inputs.parameterGroupName, group.inputs.name);
            assert.deepStrictEqual(database.parameters, POSTGRES_PARAMETERS);
            assertCompliant(await checkResource(rdsForceSsl, resource(group.type, group.name, group.inputs)));
        });

        it("adds a same-region read replica of the primary, encrypted with the same key, single-AZ, outside the backup plan", () => {
            const replica = mocks.one(INSTANCE, "database-replica").inputs;
            const primary = primaryOf(mocks).inputs;
            assert.strictEqual(replica.identifier, "claude-enhancer-production-replica");
            assert.strictEqual(replica.replicateSourceDb, primary.identifier);
            assert.strictEqual(replica.storageEncrypted, true);
            assert.strictEqual(replica.kmsKeyId, primary.kmsKeyId);
            assert.strictEqual(replica.storageType, "gp3");
            assert.strictEqual(replica.multiAz, false);
            assert.strictEqual(replica.publiclyAccessible, false);
            assert.strictEqual(replica.parameterGroupName, primary.parameterGroupName);
            assert.deepStrictEqual(replica.vpcSecurityGroupIds, primary.vpcSecurityGroupIds);
            assert.strictEqual(replica.skipFinalSnapshot, true);
            assert.strictEqual(replica.manageMasterUserPassword, undefined);
            assert.strictEqual(replica.tags.Backup, undefined);
        });

        it("gives Enhanced Monitoring a role only RDS monitoring may assume, with the AWS managed policy", () => {
            const role = mocks.one("aws:iam/role:Role", "database-monitoring");
            assert.deepStrictEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [
                { Effect: "Allow", Principal: { Service: "monitoring.rds.amazonaws.com" }, Action: "sts:AssumeRole" },
            ]);
            const attachment = mocks.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "database-monitoring");
            assert.strictEqual(attachment.inputs.role, role.state.name);
            assert.strictEqual(attachment.inputs.policyArn, "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole");
            const primary = primaryOf(mocks);
            assert.strictEqual(primary.inputs.monitoringInterval, 60);
            assert.strictEqual(primary.inputs.monitoringRoleArn, role.state.arn);
            assert.ok(primary.dependsOn.includes(attachment.urn), "the instance does not wait for the policy attachment");
        });

        it("passes the policy pack's RDS encryption and credential rules", async () => {
            const primary = primaryOf(mocks);
            for (const policy of [rdsStorageEncrypted, rdsManagedCredentials]) {
                assertCompliant(await checkResource(policy, resource(primary.type, primary.name, primary.inputs)));
            }
        });

        it("exposes the endpoint and TLS for the application", async () => {
            assert.strictEqual(await resolved(database.host), "database-primary.abc123.us-east-1.rds.amazonaws.com");
            assert.strictEqual(await resolved(database.port), 5432);
            assert.strictEqual(await resolved(database.databaseName), "claude_enhancer");
            assert.strictEqual(await resolved(database.replicaHost!), "database-replica.abc123.us-east-1.rds.amazonaws.com");
            assert.strictEqual(database.tls, true);
            assert.strictEqual(database.password, undefined);
        });
    });

    describe("rds, staging", () => {
        let mocks: RecordingMocks;
        before(async () => {
            ({ mocks } = await databaseOf("staging"));
        });

        it("runs single-AZ with 7 days of backups, without deletion protection or final snapshot", () => {
            const primary = primaryOf(mocks).inputs;
            assert.strictEqual(primary.identifier, "claude-enhancer-staging");
            assert.strictEqual(primary.multiAz, false);
            assert.strictEqual(primary.backupRetentionPeriod, 7);
            assert.strictEqual(primary.deletionProtection, false);
            assert.strictEqual(primary.skipFinalSnapshot, true);
            assert.strictEqual(primary.finalSnapshotIdentifier, undefined);
            assert.strictEqual(primary.deleteAutomatedBackups, true);
        });

        it("still has its read replica", () => {
            assert.strictEqual(mocks.ofType(INSTANCE).filter((r) => r.inputs.replicateSourceDb).length, 1);
        });

        it("exports the primary's and the replica's PostgreSQL and upgrade logs to log groups made first, each with its own key", async () => {
            for (const [role, identifier] of [
                ["primary", "claude-enhancer-staging"],
                ["replica", "claude-enhancer-staging-replica"],
            ]) {
                const instance = mocks.one(INSTANCE, `database-${role}`);
                assert.deepStrictEqual(instance.inputs.enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
                assertCompliant(await checkResource(rdsLogExports, resource(INSTANCE, instance.name, instance.inputs)));
                for (const log of ["postgresql", "upgrade"]) {
                    const group = mocks.one("aws:cloudwatch/logGroup:LogGroup", `database-${role}-${log}-logs`);
                    const key = mocks.one("aws:kms/key:Key", `database-${role}-${log}-logs-key`);
                    assert.deepStrictEqual(
                        [group.inputs.name, group.inputs.retentionInDays, group.inputs.kmsKeyId],
                        [`/aws/rds/instance/${identifier}/${log}`, 30, key.state.arn],
                    );
                    // CloudWatch Logs may use the key for this log group only.
                    assert.strictEqual(
                        JSON.parse(key.inputs.policy).Statement[1].Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"],
                        `arn:aws:logs:us-east-1:123456789012:log-group:/aws/rds/instance/${identifier}/${log}`,
                    );
                    assert.ok(instance.dependsOn.includes(group.urn), `${instance.name} waits for ${group.name}`);
                }
            }
        });
    });

    describe("rds, configuration variants", () => {
        it("creates no replica when readReplica is false", async () => {
            const { mocks } = await databaseOf("staging", { readReplica: false });
            assert.deepStrictEqual(
                mocks.ofType(INSTANCE).map((r) => r.name),
                ["database-primary"],
            );
        });

        it("creates no monitoring role when Enhanced Monitoring is off", async () => {
            const { mocks } = await databaseOf("staging", { monitoringIntervalSeconds: 0 });
            assert.deepStrictEqual(
                mocks.ofType("aws:iam/role:Role").map((r) => r.name),
                [],
            );
            assert.strictEqual(primaryOf(mocks).inputs.monitoringInterval, 0);
            assert.strictEqual(primaryOf(mocks).inputs.monitoringRoleArn, undefined);
        });

        it("refuses to build without the network or the cluster's security group", async () => {
            const config = loadStackConfig("staging").database;
            await registered("staging", () => {
                assert.throws(
                    () => new Database("no-network", { database: config, environment: "staging", cluster: EKS_CLUSTER }),
                    /database.mode rds needs the Network component/,
                );
                assert.throws(
                    () => new Database("no-sg", { database: config, environment: "staging", network: NETWORK, cluster: {} }),
                    /database.mode rds needs the EKS cluster's security group/,
                );
            });
        });
    });

    describe("in-cluster (local)", () => {
        let mocks: RecordingMocks;
        let database: Database;
        before(async () => {
            ({ mocks, database } = await databaseOf("local"));
        });

        const statefulSet = () => mocks.one("kubernetes:apps/v1:StatefulSet");
        const container = () => statefulSet().inputs.spec.template.spec.containers[0];

        it("creates no AWS resource", () => {
            assert.deepStrictEqual(
                awsResources(mocks).map((r) => r.type),
                [],
            );
        });

        it("runs a pinned PostgreSQL 15 image in the data namespace with a persistent volume of the configured size", () => {
            const set = statefulSet().inputs;
            assert.match(container().image, /^postgres:15\.\d+-alpine$/);
            assert.strictEqual(set.metadata.namespace, DATA_NS);
            assert.strictEqual(set.spec.replicas, 1);
            assert.deepStrictEqual(set.spec.volumeClaimTemplates[0].spec, {
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: "5Gi" } },
            });
            assert.deepStrictEqual(container().args, ["-c", "shared_preload_libraries=pg_stat_statements"]);
        });

        it("runs as the image's postgres user under Pod Security restricted, with writable scratch only where PostgreSQL writes", async () => {
            const pod = statefulSet().inputs.spec.template.spec;
            assert.deepStrictEqual(pod.securityContext, {
                runAsNonRoot: true,
                runAsUser: 70,
                runAsGroup: 70,
                fsGroup: 70,
                fsGroupChangePolicy: "OnRootMismatch",
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.deepStrictEqual(container().securityContext, {
                runAsNonRoot: true,
                runAsUser: 70,
                runAsGroup: 70,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.deepStrictEqual(
                container().volumeMounts.map((m: { mountPath: string }) => m.mountPath),
                ["/var/lib/postgresql/data", "/var/run/postgresql", "/tmp", "/run/secrets/postgres"],
            );
            assert.strictEqual(container().env.find((e: { name: string }) => e.name === "PGDATA").value, "/var/lib/postgresql/data/pgdata");
            assert.strictEqual(pod.automountServiceAccountToken, false);
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

        it("checks readiness with pg_isready over TCP", () => {
            const command = ["pg_isready", "--host=127.0.0.1", "--port=5432", "--username=claude_enhancer", "--dbname=claude_enhancer"];
            for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
                assert.deepStrictEqual(container()[probe].exec.command, command, probe);
            }
        });

        it("keeps a generated password in a Secret sent as a secret, and hands it to PostgreSQL from there", async () => {
            const secret = mocks.one("kubernetes:core/v1:Secret");
            const password = mocks.one("random:index/randomPassword:RandomPassword");
            assert.strictEqual(password.inputs.length, 32);
            assert.deepStrictEqual(secretInput(secret.inputs.stringData), { username: "claude_enhancer", password: password.state.result });
            assert.strictEqual(
                container().env.find((e: { name: string }) => e.name === "POSTGRES_PASSWORD"),
                undefined,
            );
            assert.strictEqual(
                container().env.find((e: { name: string }) => e.name === "POSTGRES_PASSWORD_FILE").value,
                "/run/secrets/postgres/password",
            );
            const volume = statefulSet().inputs.spec.template.spec.volumes.find((v: { name: string }) => v.name === "credentials");
            assert.deepStrictEqual(volume.secret, {
                secretName: secret.inputs.metadata.name,
                items: [{ key: "password", path: "password" }],
                defaultMode: 0o440,
            });
            assert.ok(statefulSet().dependsOn.includes(secret.urn));
            assert.strictEqual(await pulumi.isSecret(database.password!), true);
            assert.strictEqual(await resolved(database.password!), password.state.result);
        });

        it("admits only the application namespace on 5432 and monitoring on the exporter's 9187, and lets the database open no connection", () => {
            const policy = mocks.one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs;
            assert.strictEqual(policy.metadata.namespace, DATA_NS);
            assert.deepStrictEqual(policy.spec.podSelector.matchLabels, statefulSet().inputs.spec.selector.matchLabels);
            assert.deepStrictEqual(policy.spec.policyTypes, ["Ingress", "Egress"]);
            assert.deepStrictEqual(policy.spec.ingress, [
                {
                    from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "claude-enhancer" } } }],
                    ports: [{ protocol: "TCP", port: 5432 }],
                },
                {
                    from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
                    ports: [{ protocol: "TCP", port: 9187 }],
                },
            ]);
            assert.deepStrictEqual(policy.spec.egress, []);
        });

        it("is reached at the Service's cluster DNS name, in plain text", async () => {
            const service = mocks.one("kubernetes:core/v1:Service").inputs;
            assert.deepStrictEqual(service.spec.selector, statefulSet().inputs.spec.selector.matchLabels);
            assert.strictEqual(await resolved(database.host), `postgres.${DATA_NS}.svc.cluster.local`);
            assert.strictEqual(await resolved(database.port), 5432);
            assert.strictEqual(await resolved(database.username), "claude_enhancer");
            assert.strictEqual(database.credentialsSecretArn, undefined);
            assert.strictEqual(database.tls, false);
        });
    });
});
