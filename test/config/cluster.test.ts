import * as assert from "assert";
import { instanceArchitecture } from "../../config/cluster";
import { ConfigError, parsePlatformConfig } from "../../config";
import { readStackSettings } from "../../config/stackFile";
import { problemsIfAny } from "./problems";

function issuesOf(overrides: (settings: Record<string, any>) => void): string[] {
    const settings = structuredClone(readStackSettings("staging")) as Record<string, any>;
    overrides(settings);
    return problemsIfAny(settings);
}

describe("cluster config", () => {
    it("tells Graviton instance types from x86 ones", () => {
        assert.deepStrictEqual(
            ["m6g.large", "c7gn.xlarge", "t4g.medium", "r6gd.2xlarge", "m5.large", "t3.medium", "g5.xlarge", "m5dn.large"].map(
                instanceArchitecture,
            ),
            ["arm64", "arm64", "arm64", "arm64", "x86_64", "x86_64", "x86_64", "x86_64"],
        );
    });

    it("rejects a node group mixing CPU architectures", () => {
        assert.deepStrictEqual(
            issuesOf((s) => (s.cluster.nodeGroups[1].instanceTypes = ["m5.large", "m6g.large"])),
            [
                'claude-enhancer:cluster.nodeGroups[1].instanceTypes: got ["m5.large","m6g.large"]; expected instance types of one CPU architecture (all Graviton or all x86)',
            ],
        );
    });

    it("rejects a public endpoint without CIDRs (EKS would open it to the internet)", () => {
        assert.deepStrictEqual(
            issuesOf((s) => (s.cluster.publicAccessCidrs = [])),
            ["claude-enhancer:cluster.publicAccessCidrs: got []; expected at least one CIDR when endpointPublicAccess is true"],
        );
    });

    it("accepts CloudWatch retention periods only for the control-plane logs, defaulting to 30 days", () => {
        const [issue] = issuesOf((s) => (s.cluster.logRetentionDays = 45));
        assert.match(
            issue,
            /^claude-enhancer:cluster\.logRetentionDays: got 45; expected a CloudWatch Logs retention period: one of 1, 3, 5,/,
        );
        const config = parsePlatformConfig(readStackSettings("staging"));
        assert.strictEqual(config.cluster.mode === "eks" && config.cluster.logRetentionDays, 30);
    });

    describe("kind mode (the local stack creates its own cluster)", () => {
        const local = (cluster: Record<string, unknown>) => {
            const settings = structuredClone(readStackSettings("local")) as Record<string, any>;
            settings.cluster = cluster;
            return settings;
        };
        const problems = (cluster: Record<string, unknown>) => {
            try {
                parsePlatformConfig(local(cluster));
                return [];
            } catch (err) {
                assert.ok(err instanceof ConfigError, String(err));
                return (err as ConfigError).problems;
            }
        };

        it("defaults the cluster name, the wait and its addresses (the private ranges); the node image is kind's default", () => {
            assert.deepStrictEqual(parsePlatformConfig(local({ mode: "kind" })).cluster, {
                mode: "kind",
                name: "claude-enhancer",
                waitSeconds: 300,
                apiServerCidrs: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
                apiServerPorts: [443, 6443],
                nodeCidrs: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
            });
        });

        it("takes the addresses of the cluster's API server and nodes, and rejects what is not a CIDR or a port", () => {
            const cluster = parsePlatformConfig(local({ mode: "kind", apiServerCidrs: ["172.18.0.0/16"], apiServerPorts: [6443] })).cluster;
            assert.ok(cluster.mode === "kind");
            assert.deepStrictEqual([cluster.apiServerCidrs, cluster.apiServerPorts], [["172.18.0.0/16"], [6443]]);
            assert.deepStrictEqual(problems({ mode: "existing", apiServerCidrs: ["172.18.0.0"], nodeCidrs: [], apiServerPorts: [0] }), [
                'claude-enhancer:cluster.apiServerCidrs[0]: got "172.18.0.0"; expected an IPv4 CIDR block such as 172.18.0.0/16',
                "claude-enhancer:cluster.apiServerPorts[0]: got 0; expected a number >= 1",
                "claude-enhancer:cluster.nodeCidrs: got []; expected at least 1 item(s)",
            ]);
        });

        it("rejects a name kind cannot use and a node image without a tag, naming key, value and expectation", () => {
            assert.deepStrictEqual(problems({ mode: "kind", name: "Claude_Enhancer", nodeImage: "kindest/node" }), [
                "claude-enhancer:cluster.name: got \"Claude_Enhancer\"; expected a kind cluster name of lowercase letters, digits and '-' (max 32)",
                'claude-enhancer:cluster.nodeImage: got "kindest/node"; expected an image reference with a tag or digest, such as kindest/node:v1.34.0',
            ]);
        });

        it("refuses keys of other modes", () => {
            assert.deepStrictEqual(problems({ mode: "kind", kubeconfigPath: "~/.kube/config" }), [
                "claude-enhancer:cluster.kubeconfigPath: unknown key; check its spelling or remove it",
            ]);
        });
    });
});
