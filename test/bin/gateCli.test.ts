import * as assert from "assert";
import type { PlatformConfig } from "../../config";
import { loadStackConfig } from "../../config/stackFile";
import { cliPrometheusTarget } from "../../bin/gateCli";

describe("where the gate CLI reaches Prometheus (cliPrometheusTarget)", function () {
    const local = loadStackConfig("local");
    const production = loadStackConfig("production");
    const SERVICE = { namespace: "monitoring", name: "prometheus-operated", port: 9090, scheme: "http" };
    const noAmbient = () => undefined;

    function withCluster(config: PlatformConfig, cluster: Record<string, unknown>): PlatformConfig {
        return { ...config, cluster: cluster as PlatformConfig["cluster"] };
    }

    it("--prometheus goes straight to the URL, whatever the stack says", function () {
        assert.deepStrictEqual(cliPrometheusTarget(production, "production", { prometheus: "http://127.0.0.1:9090" }, noAmbient), {
            url: "http://127.0.0.1:9090",
        });
    });

    it("--prometheus must be an http(s) URL and does not mix with --kubeconfig or --context", function () {
        assert.throws(
            () => cliPrometheusTarget(local, "local", { prometheus: "127.0.0.1:9090" }, noAmbient),
            /^Error: --prometheus takes an http\(s\) URL; got "127\.0\.0\.1:9090"$/,
        );
        assert.throws(
            () => cliPrometheusTarget(local, "local", { prometheus: "http://127.0.0.1:9090", kubeconfig: "/k" }, noAmbient),
            /^Error: --prometheus goes straight to a URL; it does not take --kubeconfig or --context$/,
        );
    });

    it("a stack whose gates use a URL: that URL", function () {
        const config = { ...local, gates: { ...local.gates, prometheus: { url: "https://prometheus.internal:9090" } } };
        assert.deepStrictEqual(
            cliPrometheusTarget(config, "local", {}, () => "/home/op/.kube/config"),
            { url: "https://prometheus.internal:9090" },
        );
    });

    it("a stack whose gates use the Service: the service proxy with --kubeconfig and --context", function () {
        assert.deepStrictEqual(
            cliPrometheusTarget(production, "production", { kubeconfig: "/tmp/prod.yaml", context: "prod" }, () => "/home/op/.kube/config"),
            {
                service: SERVICE,
                kubeconfigPath: "/tmp/prod.yaml",
                context: "prod",
            },
        );
    });

    it("without --kubeconfig: the existing cluster's kubeconfigPath and context, else the ambient kubeconfig", function () {
        const pinned = withCluster(local, { mode: "existing", kubeconfigPath: "~/clusters/kind.yaml", context: "kind-dev" });
        assert.deepStrictEqual(
            cliPrometheusTarget(pinned, "local", {}, () => "/home/op/.kube/config"),
            { service: SERVICE, kubeconfigPath: "~/clusters/kind.yaml", context: "kind-dev" },
        );
        assert.deepStrictEqual(cliPrometheusTarget(pinned, "local", { context: "kind-other" }, noAmbient), {
            service: SERVICE,
            kubeconfigPath: "~/clusters/kind.yaml",
            context: "kind-other",
        });
        assert.deepStrictEqual(
            cliPrometheusTarget(production, "production", {}, () => "/home/op/.kube/config"),
            { service: SERVICE, kubeconfigPath: "/home/op/.kube/config" },
        );
    });

    it("no kubeconfig anywhere: says where it looked and what to pass instead", function () {
        assert.throws(
            () => cliPrometheusTarget(production, "production", {}, noAmbient),
            (err: Error) =>
                err.message ===
                'stack "production" reaches Prometheus through the API server\'s service proxy (monitoring/prometheus-operated:9090) and no kubeconfig was found ' +
                    "(--kubeconfig, KUBECONFIG, ~/.kube/config); pass --kubeconfig <file>, or --prometheus <url> after `kubectl -n monitoring port-forward svc/prometheus-operated 9090`",
        );
    });
});
