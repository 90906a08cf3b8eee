import * as assert from "assert";
import { Cluster } from "../../../components/cluster/cluster";
import { ClusterAutoscaler } from "../../../components/cluster/clusterAutoscaler";
import {
    CLUSTER_AUTOSCALER_REQUESTS,
    clusterAutoscalerPolicy,
    clusterAutoscalerValues,
    discoveryTags,
    expanderPriorities,
} from "../../../components/cluster/clusterAutoscalerValues";
import { parsePlatformConfig } from "../../../config";
import { loadStackConfig, readStackSettings } from "../../../config/stackFile";
import { RecordedResource, RecordingMocks } from "../../harness/recorder";
import { resolved, withAwsProvider } from "../awsComponentFixtures";

const NETWORK = {
    vpcId: "vpc-test",
    privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    privateSubnetCidrs: ["10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19"],
};
const RELEASE = "kubernetes:helm.sh/v3:Release";
const ROLE = "aws:iam/role:Role";
const SCOPE = { partition: "aws", accountId: "123456789012", region: "us-east-1", dnsSuffix: "amazonaws.com" };

/** The EKS cluster of a shipped stack with the autoscaler on it, as index.ts composes them. */
async function autoscaledClusterOf(stack: "staging" | "production") {
    const config = loadStackConfig(stack);
    if (config.cluster.mode !== "eks") throw new Error(`${stack} is not an EKS stack`);
    const eks = config.cluster;
    const { mocks, built } = await withAwsProvider(stack, (provider) => {
        const cluster = new Cluster("cluster", { cluster: eks, environment: stack, network: NETWORK }, { providers: [provider] });
        const autoscaler = new ClusterAutoscaler(
            "cluster-autoscaler",
            {
                clusterAutoscaler: config.clusterAutoscaler,
                clusterName: cluster.clusterName,
                region: "us-east-1",
                oidcProviderArn: cluster.oidcProviderArn!,
                oidcProviderUrl: cluster.oidcProviderUrl!,
                nodeGroupConfigs: eks.nodeGroups,
                nodeGroups: cluster.nodeGroups,
                chartMirror: undefined,
            },
            { providers: [provider, cluster.provider] },
        );
        return { cluster, autoscaler };
    });
    return { mocks, ...built };
}

const policyOf = (r: RecordedResource) => JSON.parse(r.inputs.policy ?? r.inputs.assumeRolePolicy);

describe("ClusterAutoscaler component", function () {
    this.timeout(60_000);

    describe("on staging (spot app group, on-demand system group)", () => {
        let mocks: RecordingMocks;
        let clusterName: string;
        let values: Record<string, any>;
        let role: RecordedResource;

        before(async () => {
            const built = await autoscaledClusterOf("staging");
            mocks = built.mocks;
            clusterName = await resolved(built.cluster.clusterName);
            values = mocks.one(RELEASE, "cluster-autoscaler-release").inputs.values;
            role = mocks.one(ROLE, "cluster-autoscaler-irsa");
        });

        it("installs the pinned cluster-autoscaler chart into kube-system", () => {
            const release = mocks.one(RELEASE, "cluster-autoscaler-release").inputs;
            assert.strictEqual(release.chart, "cluster-autoscaler");
            assert.strictEqual(release.version, "9.43.2");
            assert.deepStrictEqual(release.repositoryOpts, { repo: "https://kubernetes.github.io/autoscaler" });
            assert.strictEqual(release.namespace, "kube-system");
            assert.strictEqual(release.name, "cluster-autoscaler");
            // Its first AWS calls need the role's permissions.
            assert.ok(
                mocks
                    .one(RELEASE, "cluster-autoscaler-release")
                    .dependsOn.includes(mocks.one("aws:iam/rolePolicy:RolePolicy", "cluster-autoscaler-scaling").urn),
            );
        });

        it("lets only its service account in kube-system assume the IRSA role, and annotates that account with the role", () => {
            const oidc = mocks.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
            const [statement] = policyOf(role).Statement;
            assert.deepStrictEqual(statement.Principal, { Federated: oidc.state.arn });
            assert.strictEqual(statement.Action, "sts:AssumeRoleWithWebIdentity");
            const conditions = Object.entries(statement.Condition.StringEquals as Record<string, string>);
            assert.deepStrictEqual(
                conditions.find(([k]) => k.endsWith(":sub"))?.[1],
                "system:serviceaccount:kube-system:cluster-autoscaler",
            );
            assert.deepStrictEqual(conditions.find(([k]) => k.endsWith(":aud"))?.[1], "sts.amazonaws.com");
            assert.strictEqual(values.rbac.serviceAccount.name, "cluster-autoscaler");
            assert.strictEqual(values.rbac.serviceAccount.create, true);
            assert.strictEqual(values.rbac.serviceAccount.annotations["eks.amazonaws.com/role-arn"], role.state.arn);
            assert.strictEqual(values.fullnameOverride, "cluster-autoscaler");
        });

        it("may scale and terminate only in Auto Scaling groups tagged as this cluster's", () => {
            const policy = policyOf(mocks.one("aws:iam/rolePolicy:RolePolicy", "cluster-autoscaler-scaling"));
            assert.strictEqual(mocks.one("aws:iam/rolePolicy:RolePolicy", "cluster-autoscaler-scaling").inputs.role, role.state.name);
            const scale = policy.Statement.find((s: any) => s.Sid === "ScaleOwnNodeGroups");
            assert.deepStrictEqual(scale.Action, ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]);
            assert.deepStrictEqual(scale.Condition, {
                StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/claude-enhancer-staging": "owned" },
            });
            // Every other statement only reads.
            for (const s of policy.Statement.filter((x: any) => x.Sid !== "ScaleOwnNodeGroups")) {
                for (const action of s.Action) assert.match(action, /^(autoscaling|ec2|eks):(Describe|Get)/, `${action} is not read-only`);
            }
            const nodegroups = policy.Statement.find((s: any) => s.Sid === "DescribeOwnNodeGroups");
            assert.strictEqual(nodegroups.Resource, "arn:aws:eks:us-east-1:123456789012:nodegroup/claude-enhancer-staging/*");
        });

        it("discovers node groups by the tags of this cluster, the same the node groups carry", () => {
            assert.strictEqual(clusterName, "claude-enhancer-staging");
            assert.strictEqual(values.autoDiscovery.clusterName, clusterName);
            assert.deepStrictEqual(values.autoDiscovery.tags, [
                "k8s.io/cluster-autoscaler/enabled",
                `k8s.io/cluster-autoscaler/${clusterName}`,
            ]);
            for (const group of mocks.ofType("aws:eks/nodeGroup:NodeGroup")) {
                assert.strictEqual(group.inputs.tags["k8s.io/cluster-autoscaler/enabled"], "true");
                assert.strictEqual(group.inputs.tags[`k8s.io/cluster-autoscaler/${clusterName}`], "owned");
            }
            assert.strictEqual(values.cloudProvider, "aws");
            assert.strictEqual(values.awsRegion, "us-east-1");
        });

        it("balances similar groups and prefers the spot group, then the least waste", () => {
            assert.deepStrictEqual(values.extraArgs, {
                "balance-similar-node-groups": true,
                expander: "priority,least-waste",
                "scale-down-unneeded-time": "10m",
                "skip-nodes-with-local-storage": false,
            });
            // The mock names each group's Auto Scaling group eks-<resource>-asg.
            assert.deepStrictEqual(values.expanderPriorities, {
                50: ["^eks-cluster-eks-app-asg$"],
                10: ["^eks-cluster-eks-system-asg$"],
            });
        });

        it("runs the cluster's minor version with the requests the capacity check counts, as a restricted pod", () => {
            assert.deepStrictEqual(values.image, { tag: "v1.31.0" });
            assert.deepStrictEqual(values.resources.requests, { cpu: "100m", memory: "300Mi" });
            assert.deepStrictEqual(CLUSTER_AUTOSCALER_REQUESTS, { cpu: "100m", memory: "300Mi" });
            assert.strictEqual(values.securityContext.runAsNonRoot, true);
            assert.deepStrictEqual(values.containerSecurityContext, {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
            });
            assert.deepStrictEqual(values.tolerations, [
                { key: "CriticalAddonsOnly", operator: "Equal", value: "true", effect: "NoSchedule" },
            ]);
        });
    });

    it("on production (all on-demand) ranks both groups equally and names the production cluster", async () => {
        const { mocks } = await autoscaledClusterOf("production");
        const values = mocks.one(RELEASE, "cluster-autoscaler-release").inputs.values;
        assert.deepStrictEqual(values.expanderPriorities, { 10: ["^eks-cluster-eks-system-asg$", "^eks-cluster-eks-app-asg$"] });
        assert.strictEqual(values.autoDiscovery.clusterName, "claude-enhancer-production");
        const scale = policyOf(mocks.one("aws:iam/rolePolicy:RolePolicy", "cluster-autoscaler-scaling")).Statement.find(
            (s: any) => s.Sid === "ScaleOwnNodeGroups",
        );
        assert.deepStrictEqual(Object.keys(scale.Condition.StringEquals), [
            "aws:ResourceTag/k8s.io/cluster-autoscaler/claude-enhancer-production",
        ]);
    });

    describe("plain values", () => {
        it("tags a cluster's groups for discovery, its own tag owned", () => {
            assert.deepStrictEqual(discoveryTags("c1"), {
                "k8s.io/cluster-autoscaler/enabled": "true",
                "k8s.io/cluster-autoscaler/c1": "owned",
            });
        });

        it("grants named actions only, scaling conditioned on the cluster's tag", () => {
            const policy = clusterAutoscalerPolicy("c1", SCOPE);
            for (const s of policy.Statement) {
                for (const action of [s.Action].flat()) assert.doesNotMatch(action, /\*/, `${action} is a wildcard`);
            }
            const conditioned = policy.Statement.filter((s) => s.Condition !== undefined);
            assert.deepStrictEqual(
                conditioned.map((s) => s.Action),
                [["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]],
            );
            assert.deepStrictEqual(conditioned[0].Condition, { StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/c1": "owned" } });
        });

        it("escapes Auto Scaling group names in the expander's patterns and leaves out empty priorities", () => {
            assert.deepStrictEqual(expanderPriorities([{ autoscalingGroupName: "eks-a.b-1", capacityType: "ON_DEMAND" }]), {
                10: ["^eks-a\\.b-1$"],
            });
            assert.deepStrictEqual(expanderPriorities([]), {});
        });

        it("writes no priority table without node groups", () => {
            const values = clusterAutoscalerValues({
                clusterName: "c1",
                region: "eu-west-1",
                roleArn: "arn:aws:iam::123456789012:role/ca",
                imageTag: "v1.31.0",
                scaleDownUnneededTime: "5m",
                nodeGroups: [],
            });
            assert.deepStrictEqual(values.expanderPriorities, {});
            assert.strictEqual((values.extraArgs as Record<string, unknown>)["scale-down-unneeded-time"], "5m");
        });
    });

    describe("configuration", () => {
        const staging = readStackSettings("staging");

        it("defaults to the chart and image that match the shipped clusters' 1.31", () => {
            assert.deepStrictEqual(parsePlatformConfig(staging).clusterAutoscaler, {
                chartVersion: "9.43.2",
                imageTag: "v1.31.0",
                scaleDownUnneededTime: "10m",
            });
        });

        it("refuses an autoscaler of another minor version than the cluster, naming the key", () => {
            assert.throws(
                () => parsePlatformConfig({ ...staging, clusterAutoscaler: { imageTag: "v1.30.2" } }),
                /clusterAutoscaler\.imageTag[\s\S]*a Cluster Autoscaler release of the cluster's minor version 1\.31 \(such as "v1\.31\.0"\); got v1\.30\.2/,
            );
        });

        it("refuses a chart version range", () => {
            assert.throws(
                () => parsePlatformConfig({ ...staging, clusterAutoscaler: { chartVersion: "^9.43" } }),
                /clusterAutoscaler\.chartVersion/,
            );
        });
    });
});
