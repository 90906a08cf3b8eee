import * as assert from "assert";
import { readStackSettings } from "../../../config/stackFile";
import { HEALTH_GATE } from "../../../identity";
import { ProgramRun, runProgram } from "../../harness/program";
import { withoutWarnings } from "../observability/fixtures";

/** The local stack with the Gateway API router at canary, as `pulumi up` would register it. */
async function localWithGatewayApi(): Promise<ProgramRun> {
    const settings = readStackSettings("local") as Record<string, any>;
    return withoutWarnings(() =>
        runProgram("local", {
            overrides: {
                mesh: {
                    router: "gateway-api",
                    gatewayApi: { gatewayNamespace: "gateways", gatewayName: "public", proxyNamespace: "gateway-proxies" },
                },
                rollout: { ...settings.rollout, stage: "canary", candidateVersion: `${settings.rollout.stableVersion}-candidate` },
            },
        }),
    );
}

/** A secret input's value (the engine's secret envelope), or the value itself. */
const unsecret = (value: any) => (value && typeof value === "object" && "value" in value ? value.value : value);

describe("the whole program with the Gateway API router (local stack, canary)", function () {
    this.timeout(120_000);
    let run: ProgramRun;
    before(async () => {
        run = await localWithGatewayApi();
    });

    it("attaches the stage's HTTPRoute to the platform team's Gateway and installs no controller of its own", () => {
        const route = run.mocks.one("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute");
        assert.strictEqual(route.inputs.metadata.name, "claude-enhancer");
        assert.strictEqual(route.inputs.metadata.annotations["pulumi.com/patchForce"], "true");
        assert.deepStrictEqual(route.inputs.spec.parentRefs, [
            { group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "gateways", name: "public" },
        ]);
        assert.deepStrictEqual(
            route.inputs.spec.rules.map((r: { name: string; backendRefs: { name: string; weight?: number }[] }) => [
                r.name,
                r.backendRefs.map((b) => [b.name, b.weight]),
            ]),
            [
                ["canary-header", [["claude-enhancer-candidate", undefined]]],
                [
                    "weighted",
                    [
                        ["claude-enhancer-stable", 95],
                        ["claude-enhancer-candidate", 5],
                    ],
                ],
            ],
        );
        run.mocks.one("claude-enhancer:mesh:SharedGateway");
        assert.deepStrictEqual(run.mocks.ofType("kubernetes:networking.k8s.io/v1:Ingress"), []);
        const releases = run.mocks.ofType("kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart);
        assert.ok(!releases.includes("ingress-nginx") && !releases.includes("istiod"), releases.join(", "));
        const namespaces = run.mocks.ofType("kubernetes:core/v1:Namespace").map((n) => n.inputs.metadata.name);
        assert.ok(!namespaces.includes("ingress-nginx"), namespaces.join(", "));
        assert.strictEqual(run.outputs.gateway, "gateways/public");
    });

    it("admits the Gateway's proxies to the service; the gate and the guard cut the HTTPRoute", () => {
        const policy = run.mocks
            .ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")
            .find((p) => p.inputs.metadata.name === "claude-enhancer")!;
        assert.deepStrictEqual(policy.inputs.spec.ingress[0].from, [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gateway-proxies" } } },
        ]);
        const gate = run.mocks.one(HEALTH_GATE.token);
        assert.deepStrictEqual(unsecret(gate.inputs.trafficCut).target, {
            router: "gateway-api",
            namespace: "claude-enhancer",
            httpRoute: "claude-enhancer",
            rule: "weighted",
            stableService: "claude-enhancer-stable",
            candidateService: "claude-enhancer-candidate",
        });
        const role = run.mocks.ofType("kubernetes:rbac.authorization.k8s.io/v1:Role").find((r) => r.name.endsWith("guard"))!;
        assert.deepStrictEqual(role.inputs.rules, [
            {
                apiGroups: ["gateway.networking.k8s.io"],
                resources: ["httproutes"],
                resourceNames: ["claude-enhancer"],
                verbs: ["get", "patch"],
            },
        ]);
    });
});
