import * as assert from "assert";
import { httpRouteSpec } from "../../../../components/traffic/routers/gatewayApi";
import { GatewayApiTarget, gatewayApiLiveRouter } from "../../../../rollout/gate/routers/gatewayApi";
import { ALL_STABLE, DeclaredTraffic } from "../../../../rollout/gate/routers/liveRouter";
import { STAGE_NAMES, resolveStageTable } from "../../../../rollout/stages";

const target: GatewayApiTarget = {
    router: "gateway-api",
    namespace: "claude-enhancer",
    httpRoute: "claude-enhancer",
    rule: "weighted",
    stableService: "claude-enhancer-stable",
    candidateService: "claude-enhancer-candidate",
};
const services = { main: "claude-enhancer", stable: "claude-enhancer-stable", candidate: "claude-enhancer-candidate", port: 80 };
const entry = {
    host: "api.example.com",
    tlsSecretName: "tls",
    rateLimitRps: 50,
    sessionCookieName: "ce",
    sessionCookieMaxAgeSeconds: 3600,
};
const TABLE = resolveStageTable({}, { minReplicas: 3, maxReplicas: 20 });
const canaryExpand: DeclaredTraffic = {
    candidateWeight: 20,
    headerRoute: { name: "canary-header", header: "x-canary-user", value: "true" },
};
const backend = (name: string, weight?: number) => ({ name, port: 80, ...(weight === undefined ? {} : { weight }) });

/** The HTTPRoute a stage creates, as the API server returns it. */
function live(stage: { weight: number; headerRoute: boolean }) {
    return {
        metadata: { resourceVersion: "9" },
        spec: httpRouteSpec({ stage: { name: "canary", ...stage }, services, entry }, ["gw/public"]),
    };
}

describe("Gateway API router (rollout/gate/routers/gatewayApi.ts, components/traffic/routers/gatewayApi.ts)", () => {
    for (const name of STAGE_NAMES) {
        const stage = TABLE[name];
        it(`${name}: an HTTPRoute on the Gateway, ${100 - stage.weight}/${stage.weight} by backendRef weight${stage.headerRoute ? ", the x-canary-user rule first" : ""}`, () => {
            const weighted = {
                name: "weighted",
                backendRefs: [backend(services.stable, 100 - stage.weight), backend(services.candidate, stage.weight)],
            };
            const header = {
                name: "canary-header",
                matches: [{ headers: [{ type: "Exact", name: "x-canary-user", value: "true" }] }],
                backendRefs: [backend(services.candidate)],
            };
            assert.deepStrictEqual(httpRouteSpec({ stage, services, entry }, ["gw/public"]), {
                parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "gw", name: "public" }],
                hostnames: ["api.example.com"],
                rules: stage.headerRoute ? [header, weighted] : [weighted],
            });
        });
    }

    it("cut: every rule to the stable Service, under a test of the resourceVersion; nothing when already there", () => {
        assert.deepStrictEqual(gatewayApiLiveRouter.cutPatch(target, live({ weight: 20, headerRoute: true })), {
            type: "json",
            ops: [
                { op: "test", path: "/metadata/resourceVersion", value: "9" },
                { op: "replace", path: "/spec/rules/0/backendRefs/0/name", value: "claude-enhancer-stable" },
                { op: "add", path: "/spec/rules/1/backendRefs/0/weight", value: 100 },
                { op: "add", path: "/spec/rules/1/backendRefs/1/weight", value: 0 },
            ],
        });
        assert.strictEqual(gatewayApiLiveRouter.cutPatch(target, live({ weight: 0, headerRoute: false })), undefined);
        // A backendRef without a weight has 1 (the CRD's default): not all stable.
        const defaulted = { spec: { rules: [{ name: "weighted", backendRefs: [backend(services.stable), backend(services.candidate)] }] } };
        assert.deepStrictEqual(gatewayApiLiveRouter.cutPatch(target, defaulted), {
            type: "json",
            ops: [
                { op: "add", path: "/spec/rules/0/backendRefs/0/weight", value: 100 },
                { op: "add", path: "/spec/rules/0/backendRefs/1/weight", value: 0 },
            ],
        });
        assert.strictEqual(gatewayApiLiveRouter.cutReport(target, true), "100 % claude-enhancer-stable");
        assert.strictEqual(gatewayApiLiveRouter.cutReport(target, false), "already 100 % claude-enhancer-stable");
    });

    it("restore: the declared weights and the header rule re-created in front; nothing when the object has them", () => {
        assert.deepStrictEqual(gatewayApiLiveRouter.restorePatch(target, canaryExpand, live({ weight: 0, headerRoute: false })), {
            type: "json",
            ops: [
                { op: "test", path: "/metadata/resourceVersion", value: "9" },
                { op: "add", path: "/spec/rules/0/backendRefs/0/weight", value: 80 },
                { op: "add", path: "/spec/rules/0/backendRefs/1/weight", value: 20 },
                {
                    op: "add",
                    path: "/spec/rules/0",
                    value: {
                        name: "canary-header",
                        matches: [{ headers: [{ type: "Exact", name: "x-canary-user", value: "true" }] }],
                        backendRefs: [backend(services.candidate)],
                    },
                },
            ],
        });
        assert.strictEqual(gatewayApiLiveRouter.restorePatch(target, canaryExpand, live({ weight: 20, headerRoute: true })), undefined);
        assert.strictEqual(gatewayApiLiveRouter.restorePatch(target, ALL_STABLE, live({ weight: 0, headerRoute: false })), undefined);
        const cut = live({ weight: 20, headerRoute: true });
        cut.spec.rules = (cut.spec.rules as { name: string; backendRefs: { name: string }[] }[]).map((r) =>
            r.name === "canary-header" ? { ...r, backendRefs: [backend(services.stable)] } : r,
        );
        assert.deepStrictEqual(gatewayApiLiveRouter.restorePatch(target, canaryExpand, cut), {
            type: "json",
            ops: [
                { op: "test", path: "/metadata/resourceVersion", value: "9" },
                { op: "replace", path: "/spec/rules/0/backendRefs/0/name", value: "claude-enhancer-candidate" },
            ],
        });
        assert.strictEqual(
            gatewayApiLiveRouter.restoreReport(target, canaryExpand, true),
            "80 % claude-enhancer-stable / 20 % claude-enhancer-candidate, header route x-canary-user: true",
        );
        assert.throws(
            () => gatewayApiLiveRouter.restorePatch({ ...target, rule: "other" }, canaryExpand, live({ weight: 5, headerRoute: true })),
            {
                message: 'no rule named "other" to set the declared weights on',
            },
        );
    });

    it("names the HTTPRoute, lets the guard get and patch only it, and reads the service's own metrics", () => {
        assert.strictEqual(
            gatewayApiLiveRouter.objectPath(target),
            "/apis/gateway.networking.k8s.io/v1/namespaces/claude-enhancer/httproutes/claude-enhancer",
        );
        assert.strictEqual(gatewayApiLiveRouter.objectName(target), "HTTPRoute claude-enhancer/claude-enhancer");
        assert.deepStrictEqual(gatewayApiLiveRouter.access(target), {
            apiGroup: "gateway.networking.k8s.io",
            resource: "httproutes",
            name: "claude-enhancer",
            verbs: ["get", "patch"],
        });
        assert.ok(gatewayApiLiveRouter.readsLiveObject);
        assert.deepStrictEqual(gatewayApiLiveRouter.metricsEndpoint(8080), { port: 8080, path: "/metrics" });
    });
});
