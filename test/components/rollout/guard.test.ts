import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Application } from "../../../components/app/application";
import { GUARD_IMAGE, guardEgress, guardRoleRules } from "../../../components/rollout/guard";
import { Rollout } from "../../../components/rollout/rollout";
import { loadStackConfig } from "../../../config/stackFile";
import { STAGE_NAMES, StageName, resolveStageTable } from "../../../rollout/stages";
import { installMocks } from "../../harness/program";
import { RecordingMocks } from "../../harness/recorder";

/** Where the guard reaches the API server: a private subnet and the `kubernetes` Service. */
const API_SERVER = { cidrs: ["10.20.0.0/19", "172.20.0.1/32"], ports: [443] };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

const CONFIG = loadStackConfig("production");
const TABLE = resolveStageTable({}, CONFIG.app.autoscaling);
const GUARD = "claude-enhancer:rollout:RolloutGuard";

/** The Rollout of one stage under the mock runtime (istio router, as the production stack). */
async function rolloutAt(stage: StageName): Promise<RecordingMocks> {
    const mocks = await installMocks("production");
    const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const candidateVersion = stage === "stable" ? undefined : "5.1.0";
    const application = new Application(
        "app",
        {
            app: CONFIG.app,
            namespace: "claude-enhancer",
            stage: TABLE[stage],
            stableVersion: "5.0.0",
            candidateVersion,
            database: {
                host: "db",
                port: 5432,
                name: "claude_enhancer",
                credentials: { kind: "password", username: "u", password: pulumi.secret("p") },
                tls: true,
                network: { cidrs: ["10.20.0.0/16"] },
            },
            cache: { host: "redis", port: 6379, tls: true, network: { cidrs: ["10.20.0.0/16"] } },
            router: "istio",
            ingressNamespaces: ["istio-system"],
        },
        { providers: [k8sProvider] },
    );
    new Rollout(
        "rollout",
        {
            environment: "production",
            stage: TABLE[stage],
            rollout: { ...CONFIG.rollout, candidateVersion, migration: { ...CONFIG.rollout.migration, enabled: false } },
            application,
            traffic: { router: "istio", entry: { ...CONFIG.app.ingress }, attachTo: ["istio-system/claude-enhancer"] },
            gate: {
                gates: CONFIG.gates,
                metrics: CONFIG.metrics,
                kubeconfig: pulumi.secret("apiVersion: v1\nkind: Config\n"),
                apiServer: API_SERVER,
            },
        },
        { providers: [k8sProvider] },
    );
    await settings.waitForRPCs();
    return mocks;
}

describe("RolloutGuard component", function () {
    this.timeout(120_000);

    for (const stage of STAGE_NAMES) {
        const forward = TABLE[stage].forward;
        it(`${forward ? "is" : "is not"} created at ${stage}`, async function () {
            const mocks = await rolloutAt(stage);
            assert.strictEqual(mocks.ofType(GUARD).length, forward ? 1 : 0);
            assert.strictEqual(mocks.resources.filter((r) => r.name === "rollout-guard").length, forward ? 7 : 0);
        });
    }

    describe("at canary", () => {
        let mocks: RecordingMocks;
        before(async () => {
            mocks = await rolloutAt("canary");
        });

        it("starts once the stage's gate passed", () => {
            const guard = mocks.one(GUARD);
            assert.deepStrictEqual(guard.dependsOn, [mocks.one("pulumi-nodejs:dynamic/healthGate:HealthGate").urn]);
        });

        it("may only get and patch the one VirtualService, by name", () => {
            const role = mocks.one("kubernetes:rbac.authorization.k8s.io/v1:Role", "rollout-guard");
            assert.deepStrictEqual(role.inputs.rules, [
                {
                    apiGroups: ["networking.istio.io"],
                    resources: ["virtualservices"],
                    resourceNames: ["claude-enhancer"],
                    verbs: ["get", "patch"],
                },
            ]);
            const binding = mocks.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "rollout-guard");
            assert.deepStrictEqual(binding.inputs.subjects, [
                { kind: "ServiceAccount", name: "claude-enhancer-rollout-guard", namespace: "claude-enhancer" },
            ]);
            assert.strictEqual(mocks.one("kubernetes:core/v1:ServiceAccount", "rollout-guard").inputs.automountServiceAccountToken, false);
        });

        it("runs the serialised module in the pinned public image, hardened, with the stage's gate and router in its config", () => {
            const deployment = mocks.one("kubernetes:apps/v1:Deployment", "rollout-guard");
            const pod = deployment.inputs.spec.template.spec;
            const container = pod.containers[0];
            assert.strictEqual(container.image, "node:22.12.0-alpine");
            assert.strictEqual(GUARD_IMAGE, container.image);
            assert.deepStrictEqual(container.command, ["node", "/guard/index.js"]);
            assert.strictEqual(deployment.inputs.spec.replicas, 1);
            assert.deepStrictEqual(container.securityContext.capabilities, { drop: ["ALL"] });
            assert.strictEqual(container.securityContext.readOnlyRootFilesystem, true);
            assert.strictEqual(pod.securityContext.runAsNonRoot, true);
            assert.deepStrictEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
            assert.deepStrictEqual(container.resources.limits, { cpu: "200m", memory: "128Mi" });
            assert.match(container.livenessProbe.exec.command[2], /statSync\("\/tmp\/heartbeat"\)\.mtimeMs < 60000/);
            // Ready once it has evaluated (the pack's k8s-probes rule wants both probes).
            assert.deepStrictEqual(container.readinessProbe.exec, container.livenessProbe.exec);
            assert.strictEqual(container.readinessProbe.periodSeconds, 10);
            assert.strictEqual(pod.automountServiceAccountToken, false);
            assert.deepStrictEqual(
                pod.volumes[1].projected.sources.map((s: Record<string, unknown>) => Object.keys(s)[0]),
                ["serviceAccountToken", "configMap"],
            );
            const data = mocks.one("kubernetes:core/v1:ConfigMap", "rollout-guard").inputs.data;
            assert.match(data["index.js"], /^exports\.main = __f0;/);
            assert.match(data["index.js"], /\nexports\.main\(\)\.catch\(/);
            const config = JSON.parse(data["config.json"]);
            assert.strictEqual(config.gate.stage, "canary");
            assert.deepStrictEqual(config.versions, { candidate: "5.1.0", stable: "5.0.0" });
            assert.deepStrictEqual(config.target, {
                router: "istio",
                namespace: "claude-enhancer",
                virtualService: "claude-enhancer",
                route: "weighted",
                stableSubset: "stable",
                canarySubset: "canary",
            });
            assert.match(deployment.inputs.spec.template.metadata.annotations["claude-enhancer.io/guard-config-sha256"], /^[0-9a-f]{64}$/);
        });

        it("reaches only the cluster DNS, the API server and Prometheus", () => {
            const policy = mocks.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "rollout-guard");
            assert.deepStrictEqual(policy.inputs.spec.policyTypes, ["Ingress", "Egress"]);
            assert.deepStrictEqual(policy.inputs.spec.ingress, []);
            assert.deepStrictEqual(policy.inputs.spec.egress, [
                {
                    to: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                        },
                    ],
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
                {
                    to: [{ ipBlock: { cidr: "10.20.0.0/19" } }, { ipBlock: { cidr: "172.20.0.1/32" } }],
                    ports: [{ protocol: "TCP", port: 443 }],
                },
                {
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
                    ports: [{ protocol: "TCP", port: 9090 }],
                },
            ]);
        });
    });

    it("nginx: only patch on the canary Ingress; a Prometheus URL opens its port only", () => {
        assert.deepStrictEqual(guardRoleRules({ router: "nginx", namespace: "ns", canaryIngress: "claude-enhancer-canary" }), [
            { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], resourceNames: ["claude-enhancer-canary"], verbs: ["patch"] },
        ]);
        const [dns, apiServer, toPrometheus] = guardEgress({ url: "https://prometheus.example.com" }, API_SERVER);
        assert.deepStrictEqual(dns.ports, [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
        ]);
        assert.deepStrictEqual(apiServer.ports, [{ protocol: "TCP", port: 443 }]);
        assert.deepStrictEqual(toPrometheus, { ports: [{ protocol: "TCP", port: 443 }] });
    });
});
