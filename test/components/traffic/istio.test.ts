import * as assert from "assert";
import { Mesh } from "../../../components/traffic/istio";
import { RecordingMocks } from "../../harness/recorder";
import { dependsOn, resolved, stackConfig, underMocks } from "../observability/fixtures";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SELECTOR = { "app.kubernetes.io/name": "claude-enhancer" };

async function meshFor(stack: "staging" | "production") {
    const config = stackConfig(stack);
    return underMocks(
        stack,
        (provider) =>
            new Mesh(
                "mesh",
                {
                    istio: config.mesh.istio,
                    istioNamespace: "istio-system",
                    appNamespace: "claude-enhancer",
                    monitoringNamespace: "monitoring",
                    serviceSelector: SELECTOR,
                    host: config.app.ingress.host,
                    chartMirror: undefined,
                },
                { providers: [provider] },
            ),
    );
}

const release = (mocks: RecordingMocks, name: string) => mocks.ofType(RELEASE).find((r) => r.inputs.name === name)!;
const custom = (mocks: RecordingMocks, kind: string) => mocks.one(`kubernetes:${kind}`);

describe("Mesh component (Istio)", function () {
    this.timeout(60_000);

    it("installs base, istio-cni, istiod and the ingress gateway at one pinned version, in dependency order", async () => {
        const { mocks } = await meshFor("production");
        const releases = mocks.ofType(RELEASE);
        assert.deepStrictEqual(
            releases.map((r) => [r.inputs.name, r.inputs.chart, r.inputs.version, r.inputs.repositoryOpts.repo, r.inputs.namespace]),
            [
                ["istio-base", "base", "1.26.3", "https://istio-release.storage.googleapis.com/charts", "istio-system"],
                ["istio-cni", "cni", "1.26.3", "https://istio-release.storage.googleapis.com/charts", "istio-system"],
                ["istiod", "istiod", "1.26.3", "https://istio-release.storage.googleapis.com/charts", "istio-system"],
                ["istio-ingressgateway", "gateway", "1.26.3", "https://istio-release.storage.googleapis.com/charts", "istio-system"],
            ],
        );
        assert.ok(dependsOn(release(mocks, "istio-cni"), release(mocks, "istio-base")));
        assert.ok(dependsOn(release(mocks, "istiod"), release(mocks, "istio-cni")));
        assert.ok(dependsOn(release(mocks, "istio-ingressgateway"), release(mocks, "istiod")));
    });

    it("sizes istiod and the gateway from stack configuration (production: 2 istiod, 3 gateways)", async () => {
        const { mocks } = await meshFor("production");
        const istiod = release(mocks, "istiod").inputs.values;
        assert.deepStrictEqual(istiod.pilot, {
            cni: { enabled: true },
            autoscaleMin: 2,
            autoscaleMax: 5,
            replicaCount: 2,
            resources: { requests: { cpu: "500m", memory: "2Gi" } },
        });
        assert.deepStrictEqual(istiod.meshConfig, { enablePrometheusMerge: true });
        assert.deepStrictEqual(istiod.global, { istioNamespace: "istio-system" });
        const gateway = release(mocks, "istio-ingressgateway").inputs.values;
        assert.deepStrictEqual(gateway, {
            replicaCount: 3,
            autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 6 },
            resources: { requests: { cpu: "100m", memory: "128Mi" } },
            service: { type: "LoadBalancer" },
        });
        const staging = (await meshFor("staging")).mocks;
        assert.deepStrictEqual(release(staging, "istiod").inputs.values.pilot.resources, { requests: { cpu: "250m", memory: "512Mi" } });
        assert.strictEqual(release(staging, "istio-ingressgateway").inputs.values.replicaCount, 1);
    });

    it("mTLS STRICT for the whole application namespace", async () => {
        const { mocks } = await meshFor("staging");
        const peer = custom(mocks, "security.istio.io/v1:PeerAuthentication");
        assert.deepStrictEqual([peer.inputs.metadata.name, peer.inputs.metadata.namespace], ["default", "claude-enhancer"]);
        assert.deepStrictEqual(peer.inputs.spec, { mtls: { mode: "STRICT" } });
        assert.ok(dependsOn(peer, release(mocks, "istiod")) && dependsOn(peer, release(mocks, "istio-base")));
    });

    it("an ALLOW policy on the service admitting only the ingress gateway's identity and the monitoring namespace", async () => {
        const { mocks } = await meshFor("staging");
        const policy = custom(mocks, "security.istio.io/v1:AuthorizationPolicy");
        assert.strictEqual(policy.inputs.metadata.namespace, "claude-enhancer");
        assert.deepStrictEqual(policy.inputs.spec, {
            selector: { matchLabels: SELECTOR },
            action: "ALLOW",
            rules: [
                { from: [{ source: { principals: ["cluster.local/ns/istio-system/sa/istio-ingressgateway"] } }] },
                { from: [{ source: { namespaces: ["monitoring"] } }] },
            ],
        });
    });

    it("a public Gateway for the stack's host: HTTPS with its certificate, HTTP redirected; exposed for the VirtualService", async () => {
        const { mocks, built } = await meshFor("production");
        const gateway = custom(mocks, "networking.istio.io/v1:Gateway");
        assert.strictEqual(gateway.inputs.metadata.namespace, "istio-system");
        assert.deepStrictEqual(gateway.inputs.spec, {
            selector: { istio: "ingressgateway" },
            servers: [
                {
                    port: { number: 443, name: "https", protocol: "HTTPS" },
                    hosts: ["claude-enhancer.example.com"],
                    tls: { mode: "SIMPLE", credentialName: "claude-enhancer-gateway-tls", minProtocolVersion: "TLSV1_2" },
                },
                {
                    port: { number: 80, name: "http", protocol: "HTTP" },
                    hosts: ["claude-enhancer.example.com"],
                    tls: { httpsRedirect: true },
                },
            ],
        });
        assert.ok(dependsOn(gateway, release(mocks, "istio-ingressgateway")));
        assert.deepStrictEqual(await resolved(built.gateways), ["istio-system/claude-enhancer"]);
        assert.deepStrictEqual(await resolved(built.ingressNamespaces), ["istio-system"]);
    });
});
