import * as assert from "assert";
import * as path from "path";
import { ambientKubeconfigPath, eksKubeconfig, resolveKubeconfigPath } from "../../../components/cluster/kubeconfig";

describe("kubeconfig", () => {
    it("points at the EKS endpoint and CA and authenticates with aws eks get-token", () => {
        assert.deepStrictEqual(
            eksKubeconfig({
                clusterName: "claude-enhancer-staging",
                endpoint: "https://ABC.gr7.us-east-1.eks.amazonaws.com",
                certificateAuthorityData: "Q0E=",
                region: "us-east-1",
            }),
            {
                apiVersion: "v1",
                kind: "Config",
                "current-context": "claude-enhancer-staging",
                clusters: [
                    {
                        name: "claude-enhancer-staging",
                        cluster: { server: "https://ABC.gr7.us-east-1.eks.amazonaws.com", "certificate-authority-data": "Q0E=" },
                    },
                ],
                contexts: [
                    { name: "claude-enhancer-staging", context: { cluster: "claude-enhancer-staging", user: "claude-enhancer-staging" } },
                ],
                users: [
                    {
                        name: "claude-enhancer-staging",
                        user: {
                            exec: {
                                apiVersion: "client.authentication.k8s.io/v1beta1",
                                command: "aws",
                                args: [
                                    "eks",
                                    "get-token",
                                    "--cluster-name",
                                    "claude-enhancer-staging",
                                    "--region",
                                    "us-east-1",
                                    "--output",
                                    "json",
                                ],
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

describe("ambientKubeconfigPath", () => {
    const existing =
        (...files: string[]) =>
        (file: string) =>
            files.includes(file);

    it("takes the first existing file of KUBECONFIG, as kubectl does", () => {
        const env = { KUBECONFIG: ["/a/missing", "/b/config", "/c/config"].join(path.delimiter) };
        assert.strictEqual(ambientKubeconfigPath(env, "/home/me", existing("/b/config", "/c/config")), "/b/config");
    });

    it("falls back to ~/.kube/config without KUBECONFIG, and to nothing when no file exists", () => {
        assert.strictEqual(ambientKubeconfigPath({}, "/home/me", existing("/home/me/.kube/config")), "/home/me/.kube/config");
        assert.strictEqual(ambientKubeconfigPath({}, "/home/me", existing()), undefined);
        assert.strictEqual(ambientKubeconfigPath({ KUBECONFIG: "/x/none" }, "/home/me", existing("/home/me/.kube/config")), undefined);
    });
});
