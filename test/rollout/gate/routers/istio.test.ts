import * as assert from "assert";
import { virtualServiceSpec } from "../../../../components/traffic/routers/istio";
import { IstioTarget, istioLiveRouter } from "../../../../rollout/gate/routers/istio";
import { ALL_STABLE, DeclaredTraffic } from "../../../../rollout/gate/routers/liveRouter";

const target: IstioTarget = {
    router: "istio",
    namespace: "claude-enhancer",
    virtualService: "claude-enhancer",
    route: "weighted",
    stableSubset: "stable",
    canarySubset: "canary",
};
const services = { main: "claude-enhancer", stable: "claude-enhancer-stable", candidate: "claude-enhancer-candidate", port: 80 };
const entry = {
    host: "api.example.com",
    tlsSecretName: "tls",
    rateLimitRps: 50,
    sessionCookieName: "ce",
    sessionCookieMaxAgeSeconds: 3600,
};
const canaryExpand: DeclaredTraffic = {
    candidateWeight: 20,
    headerRoute: { name: "canary-header", header: "x-canary-user", value: "true" },
};

/** The VirtualService a stage creates, as the API server returns it. */
function live(stage: { weight: number; headerRoute: boolean }) {
    return {
        metadata: { resourceVersion: "7" },
        spec: virtualServiceSpec({ stage: { name: "canary", ...stage }, services, entry }, "claude-enhancer", []),
    };
}

describe("Istio live router (rollout/gate/routers/istio.ts)", () => {
    it("cut: the weighted route 100/0 and the header route to stable, under a test of the resourceVersion", () => {
        assert.deepStrictEqual(istioLiveRouter.cutPatch(target, live({ weight: 20, headerRoute: true })), {
            type: "json",
            ops: [
                { op: "test", path: "/metadata/resourceVersion", value: "7" },
                { op: "replace", path: "/spec/http/0/route/0/destination/subset", value: "stable" },
                { op: "replace", path: "/spec/http/1/route/0/weight", value: 100 },
                { op: "replace", path: "/spec/http/1/route/1/weight", value: 0 },
            ],
        });
        assert.strictEqual(istioLiveRouter.cutPatch(target, live({ weight: 0, headerRoute: false })), undefined, "already all stable");
        assert.strictEqual(istioLiveRouter.cutReport(target, true), "all routes 100 % stable");
        assert.strictEqual(istioLiveRouter.cutReport(target, false), "already 100 % stable");
    });

    it("restore: the declared weights and the header route re-created in front; nothing when the object has them", () => {
        assert.deepStrictEqual(istioLiveRouter.restorePatch(target, canaryExpand, live({ weight: 0, headerRoute: false })), {
            type: "json",
            ops: [
                { op: "test", path: "/metadata/resourceVersion", value: "7" },
                { op: "replace", path: "/spec/http/0/route/0/weight", value: 80 },
                { op: "replace", path: "/spec/http/0/route/1/weight", value: 20 },
                {
                    op: "add",
                    path: "/spec/http/0",
                    value: {
                        name: "canary-header",
                        match: [{ headers: { "x-canary-user": { exact: "true" } } }],
                        route: [
                            {
                                destination: {
                                    host: "claude-enhancer.claude-enhancer.svc.cluster.local",
                                    subset: "canary",
                                    port: { number: 80 },
                                },
                            },
                        ],
                    },
                },
            ],
        });
        assert.strictEqual(istioLiveRouter.restorePatch(target, canaryExpand, live({ weight: 20, headerRoute: true })), undefined);
        assert.strictEqual(istioLiveRouter.restorePatch(target, ALL_STABLE, live({ weight: 0, headerRoute: false })), undefined);
        assert.strictEqual(
            istioLiveRouter.restoreReport(target, canaryExpand, true),
            "80 % stable / 20 % canary, header route x-canary-user: true",
        );
        assert.throws(
            () => istioLiveRouter.restorePatch({ ...target, route: "other" }, canaryExpand, live({ weight: 5, headerRoute: true })),
            {
                message: 'no route named "other" to set the declared weights on',
            },
        );
    });

    it("names the VirtualService, lets the guard get and patch only it, and has Prometheus scrape the sidecar's merged metrics", () => {
        assert.strictEqual(
            istioLiveRouter.objectPath(target),
            "/apis/networking.istio.io/v1/namespaces/claude-enhancer/virtualservices/claude-enhancer",
        );
        assert.strictEqual(istioLiveRouter.objectName(target), "VirtualService claude-enhancer/claude-enhancer");
        assert.deepStrictEqual(istioLiveRouter.access(target), {
            apiGroup: "networking.istio.io",
            resource: "virtualservices",
            name: "claude-enhancer",
            verbs: ["get", "patch"],
        });
        assert.ok(istioLiveRouter.readsLiveObject);
        assert.deepStrictEqual(istioLiveRouter.metricsEndpoint(8080), { port: 15020, path: "/stats/prometheus" });
        assert.deepStrictEqual(istioLiveRouter.targetFields, ["namespace", "virtualService", "route", "stableSubset", "canarySubset"]);
    });
});
