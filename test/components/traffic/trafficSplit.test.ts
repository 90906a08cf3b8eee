import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { Router, TrafficCutTarget, TrafficSplitArgs } from "../../../components/traffic/router";
import { TrafficSplit } from "../../../components/traffic/trafficSplit";
import { STAGE_NAMES, StageName, resolveStageTable } from "../../../rollout/stages";
import { installMocks } from "../../harness/program";
import { RecordingMocks } from "../../harness/recorder";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
// The kubernetes-models packages are ESM-only; a real dynamic import keeps ts-node from turning it into require().
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

const TABLE = resolveStageTable({}, { minReplicas: 3, maxReplicas: 20 });
const NAMESPACE = "claude-enhancer";

function argsFor(router: Router, stage: StageName): TrafficSplitArgs {
    return {
        router,
        namespace: NAMESPACE,
        stage: TABLE[stage],
        services: { main: "claude-enhancer", stable: "claude-enhancer-stable", candidate: "claude-enhancer-candidate", port: 80 },
        trackLabel: { key: "claude-enhancer.io/track", stable: "stable", candidate: "candidate" },
        entry: {
            host: "claude-enhancer.example.com",
            tlsSecretName: "claude-enhancer-tls",
            rateLimitRps: 100,
            sessionCookieName: "claude-session",
            sessionCookieMaxAgeSeconds: 3600,
        },
        attachTo: router === "istio" ? ["istio-system/claude-enhancer"] : undefined,
    };
}

interface Split {
    mocks: RecordingMocks;
    split: TrafficSplit;
    trafficCut: TrafficCutTarget;
}

async function splitFor(router: Router, stage: StageName): Promise<Split> {
    const mocks = await installMocks("staging");
    const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const split = new TrafficSplit("traffic", argsFor(router, stage), { providers: [provider] });
    const trafficCut = await new Promise<TrafficCutTarget>((resolve) => split.trafficCut.apply(resolve));
    await settings.waitForRPCs();
    return { mocks, split, trafficCut };
}

const virtualServiceOf = (m: RecordingMocks) => m.ofType("kubernetes:networking.istio.io/v1:VirtualService")[0];
const destinationRuleOf = (m: RecordingMocks) => m.ofType("kubernetes:networking.istio.io/v1:DestinationRule")[0];
const ingress = (m: RecordingMocks, name: string) =>
    m.ofType("kubernetes:networking.k8s.io/v1:Ingress").find((r) => r.inputs.metadata.name === name)!;
const EXPECTED_WEIGHTS: Record<StageName, [number, number]> = {
    stable: [100, 0],
    canary: [95, 5],
    "canary-expand": [80, 20],
    "blue-green-prep": [50, 50],
    "full-switch": [0, 100],
    rollback: [100, 0],
};
const HOST = "claude-enhancer.claude-enhancer.svc.cluster.local";

describe("TrafficSplit component", function () {
    this.timeout(60_000);

    describe("istio router", () => {
        for (const stage of STAGE_NAMES) {
            it(`${stage}: weights ${EXPECTED_WEIGHTS[stage].join("/")} (stable/canary)${TABLE[stage].headerRoute ? " after the x-canary-user route" : ""}`, async () => {
                const { mocks, split } = await splitFor("istio", stage);
                const vs = virtualServiceOf(mocks);
                const [stableWeight, canaryWeight] = EXPECTED_WEIGHTS[stage];
                const destination = (subset: string) => ({ host: HOST, subset, port: { number: 80 } });
                const weighted = {
                    name: "weighted",
                    route: [
                        { destination: destination("stable"), weight: stableWeight },
                        { destination: destination("canary"), weight: canaryWeight },
                    ],
                };
                const header = {
                    name: "canary-header",
                    match: [{ headers: { "x-canary-user": { exact: "true" } } }],
                    route: [{ destination: destination("canary") }],
                };
                assert.deepStrictEqual(vs.inputs.spec.http, TABLE[stage].headerRoute ? [header, weighted] : [weighted]);
                assert.strictEqual(stableWeight + canaryWeight, 100);
                assert.deepStrictEqual(split.weights, { stable: stableWeight, candidate: canaryWeight });
                assert.strictEqual(mocks.ofType("kubernetes:networking.k8s.io/v1:Ingress").length, 0);
            });
        }

        it("routes both the gateway's host and in-mesh callers, under one name in every stage", async () => {
            const { mocks, trafficCut } = await splitFor("istio", "canary");
            const vs = virtualServiceOf(mocks);
            assert.deepStrictEqual(vs.inputs.metadata, {
                name: "claude-enhancer",
                namespace: NAMESPACE,
                labels: {
                    "app.kubernetes.io/name": "claude-enhancer",
                    "app.kubernetes.io/part-of": "claude-enhancer",
                    "app.kubernetes.io/managed-by": "pulumi",
                },
                // The next update takes the weights back after the gate or the guard cut traffic.
                annotations: { "pulumi.com/patchForce": "true" },
            });
            assert.deepStrictEqual(vs.inputs.spec.hosts, [HOST, "claude-enhancer.example.com"]);
            assert.deepStrictEqual(vs.inputs.spec.gateways, ["mesh", "istio-system/claude-enhancer"]);
            assert.deepStrictEqual(trafficCut, {
                router: "istio",
                namespace: NAMESPACE,
                virtualService: "claude-enhancer",
                route: "weighted",
                stableSubset: "stable",
                canarySubset: "canary",
            });
        });

        it("defines the stable/canary subsets by track label with mutual TLS", async () => {
            const { mocks } = await splitFor("istio", "canary");
            assert.deepStrictEqual(destinationRuleOf(mocks).inputs.spec, {
                host: HOST,
                trafficPolicy: {
                    tls: { mode: "ISTIO_MUTUAL" },
                    loadBalancer: { consistentHash: { httpCookie: { name: "claude-session", ttl: "3600s" } } },
                },
                subsets: [
                    { name: "stable", labels: { "claude-enhancer.io/track": "stable" } },
                    { name: "canary", labels: { "claude-enhancer.io/track": "candidate" } },
                ],
            });
        });

        it("emits objects that Istio's CRD schemas accept", async () => {
            const { VirtualService, DestinationRule } = await importEsm("@kubernetes-models/istio/networking.istio.io/v1");
            for (const stage of STAGE_NAMES) {
                const { mocks } = await splitFor("istio", stage);
                for (const [Model, resource] of [
                    [VirtualService, virtualServiceOf(mocks)],
                    [DestinationRule, destinationRuleOf(mocks)],
                ]) {
                    new Model({ metadata: resource.inputs.metadata, spec: resource.inputs.spec }).validate();
                }
            }
        });

        it("rejects a weight that is not a percentage instead of emitting a split that does not sum to 100", async () => {
            await installMocks("staging");
            const args = argsFor("istio", "canary");
            assert.throws(
                () => new TrafficSplit("bad", { ...args, stage: { ...args.stage, weight: 120 } }),
                /stage weight 120 is not an integer percentage between 0 and 100/,
            );
        });
    });

    describe("nginx router", () => {
        for (const stage of STAGE_NAMES) {
            it(`${stage}: canary-weight ${EXPECTED_WEIGHTS[stage][1]}${TABLE[stage].headerRoute ? " with the x-canary-user header" : ""}`, async () => {
                const { mocks, split } = await splitFor("nginx", stage);
                const canary = ingress(mocks, "claude-enhancer-canary");
                const expected: Record<string, string> = {
                    // The next update takes the weight back after the gate or the guard cut traffic.
                    "pulumi.com/patchForce": "true",
                    "nginx.ingress.kubernetes.io/canary": "true",
                    "nginx.ingress.kubernetes.io/canary-weight": String(EXPECTED_WEIGHTS[stage][1]),
                };
                if (TABLE[stage].headerRoute) {
                    expected["nginx.ingress.kubernetes.io/canary-by-header"] = "x-canary-user";
                    expected["nginx.ingress.kubernetes.io/canary-by-header-value"] = "true";
                }
                assert.deepStrictEqual(canary.inputs.metadata.annotations, expected);
                assert.strictEqual(canary.inputs.spec.rules[0].http.paths[0].backend.service.name, "claude-enhancer-candidate");
                assert.strictEqual(split.weights.stable + split.weights.candidate, 100);
                assert.strictEqual(mocks.ofType("kubernetes:networking.istio.io/v1:VirtualService").length, 0);
            });
        }

        it("sends everything else to the stable Service with TLS, a rate limit and cookie affinity", async () => {
            const { mocks, trafficCut } = await splitFor("nginx", "canary");
            const main = ingress(mocks, "claude-enhancer");
            assert.deepStrictEqual(main.inputs.metadata.annotations, {
                "nginx.ingress.kubernetes.io/ssl-redirect": "true",
                "nginx.ingress.kubernetes.io/limit-rps": "100",
                "nginx.ingress.kubernetes.io/affinity": "cookie",
                "nginx.ingress.kubernetes.io/session-cookie-name": "claude-session",
                "nginx.ingress.kubernetes.io/session-cookie-max-age": "3600",
            });
            const expectedSpec = (service: string) => ({
                ingressClassName: "nginx",
                tls: [{ hosts: ["claude-enhancer.example.com"], secretName: "claude-enhancer-tls" }],
                rules: [
                    {
                        host: "claude-enhancer.example.com",
                        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service, port: { number: 80 } } } }] },
                    },
                ],
            });
            assert.deepStrictEqual(main.inputs.spec, expectedSpec("claude-enhancer-stable"));
            assert.deepStrictEqual(ingress(mocks, "claude-enhancer-canary").inputs.spec, expectedSpec("claude-enhancer-candidate"));
            assert.deepStrictEqual(trafficCut, { router: "nginx", namespace: NAMESPACE, canaryIngress: "claude-enhancer-canary" });
        });

        it("emits Ingresses that the Kubernetes schema accepts", async () => {
            const { Ingress } = await importEsm("kubernetes-models/networking.k8s.io/v1");
            const { mocks } = await splitFor("nginx", "canary-expand");
            for (const name of ["claude-enhancer", "claude-enhancer-canary"]) {
                const r = ingress(mocks, name);
                new Ingress({ metadata: r.inputs.metadata, spec: r.inputs.spec }).validate();
            }
        });
    });

    it("creates nothing on a default provider", async () => {
        for (const router of ["istio", "nginx"] as const) {
            const { mocks } = await splitFor(router, "canary");
            for (const r of mocks.resources.filter((x) => x.type.startsWith("kubernetes:") && x.type !== "pulumi:providers:kubernetes")) {
                assert.ok(r.provider?.includes("pulumi:providers:kubernetes::k8s"), `${r.type} ${r.name} has provider ${r.provider}`);
            }
        }
    });
});
