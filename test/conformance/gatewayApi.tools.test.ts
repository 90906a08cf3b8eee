import * as assert from "assert";
import * as fs from "fs";
import { httpRouteSpec } from "../../components/traffic/routers/gatewayApi";
import { declaredTraffic, FORCE_APPLY_ANNOTATIONS } from "../../components/traffic/router";
import { kubeClient } from "../../rollout/gate/kubeApi";
import { GatewayApiTarget } from "../../rollout/gate/routers/gatewayApi";
import { StageName, resolveStageTable } from "../../rollout/stages";
import { cutTrafficToStable, restoreDeclaredTraffic } from "../../rollout/gate/trafficCut";
import { ApiError, ApiServer, KubeObject } from "../harness/apiserver";
import { installGatewayApiCrds, uninstallGatewayApiCrds } from "./gatewayApiCrds";
import { START_TIMEOUT_MS, conformanceServer } from "./server";

/**
 * The Gateway API router against the real CRD schema (sigs.k8s.io/gateway-api, pinned in
 * tools/gateway-api/go.mod) on a real kube-apiserver: every rollout stage's HTTPRoute is server-side
 * applied as the program declares it and read back, then the gate's fast cut and restore go through the
 * Kubernetes API exactly as the HealthGate and the guard send them.
 */
const NAMESPACE = "conformance-gateway-api";
const SEQUENCE: StageName[] = ["stable", "canary", "canary-expand", "blue-green-prep", "full-switch", "rollback"];
const TABLE = resolveStageTable({}, { minReplicas: 3, maxReplicas: 20 });
const services = { main: "claude-enhancer", stable: "claude-enhancer-stable", candidate: "claude-enhancer-candidate", port: 80 };
const entry = {
    host: "api.example.com",
    tlsSecretName: "tls",
    rateLimitRps: 50,
    sessionCookieName: "ce",
    sessionCookieMaxAgeSeconds: 3600,
};
const target: GatewayApiTarget = {
    router: "gateway-api",
    namespace: NAMESPACE,
    httpRoute: services.main,
    rule: "weighted",
    stableService: services.stable,
    candidateService: services.candidate,
};
/** What Pulumi's Kubernetes provider applies as (its Server-Side Apply field manager). */
const PULUMI = { fieldManager: "pulumi-kubernetes", force: true };

function httpRoute(stage: StageName): KubeObject {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: services.main, namespace: NAMESPACE, annotations: { ...FORCE_APPLY_ANNOTATIONS } },
        spec: httpRouteSpec({ stage: TABLE[stage], services, entry }, ["gateways/public"]),
    };
}

interface LiveRule {
    name: string;
    backendRefs: { name: string; weight: number }[];
}

/** The live HTTPRoute's rules as [name, [[backend, weight], ...]]. */
async function liveRules(server: ApiServer): Promise<[string, [string, number][]][]> {
    const route = await server.client.get("gateway.networking.k8s.io/v1", "HTTPRoute", services.main, NAMESPACE);
    return (route.spec as { rules: LiveRule[] }).rules.map((r) => [r.name, r.backendRefs.map((b) => [b.name, b.weight])]);
}

function expectedRules(stage: StageName): [string, [string, number][]][] {
    const { weight, headerRoute } = TABLE[stage];
    const weighted: [string, [string, number][]] = [
        "weighted",
        [
            [services.stable, 100 - weight],
            [services.candidate, weight],
        ],
    ];
    // The CRD defaults the header rule's one backendRef to weight 1.
    return headerRoute ? [["canary-header", [[services.candidate, 1]]], weighted] : [weighted];
}

describe("conformance: the Gateway API router on a real API server with the Gateway API's own CRDs", function () {
    let server: ApiServer;
    let version: string;

    before(async function () {
        this.timeout(START_TIMEOUT_MS);
        server = await conformanceServer();
        version = await installGatewayApiCrds(server.client);
        await server.client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } }, { fieldManager: "conformance" });
    });

    after(async function () {
        this.timeout(60_000);
        if (!server) return;
        await server.client.delete("gateway.networking.k8s.io/v1", "HTTPRoute", services.main, NAMESPACE).catch(() => undefined);
        await uninstallGatewayApiCrds(server.client);
        await server.client.delete("v1", "Namespace", NAMESPACE);
        // No namespace controller runs here: empty its finalizers as that controller would once the namespace is empty.
        await server.client.request("PUT", `/api/v1/namespaces/${NAMESPACE}/finalize`, {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: NAMESPACE },
            spec: { finalizers: [] },
        });
    });

    it("installs the standard CRDs of the pinned release", () => {
        assert.match(version, /^v\d+\.\d+\.\d+$/);
        console.log(`      Gateway API ${version} (standard channel)`);
    });

    SEQUENCE.forEach((stage, index) => {
        it(`${stage}: the stage's HTTPRoute, applied onto ${index === 0 ? "nothing" : SEQUENCE[index - 1]}, passes the CRD's schema strictly and reads back its weights`, async () => {
            const response = await server.client.apply(httpRoute(stage), PULUMI);
            assert.deepStrictEqual(response.warnings, []);
            assert.deepStrictEqual(await liveRules(server), expectedRules(stage));
        });
    });

    it("the fast cut leaves 100 % stable; the restore brings back the stage's weights; Pulumi's next apply takes the fields back", async function () {
        this.timeout(60_000);
        const client = kubeClient(fs.readFileSync(server.kubeconfigPath, "utf8"));
        await server.client.apply(httpRoute("canary-expand"), PULUMI);
        assert.strictEqual(
            await cutTrafficToStable(client, target, 10_000),
            `HTTPRoute ${NAMESPACE}/claude-enhancer: 100 % claude-enhancer-stable`,
        );
        assert.deepStrictEqual(await liveRules(server), [
            ["canary-header", [[services.stable, 1]]],
            [
                "weighted",
                [
                    [services.stable, 100],
                    [services.candidate, 0],
                ],
            ],
        ]);
        assert.match(await cutTrafficToStable(client, target, 10_000), /: already 100 % claude-enhancer-stable$/);

        const declared = declaredTraffic(TABLE["canary-expand"]);
        assert.strictEqual(
            await restoreDeclaredTraffic(client, target, declared, 10_000),
            `HTTPRoute ${NAMESPACE}/claude-enhancer: 80 % claude-enhancer-stable / 20 % claude-enhancer-candidate, header route x-canary-user: true`,
        );
        assert.deepStrictEqual(await liveRules(server), expectedRules("canary-expand"));

        // After a cut the next stage's update owns the weights again (pulumi.com/patchForce).
        await cutTrafficToStable(client, target, 10_000);
        await server.client.apply(httpRoute("blue-green-prep"), PULUMI);
        assert.deepStrictEqual(await liveRules(server), expectedRules("blue-green-prep"));
    });

    it("the CRD's schema refuses an HTTPRoute the router must never write (a negative weight)", async () => {
        const bad = httpRoute("canary");
        const rules = (bad.spec as { rules: LiveRule[] }).rules;
        rules[rules.length - 1].backendRefs[1].weight = -5;
        const refused = await server.client.apply(bad, { ...PULUMI, dryRun: true }).then(
            () => undefined,
            (e: unknown) => e,
        );
        assert.ok(refused instanceof ApiError, "the API server accepted a negative weight");
        assert.strictEqual(refused.reason, "Invalid");
        assert.match(refused.apiMessage, /weight/);
    });
});
