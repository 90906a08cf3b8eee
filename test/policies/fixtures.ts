/**
 * Compliant fixtures: each function returns a fresh resource shaped like the program's own (input
 * names from the SDK types), which the cases then change one property at a time.
 */
import { GatesSchema } from "../../config/gates";
import { MetricsSchema } from "../../config/metrics";
import { AnalyzedResource } from "../../policies/analyzer";
import { gateForStage } from "../../rollout/gate/gates";
import { resource } from "./harness";

export const KMS_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
export const COST_TAGS = { Project: "claude-enhancer", Environment: "staging", CostCenter: "claude-enhancer-staging", ManagedBy: "pulumi" };

export function awsProvider(tags: Record<string, string> = COST_TAGS): AnalyzedResource {
    return resource("pulumi:providers:aws", "aws-primary", { region: "us-east-1", defaultTags: JSON.stringify({ tags }) });
}

export function rdsPrimary(): AnalyzedResource {
    return resource("aws:rds/instance:Instance", "database-primary", {
        identifier: "claude-enhancer-production",
        engine: "postgres",
        engineVersion: "15",
        instanceClass: "db.r6g.large",
        allocatedStorage: 200,
        maxAllocatedStorage: 1000,
        storageType: "gp3",
        storageEncrypted: true,
        kmsKeyId: KMS_ARN,
        publiclyAccessible: false,
        multiAz: true,
        backupRetentionPeriod: 30,
        deletionProtection: true,
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: "database-primary-final",
        manageMasterUserPassword: true,
        username: "claude_admin",
        enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
    });
}

export function rdsReplica(): AnalyzedResource {
    return resource("aws:rds/instance:Instance", "database-replica", {
        replicateSourceDb: "database-primary-id",
        instanceClass: "db.r6g.large",
        storageType: "gp3",
        storageEncrypted: true,
        kmsKeyId: KMS_ARN,
        publiclyAccessible: false,
        multiAz: false,
        skipFinalSnapshot: true,
        enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
    });
}

export function parameterGroup(): AnalyzedResource {
    return resource("aws:rds/parameterGroup:ParameterGroup", "database-params", {
        family: "postgres15",
        parameters: [
            { name: "rds.force_ssl", value: "1" },
            { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
        ],
    });
}

export function replicationGroup(): AnalyzedResource {
    return resource("aws:elasticache/replicationGroup:ReplicationGroup", "cache-redis", {
        description: "Claude Enhancer Redis",
        engine: "redis",
        engineVersion: "7.1",
        nodeType: "cache.r6g.large",
        numNodeGroups: 3,
        replicasPerNodeGroup: 1,
        automaticFailoverEnabled: true,
        multiAzEnabled: true,
        atRestEncryptionEnabled: true,
        kmsKeyId: KMS_ARN,
        transitEncryptionEnabled: true,
        authToken: "token-from-random-password",
        snapshotRetentionLimit: 7,
    });
}

export function launchTemplate(): AnalyzedResource {
    return resource("aws:ec2/launchTemplate:LaunchTemplate", "cluster-app-nodes", {
        instanceType: "m5.large",
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        blockDeviceMappings: [
            {
                deviceName: "/dev/xvda",
                ebs: { volumeSize: 100, volumeType: "gp3", encrypted: "true", kmsKeyId: KMS_ARN, deleteOnTermination: "true" },
            },
        ],
    });
}

export function ebsVolume(): AnalyzedResource {
    return resource("aws:ebs/volume:Volume", "scratch", { availabilityZone: "us-east-1a", size: 10, type: "gp3", encrypted: true });
}

export function ec2Instance(): AnalyzedResource {
    return resource("aws:ec2/instance:Instance", "bastion", {
        ami: "ami-123",
        instanceType: "t3.medium",
        metadataOptions: { httpTokens: "required" },
    });
}

export function kmsKey(): AnalyzedResource {
    return resource("aws:kms/key:Key", "database-key", { description: "RDS storage", enableKeyRotation: true, deletionWindowInDays: 30 });
}

export function securityGroup(): AnalyzedResource {
    return resource("aws:ec2/securityGroup:SecurityGroup", "ingress-lb", {
        vpcId: "vpc-1",
        description: "load balancer",
        ingress: [
            { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
            { protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: ["sg-cluster"] },
        ],
        egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
    });
}

export function securityGroupRule(): AnalyzedResource {
    return resource("aws:ec2/securityGroupRule:SecurityGroupRule", "lb-http", {
        type: "ingress",
        protocol: "tcp",
        fromPort: 80,
        toPort: 80,
        cidrBlocks: ["0.0.0.0/0"],
        securityGroupId: "sg-lb",
    });
}

export function ingressRule(): AnalyzedResource {
    return resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "db-from-cluster", {
        securityGroupId: "sg-db",
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        referencedSecurityGroupId: "sg-cluster",
    });
}

export function eksCluster(): AnalyzedResource {
    return resource("aws:eks/cluster:Cluster", "cluster-eks", {
        roleArn: "arn:aws:iam::123456789012:role/cluster",
        version: "1.31",
        enabledClusterLogTypes: ["api", "audit", "authenticator"],
        encryptionConfig: { resources: ["secrets"], provider: { keyArn: KMS_ARN } },
        vpcConfig: { subnetIds: ["subnet-a", "subnet-b"], endpointPrivateAccess: true, endpointPublicAccess: false },
    });
}

export function nodeGroup(role: "app" | "system" = "app"): AnalyzedResource {
    return resource("aws:eks/nodeGroup:NodeGroup", `cluster-${role}`, {
        clusterName: "cluster",
        nodeRoleArn: "arn:aws:iam::123456789012:role/nodes",
        subnetIds: ["subnet-a", "subnet-b"],
        instanceTypes: role === "app" ? ["t3.medium", "t3.large", "m5.large"] : ["t3.medium"],
        capacityType: role === "app" ? "SPOT" : "ON_DEMAND",
        labels: { "claude-enhancer.io/role": role },
        scalingConfig: { minSize: 2, desiredSize: 3, maxSize: 6 },
    });
}

/** A bucket with every companion the rules expect: versioning, SSE-KMS, public access block, TLS-only policy, lifecycle, replication. */
export function bucketSet(name = "storage-backups"): AnalyzedResource[] {
    const bucket = resource(
        "aws:s3/bucket:Bucket",
        name,
        { bucket: `${name}-bucket` },
        { outputs: { id: `${name}-bucket`, arn: `arn:aws:s3:::${name}-bucket` } },
    );
    const companion = (type: string, suffix: string, inputs: Record<string, any>) =>
        resource(type, `${name}-${suffix}`, { bucket: `${name}-bucket`, ...inputs }, { dependsOn: [bucket] });
    return [
        bucket,
        companion("aws:s3/bucketVersioning:BucketVersioning", "versioning", { versioningConfiguration: { status: "Enabled" } }),
        companion("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "sse", {
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KMS_ARN }, bucketKeyEnabled: true }],
        }),
        companion("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "public-access", {
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }),
        companion("aws:s3/bucketPolicy:BucketPolicy", "tls-only", {
            policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "DenyInsecureTransport",
                        Effect: "Deny",
                        Principal: "*",
                        Action: "s3:*",
                        Resource: [`arn:aws:s3:::${name}-bucket`, `arn:aws:s3:::${name}-bucket/*`],
                        Condition: { Bool: { "aws:SecureTransport": "false" } },
                    },
                ],
            }),
        }),
        companion("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lifecycle", {
            rules: [
                {
                    id: "tiering",
                    status: "Enabled",
                    transitions: [
                        { days: 30, storageClass: "STANDARD_IA" },
                        { days: 90, storageClass: "GLACIER" },
                    ],
                    expiration: { days: 365 },
                },
            ],
        }),
        companion("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "replication", {
            role: "arn:aws:iam::123456789012:role/replication",
            rules: [{ id: "dr", status: "Enabled", destination: { bucket: "arn:aws:s3:::dr-bucket" } }],
        }),
    ];
}

export function vpcWithFlowLog(): AnalyzedResource[] {
    const network = resource("aws:ec2/vpc:Vpc", "network-vpc", { cidrBlock: "10.10.0.0/16" }, { outputs: { id: "vpc-0abc" } });
    const logGroup = resource("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs", { retentionInDays: 30, kmsKeyId: KMS_ARN });
    const flowLog = resource(
        "aws:ec2/flowLog:FlowLog",
        "network-flow-log",
        { vpcId: "vpc-0abc", trafficType: "ALL", logDestination: "arn:aws:logs:us-east-1:123456789012:log-group:flow" },
        { dependsOn: [network, logGroup] },
    );
    return [network, logGroup, flowLog];
}

export function logGroup(): AnalyzedResource {
    return resource("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs", { retentionInDays: 30, kmsKeyId: KMS_ARN });
}

export function backupVault(): AnalyzedResource {
    return resource("aws:backup/vault:Vault", "backup-vault", { name: "claude-enhancer-production", kmsKeyArn: KMS_ARN });
}

/** The production log domain as components/logging.ts registers it: in the VPC, FGAC on, encrypted, HTTPS only. */
export function opensearchDomain(): AnalyzedResource {
    return resource("aws:opensearch/domain:Domain", "logging-opensearch", {
        domainName: "ce-logs-production",
        engineVersion: "OpenSearch_2.19",
        clusterConfig: {
            instanceType: "r6g.large.search",
            instanceCount: 3,
            zoneAwarenessEnabled: true,
            zoneAwarenessConfig: { availabilityZoneCount: 3 },
        },
        ebsOptions: { ebsEnabled: true, volumeSize: 200, volumeType: "gp3" },
        encryptAtRest: { enabled: true },
        nodeToNodeEncryption: { enabled: true },
        domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: "Policy-Min-TLS-1-2-PFS-2023-10" },
        vpcOptions: { subnetIds: ["subnet-a", "subnet-b", "subnet-c"], securityGroupIds: ["sg-logging"] },
        advancedSecurityOptions: {
            enabled: true,
            internalUserDatabaseEnabled: true,
            masterUserOptions: { masterUserName: "admin", masterUserPassword: "[secret]" },
        },
        accessPolicies: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { AWS: "*" },
                    Action: "es:ESHttp*",
                    Resource: "arn:aws:es:us-east-1:123456789012:domain/ce-logs-production/*",
                },
            ],
        }),
    });
}

const OIDC_ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";

/** An IRSA role as components/application.ts registers it: web identity pinned to one service account and the STS audience. */
export function irsaRole(): AnalyzedResource {
    return resource("aws:iam/role:Role", "app-database-credentials-reader", {
        description: "Lets the Claude Enhancer service account read the RDS-managed database credentials",
        assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${OIDC_ISSUER}` },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: {
                        StringEquals: {
                            [`${OIDC_ISSUER}:sub`]: "system:serviceaccount:claude-enhancer:claude-enhancer",
                            [`${OIDC_ISSUER}:aud`]: "sts.amazonaws.com",
                        },
                    },
                },
            ],
        }),
    });
}

/** A service role with its trust policy as an object (components/backup.ts). */
export function serviceRole(): AnalyzedResource {
    return resource("aws:iam/role:Role", "backup-role", {
        assumeRolePolicy: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }],
        },
    });
}

export function rolePolicy(): AnalyzedResource {
    return resource("aws:iam/rolePolicy:RolePolicy", "app-database-credentials-reader", {
        role: "app-database-credentials-reader",
        policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                    Resource: "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1",
                },
                { Effect: "Allow", Action: "kms:Decrypt", Resource: KMS_ARN },
            ],
        }),
    });
}

export function managedPolicy(): AnalyzedResource {
    return resource("aws:iam/policy:Policy", "ci-read-only", {
        policy: {
            Version: "2012-10-17",
            Statement: [{ Sid: "ReadLogs", Effect: "Allow", Action: ["logs:GetLogEvents", "logs:FilterLogEvents"], Resource: "*" }],
        },
    });
}

export function rolePolicyAttachment(): AnalyzedResource {
    return resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "cluster-eks-node-AmazonEKSWorkerNodePolicy", {
        role: "cluster-eks-node",
        policyArn: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    });
}

/** The pre-rollout snapshot components/rollout.ts takes of the primary in every traffic-raising stage. */
export function preRolloutSnapshot(database: AnalyzedResource = rdsPrimary()): AnalyzedResource {
    return resource(
        "aws:rds/snapshot:Snapshot",
        "rollout-pre-rollout-5.1.0",
        {
            dbInstanceIdentifier: "claude-enhancer-production",
            dbSnapshotIdentifier: "claude-enhancer-production-pre-rollout-5-1-0-a1b2c3",
            tags: { Purpose: "pre-rollout", CandidateVersion: "5.1.0" },
        },
        { dependsOn: [database] },
    );
}

/** The schema migration Job of a rollout stage (components/rollout.ts): restricted pod, no probes (it runs to completion). */
export function migrationJob(): AnalyzedResource {
    const container = appContainer("migrate");
    delete container.livenessProbe;
    delete container.readinessProbe;
    return resource("kubernetes:batch/v1:Job", "rollout-migrate-5.1.0", {
        metadata: {
            name: "claude-enhancer-migrate-5-1-0",
            namespace: "claude-enhancer",
            labels: { "app.kubernetes.io/component": "migration" },
        },
        spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: 900,
            template: {
                spec: {
                    restartPolicy: "Never",
                    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [{ ...container, command: ["alembic", "upgrade", "head"] }],
                },
            },
        },
    });
}

export function budget(): AnalyzedResource {
    return resource("aws:budgets/budget:Budget", "budget-monthly", {
        budgetType: "COST",
        timeUnit: "MONTHLY",
        limitAmount: "500",
        limitUnit: "USD",
        notifications: [
            {
                comparisonOperator: "GREATER_THAN",
                notificationType: "ACTUAL",
                threshold: 80,
                thresholdType: "PERCENTAGE",
                subscriberEmailAddresses: ["platform-team@example.com"],
            },
            {
                comparisonOperator: "GREATER_THAN",
                notificationType: "FORECASTED",
                threshold: 100,
                thresholdType: "PERCENTAGE",
                subscriberEmailAddresses: ["platform-team@example.com"],
            },
        ],
    });
}

export function backupPlan(): AnalyzedResource {
    return resource("aws:backup/plan:Plan", "backup-plan", {
        rules: [
            {
                ruleName: "daily",
                targetVaultName: "backup-vault",
                schedule: "cron(0 3 * * ? *)",
                lifecycle: { deleteAfter: 30 },
                copyActions: [
                    { destinationVaultArn: "arn:aws:backup:us-west-2:123456789012:backup-vault:dr", lifecycle: { deleteAfter: 30 } },
                ],
            },
        ],
    });
}

export function backupSelection(): AnalyzedResource {
    return resource("aws:backup/selection:Selection", "backup-selection", {
        iamRoleArn: "arn:aws:iam::123456789012:role/backup",
        planId: "backup-plan-id",
        resources: ["arn:aws:rds:us-east-1:123456789012:db:primary"],
    });
}

export function natGateway(index: number): AnalyzedResource {
    return resource("aws:ec2/natGateway:NatGateway", `network-nat-${index}`, {
        subnetId: `subnet-public-${index}`,
        allocationId: `eipalloc-${index}`,
    });
}

export function schedule(action: "down" | "up"): AnalyzedResource {
    return resource("aws:autoscaling/schedule:Schedule", `offhours-app-${action}`, {
        scheduledActionName: `offhours-app-${action}`,
        autoscalingGroupName: "eks-app-asg",
        recurrence: action === "down" ? "0 22 * * *" : "0 8 * * 1-5",
        timeZone: "Europe/Berlin",
        minSize: action === "down" ? 0 : 2,
        maxSize: action === "down" ? 0 : 6,
        desiredCapacity: action === "down" ? 0 : 3,
    });
}

/** A Pod Security "restricted"-compliant container of the service (seed values). */
export function appContainer(name = "claude-enhancer"): Record<string, any> {
    return {
        name,
        image: "registry.example.com/claude-enhancer:5.1.0",
        ports: [{ name: "http", containerPort: 8080 }],
        resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
        securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        },
        livenessProbe: { httpGet: { path: "/health/live", port: 8080 } },
        readinessProbe: { httpGet: { path: "/health/ready", port: 8080 } },
    };
}

export const APP_LABELS = { "app.kubernetes.io/name": "claude-enhancer", "app.kubernetes.io/instance": "stable" };

export function deployment(name = "claude-enhancer-stable"): AnalyzedResource {
    return resource("kubernetes:apps/v1:Deployment", name, {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: "claude-enhancer", labels: APP_LABELS },
        spec: {
            replicas: 3,
            selector: { matchLabels: APP_LABELS },
            template: {
                metadata: { labels: APP_LABELS },
                spec: {
                    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [appContainer()],
                    volumes: [{ name: "tmp", emptyDir: {} }],
                },
            },
        },
    });
}

export function cronJob(): AnalyzedResource {
    const container = appContainer("backup");
    delete container.livenessProbe;
    delete container.readinessProbe;
    return resource("kubernetes:batch/v1:CronJob", "db-backup", {
        metadata: { name: "db-backup", namespace: "claude-enhancer-data" },
        spec: {
            schedule: "0 3 * * *",
            jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure", containers: [container] } } } },
        },
    });
}

export function namespace(name: string, level: "restricted" | "privileged", exception?: string): AnalyzedResource {
    return resource("kubernetes:core/v1:Namespace", name, {
        metadata: {
            name,
            labels: { "pod-security.kubernetes.io/enforce": level, "pod-security.kubernetes.io/enforce-version": "latest" },
            ...(exception ? { annotations: { "claude-enhancer.io/pod-security-exception": exception } } : {}),
        },
    });
}

export function peerAuthentication(namespaceName = "istio-system"): AnalyzedResource {
    return resource("kubernetes:security.istio.io/v1:PeerAuthentication", `mtls-${namespaceName}`, {
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        metadata: { name: "default", namespace: namespaceName },
        spec: { mtls: { mode: "STRICT" } },
    });
}

export function virtualService(weights: { stable: number; canary: number } = { stable: 95, canary: 5 }): AnalyzedResource {
    return resource("kubernetes:networking.istio.io/v1:VirtualService", "claude-enhancer-routes", {
        apiVersion: "networking.istio.io/v1",
        kind: "VirtualService",
        metadata: { name: "claude-enhancer", namespace: "claude-enhancer" },
        spec: {
            hosts: ["claude-enhancer"],
            http: [
                {
                    name: "canary-header",
                    match: [{ headers: { "x-canary-user": { exact: "true" } } }],
                    route: [{ destination: { host: "claude-enhancer", subset: "canary" }, weight: 100 }],
                },
                {
                    name: "weighted",
                    route: [
                        { destination: { host: "claude-enhancer", subset: "stable" }, weight: weights.stable },
                        { destination: { host: "claude-enhancer", subset: "canary" }, weight: weights.canary },
                    ],
                },
            ],
        },
    });
}

export function networkPolicy(): AnalyzedResource {
    return resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "claude-enhancer-netpol", {
        metadata: { name: "claude-enhancer", namespace: "claude-enhancer" },
        spec: { podSelector: { matchLabels: { "app.kubernetes.io/name": "claude-enhancer" } }, policyTypes: ["Ingress", "Egress"] },
    });
}

export function podDisruptionBudget(): AnalyzedResource {
    return resource("kubernetes:policy/v1:PodDisruptionBudget", "claude-enhancer-pdb", {
        metadata: { name: "claude-enhancer", namespace: "claude-enhancer" },
        spec: { minAvailable: 2, selector: { matchLabels: { "app.kubernetes.io/name": "claude-enhancer" } } },
    });
}

export function hpa(): AnalyzedResource {
    return resource("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "claude-enhancer-hpa", {
        metadata: { name: "claude-enhancer", namespace: "claude-enhancer" },
        spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "claude-enhancer-stable" },
            minReplicas: 3,
            maxReplicas: 20,
        },
    });
}

export function storageClass(): AnalyzedResource {
    return resource("kubernetes:storage.k8s.io/v1:StorageClass", "gp3", {
        metadata: { name: "gp3" },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true" },
    });
}

export function canaryIngress(weight = "5"): AnalyzedResource {
    return resource("kubernetes:networking.k8s.io/v1:Ingress", "claude-enhancer-canary-ingress", {
        metadata: {
            name: "claude-enhancer-canary",
            namespace: "claude-enhancer",
            annotations: { "nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": weight },
        },
        spec: { ingressClassName: "nginx", rules: [] },
    });
}

/** A HealthGate as components/rollout.ts registers it: the dynamic resource, its gate from gateForStage, depending on the routing object. */
export function healthGate(stage = "canary", bakeSeconds = 1800, routing: AnalyzedResource = virtualService()): AnalyzedResource {
    const gate = gateForStage(GatesSchema.parse({}), MetricsSchema.parse({}), stage, bakeSeconds);
    return resource(
        "pulumi-nodejs:dynamic/healthGate:HealthGate",
        `rollout-gate-${stage}`,
        {
            __provider: "exports.handler = __f0;",
            stage,
            candidateVersion: "5.1.0",
            stableVersion: "5.0.3",
            prometheus: {
                service: { namespace: "monitoring", name: "prometheus-operated", port: 9090, scheme: "http" },
                kubeconfig: "[secret]",
            },
            gate: JSON.parse(JSON.stringify(gate)),
            trafficCut: {
                kubeconfig: "[secret]",
                target: {
                    router: "istio",
                    namespace: "claude-enhancer",
                    virtualService: "claude-enhancer",
                    route: "weighted",
                    stableSubset: "stable",
                    canarySubset: "canary",
                },
            },
        },
        { dependsOn: [routing] },
    );
}
