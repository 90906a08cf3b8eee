import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { configuredClusterAddresses, eksClusterAddresses, kubernetesServiceAddress } from "../../../components/cluster/clusterAddresses";
import { fenceContextOf } from "../../../components/fences/fenceContext";
import { Fence, FenceContext, NON_PUBLIC_RANGES, certManagerFences, loggingFences, stackFences } from "../../../components/fences/flows";
import { NetworkFences } from "../../../components/fences/networkFences";
import { Namespaces } from "../../../components/kubernetes/namespaces";
import { DNS_EGRESS, KUBE_DNS } from "../../../components/kubernetes/networkPeers";
import { ClusterSchema } from "../../../config/cluster";
import { STACKS, StackName, loadStackConfig } from "../../../config/stackFile";
import { installMocks } from "../../harness/program";
import { resolved } from "../dataStoreFixtures";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

const PRIVATE_SUBNETS = ["10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19"];

/** A kind or existing cluster's settings with the schema's defaults. */
function kubeconfigCluster(raw: Record<string, unknown>) {
    const cluster = ClusterSchema.parse(raw);
    if (cluster.mode === "eks") throw new Error("not a kubeconfig cluster");
    return cluster;
}
const EKS = { apiServer: { cidrs: [...PRIVATE_SUBNETS, "172.20.0.1/32"], ports: [443] }, nodeCidrs: PRIVATE_SUBNETS };

function contextOf(stack: StackName): FenceContext {
    const config = loadStackConfig(stack);
    const aws = config.cluster.mode === "eks";
    return fenceContextOf(config, aws ? EKS : configuredClusterAddresses(kubeconfigCluster({ mode: "existing" })), PRIVATE_SUBNETS);
}

const names = (fences: Fence[], namespace: string) =>
    fences
        .filter((f) => f.namespace === namespace)
        .map((f) => f.name)
        .sort();

describe("the flows table (components/fences/flows.ts)", () => {
    describe("where the pods reach the API server and the nodes", () => {
        it("takes the `kubernetes` Service's ClusterIP as the service range's first address", () => {
            assert.equal(kubernetesServiceAddress("172.20.0.0/16"), "172.20.0.1/32");
            assert.equal(kubernetesServiceAddress("10.96.0.0/12"), "10.96.0.1/32");
            assert.equal(kubernetesServiceAddress("10.100.0.0/16"), "10.100.0.1/32");
            assert.throws(() => kubernetesServiceAddress("fd00::/108"), /not an IPv4 service range/);
        });

        it("EKS: the private subnets (control-plane ENIs, nodes) and the ClusterIP, on 443", async () => {
            await installMocks("production");
            const addresses = eksClusterAddresses(PRIVATE_SUBNETS, "172.20.0.0/16");
            assert.deepEqual(await resolved(pulumi.all(addresses.apiServer.cidrs)), [...PRIVATE_SUBNETS, "172.20.0.1/32"]);
            assert.deepEqual(addresses.apiServer.ports, [443]);
            assert.deepEqual(addresses.nodeCidrs, PRIVATE_SUBNETS);
        });

        it("a kubeconfig cluster: the configured ranges, by default the private ones on 443 and 6443", () => {
            const addresses = configuredClusterAddresses(kubeconfigCluster({ mode: "existing" }));
            assert.deepEqual(addresses, {
                apiServer: { cidrs: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], ports: [443, 6443] },
                nodeCidrs: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
            });
            const kind = kubeconfigCluster({
                mode: "kind",
                apiServerCidrs: ["172.18.0.0/16", "10.96.0.1/32"],
                nodeCidrs: ["172.18.0.0/16"],
            });
            assert.deepEqual(configuredClusterAddresses(kind).apiServer.cidrs, ["172.18.0.0/16", "10.96.0.1/32"]);
        });
    });

    describe("the stacks' contexts (fenceContextOf)", () => {
        it("reads which components run from the configuration, as index.ts composes them", () => {
            const summary = (stack: StackName) => {
                const c = contextOf(stack);
                return {
                    router: c.router,
                    logging: c.logging,
                    certManager: c.certManager,
                    cloudwatchExporter: c.monitoring.cloudwatchExporter,
                    autoscaler: c.clusterAutoscaler,
                    privateSubnets: c.privateSubnetCidrs !== undefined,
                };
            };
            assert.deepEqual(summary("staging"), {
                router: "istio",
                logging: { store: "in-cluster", archive: true },
                certManager: { acme: true },
                cloudwatchExporter: true,
                autoscaler: true,
                privateSubnets: true,
            });
            assert.deepEqual(summary("production"), {
                router: "istio",
                logging: { store: "amazon", archive: true },
                certManager: { acme: true },
                cloudwatchExporter: true,
                autoscaler: true,
                privateSubnets: true,
            });
            assert.deepEqual(summary("local"), {
                router: "nginx",
                logging: { store: "in-cluster", archive: false },
                // The cluster CA for the in-cluster OpenSearch's certificate; no ACME.
                certManager: { acme: false },
                cloudwatchExporter: false,
                autoscaler: false,
                privateSubnets: false,
            });
        });
    });

    describe("every stack's fences", () => {
        for (const stack of STACKS) {
            const fences = stackFences(contextOf(stack));

            it(`${stack}: one NetworkPolicy per name and namespace, a default deny in each namespace it creates`, () => {
                const keys = fences.map((f) => `${f.namespace}/${f.name}`);
                assert.deepEqual(keys, [...new Set(keys)]);
                for (const ns of contextOf(stack).namespaces) assert.ok(keys.includes(`${ns}/default-deny`), ns);
                assert.ok(!keys.includes("kube-system/default-deny"), "kube-system's own add-ons are the cluster's");
            });

            it(`${stack}: DNS only to the cluster DNS pods, and every egress rule names its destinations`, () => {
                for (const f of fences) {
                    for (const rule of f.egress) {
                        assert.ok(rule.to && (rule.to as unknown[]).length > 0, `${f.namespace}/${f.name} has an egress rule to anywhere`);
                        const dns = ((rule.ports ?? []) as { port: number }[]).some((p) => p.port === 53);
                        if (dns) assert.deepEqual(rule, DNS_EGRESS, `${f.namespace}/${f.name}`);
                    }
                }
                assert.deepEqual(DNS_EGRESS.to, [KUBE_DNS]);
            });

            it(`${stack}: the internet only where a reason says why, and never the VPC, the node or instance metadata that way`, () => {
                for (const f of fences) {
                    const internet = f.egress
                        .flatMap((r) => (r.to ?? []) as { ipBlock?: { cidr: string; except?: string[] } }[])
                        .filter((p) => p.ipBlock?.cidr.endsWith("/0"));
                    assert.equal(
                        internet.length > 0,
                        f.openEgressReason !== undefined,
                        `${f.namespace}/${f.name}: reason ${f.openEgressReason}`,
                    );
                    for (const peer of internet) assert.deepEqual(peer.ipBlock?.except, NON_PUBLIC_RANGES);
                }
            });
        }

        it("staging: the components of each namespace, in the table's words", () => {
            const fences = stackFences(contextOf("staging"));
            assert.deepEqual(names(fences, "monitoring"), [
                "admission-create",
                "admission-patch",
                "alertmanager",
                "cloudwatch-exporter",
                "default-deny",
                "grafana",
                "kube-state-metrics",
                "operator",
                "prometheus",
            ]);
            assert.deepEqual(names(fences, "logging"), [
                "default-deny",
                "fluent-bit",
                "opensearch",
                "opensearch-dashboards",
                "retention-setup",
            ]);
            assert.deepEqual(names(fences, "istio-system"), ["default-deny", "gateway", "istio-cni-node", "istiod"]);
            assert.deepEqual(names(fences, "cert-manager"), ["cainjector", "controller", "default-deny", "startupapicheck", "webhook"]);
            assert.deepEqual(names(fences, "tracing"), ["default-deny", "jaeger"]);
            assert.deepEqual(names(fences, "kube-system"), ["cluster-autoscaler", "metrics-server"]);
            assert.deepEqual(names(fences, "claude-enhancer"), ["default-deny"]);
        });

        it("local: ingress-nginx instead of Istio (whose namespace stays empty and denied), cert-manager without ACME, no autoscaler", () => {
            const fences = stackFences(contextOf("local"));
            assert.deepEqual(names(fences, "ingress-nginx"), ["admission-webhook", "controller", "default-deny"]);
            assert.equal(fences.find((f) => f.namespace === "cert-manager" && f.name === "controller")?.openEgressReason, undefined);
            assert.deepEqual(names(fences, "istio-system"), ["default-deny"]);
            assert.deepEqual(names(fences, "kube-system"), ["metrics-server"]);
            assert.deepEqual(names(fences, "claude-enhancer-data"), ["default-deny"]);
        });
    });

    it("the retention Job holds the OpenSearch admin password: production lets it reach the domain's private subnets on 443, nothing else", () => {
        const job = loggingFences(contextOf("production")).find((f) => f.name === "retention-setup")!;
        assert.deepEqual(job.ingress, []);
        assert.deepEqual(job.egress, [
            DNS_EGRESS,
            { to: PRIVATE_SUBNETS.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 443 }] },
        ]);
        const local = loggingFences(contextOf("local")).find((f) => f.name === "retention-setup")!;
        assert.deepEqual(local.egress[1], {
            to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "opensearch", "app.kubernetes.io/instance": "opensearch" } } }],
            ports: [{ protocol: "TCP", port: 9200 }],
        });
    });

    it("cert-manager without ACME (a cluster CA only) reaches the API server and DNS, not the internet", () => {
        const fences = certManagerFences(contextOf("local"));
        const controller = fences.find((f) => f.name === "controller")!;
        assert.equal(controller.openEgressReason, undefined);
        assert.equal(controller.egress.length, 2);
    });

    describe("NetworkFences", () => {
        it("writes each fence as a NetworkPolicy isolating both directions, its reason as an annotation; nameOf waits for the namespace's fences", async () => {
            const mocks = await installMocks("staging");
            const namespaces = new Namespaces("namespaces", { namespaces: [{ name: "logging", podSecurity: "restricted" }] });
            const fences = new NetworkFences("fences", {
                fences: stackFences(contextOf("staging")).filter((f) => ["logging", "kube-system"].includes(f.namespace)),
                namespaces,
            });
            new k8s.core.v1.ConfigMap("placed", { metadata: { namespace: fences.nameOf("logging") } });
            assert.equal(await resolved(fences.nameOf("logging")), "logging");
            assert.equal(await resolved(fences.nameOf("kube-system")), "kube-system");
            await settings.waitForRPCs();
            const fluentBit = mocks.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "fences-logging-fluent-bit");
            assert.equal(fluentBit.inputs.metadata.name, "fluent-bit");
            assert.equal(fluentBit.inputs.metadata.namespace, "logging");
            assert.deepEqual(fluentBit.inputs.spec.policyTypes, ["Ingress", "Egress"]);
            assert.match(fluentBit.inputs.metadata.annotations["claude-enhancer.io/open-egress-reason"], /S3 .* STS/);
            const logging = mocks
                .ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")
                .filter((p) => p.inputs.metadata.namespace === "logging")
                .map((p) => p.urn);
            assert.equal(logging.length, 5);
            const placed = mocks.one("kubernetes:core/v1:ConfigMap", "placed");
            for (const urn of logging)
                assert.ok(placed.dependsOn.includes(urn), `an object placed with nameOf("logging") waits for ${urn}`);
        });
    });
});
