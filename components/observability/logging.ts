import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { LoggingConfig } from "../../config/observability";
import type { ChartMirror } from "../../config/charts";
import { chartSource } from "../kubernetes/chartSource";
import { CHARTS } from "../kubernetes/helmCharts";
import {
    CA_VOLUME_MOUNT,
    caVolume,
    FLUENT_BIT_RELEASE,
    FLUENT_BIT_SERVICE_ACCOUNT,
    IN_CLUSTER_OPENSEARCH_SERVICE,
    LogDestinations,
    OPENSEARCH_ADMIN_USER,
    OPENSEARCH_CA_FILE,
    OPENSEARCH_INTERNAL_USERS_SECRET,
    OPENSEARCH_TLS_SECRET,
    OPENSEARCH_DASHBOARDS_RELEASE,
    OPENSEARCH_RELEASE,
    OPENSEARCH_SECRET_KEYS,
    SETUP_DOCUMENTS,
    auditConfig,
    fluentBitValues,
    indexPrefix,
    internalUsers,
    logsIndexTemplate,
    openSearchCertificateSpec,
    openSearchDashboardsValues,
    openSearchValues,
    retentionPolicy,
    retentionSetupScript,
    RETENTION_SETUP_LABELS,
    RETENTION_SETUP_PATHS,
    RetentionSetupSteps,
} from "./loggingValues";
import { irsaAssumeRolePolicy, PolicyDocument } from "../aws/iamDocuments";
import { rotatingKey } from "../aws/kms";
import { openSearchLogPublishing } from "../aws/openSearchLogs";
import { componentType, PLATFORM_LABELS } from "../../identity";
import { FIXED_REQUESTS } from "../../config/capacity";

/** curl image of the retention setup Job (pinned: never a floating tag). */
export const CURL_IMAGE = "curlimages/curl:8.11.1";

export interface LogArchiveTarget {
    bucketName: pulumi.Input<string>;
    bucketArn: pulumi.Input<string>;
    /** KMS key the bucket encrypts objects with by default (Fluent Bit's role must be able to use it). */
    kmsKeyArn?: pulumi.Input<string>;
    region: string;
}

export interface ClusterIdentity {
    oidcProviderArn: pulumi.Input<string>;
    /** Issuer URL without https:// (Cluster component's oidcProviderUrl). */
    oidcProviderUrl: pulumi.Input<string>;
}

export interface PrivateNetwork {
    vpcId: pulumi.Input<string>;
    vpcCidr: string;
    privateSubnetIds: pulumi.Input<string>[];
}

export interface LoggingArgs {
    logging: LoggingConfig;
    environment: string;
    /** LOGGING_NAMESPACE, as the Namespaces component's output. */
    namespace: pulumi.Input<string>;
    storageClassName?: pulumi.Input<string>;
    /** EKS OIDC provider: Fluent Bit's IRSA role trusts it. Required with `archive`. */
    cluster?: ClusterIdentity;
    /** The S3 log archive (Storage component); logs are archived only when given. */
    archive?: LogArchiveTarget;
    /** VPC of an Amazon OpenSearch domain (logging.opensearch.mode "amazon"). */
    network?: PrivateNetwork;
    /** Protect the Amazon OpenSearch domain from deletion (production); the rest stays replaceable. */
    protectDomain?: boolean;
    /** `charts.mirror`: where every chart comes from instead of its public repository (undefined: the public one). */
    chartMirror: ChartMirror | undefined;
    /** The cluster CA's ClusterIssuer (components/tls/clusterCa.ts), which issues the in-cluster OpenSearch's certificate. */
    certificateIssuer?: CertificateIssuer;
}

export interface CertificateIssuer {
    name: pulumi.Input<string>;
    /** Certificates that use it are created after it. */
    resource: pulumi.Resource;
}

/** What Fluent Bit's IRSA role may do: write objects into the log archive bucket, encrypting with its key. */
export function archiveWriterPolicy(bucketArn: string, kmsKeyArn: string | undefined): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "WriteLogArchive", Effect: "Allow", Action: ["s3:PutObject"], Resource: `${bucketArn}/*` },
            ...(kmsKeyArn
                ? [
                      {
                          Sid: "EncryptArchiveObjects",
                          Effect: "Allow" as const,
                          Action: ["kms:GenerateDataKey", "kms:Encrypt"],
                          Resource: kmsKeyArn,
                      },
                  ]
                : []),
        ],
    };
}

/** Subnets of a domain with `instanceCount` data nodes: one per AZ used (zone awareness needs 2 or 3 AZs). */
export function domainAzCount(instanceCount: number, subnetCount: number): number {
    if (instanceCount < 2 || subnetCount < 2) return 1;
    return instanceCount % 3 === 0 && subnetCount >= 3 ? 3 : 2;
}

/**
 * Logging (docs/architecture.md): Fluent Bit on every node ships container logs, with credential-carrying fields
 * masked, to OpenSearch (searchable for `retentionDays`, enforced by an ISM policy) and, on AWS, to
 * the S3 log archive through an IRSA role. OpenSearch runs in the cluster (one node, with
 * OpenSearch Dashboards) or, in production, as an Amazon OpenSearch domain in the private subnets
 * with encryption at rest, node-to-node encryption and HTTPS enforced.
 */
export class Logging extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    /** https URL of the search store (in-cluster Service or the domain's VPC endpoint). */
    readonly opensearchUrl: pulumi.Output<string>;
    /** Password of the OpenSearch admin / master user (also in the `opensearch-credentials` Secret). */
    readonly opensearchPassword: pulumi.Output<string>;
    readonly fluentBitRoleArn?: pulumi.Output<string>;
    readonly domain?: aws.opensearch.Domain;

    constructor(name: string, args: LoggingArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("observability", "Logging"), name, {}, opts);
        const { logging, environment } = args;
        this.namespace = pulumi.output(args.namespace);
        if (args.archive && !args.cluster)
            throw new Error("Logging: the S3 log archive needs the cluster's OIDC provider (IRSA) for Fluent Bit");

        // Amazon OpenSearch's master-user rules (upper, lower, digit, special) also satisfy OpenSearch's strong-password check.
        const password = new random.RandomPassword(
            `${name}-opensearch-admin`,
            { length: 32, minUpper: 2, minLower: 2, minNumeric: 2, minSpecial: 2, overrideSpecial: "-_.+" },
            { parent: this },
        );
        const cookie = new random.RandomPassword(`${name}-dashboards-cookie`, { length: 32, special: false }, { parent: this });
        this.opensearchPassword = pulumi.secret(password.result);
        const credentials = new k8s.core.v1.Secret(
            `${name}-opensearch-credentials`,
            {
                metadata: { name: "opensearch-credentials", namespace: args.namespace, labels: PLATFORM_LABELS },
                type: "Opaque",
                stringData: pulumi.secret({
                    [OPENSEARCH_SECRET_KEYS.username]: OPENSEARCH_ADMIN_USER,
                    [OPENSEARCH_SECRET_KEYS.password]: password.result,
                    [OPENSEARCH_SECRET_KEYS.cookie]: cookie.result,
                }),
            },
            { parent: this },
        );

        const store =
            logging.opensearch.mode === "amazon"
                ? this.amazonOpenSearch(name, args, password.result)
                : this.inClusterOpenSearch(name, args, credentials, password);
        this.domain = store.domain;
        this.opensearchUrl = pulumi.interpolate`https://${store.host}:${store.port}`;

        const inCluster = logging.opensearch.mode !== "amazon";
        const setup = this.retentionSetup(name, args, credentials, store, { auditConfig: !inCluster });

        let roleArn: pulumi.Output<string> | undefined;
        if (args.archive && args.cluster) {
            const archive = args.archive;
            const cluster = args.cluster;
            const role = new aws.iam.Role(
                `${name}-fluent-bit`,
                {
                    description: "Fluent Bit (IRSA): writes container logs to the S3 log archive",
                    assumeRolePolicy: pulumi
                        .all([cluster.oidcProviderArn, cluster.oidcProviderUrl, this.namespace])
                        .apply(([arn, url, ns]) => JSON.stringify(irsaAssumeRolePolicy(arn, url, ns, FLUENT_BIT_SERVICE_ACCOUNT))),
                },
                { parent: this },
            );
            new aws.iam.RolePolicy(
                `${name}-fluent-bit-archive`,
                {
                    role: role.name,
                    policy: pulumi
                        .all([archive.bucketArn, archive.kmsKeyArn])
                        .apply(([bucket, key]) => JSON.stringify(archiveWriterPolicy(bucket, key))),
                },
                { parent: this },
            );
            roleArn = role.arn;
            this.fluentBitRoleArn = role.arn;
        }

        const destinations = pulumi
            .all([store.host, credentials.metadata.name, args.archive?.bucketName])
            .apply(([host, credentialsSecret, bucket]): LogDestinations => ({
                opensearch: { host, port: store.port, caSecret: store.caSecret },
                credentialsSecret,
                indexPrefix: indexPrefix(environment),
                archive:
                    bucket && args.archive ? { bucket, region: args.archive.region, keyPrefix: `kubernetes/${environment}` } : undefined,
            }));
        new k8s.helm.v3.Release(
            `${name}-fluent-bit`,
            {
                name: FLUENT_BIT_RELEASE,
                ...chartSource({ ...CHARTS.fluentBit, version: logging.fluentBitChartVersion }, args.chartMirror),
                namespace: args.namespace,
                values: pulumi
                    .all([destinations, roleArn])
                    .apply(([d, irsaRoleArn]) => fluentBitValues({ logging, destinations: d, irsaRoleArn })),
            },
            { parent: this, dependsOn: [setup] },
        );

        this.registerOutputs({
            opensearchUrl: this.opensearchUrl,
            opensearchPassword: this.opensearchPassword,
            fluentBitRoleArn: this.fluentBitRoleArn,
        });
    }

    private inClusterOpenSearch(name: string, args: LoggingArgs, credentials: k8s.core.v1.Secret, password: random.RandomPassword) {
        const os = args.logging.opensearch;
        if (os.mode !== "in-cluster") throw new Error("unreachable: in-cluster OpenSearch with another mode");
        const issuer = args.certificateIssuer;
        if (!issuer)
            throw new Error("Logging: the in-cluster OpenSearch needs the cluster CA's issuer (certificateIssuer) for its certificate");
        const certificate = new k8s.apiextensions.CustomResource(
            `${name}-opensearch-tls`,
            {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: OPENSEARCH_TLS_SECRET, namespace: args.namespace, labels: PLATFORM_LABELS },
                spec: pulumi.all([this.namespace, issuer.name]).apply(([ns, issuerName]) => openSearchCertificateSpec(ns, issuerName)),
            },
            { parent: this, dependsOn: [issuer.resource] },
        );
        const internalUsersSecret = new k8s.core.v1.Secret(
            `${name}-opensearch-internal-users`,
            {
                metadata: { name: OPENSEARCH_INTERNAL_USERS_SECRET, namespace: args.namespace, labels: PLATFORM_LABELS },
                type: "Opaque",
                stringData: { "internal_users.yml": pulumi.secret(password.bcryptHash.apply(internalUsers)) },
            },
            { parent: this },
        );
        // The Secret cert-manager writes the certificate into; the releases that mount it come after the Certificate.
        const tlsSecret = certificate.metadata.name.apply(() => OPENSEARCH_TLS_SECRET);
        const opensearch = new k8s.helm.v3.Release(
            `${name}-opensearch`,
            {
                name: OPENSEARCH_RELEASE,
                ...chartSource({ ...CHARTS.opensearch, version: os.chartVersion }, args.chartMirror),
                namespace: args.namespace,
                values: pulumi
                    .all([tlsSecret, internalUsersSecret.metadata.name, args.storageClassName])
                    .apply(([tls, internalUsersSecretName, storageClassName]) =>
                        openSearchValues({
                            opensearch: os,
                            tlsSecret: tls,
                            internalUsersSecret: internalUsersSecretName,
                            storageClassName,
                        }),
                    ),
                timeout: 900,
            },
            { parent: this },
        );
        new k8s.helm.v3.Release(
            `${name}-opensearch-dashboards`,
            {
                name: OPENSEARCH_DASHBOARDS_RELEASE,
                ...chartSource({ ...CHARTS.opensearchDashboards, version: os.dashboardsChartVersion }, args.chartMirror),
                namespace: args.namespace,
                values: pulumi
                    .all([credentials.metadata.name, tlsSecret])
                    .apply(([credentialsSecret, tls]) => openSearchDashboardsValues({ credentialsSecret, tlsSecret: tls })),
            },
            { parent: this, dependsOn: [opensearch] },
        );
        const host = pulumi.interpolate`${IN_CLUSTER_OPENSEARCH_SERVICE}.${this.namespace}.svc.cluster.local`;
        // Its clients verify its certificate against the cluster CA, whose ca.crt cert-manager writes beside it.
        return {
            host,
            port: 9200,
            caSecret: OPENSEARCH_TLS_SECRET,
            dataNodes: 1,
            ready: [opensearch] as pulumi.Resource[],
            domain: undefined,
        };
    }

    private amazonOpenSearch(name: string, args: LoggingArgs, masterPassword: pulumi.Output<string>) {
        const os = args.logging.opensearch;
        if (os.mode !== "amazon") throw new Error("unreachable: Amazon OpenSearch with another mode");
        if (!args.network)
            throw new Error("Logging: an Amazon OpenSearch domain needs the VPC (network) to place it in the private subnets");
        const network = args.network;
        const azCount = domainAzCount(os.instanceCount, network.privateSubnetIds.length);
        const securityGroup = new aws.ec2.SecurityGroup(
            `${name}-opensearch`,
            {
                description: "Amazon OpenSearch log domain: HTTPS from inside the VPC only",
                vpcId: network.vpcId,
                ingress: [
                    {
                        description: "HTTPS from the VPC (Fluent Bit, the setup Job)",
                        protocol: "tcp",
                        fromPort: 443,
                        toPort: 443,
                        cidrBlocks: [network.vpcCidr],
                    },
                ],
            },
            { parent: this },
        );
        const domainName = `ce-logs-${args.environment}`.slice(0, 28);
        const dataKey = rotatingKey(`${name}-opensearch-key`, `${domainName}-data`, `Data of the OpenSearch domain ${domainName}`, ["es"], {
            parent: this,
        });
        const logs = openSearchLogPublishing(`${name}-opensearch`, domainName, os.logRetentionDays, this);
        const domain = new aws.opensearch.Domain(
            `${name}-opensearch`,
            {
                domainName,
                engineVersion: os.engineVersion,
                clusterConfig: {
                    instanceType: os.instanceType,
                    instanceCount: os.instanceCount,
                    zoneAwarenessEnabled: azCount > 1,
                    ...(azCount > 1 ? { zoneAwarenessConfig: { availabilityZoneCount: azCount } } : {}),
                },
                ebsOptions: { ebsEnabled: true, volumeType: "gp3", volumeSize: os.volumeGb },
                // Changing the key of an existing domain replaces it (docs/security.md).
                encryptAtRest: { enabled: true, kmsKeyId: dataKey.arn },
                // AUDIT_LOGS is accepted because fine-grained access control is on.
                logPublishingOptions: logs.options,
                nodeToNodeEncryption: { enabled: true },
                domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: "Policy-Min-TLS-1-2-PFS-2023-10" },
                advancedSecurityOptions: {
                    enabled: true,
                    internalUserDatabaseEnabled: true,
                    masterUserOptions: { masterUserName: OPENSEARCH_ADMIN_USER, masterUserPassword: masterPassword },
                },
                vpcOptions: { subnetIds: network.privateSubnetIds.slice(0, azCount), securityGroupIds: [securityGroup.id] },
                // Fine-grained access control authenticates every request; the resource policy only opens HTTP access to it.
                accessPolicies: pulumi
                    .all([
                        aws.getCallerIdentityOutput({}, { parent: this }),
                        aws.getPartitionOutput({}, { parent: this }),
                        aws.getRegionOutput({}, { parent: this }),
                    ])
                    .apply(([identity, partition, region]) =>
                        JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [
                                {
                                    Effect: "Allow",
                                    Principal: { AWS: "*" },
                                    Action: "es:ESHttp*",
                                    Resource: `arn:${partition.partition}:es:${region.region}:${identity.accountId}:domain/${domainName}/*`,
                                },
                            ],
                        }),
                    ),
            },
            {
                parent: this,
                protect: args.protectDomain,
                additionalSecretOutputs: ["advancedSecurityOptions"],
                dependsOn: [logs.resourcePolicy],
            },
        );
        // Verified against the system's CAs (Amazon's public certificate).
        return {
            host: domain.endpoint,
            port: 443,
            caSecret: undefined,
            dataNodes: os.instanceCount,
            ready: [domain] as pulumi.Resource[],
            domain,
        };
    }

    /**
     * A Job that installs the retention (ISM) policy and the index template once the store answers and,
     * on the Amazon domain, turns on the security plugin's audit logging (retentionSetupScript).
     */
    private retentionSetup(
        name: string,
        args: LoggingArgs,
        credentials: k8s.core.v1.Secret,
        store: { dataNodes: number; caSecret?: string; ready: pulumi.Resource[] },
        steps: RetentionSetupSteps,
    ): k8s.batch.v1.Job {
        const json = (document: unknown) => JSON.stringify(document, null, 2);
        const documents = new k8s.core.v1.ConfigMap(
            `${name}-retention`,
            {
                metadata: { namespace: args.namespace, labels: PLATFORM_LABELS },
                data: {
                    [SETUP_DOCUMENTS.retentionPolicy]: json(retentionPolicy(args.environment, args.logging.retentionDays)),
                    [SETUP_DOCUMENTS.indexTemplate]: json(logsIndexTemplate(args.environment, store.dataNodes)),
                    ...(steps.auditConfig ? { [SETUP_DOCUMENTS.auditConfig]: json(auditConfig()) } : {}),
                },
            },
            { parent: this },
        );
        return new k8s.batch.v1.Job(
            `${name}-retention-setup`,
            {
                metadata: { namespace: args.namespace, labels: PLATFORM_LABELS },
                spec: {
                    backoffLimit: 6,
                    activeDeadlineSeconds: 1800,
                    ttlSecondsAfterFinished: 86400,
                    template: {
                        metadata: { labels: { ...PLATFORM_LABELS, ...RETENTION_SETUP_LABELS } },
                        spec: {
                            restartPolicy: "OnFailure",
                            automountServiceAccountToken: false,
                            securityContext: {
                                runAsNonRoot: true,
                                runAsUser: 100,
                                runAsGroup: 101,
                                // Group owner of the mounted Secret's files (mode 0440), so the non-root user reads them.
                                fsGroup: 101,
                                seccompProfile: { type: "RuntimeDefault" },
                            },
                            containers: [
                                {
                                    name: "setup",
                                    image: CURL_IMAGE,
                                    command: ["/bin/sh", "-c", retentionSetupScript(steps)],
                                    // The account is read from files (the script's curl config), never from the environment.
                                    env: [
                                        { name: "OPENSEARCH_URL", value: this.opensearchUrl },
                                        // The in-cluster store's certificate is verified against the cluster CA; the domain's, against curl's CA bundle.
                                        { name: "CURL_TLS", value: store.caSecret ? `--cacert ${OPENSEARCH_CA_FILE}` : "" },
                                    ],
                                    volumeMounts: [
                                        { name: "setup", mountPath: RETENTION_SETUP_PATHS.documents, readOnly: true },
                                        { name: "credentials", mountPath: RETENTION_SETUP_PATHS.credentials, readOnly: true },
                                        { name: "curl-config", mountPath: RETENTION_SETUP_PATHS.curlConfig },
                                        ...(store.caSecret ? [CA_VOLUME_MOUNT] : []),
                                    ],
                                    resources: { requests: { ...FIXED_REQUESTS.retentionSetup }, limits: { cpu: "100m", memory: "64Mi" } },
                                    securityContext: {
                                        allowPrivilegeEscalation: false,
                                        readOnlyRootFilesystem: true,
                                        capabilities: { drop: ["ALL"] },
                                    },
                                },
                            ],
                            volumes: [
                                { name: "setup", configMap: { name: documents.metadata.name } },
                                {
                                    name: "credentials",
                                    secret: {
                                        secretName: credentials.metadata.name,
                                        items: [OPENSEARCH_SECRET_KEYS.username, OPENSEARCH_SECRET_KEYS.password].map((key) => ({
                                            key,
                                            path: key,
                                        })),
                                        defaultMode: 0o440,
                                    },
                                },
                                // In memory: the file with the password never reaches the node's disk.
                                { name: "curl-config", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                                ...(store.caSecret ? [caVolume(store.caSecret)] : []),
                            ],
                        },
                    },
                },
            },
            { parent: this, dependsOn: store.ready },
        );
    }
}
