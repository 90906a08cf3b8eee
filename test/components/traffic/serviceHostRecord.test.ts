import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { IngressNginx } from "../../../components/traffic/nginx";
import { Mesh } from "../../../components/traffic/istio";
import { loadBalancerHostname, ServiceHostRecord } from "../../../components/traffic/serviceHostRecord";
import { installMocks } from "../../harness/program";
import { resolved, stackConfig, underMocks } from "../observability/fixtures";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

const DNS = { zoneName: "example.com", hostedZoneId: "Z0123456789PRODUCTEX", recordTtlSeconds: 120 };

describe("ServiceHostRecord (the service host's Route 53 record)", function () {
    this.timeout(60_000);

    async function recordFor(loadBalancerService: string) {
        const mocks = await installMocks("production");
        const awsProvider = new aws.Provider("aws", { region: "us-east-1" });
        const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "{}" });
        const built = new ServiceHostRecord(
            "service-host",
            { dns: DNS, host: "claude-enhancer.example.com", loadBalancerService },
            { providers: [awsProvider, k8sProvider] },
        );
        await settings.waitForRPCs();
        return { mocks, built };
    }

    it("reads the router's Service (not managing it) and points a CNAME for the host at its load balancer", async () => {
        const { mocks, built } = await recordFor("istio-system/istio-ingressgateway");
        const service = mocks.one("kubernetes:core/v1:Service");
        assert.strictEqual(service.id, "istio-system/istio-ingressgateway", "read by ID, so the chart stays its owner");
        const record = mocks.one("aws:route53/record:Record");
        assert.deepStrictEqual(record.inputs, {
            zoneId: "Z0123456789PRODUCTEX",
            name: "claude-enhancer.example.com",
            type: "CNAME",
            ttl: 120,
            records: ["service-host-load-balancer-0123456789.elb.us-east-1.amazonaws.com"],
            allowOverwrite: false,
        });
        assert.strictEqual(await resolved(built.target), "service-host-load-balancer-0123456789.elb.us-east-1.amazonaws.com");
    });

    it("a Service without a load balancer name fails with the Service and where to look", () => {
        assert.strictEqual(
            loadBalancerHostname("ns/svc", { loadBalancer: { ingress: [{ ip: "" }, { hostname: "a.elb.amazonaws.com" }] } }),
            "a.elb.amazonaws.com",
        );
        assert.throws(
            () => loadBalancerHostname("istio-system/istio-ingressgateway", { loadBalancer: {} }),
            (err: Error) =>
                err.message ===
                "Service istio-system/istio-ingressgateway has no load balancer host name in its status (got {}); " +
                    "check its events (`kubectl describe service`) for why AWS did not provision it",
        );
    });

    it("each router names the Service its chart creates: the Istio gateway's release, ingress-nginx's <release>-controller", async () => {
        const config = stackConfig("production");
        const mesh = await underMocks(
            "production",
            (provider) =>
                new Mesh(
                    "mesh",
                    {
                        istio: config.mesh.istio,
                        istioNamespace: "istio-system",
                        appNamespace: "claude-enhancer",
                        monitoringNamespace: "monitoring",
                        serviceSelector: {},
                        host: config.app.ingress.host,
                        chartMirror: undefined,
                    },
                    { providers: [provider] },
                ),
        );
        assert.strictEqual(await resolved(mesh.built.loadBalancerService), "istio-system/istio-ingressgateway");
        const nginx = await underMocks(
            "local",
            (provider) =>
                new IngressNginx(
                    "ingress-nginx",
                    { ingressNginx: stackConfig("local").mesh.ingressNginx, namespace: "ingress-nginx", chartMirror: undefined },
                    { providers: [provider] },
                ),
        );
        assert.strictEqual(await resolved(nginx.built.loadBalancerService), "ingress-nginx/ingress-nginx-controller");
    });
});
