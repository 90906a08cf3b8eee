import * as assert from "assert";
import { canaryIngressAnnotations } from "../../../../components/traffic/routers/nginx";
import { ALL_STABLE, DeclaredTraffic } from "../../../../rollout/gate/routers/liveRouter";
import { NginxTarget, nginxLiveRouter } from "../../../../rollout/gate/routers/nginx";

const target: NginxTarget = { router: "nginx", namespace: "claude-enhancer", canaryIngress: "claude-enhancer-canary" };
const canary: DeclaredTraffic = { candidateWeight: 5, headerRoute: { name: "canary-header", header: "x-canary-user", value: "true" } };
const N = "nginx.ingress.kubernetes.io";

describe("ingress-nginx live router (rollout/gate/routers/nginx.ts)", () => {
    it("the canary Ingress's annotations, the cut and the restore come from one builder", () => {
        const created = canaryIngressAnnotations({ name: "canary", weight: 5, headerRoute: true });
        assert.deepStrictEqual(created, {
            [`${N}/canary`]: "true",
            [`${N}/canary-weight`]: "5",
            [`${N}/canary-by-header`]: "x-canary-user",
            [`${N}/canary-by-header-value`]: "true",
        });
        assert.deepStrictEqual(nginxLiveRouter.restorePatch(target, canary, undefined), {
            type: "merge",
            body: { metadata: { annotations: created } },
        });
    });

    it("cut: one merge patch, weight 0 and the header route removed", () => {
        assert.deepStrictEqual(nginxLiveRouter.cutPatch(target, undefined), {
            type: "merge",
            body: {
                metadata: {
                    annotations: {
                        [`${N}/canary`]: "true",
                        [`${N}/canary-weight`]: "0",
                        [`${N}/canary-by-header`]: null,
                        [`${N}/canary-by-header-value`]: null,
                    },
                },
            },
        });
        assert.deepStrictEqual(nginxLiveRouter.cutPatch(target, undefined), nginxLiveRouter.restorePatch(target, ALL_STABLE, undefined));
        assert.strictEqual(nginxLiveRouter.cutReport(target, true), "canary-weight 0, header route removed");
        assert.strictEqual(nginxLiveRouter.restoreReport(target, canary, true), "canary-weight 5, header route x-canary-user: true");
    });

    it("names the canary Ingress, lets the guard only patch it, and has Prometheus scrape the service's own port", () => {
        assert.strictEqual(
            nginxLiveRouter.objectPath(target),
            "/apis/networking.k8s.io/v1/namespaces/claude-enhancer/ingresses/claude-enhancer-canary",
        );
        assert.strictEqual(nginxLiveRouter.objectName(target), "Ingress claude-enhancer/claude-enhancer-canary");
        assert.deepStrictEqual(nginxLiveRouter.access(target), {
            apiGroup: "networking.k8s.io",
            resource: "ingresses",
            name: "claude-enhancer-canary",
            verbs: ["patch"],
        });
        assert.ok(!nginxLiveRouter.readsLiveObject);
        assert.deepStrictEqual(nginxLiveRouter.metricsEndpoint(8080), { port: 8080, path: "/metrics" });
    });
});
