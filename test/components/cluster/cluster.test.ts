import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "../../../components/cluster/cluster";
import { KIND_COMMANDS } from "../../../components/cluster/kindCluster";
import { NODE_ROLE_LABEL } from "../../../components/cluster/nodeGroupSettings";
import { ClusterSchema, type ClusterConfig } from "../../../config/cluster";
import { loadStackConfig } from "../../../config/stackFile";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { installMocks } from "../../harness/program";
import { RecordedResource, RecordingMocks } from "../../harness/recorder";
import { isDescendantOf, resolved, TEST_COST_TAGS, withAwsProvider } from "../awsComponentFixtures";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

const NETWORK = {
    vpcId: "vpc-test",
    privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    privateSubnetCidrs: ["10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19"],
};
const EKS = "aws:eks/cluster:Cluster";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const ADDON = "aws:eks/addon:Addon";
const K8S_PROVIDER = "pulumi:providers:kubernetes";

async function eksClusterOf(stack: "staging" | "production") {
    const config = loadStackConfig(stack);
    const { mocks, built } = await withAwsProvider(
        stack,
        (provider) => new Cluster("cluster", { cluster: config.cluster, environment: stack, network: NETWORK }, { providers: [provider] }),
    );
    return { mocks, cluster: built };
}

async function existingClusterOf(config: ClusterConfig) {
    const mocks = await installMocks("local");
    const cluster = new Cluster("cluster", { cluster: config, environment: "local" }, {});
    await settings.waitForRPCs();
    return { mocks, cluster };
}

/** The plaintext of a provider input the engine received as a secret, failing when it was not secret. */
function secretInput(provider: RecordedResource, key: string): unknown {
    const value = provider.inputs[key];
    assert.strictEqual(value?.[specialSigKey], specialSecretSig, `${key} of ${provider.name} is not a secret`);
    return value.value;
}

/** Provider inputs reach the engine as strings (booleans included), like stack config. */
function providerInput(provider: RecordedResource, key: string): unknown {
    const value = provider.inputs[key];
    return typeof value === "string" && /^(true|false)$/.test(value) ? value === "true" : value;
}

describe("Cluster component", function () {
    this.timeout(60_000);

    describe("eks mode, staging", () => {
        let mocks: RecordingMocks;
        let cluster: Cluster;
        before(async () => ({ mocks, cluster } = await eksClusterOf("staging")));

        it("envelope-encrypts secrets with a rotating KMS key that the cluster role may use", () => {
            const eks = mocks.one(EKS).inputs;
            const key = mocks.one("aws:kms/key:Key", "cluster-eks-secrets");
            assert.strictEqual(key.inputs.enableKeyRotation, true);
            assert.deepStrictEqual(eks.encryptionConfig, { provider: { keyArn: key.state.arn }, resources: ["secrets"] });
            assert.strictEqual(mocks.one("aws:kms/alias:Alias", "cluster-eks-secrets").inputs.targetKeyId, key.state.keyId);
            assert.strictEqual(
                mocks.one("aws:kms/alias:Alias", "cluster-eks-secrets").inputs.name,
                "alias/claude-enhancer-staging-secrets",
            );
            const rolePolicy = mocks.one("aws:iam/rolePolicy:RolePolicy", "cluster-eks-cluster-secrets-key").inputs;
            assert.strictEqual(rolePolicy.role, mocks.one("aws:iam/role:Role", "cluster-eks-cluster").id);
            assert.strictEqual(JSON.parse(rolePolicy.policy).Statement[0].Resource, key.state.arn);
        });

        it("ships api, audit and authenticator logs to a KMS-encrypted log group created before the cluster", () => {
            const eks = mocks.one(EKS);
            const logGroup = mocks.one("aws:cloudwatch/logGroup:LogGroup");
            assert.deepStrictEqual(eks.inputs.enabledClusterLogTypes, ["api", "audit", "authenticator"]);
            assert.strictEqual(logGroup.inputs.name, "/aws/eks/claude-enhancer-staging/cluster");
            assert.strictEqual(logGroup.inputs.retentionInDays, 30);
            assert.strictEqual(logGroup.inputs.kmsKeyId, mocks.one("aws:kms/key:Key", "cluster-eks-control-plane-logs-key").state.arn);
            assert.ok(eks.dependsOn.includes(logGroup.urn), "the cluster does not wait for its log group");
        });

        it("keeps the private endpoint and opens the public one only to the configured CIDRs", () => {
            const eks = mocks.one(EKS).inputs;
            assert.deepStrictEqual(eks.vpcConfig, {
                subnetIds: NETWORK.privateSubnetIds,
                endpointPrivateAccess: true,
                endpointPublicAccess: true,
                publicAccessCidrs: ["203.0.113.0/24"],
            });
            assert.strictEqual(eks.name, "claude-enhancer-staging");
            assert.strictEqual(eks.version, "1.31");
            assert.deepStrictEqual(eks.accessConfig, {
                authenticationMode: "API_AND_CONFIG_MAP",
                bootstrapClusterCreatorAdminPermissions: true,
            });
            assert.strictEqual(eks.roleArn, mocks.one("aws:iam/role:Role", "cluster-eks-cluster").state.arn);
        });

        it("registers the cluster's OIDC issuer as an IAM identity provider for STS", async () => {
            const issuer = "https://oidc.eks.us-east-1.amazonaws.com/id/MOCKCLUSTER-EKS";
            const oidc = mocks.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
            assert.strictEqual(oidc.inputs.url, issuer);
            assert.deepStrictEqual(oidc.inputs.clientIdLists, ["sts.amazonaws.com"]);
            assert.strictEqual(await resolved(cluster.oidcProviderUrl!), "oidc.eks.us-east-1.amazonaws.com/id/MOCKCLUSTER-EKS");
            assert.strictEqual(await resolved(cluster.oidcProviderArn!), oidc.state.arn);
        });

        it("installs the vpc-cni, kube-proxy, coredns and EBS CSI add-ons, the workload ones after the nodes", () => {
            const addons = Object.fromEntries(mocks.ofType(ADDON).map((a) => [a.inputs.addonName, a]));
            assert.deepStrictEqual(Object.keys(addons).sort(), ["aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]);
            for (const addon of mocks.ofType(ADDON)) assert.strictEqual(addon.inputs.clusterName, "claude-enhancer-staging");
            const nodeGroupUrns = mocks.ofType(NODE_GROUP).map((g) => g.urn);
            for (const name of ["coredns", "aws-ebs-csi-driver"]) {
                for (const urn of nodeGroupUrns) assert.ok(addons[name].dependsOn.includes(urn), `${name} does not wait for ${urn}`);
            }
            for (const group of mocks.ofType(NODE_GROUP)) {
                for (const name of ["vpc-cni", "kube-proxy"])
                    assert.ok(group.dependsOn.includes(addons[name].urn), `${group.name} does not wait for ${name}`);
            }
        });

        it("turns on the VPC CNI's network policy agent, so NetworkPolicies are enforced", () => {
            const settings = Object.fromEntries(mocks.ofType(ADDON).map((a) => [a.inputs.addonName, a.inputs.configurationValues]));
            assert.deepStrictEqual(JSON.parse(settings["vpc-cni"]), { enableNetworkPolicy: "true" });
            assert.strictEqual(settings["kube-proxy"], undefined);
        });

        it("gives the EBS CSI controller an IRSA role only its service account can assume", () => {
            const role = mocks.one("aws:iam/role:Role", "cluster-eks-ebs-csi");
            const addon = mocks.ofType(ADDON).find((a) => a.inputs.addonName === "aws-ebs-csi-driver");
            assert.strictEqual(addon?.inputs.serviceAccountRoleArn, role.state.arn);
            const statement = JSON.parse(role.inputs.assumeRolePolicy).Statement[0];
            assert.strictEqual(statement.Principal.Federated, mocks.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider").state.arn);
            assert.deepStrictEqual(statement.Condition.StringEquals, {
                "oidc.eks.us-east-1.amazonaws.com/id/MOCKCLUSTER-EKS:sub": "system:serviceaccount:kube-system:ebs-csi-controller-sa",
                "oidc.eks.us-east-1.amazonaws.com/id/MOCKCLUSTER-EKS:aud": "sts.amazonaws.com",
            });
            assert.strictEqual(
                mocks.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "cluster-eks-ebs-csi").inputs.policyArn,
                "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
            );
        });

        it("attaches the managed policies to the cluster and node roles", () => {
            const attached = (role: string) =>
                mocks
                    .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                    .filter((a) => a.inputs.role === mocks.one("aws:iam/role:Role", role).state.name)
                    .map((a) => a.inputs.policyArn)
                    .sort();
            assert.deepStrictEqual(attached("cluster-eks-cluster"), ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]);
            assert.deepStrictEqual(attached("cluster-eks-node"), [
                "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
                "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
                "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
            ]);
        });

        it("launches nodes with encrypted gp3 root volumes, IMDSv2 required and the cost tags", () => {
            const templates = mocks.ofType(LAUNCH_TEMPLATE);
            assert.deepStrictEqual(templates.map((t) => t.name).sort(), ["cluster-eks-app", "cluster-eks-system"]);
            for (const template of templates) {
                assert.deepStrictEqual(template.inputs.metadataOptions, {
                    httpEndpoint: "enabled",
                    httpTokens: "required",
                    httpPutResponseHopLimit: 1,
                });
                assert.deepStrictEqual(template.inputs.blockDeviceMappings, [
                    { deviceName: "/dev/xvda", ebs: { volumeSize: 50, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } },
                ]);
                assert.strictEqual(template.inputs.instanceType, undefined);
                const group = template.name.replace("cluster-eks-", "");
                assert.deepStrictEqual(
                    template.inputs.tagSpecifications,
                    ["instance", "volume", "network-interface"].map((resourceType) => ({
                        resourceType,
                        tags: { ...TEST_COST_TAGS, Name: `claude-enhancer-staging-${group}` },
                    })),
                );
            }
        });

        it("runs an on-demand, tainted system group and a spot app group with the configured sizes", () => {
            const groups = Object.fromEntries(mocks.ofType(NODE_GROUP).map((g) => [g.name, g]));
            const summary = (g: RecordedResource) => ({
                capacityType: g.inputs.capacityType,
                instanceTypes: g.inputs.instanceTypes,
                scalingConfig: g.inputs.scalingConfig,
                labels: g.inputs.labels,
                taints: g.inputs.taints,
                amiType: g.inputs.amiType,
            });
            assert.deepStrictEqual(summary(groups["cluster-eks-system"]), {
                capacityType: "ON_DEMAND",
                instanceTypes: ["t3.medium"],
                scalingConfig: { minSize: 2, desiredSize: 2, maxSize: 3 },
                labels: { [NODE_ROLE_LABEL]: "system" },
                taints: [{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }],
                amiType: "AL2023_x86_64_STANDARD",
            });
            assert.deepStrictEqual(summary(groups["cluster-eks-app"]), {
                capacityType: "SPOT",
                instanceTypes: ["t3.medium", "t3.large", "m5.large"],
                scalingConfig: { minSize: 2, desiredSize: 3, maxSize: 23 },
                labels: { [NODE_ROLE_LABEL]: "app" },
                taints: [],
                amiType: "AL2023_x86_64_STANDARD",
            });
            for (const group of Object.values(groups)) {
                assert.deepStrictEqual(group.inputs.subnetIds, NETWORK.privateSubnetIds);
                assert.strictEqual(group.inputs.nodeRoleArn, mocks.one("aws:iam/role:Role", "cluster-eks-node").state.arn);
                assert.deepStrictEqual(group.inputs.launchTemplate, { id: mocks.one(LAUNCH_TEMPLATE, group.name).id, version: "1" });
                assert.deepStrictEqual(group.ignoreChanges, ["scalingConfig.desiredSize"]);
            }
        });

        it("exposes the node groups by configured name, the cluster security group and the secrets key", async () => {
            assert.deepStrictEqual(Object.keys(cluster.nodeGroups).sort(), ["app", "system"]);
            assert.strictEqual(await resolved(cluster.nodeGroups.app.capacityType), "SPOT");
            assert.strictEqual(await resolved(cluster.clusterSecurityGroupId!), "sg-cluster-cluster-eks");
            assert.strictEqual(await resolved(cluster.kmsKeyArn!), mocks.one("aws:kms/key:Key", "cluster-eks-secrets").state.arn);
            assert.strictEqual(await resolved(cluster.clusterName), "claude-enhancer-staging");
        });

        it("builds a secret kubeconfig that authenticates with aws eks get-token, and a server-side-apply provider on it", async () => {
            assert.strictEqual(await pulumi.isSecret(cluster.kubeconfig), true);
            const kubeconfig = JSON.parse(await resolved(cluster.kubeconfig));
            const eks = mocks.one(EKS).state;
            assert.strictEqual(kubeconfig.clusters[0].cluster.server, eks.endpoint);
            assert.strictEqual(kubeconfig.clusters[0].cluster["certificate-authority-data"], eks.certificateAuthority.data);
            assert.deepStrictEqual(kubeconfig.users[0].user.exec.args, [
                "eks",
                "get-token",
                "--cluster-name",
                "claude-enhancer-staging",
                "--region",
                "us-east-1",
                "--output",
                "json",
            ]);
            const provider = mocks.one(K8S_PROVIDER);
            assert.strictEqual(providerInput(provider, "enableServerSideApply"), true);
            assert.deepStrictEqual(JSON.parse(secretInput(provider, "kubeconfig") as string), kubeconfig);
            for (const group of mocks.ofType(NODE_GROUP))
                assert.ok(provider.dependsOn.includes(group.urn), `the provider does not wait for ${group.name}`);
        });

        it("creates every AWS resource inside the component with the explicit provider", () => {
            const component = mocks.one("claude-enhancer:cluster:Cluster");
            const awsResources = mocks.resources.filter((r) => r.type.startsWith("aws:"));
            for (const r of awsResources) {
                assert.ok(isDescendantOf(mocks, r, component.urn), `${r.type} ${r.name} is not under the Cluster component`);
                assert.match(r.provider ?? "", /pulumi:providers:aws::aws::/, `${r.type} ${r.name} uses no explicit provider`);
            }
        });
    });

    describe("eks mode, production", () => {
        let mocks: RecordingMocks;
        before(async () => ({ mocks } = await eksClusterOf("production")));

        it("has no public API endpoint", () => {
            const vpcConfig = mocks.one(EKS).inputs.vpcConfig;
            assert.strictEqual(vpcConfig.endpointPrivateAccess, true);
            assert.strictEqual(vpcConfig.endpointPublicAccess, false);
            assert.strictEqual(vpcConfig.publicAccessCidrs, undefined);
        });

        it("runs both node groups on demand, the app group 3..23 on 100 GiB volumes", () => {
            const groups = Object.fromEntries(mocks.ofType(NODE_GROUP).map((g) => [g.name, g.inputs]));
            assert.strictEqual(groups["cluster-eks-system"].capacityType, "ON_DEMAND");
            assert.strictEqual(groups["cluster-eks-app"].capacityType, "ON_DEMAND");
            assert.deepStrictEqual(groups["cluster-eks-app"].scalingConfig, { minSize: 3, desiredSize: 6, maxSize: 23 });
            assert.strictEqual(mocks.one(LAUNCH_TEMPLATE, "cluster-eks-app").inputs.blockDeviceMappings[0].ebs.volumeSize, 100);
            assert.strictEqual(mocks.one(LAUNCH_TEMPLATE, "cluster-eks-system").inputs.blockDeviceMappings[0].ebs.volumeSize, 50);
        });

        it("names the cluster, its log group and key aliases after the environment", () => {
            assert.strictEqual(mocks.one(EKS).inputs.name, "claude-enhancer-production");
            assert.strictEqual(mocks.one("aws:cloudwatch/logGroup:LogGroup").inputs.name, "/aws/eks/claude-enhancer-production/cluster");
            assert.strictEqual(mocks.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, 90);
            assert.deepStrictEqual(
                mocks
                    .ofType("aws:kms/alias:Alias")
                    .map((a) => a.inputs.name)
                    .sort(),
                ["alias/claude-enhancer-production-control-plane-logs", "alias/claude-enhancer-production-secrets"],
            );
        });
    });

    describe("eks mode, arguments", () => {
        it("refuses to build an EKS cluster without a network", async () => {
            await installMocks("staging");
            const config = loadStackConfig("staging");
            assert.throws(() => new Cluster("cluster", { cluster: config.cluster, environment: "staging" }), {
                message: 'cluster.mode "eks" needs a network (the Network component) to run in',
            });
        });
    });

    describe("kind mode", () => {
        const COMMAND = "command:local:Command";

        it("creates the kind cluster with a local command whose output, the kubeconfig, is a secret never logged", async () => {
            const { mocks, cluster } = await existingClusterOf(
                ClusterSchema.parse({ mode: "kind", name: "laptop", nodeImage: "kindest/node:v1.34.0" }),
            );
            const kind = mocks.one(COMMAND);
            assert.strictEqual(kind.inputs.create, KIND_COMMANDS.create);
            assert.strictEqual(kind.inputs.update, KIND_COMMANDS.update);
            assert.strictEqual(kind.inputs.delete, KIND_COMMANDS.delete);
            assert.deepStrictEqual(kind.inputs.environment, {
                KIND_CLUSTER_NAME: "laptop",
                KIND_NODE_IMAGE: "kindest/node:v1.34.0",
                KIND_WAIT_SECONDS: "300",
            });
            assert.deepStrictEqual(kind.inputs.triggers, ["laptop", "kindest/node:v1.34.0"]);
            assert.strictEqual(kind.inputs.logging, "stderr");
            assert.deepStrictEqual(kind.additionalSecretOutputs, ["stdout"]);
            assert.ok(isDescendantOf(mocks, kind, mocks.one("claude-enhancer:cluster:KindCluster").urn));

            const provider = mocks.one(K8S_PROVIDER);
            assert.strictEqual(secretInput(provider, "kubeconfig"), `mock-stdout-of-${kind.name}`);
            assert.strictEqual(providerInput(provider, "enableServerSideApply"), true);
            assert.strictEqual(await resolved(cluster.kubeconfig), `mock-stdout-of-${kind.name}`);
            assert.strictEqual(await pulumi.isSecret(cluster.kubeconfig), true);
            assert.strictEqual(await resolved(cluster.clusterName), "laptop");
            assert.deepStrictEqual(
                mocks.resources.filter((r) => r.type.startsWith("aws:")).map((r) => r.type),
                [],
            );
        });

        it("defaults the cluster name and wait, and leaves the node image to kind", async () => {
            const { mocks } = await existingClusterOf(ClusterSchema.parse({ mode: "kind" }));
            assert.deepStrictEqual(mocks.one(COMMAND).inputs.environment, {
                KIND_CLUSTER_NAME: "claude-enhancer",
                KIND_NODE_IMAGE: "",
                KIND_WAIT_SECONDS: "300",
            });
        });

        it("prints only the kubeconfig on stdout: kind's own output goes to stderr", () => {
            assert.match(KIND_COMMANDS.create, /kind create cluster [^&]*>&2 && kind get kubeconfig --name "\$KIND_CLUSTER_NAME"$/);
            assert.match(KIND_COMMANDS.delete, />&2$/);
        });
    });

    describe("existing mode", () => {
        let dir: string;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-test-"));
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("creates no AWS resource and a server-side-apply provider on the ambient kubeconfig", async () => {
            const { mocks, cluster } = await existingClusterOf(ClusterSchema.parse({ mode: "existing" }));
            assert.deepStrictEqual(
                mocks.resources.filter((r) => r.type.startsWith("aws:") || r.type === "pulumi:providers:aws").map((r) => r.type),
                [],
            );
            const provider = mocks.one(K8S_PROVIDER);
            assert.strictEqual(providerInput(provider, "enableServerSideApply"), true);
            assert.strictEqual(provider.inputs.kubeconfig, undefined);
            assert.strictEqual(provider.inputs.context, undefined);
            assert.strictEqual(await resolved(cluster.clusterName), "existing");
            assert.strictEqual(await resolved(cluster.kubeconfig), "");
            assert.strictEqual(await pulumi.isSecret(cluster.kubeconfig), true);
            assert.deepStrictEqual(cluster.nodeGroups, {});
            assert.strictEqual(cluster.oidcProviderArn, undefined);
        });

        it("reads the configured kubeconfig file and selects the configured context", async () => {
            const file = path.join(dir, "kind.yaml");
            const content = "apiVersion: v1\nkind: Config\ncurrent-context: kind-a\n";
            fs.writeFileSync(file, content);
            const { mocks, cluster } = await existingClusterOf(
                ClusterSchema.parse({ mode: "existing", kubeconfigPath: file, context: "kind-b" }),
            );
            const provider = mocks.one(K8S_PROVIDER);
            assert.strictEqual(secretInput(provider, "kubeconfig"), content);
            assert.strictEqual(provider.inputs.context, "kind-b");
            assert.strictEqual(await resolved(cluster.clusterName), "kind-b");
            assert.strictEqual(await resolved(cluster.kubeconfig), content);
            assert.strictEqual(await pulumi.isSecret(cluster.kubeconfig), true);
            assert.strictEqual(mocks.resources.filter((r) => r.type.startsWith("aws:")).length, 0);
        });

        it("fails with the key and the path when the kubeconfig file is missing", async () => {
            await installMocks("local");
            const missing = path.join(dir, "absent.yaml");
            assert.throws(
                () =>
                    new Cluster("cluster", {
                        cluster: ClusterSchema.parse({ mode: "existing", kubeconfigPath: missing }),
                        environment: "local",
                    }),
                {
                    message: `claude-enhancer:cluster.kubeconfigPath: cannot read ${missing}: ENOENT`,
                },
            );
        });
    });
});
