import { MockCallArgs, MockResourceArgs } from "@pulumi/pulumi/runtime";

/** What the invoke stand-ins read of the resources registered so far (the recorder's RegisteredResource has it). */
interface RegisteredResource {
    urn: string;
    id: string;
    inputs: Record<string, any>;
}

/**
 * What the mock engine answers for resources and invokes, beyond echoing inputs: the outputs a real
 * provider computes (ARNs, endpoints, generated secrets) that other resources consume. One entry per
 * type token; add one when a component reads an output the mock would otherwise leave undefined.
 */
export const ACCOUNT_ID = "123456789012";
export const MOCK_REGION = "us-east-1";

type Extra = (args: MockResourceArgs) => Record<string, unknown>;

export const resourceOutputs: Record<string, Extra> = {
    "random:index/randomPassword:RandomPassword": (a) => ({
        result: `mock-password-${a.name}`.slice(0, a.inputs.length ?? 32),
        bcryptHash: `$2a$10$mock.bcrypt.hash.of.${a.name}`,
    }),
    "random:index/randomId:RandomId": (a) => ({
        hex: Buffer.from(a.name)
            .toString("hex")
            .slice(0, 2 * (a.inputs.byteLength ?? 8)),
    }),
    // A gate that passed at its first evaluation, with no check values (mocks reach no Prometheus).
    "pulumi-nodejs:dynamic/healthGate:HealthGate": () => ({
        verdict: "pass",
        evaluatedAt: "2025-01-01T00:00:00.000Z",
        evaluations: 1,
        checks: {},
    }),
    // What a command printed: a local command's stdout is what components read (e.g. kind's kubeconfig).
    "command:local:Command": (a) => ({ stdout: `mock-stdout-of-${a.name}`, stderr: "" }),
    "aws:eks/cluster:Cluster": (a) => ({
        endpoint: `https://${a.name}.gr7.${MOCK_REGION}.eks.amazonaws.com`,
        certificateAuthority: { data: Buffer.from("mock-ca").toString("base64") },
        identities: [{ oidcs: [{ issuer: `https://oidc.eks.${MOCK_REGION}.amazonaws.com/id/MOCK${a.name.toUpperCase()}` }] }],
        version: a.inputs.version,
        vpcConfig: { ...a.inputs.vpcConfig, clusterSecurityGroupId: `sg-cluster-${a.name}` },
        // EKS's default service range for a VPC in 10.0.0.0/8.
        kubernetesNetworkConfig: { ipFamily: "ipv4", serviceIpv4Cidr: "172.20.0.0/16" },
    }),
    "aws:rds/instance:Instance": (a) => ({
        address: `${a.name}.abc123.${MOCK_REGION}.rds.amazonaws.com`,
        endpoint: `${a.name}.abc123.${MOCK_REGION}.rds.amazonaws.com:5432`,
        port: 5432,
        masterUserSecrets: [
            { secretArn: `arn:aws:secretsmanager:${MOCK_REGION}:${ACCOUNT_ID}:secret:rds!${a.name}`, secretStatus: "active" },
        ],
        resourceId: `db-${a.name.toUpperCase()}`,
    }),
    "aws:elasticache/replicationGroup:ReplicationGroup": (a) => ({
        primaryEndpointAddress: `master.${a.name}.abc123.use1.cache.amazonaws.com`,
        configurationEndpointAddress: `clustercfg.${a.name}.abc123.use1.cache.amazonaws.com`,
        readerEndpointAddress: `replica.${a.name}.abc123.use1.cache.amazonaws.com`,
    }),
    "aws:s3/bucketV2:BucketV2": (a) => ({ bucket: a.inputs.bucket ?? `${a.name}-mock`, bucketDomainName: `${a.name}.s3.amazonaws.com` }),
    "aws:s3/bucket:Bucket": (a) => ({ bucket: a.inputs.bucket ?? `${a.name}-mock`, bucketDomainName: `${a.name}.s3.amazonaws.com` }),
    "aws:ec2/launchTemplate:LaunchTemplate": () => ({ latestVersion: 1 }),
    "aws:eks/nodeGroup:NodeGroup": (a) => ({
        resources: [{ autoscalingGroups: [{ name: `eks-${a.name}-asg` }], remoteAccessSecurityGroupId: "" }],
    }),
    "aws:kms/key:Key": (a) => ({ keyId: `key-${a.name}` }),
    "aws:ecr/repository:Repository": (a) => ({
        repositoryUrl: `${ACCOUNT_ID}.dkr.ecr.${MOCK_REGION}.amazonaws.com/${a.inputs.name}`,
        registryId: ACCOUNT_ID,
    }),
    "aws:iam/role:Role": (a) => ({ name: a.inputs.name ?? `${a.name}-mock` }),
    "aws:rds/subnetGroup:SubnetGroup": (a) => ({ name: a.inputs.name ?? `${a.name}-mock` }),
    "aws:rds/parameterGroup:ParameterGroup": (a) => ({ name: a.inputs.name ?? `${a.name}-mock` }),
    // What Helm reports once a release is installed (components name the Services a chart creates from it).
    "kubernetes:helm.sh/v3:Release": (a) => ({
        status: { name: a.inputs.name ?? a.name, namespace: a.inputs.namespace ?? "default", status: "deployed" },
    }),
    // A Service read by ID (Service.get), as the cloud controller leaves it: with its load balancer's name.
    "kubernetes:core/v1:Service": (a) =>
        a.id ? { status: { loadBalancer: { ingress: [{ hostname: `${a.name}-0123456789.elb.${MOCK_REGION}.amazonaws.com` }] } } } : {},
};

/** The provider an invoke went through (`urn::id` reference), among the resources registered so far. */
function providerOf(args: MockCallArgs, registered: RegisteredResource[]): RegisteredResource | undefined {
    return registered.find((r) => args.provider !== undefined && `${r.urn}::${r.id}` === args.provider);
}

export const invokeOutputs: Record<string, (args: MockCallArgs, registered: RegisteredResource[]) => Record<string, unknown>> = {
    // What the real data source answers: the provider's defaultTags (a JSON string when set as a provider input).
    "aws:index/getDefaultTags:getDefaultTags": (a, registered) => {
        const defaultTags = providerOf(a, registered)?.inputs.defaultTags;
        const parsed = typeof defaultTags === "string" ? JSON.parse(defaultTags) : defaultTags;
        return { tags: parsed?.tags ?? {} };
    },
    "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
        names: ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"],
        zoneIds: ["use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6", "use1-az3"],
    }),
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: ACCOUNT_ID,
        arn: `arn:aws:iam::${ACCOUNT_ID}:user/mock`,
        userId: "MOCK",
    }),
    // The region asked for, else the region of the provider the invoke went through (e.g. the DR provider).
    "aws:index/getRegion:getRegion": (a, registered) => {
        const region = a.inputs.region ?? providerOf(a, registered)?.inputs.region ?? MOCK_REGION;
        return { name: region, region };
    },
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com" }),
    "aws:iam/getPolicyDocument:getPolicyDocument": (a) => ({
        json: JSON.stringify({ Version: "2012-10-17", Statement: a.inputs.statements ?? [] }),
    }),
};

/** A plausible ARN for any AWS resource, so ARN-consuming wiring resolves under mocks. */
export function mockArn(type: string, name: string): string {
    const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
    return `arn:aws:${service}:${MOCK_REGION}:${ACCOUNT_ID}:${name}`;
}
