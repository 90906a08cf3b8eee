import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { IngressNginx } from "../../../components/traffic/nginx";
import { resolved, stackConfig, underMocks } from "../observability/fixtures";

describe("IngressNginx component (router nginx)", function () {
    this.timeout(60_000);

    async function nginxFor(withMonitoring: boolean) {
        const config = stackConfig("local");
        return underMocks("local", (provider) => {
            const monitoring = withMonitoring
                ? new k8s.helm.v3.Release("kube-prometheus-stack", { chart: "kube-prometheus-stack" }, { provider })
                : undefined;
            return new IngressNginx(
                "ingress-nginx",
                {
                    ingressNginx: config.mesh.ingressNginx,
                    namespace: "ingress-nginx",
                    monitoringRelease: monitoring,
                    chartMirror: undefined,
                },
                { providers: [provider] },
            );
        });
    }

    it("local uses router nginx", () => {
        assert.strictEqual(stackConfig("local").mesh.router, "nginx");
    });

    it("installs ingress-nginx from its pinned chart with the local stack's size and a NodePort service", async () => {
        const { mocks, built } = await nginxFor(true);
        const release = mocks.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === "ingress-nginx")!;
        const r = release.inputs;
        assert.deepStrictEqual(
            [r.chart, r.version, r.repositoryOpts.repo, r.namespace],
            ["ingress-nginx", "4.12.1", "https://kubernetes.github.io/ingress-nginx", "ingress-nginx"],
        );
        const controller = r.values.controller;
        assert.strictEqual(controller.replicaCount, 1);
        assert.deepStrictEqual(controller.resources, { requests: { cpu: "50m", memory: "90Mi" } });
        assert.deepStrictEqual(controller.service, { type: "NodePort" });
        assert.deepStrictEqual(controller.ingressClassResource, { name: "nginx", enabled: true, default: false });
        assert.strictEqual(controller.config["allow-snippet-annotations"], "false");
        assert.strictEqual(controller.config["limit-req-status-code"], "429");
        assert.strictEqual(controller.config["ssl-protocols"], "TLSv1.2 TLSv1.3");
        assert.deepStrictEqual(controller.metrics, { enabled: true, serviceMonitor: { enabled: true } });
        // Its ServiceMonitor needs the CRD the monitoring release installs.
        const monitoring = mocks.ofType("kubernetes:helm.sh/v3:Release").find((x) => x.name === "kube-prometheus-stack")!;
        assert.ok(release.dependsOn.includes(monitoring.urn));
        assert.strictEqual(built.ingressClassName, "nginx");
        assert.deepStrictEqual(await resolved(built.ingressNamespaces), ["ingress-nginx"]);
    });

    it("without the monitoring release, no ServiceMonitor is requested", async () => {
        const { mocks } = await nginxFor(false);
        const release = mocks.one("kubernetes:helm.sh/v3:Release");
        assert.deepStrictEqual(release.inputs.values.controller.metrics.serviceMonitor, { enabled: false });
        assert.deepStrictEqual(release.dependsOn, []);
    });
});
