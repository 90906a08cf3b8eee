import * as assert from "assert";
import { Tracing } from "../../../components/observability/tracing";
import { StackName } from "../../../config/stackFile";
import { BADGER_MOUNT, jaegerConfig } from "../../../components/observability/tracingValues";
import { dependsOn, resolved, stackConfig, underMocks } from "./fixtures";

async function tracingFor(stack: StackName) {
    const config = stackConfig(stack);
    return underMocks(
        stack,
        (provider) =>
            new Tracing(
                "tracing",
                {
                    tracing: config.tracing,
                    namespace: "tracing",
                    storageClassName: config.cluster.mode === "eks" ? "gp3" : undefined,
                    chartMirror: undefined,
                },
                { providers: [provider] },
            ),
    );
}

describe("Tracing component (Jaeger)", function () {
    this.timeout(60_000);

    it("installs Jaeger from its pinned chart, one replica on a Badger volume, Pod Security restricted", async () => {
        const { mocks } = await tracingFor("staging");
        const release = mocks.one("kubernetes:helm.sh/v3:Release");
        const r = release.inputs;
        assert.deepStrictEqual(
            [r.name, r.chart, r.version, r.repositoryOpts.repo, r.namespace],
            ["jaeger", "jaeger", "4.11.1", "https://jaegertracing.github.io/helm-charts", "tracing"],
        );
        const claim = mocks.one("kubernetes:core/v1:PersistentVolumeClaim");
        assert.deepStrictEqual(claim.inputs.spec, {
            accessModes: ["ReadWriteOnce"],
            storageClassName: "gp3",
            resources: { requests: { storage: "10Gi" } },
        });
        assert.ok(dependsOn(release, claim));
        const jaeger = r.values.jaeger;
        assert.strictEqual(jaeger.replicas, 1);
        assert.deepStrictEqual(jaeger.extraVolumes, [{ name: "badger-data", persistentVolumeClaim: { claimName: "jaeger-badger" } }]);
        assert.deepStrictEqual(jaeger.extraVolumeMounts, [{ name: "badger-data", mountPath: BADGER_MOUNT }]);
        assert.deepStrictEqual(jaeger.resources, { requests: { cpu: "100m", memory: "256Mi" } });
        assert.strictEqual(jaeger.podSecurityContext.runAsNonRoot, true);
        assert.deepStrictEqual(jaeger.podSecurityContext.seccompProfile, { type: "RuntimeDefault" });
        assert.deepStrictEqual(jaeger.securityContext.capabilities, { drop: ["ALL"] });
        assert.strictEqual(jaeger.securityContext.allowPrivilegeEscalation, false);
    });

    it("keeps spans for tracing.retentionHours: 72 h staging, 168 h production, 24 h local", async () => {
        for (const [stack, hours, storage] of [
            ["staging", 72, "10Gi"],
            ["production", 168, "50Gi"],
            ["local", 24, "2Gi"],
        ] as const) {
            const { mocks } = await tracingFor(stack);
            const store =
                mocks.one("kubernetes:helm.sh/v3:Release").inputs.values.userconfig.extensions.jaeger_storage.backends.badger_store.badger;
            assert.deepStrictEqual(store.ttl, { spans: `${hours}h` }, stack);
            assert.strictEqual(store.ephemeral, false);
            assert.deepStrictEqual(store.directories, { keys: `${BADGER_MOUNT}/keys`, values: `${BADGER_MOUNT}/values` });
            assert.strictEqual(
                mocks.one("kubernetes:core/v1:PersistentVolumeClaim").inputs.spec.resources.requests.storage,
                storage,
                stack,
            );
        }
    });

    it("receives OTLP on every interface and exposes its endpoints", async () => {
        const { built } = await tracingFor("local");
        assert.strictEqual(await resolved(built.otlpGrpcEndpoint), "http://jaeger.tracing.svc.cluster.local:4317");
        assert.strictEqual(await resolved(built.otlpHttpEndpoint), "http://jaeger.tracing.svc.cluster.local:4318");
        const config = jaegerConfig({ retentionHours: 24 });
        assert.deepStrictEqual(config.receivers, {
            otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } } },
        });
        assert.deepStrictEqual((config.service as { pipelines: unknown }).pipelines, {
            traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] },
        });
    });
});
