import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { MetricsServer } from "../../../components/cluster/metricsServer";
import { METRICS_SERVER_REQUESTS, metricsServerValues } from "../../../components/cluster/metricsServerValues";
import { parsePlatformConfig } from "../../../config";
import { readStackSettings } from "../../../config/stackFile";
import { installMocks, runProgram } from "../../harness/program";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

const RELEASE = "kubernetes:helm.sh/v3:Release";

describe("MetricsServer component", function () {
    this.timeout(120_000);

    it("installs the pinned metrics-server chart into kube-system with the requests the capacity check counts", async () => {
        const mocks = await installMocks("local");
        const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
        new MetricsServer(
            "metrics-server",
            {
                metricsServer: parsePlatformConfig(readStackSettings("local")).metricsServer,
                kubeletInsecureTls: true,
                chartMirror: undefined,
            },
            { providers: [provider] },
        );
        await settings.waitForRPCs();
        const release = mocks.one(RELEASE, "metrics-server-release").inputs;
        assert.strictEqual(release.chart, "metrics-server");
        assert.strictEqual(release.version, "3.12.2");
        assert.deepStrictEqual(release.repositoryOpts, { repo: "https://kubernetes-sigs.github.io/metrics-server/" });
        assert.strictEqual(release.namespace, "kube-system");
        assert.deepStrictEqual(release.values.resources.requests, { cpu: "100m", memory: "200Mi" });
        assert.deepStrictEqual(METRICS_SERVER_REQUESTS, { cpu: "100m", memory: "200Mi" });
        assert.deepStrictEqual(release.values.args, ["--kubelet-insecure-tls"]);
    });

    it("verifies kubelet certificates unless told not to, and runs as a restricted pod that tolerates the system taint", () => {
        const values = metricsServerValues({ kubeletInsecureTls: false });
        assert.deepStrictEqual(values.args, []);
        assert.deepStrictEqual(values.securityContext, {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            runAsUser: 1000,
            capabilities: { drop: ["ALL"] },
        });
        assert.deepStrictEqual(values.tolerations, [{ key: "CriticalAddonsOnly", operator: "Equal", value: "true", effect: "NoSchedule" }]);
    });

    describe("in the program", () => {
        it("runs on local (the HPAs exist there) skipping kubelet TLS verification, and no Cluster Autoscaler there", async () => {
            const { mocks } = await runProgram("local");
            assert.deepStrictEqual(mocks.one(RELEASE, "metrics-server-release").inputs.values.args, ["--kubelet-insecure-tls"]);
            assert.strictEqual(mocks.ofType(RELEASE).filter((r) => r.name === "cluster-autoscaler-release").length, 0);
            assert.ok(mocks.ofType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").length > 0);
        });

        it("runs on staging verifying kubelet TLS, next to the Cluster Autoscaler the application waits for", async () => {
            const { mocks } = await runProgram("staging");
            assert.deepStrictEqual(mocks.one(RELEASE, "metrics-server-release").inputs.values.args, []);
            // A component dependency reaches the engine as its children: here the autoscaler's Helm release.
            const autoscaler = mocks.one(RELEASE, "cluster-autoscaler-release");
            assert.ok(mocks.one("claude-enhancer:app:Application").dependsOn.includes(autoscaler.urn));
        });

        it("is left out where the cluster already serves metrics.k8s.io (metricsServer.enabled false)", async () => {
            const { mocks } = await runProgram("local", { overrides: { metricsServer: { enabled: false } } });
            assert.strictEqual(mocks.ofType(RELEASE).filter((r) => r.name === "metrics-server-release").length, 0);
        });
    });
});
