import * as assert from "assert";
import * as path from "path";
import { eksKubeconfig, resolveKubeconfigPath } from "../../components/kubeconfig";

describe("kubeconfig", () => {
    it("points at the EKS endpoint and CA and authenticates with aws eks get-token", () => {
        assert.deepStrictEqual(
            eksKubeconfig({ clusterName: "claude-enhancer-staging", endpoint: "https://ABC.gr7.us-east-1.eks.amazonaws.com", certificateAuthorityData: "Q0E=", region: "us-east-1" }),
            {
                apiVersion: "v1",
                kind: "Config",
                "current-context": "claude-enhancer-staging",
                clusters: [{ name: "claude-enhancer-staging", cluster: { server: "https://ABC.gr7.us-east-1.eks.amazonaws.com", "certificate-authority-data": "Q0E=" } }],
                contexts: [{ name: "claude-enhancer-staging", context: { cluster: "claude-enhancer-staging", user: "claude-enhancer-staging" } }],
                users: [
                    {
                        name: "claude-enhancer-staging",
                        user: {
                            exec: {
                                apiVersion: "client.authentication.k8s.io/v1beta1",
                                command: "aws",
                                args: ["eks", "get-token", "--cluster-name", "claude-enhancer-staging", "--region", "us-east-1", "--output", "json"],
                                interactiveMode: "Never",
                            },
                        },
                    },
                ],
            },
        );
    });

    it("resolves configured paths against the home and working directories", () => {
        assert.strictEqual(resolveKubeconfigPath("~/.kube/kind", "/work/project", "/home/me"), path.join("/home/me", ".kube/kind"));
        assert.strictEqual(resolveKubeconfigPath("~", "/work/project", "/home/me"), "/home/me");
        assert.strictEqual(resolveKubeconfigPath("configs/kind.yaml", "/work/project", "/home/me"), "/work/project/configs/kind.yaml");
        assert.strictEqual(resolveKubeconfigPath("/etc/kube/config", "/work/project", "/home/me"), "/etc/kube/config");
    });
});
