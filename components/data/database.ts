import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { DatabaseConfig, RdsDatabaseConfig } from "../../config/database";
import { accountScope } from "../aws/accountScope";
import { BACKUP_SELECTION_TAG } from "../aws/tags";
import { checkedIdentifier, currentStackPrefix } from "../aws/names";
import { clusterOnlySecurityGroup, DataStoreClients, DataStoreNetwork } from "./dataStoreNetwork";
import { rotatingKey } from "../aws/kms";
import { RDS_LOG_EXPORTS, rdsLogGroups } from "../aws/rdsLogGroups";
import { awsManagedPolicyArn, serviceAssumeRolePolicy } from "../aws/iamDocuments";
import { InClusterStore, storeSecretName } from "./inClusterStore";
import { postgresExporter } from "../observability/exporters";
import { componentType } from "../../identity";

export const POSTGRES_PORT = 5432;
/** Official PostgreSQL 15 image, Alpine variant: its `postgres` user is uid/gid 70. */
export const POSTGRES_IMAGE = "postgres:15.10-alpine";
const POSTGRES_USER = { uid: 70, gid: 70 };
/** Owner of the in-cluster database (the image's POSTGRES_USER). */
export const IN_CLUSTER_USERNAME = "claude_enhancer";
/** Performance Insights keeps 7 days at no charge. */
const PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7;

/**
 * Parameters of the PostgreSQL 15 parameter group: pg_stat_statements loaded at start (a static
 * parameter, so it takes effect at the next reboot) and TLS required for every connection.
 * The DR region's parameter group repeats them.
 */
export const POSTGRES_PARAMETERS: aws.types.input.rds.ParameterGroupParameter[] = [
    { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
    { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
];

export interface DatabaseArgs {
    database: DatabaseConfig;
    environment: string;
    /** Required for `rds`. */
    network?: DataStoreNetwork;
    cluster: DataStoreClients;
    /** Namespace of the in-cluster database; required for `in-cluster`. */
    namespace?: pulumi.Input<string>;
}

/**
 * PostgreSQL 15 for the platform (docs/architecture.md).
 *
 * `rds`: a rotating KMS key (storage, Performance Insights, the master-password secret); a DB subnet
 * group over the private subnets; a security group admitting 5432 only from the cluster's security
 * group; a postgres15 parameter group (pg_stat_statements, rds.force_ssl=1); the primary (gp3,
 * encrypted, Multi-AZ per config, master password generated and rotated by RDS in Secrets Manager,
 * automated backups with PITR, IAM authentication, Enhanced Monitoring, tagged for the daily AWS
 * Backup plan, deletion protection per config, final snapshot in production, PostgreSQL and upgrade
 * logs exported to pre-created encrypted log groups with retention) and, per config, a read replica
 * in the same region (exporting its logs likewise).
 *
 * `in-cluster`: a PostgreSQL 15 StatefulSet with a generated password (a Pulumi secret), see InClusterStore.
 */
export class Database extends pulumi.ComponentResource {
    readonly host: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    readonly databaseName: pulumi.Output<string>;
    readonly username: pulumi.Output<string>;
    /** The server requires TLS (RDS with rds.force_ssl=1); the in-cluster server is reached in plain text inside the cluster. */
    readonly tls: boolean;
    /** Secrets Manager secret with the RDS master credentials (rotated by RDS); undefined in-cluster. */
    readonly credentialsSecretArn?: pulumi.Output<string>;
    /** The in-cluster database's password (a Pulumi secret); undefined for RDS, whose password lives in Secrets Manager only. */
    readonly password?: pulumi.Output<string>;
    readonly primary?: aws.rds.Instance;
    readonly replica?: aws.rds.Instance;
    readonly replicaHost?: pulumi.Output<string>;
    /** Key encrypting the RDS storage, snapshots and the credentials secret. */
    readonly kmsKeyArn?: pulumi.Output<string>;
    readonly securityGroupId?: pulumi.Output<string>;
    /** Parameters of the RDS parameter group (for a parameter group in another region). */
    readonly parameters?: aws.types.input.rds.ParameterGroupParameter[];

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("data", "Database"), name, {}, opts);
        const config = args.database;

        if (config.mode === "rds") {
            const rds = this.createRds(name, config, args);
            this.host = rds.primary.address;
            this.port = rds.primary.port;
            this.databaseName = pulumi.output(config.databaseName);
            this.username = pulumi.output(config.masterUsername);
            this.tls = true;
            this.credentialsSecretArn = rds.primary.masterUserSecrets.apply((secrets) => {
                const arn = secrets?.[0]?.secretArn;
                if (!arn) throw new Error("RDS returned no master user secret although manageMasterUserPassword is set");
                return arn;
            });
            this.primary = rds.primary;
            this.replica = rds.replica;
            this.replicaHost = rds.replica?.address;
            this.kmsKeyArn = rds.key.arn;
            this.securityGroupId = rds.securityGroup.id;
            this.parameters = POSTGRES_PARAMETERS;
        } else {
            if (args.namespace === undefined) throw new Error("database.mode in-cluster needs the data namespace");
            const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
            this.password = pulumi.secret(password.result);
            const store = new InClusterStore(
                `${name}-postgres`,
                {
                    namespace: args.namespace,
                    name: "postgres",
                    component: "database",
                    user: POSTGRES_USER,
                    port: POSTGRES_PORT,
                    storageGb: config.storageGb,
                    dataPath: "/var/lib/postgresql/data",
                    secretData: { username: IN_CLUSTER_USERNAME, password: this.password },
                    container: postgresContainer(config.databaseName),
                    exporter: postgresExporter({
                        port: POSTGRES_PORT,
                        databaseName: config.databaseName,
                        username: IN_CLUSTER_USERNAME,
                        password: { volume: "credentials", directory: CREDENTIALS_PATH, file: "password" },
                    }),
                    volumes: [
                        { name: "run", emptyDir: { sizeLimit: "16Mi" } },
                        { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                        {
                            name: "credentials",
                            secret: {
                                secretName: storeSecretName("postgres"),
                                items: [{ key: "password", path: "password" }],
                                defaultMode: 0o440,
                            },
                        },
                    ],
                    volumeMounts: [
                        { name: "run", mountPath: "/var/run/postgresql" },
                        { name: "tmp", mountPath: "/tmp" },
                        { name: "credentials", mountPath: CREDENTIALS_PATH, readOnly: true },
                    ],
                },
                { parent: this },
            );
            this.host = store.host;
            this.port = store.port;
            this.databaseName = pulumi.output(config.databaseName);
            this.username = pulumi.output(IN_CLUSTER_USERNAME);
            this.tls = false;
        }

        this.registerOutputs({
            host: this.host,
            port: this.port,
            databaseName: this.databaseName,
            username: this.username,
            credentialsSecretArn: this.credentialsSecretArn,
            password: this.password,
            replicaHost: this.replicaHost,
            kmsKeyArn: this.kmsKeyArn,
        });
    }

    private createRds(name: string, config: RdsDatabaseConfig, args: DatabaseArgs) {
        if (!args.network) throw new Error("database.mode rds needs the Network component (cluster.mode eks)");
        const clusterSecurityGroupId = args.cluster.clusterSecurityGroupId;
        if (clusterSecurityGroupId === undefined)
            throw new Error("database.mode rds needs the EKS cluster's security group (cluster.mode eks)");
        const prefix = currentStackPrefix();
        const identifier = checkedIdentifier(prefix, 63 - "-replica".length, "RDS instance identifier");
        const production = args.environment === "production";
        const parent = { parent: this };

        const key = rotatingKey(
            `${name}-key`,
            `${prefix}-database`,
            `PostgreSQL storage, Performance Insights and credentials of ${prefix}`,
            // The master-password secret is Secrets Manager's, created by RDS.
            ["rds", "secretsmanager"],
            { parent: this },
        );

        const subnetGroup = new aws.rds.SubnetGroup(
            `${name}-subnets`,
            { name: prefix, description: `Private subnets of ${prefix}`, subnetIds: args.network.privateSubnetIds, tags: { Name: prefix } },
            parent,
        );
        const securityGroup = clusterOnlySecurityGroup(
            name,
            { name: `${prefix}-database`, service: "PostgreSQL", port: POSTGRES_PORT, vpcId: args.network.vpcId, clusterSecurityGroupId },
            parent,
        );
        const parameterGroup = new aws.rds.ParameterGroup(
            `${name}-params`,
            {
                name: `${prefix}-postgres15`,
                family: "postgres15",
                description: `PostgreSQL 15 settings of ${prefix}`,
                parameters: POSTGRES_PARAMETERS,
            },
            parent,
        );

        let monitoringRoleArn: pulumi.Output<string> | undefined;
        const monitoringDependencies: pulumi.Resource[] = [];
        if (config.monitoringIntervalSeconds > 0) {
            const role = new aws.iam.Role(
                `${name}-monitoring`,
                {
                    name: `${prefix}-rds-monitoring`,
                    description: `Enhanced Monitoring of ${prefix}'s RDS instances`,
                    assumeRolePolicy: JSON.stringify(serviceAssumeRolePolicy("monitoring.rds.amazonaws.com")),
                },
                parent,
            );
            const attachment = new aws.iam.RolePolicyAttachment(
                `${name}-monitoring`,
                {
                    role: role.name,
                    policyArn: accountScope(this).apply((scope) =>
                        awsManagedPolicyArn(scope.partition, "service-role/AmazonRDSEnhancedMonitoringRole"),
                    ),
                },
                parent,
            );
            monitoringRoleArn = role.arn;
            monitoringDependencies.push(attachment);
        }
        const primaryLogs = rdsLogGroups(`${name}-primary`, identifier, config.logRetentionDays, this);
        // Settings the primary and the replica share.
        const common = {
            instanceClass: config.instanceClass,
            storageType: "gp3",
            storageEncrypted: true,
            kmsKeyId: key.arn,
            maxAllocatedStorage: config.maxAllocatedStorageGb,
            dbSubnetGroupName: subnetGroup.name,
            vpcSecurityGroupIds: [securityGroup.id],
            parameterGroupName: parameterGroup.name,
            port: POSTGRES_PORT,
            publiclyAccessible: false,
            iamDatabaseAuthenticationEnabled: true,
            autoMinorVersionUpgrade: true,
            copyTagsToSnapshot: true,
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: key.arn,
            performanceInsightsRetentionPeriod: PERFORMANCE_INSIGHTS_RETENTION_DAYS,
            monitoringInterval: config.monitoringIntervalSeconds,
            monitoringRoleArn,
            maintenanceWindow: config.maintenanceWindow,
            deletionProtection: config.deletionProtection,
            enabledCloudwatchLogsExports: [...RDS_LOG_EXPORTS],
        };

        const primary = new aws.rds.Instance(
            `${name}-primary`,
            {
                ...common,
                identifier,
                engine: "postgres",
                engineVersion: config.engineVersion,
                allowMajorVersionUpgrade: false,
                allocatedStorage: config.allocatedStorageGb,
                dbName: config.databaseName,
                username: config.masterUsername,
                // RDS generates the password, keeps it in Secrets Manager (encrypted with our key) and rotates it; it never enters Pulumi state.
                manageMasterUserPassword: true,
                masterUserSecretKmsKeyId: key.arn,
                multiAz: config.multiAz,
                backupRetentionPeriod: config.backupRetentionDays,
                backupWindow: config.backupWindow,
                // In production the last state survives a deletion: a final snapshot and the automated backups.
                skipFinalSnapshot: !production,
                finalSnapshotIdentifier: production ? `${identifier}-final` : undefined,
                deleteAutomatedBackups: !production,
                tags: { Name: identifier, Role: "primary", [BACKUP_SELECTION_TAG.key]: BACKUP_SELECTION_TAG.value },
            },
            { parent: this, dependsOn: [...monitoringDependencies, ...primaryLogs] },
        );

        const replica = config.readReplica
            ? new aws.rds.Instance(
                  `${name}-replica`,
                  {
                      ...common,
                      identifier: `${identifier}-replica`,
                      replicateSourceDb: primary.identifier,
                      // A standby per replica would double its cost; the primary carries the Multi-AZ guarantee.
                      multiAz: false,
                      // Replicas take no automated backups, no final snapshot, and AWS Backup cannot back them up (hence no Backup tag).
                      backupRetentionPeriod: 0,
                      skipFinalSnapshot: true,
                      tags: { Name: `${identifier}-replica`, Role: "replica" },
                  },
                  {
                      parent: this,
                      dependsOn: [
                          ...monitoringDependencies,
                          ...rdsLogGroups(`${name}-replica`, `${identifier}-replica`, config.logRetentionDays, this),
                      ],
                  },
              )
            : undefined;

        return { key, securityGroup, primary, replica };
    }
}

/** The PostgreSQL container of the in-cluster database, minus what InClusterStore adds. */
/** Where the PostgreSQL container finds its password (the store Secret's `password` key, read by the pod's fsGroup). */
const CREDENTIALS_PATH = "/run/secrets/postgres";

function postgresContainer(databaseName: string) {
    // pg_isready over TCP: during first-start initialisation the server listens on the socket only, so the pod is not ready yet.
    const isReady = {
        exec: {
            command: [
                "pg_isready",
                "--host=127.0.0.1",
                `--port=${POSTGRES_PORT}`,
                `--username=${IN_CLUSTER_USERNAME}`,
                `--dbname=${databaseName}`,
            ],
        },
    };
    return {
        image: POSTGRES_IMAGE,
        // The same extension the RDS parameter group preloads, so queries behave alike locally.
        args: ["-c", "shared_preload_libraries=pg_stat_statements"],
        env: [
            { name: "POSTGRES_USER", value: IN_CLUSTER_USERNAME },
            // A file, not an environment variable: the password stays out of the pod spec's env and `ps e`.
            { name: "POSTGRES_PASSWORD_FILE", value: `${CREDENTIALS_PATH}/password` },
            { name: "POSTGRES_DB", value: databaseName },
            // A subdirectory: the volume's root may hold lost+found, and initdb needs an empty directory.
            { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
        ],
        resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        startupProbe: { ...isReady, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 60 },
        readinessProbe: { ...isReady, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
        livenessProbe: { ...isReady, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
    };
}
