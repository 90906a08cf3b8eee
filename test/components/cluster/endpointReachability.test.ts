import * as assert from "assert";
import * as net from "node:net";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "../../../components/cluster/cluster";
import {
    defaultEndpointConnector,
    endpointAddress,
    EndpointConnector,
    EndpointUnreachableError,
    ensureEndpointReachable,
    reachabilityVerdict,
    tcpConnect,
    tcpConnector,
} from "../../../components/cluster/endpointReachability";
import { loadStackConfig } from "../../../config/stackFile";
import { installMocks } from "../../harness/program";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

const PRIVATE = { stack: "production", endpointPublicAccess: false, publicAccessCidrs: [] };
const NETWORK = {
    vpcId: "vpc-test",
    privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    privateSubnetCidrs: ["10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19"],
};

/** A TCP server on 127.0.0.1 at a free port. */
function listen(): Promise<{ server: net.Server; port: number }> {
    return new Promise((resolve) => {
        const server = net.createServer((socket) => socket.destroy());
        server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as net.AddressInfo).port }));
    });
}

const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

async function timed<T>(body: () => Promise<T>): Promise<{ result: T; ms: number }> {
    const started = process.hrtime.bigint();
    const result = await body();
    return { result, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

describe("EKS endpoint reachability (before any Kubernetes object)", function () {
    this.timeout(30_000);
    let open: { server: net.Server; port: number };
    /** A port nothing listens on: a server's, closed again. */
    let closedPort: number;

    before(async () => {
        open = await listen();
        const closed = await listen();
        closedPort = closed.port;
        await close(closed.server);
    });
    after(async () => close(open.server));

    it("a listening endpoint is reachable, in milliseconds", async () => {
        const { result, ms } = await timed(() => tcpConnect("127.0.0.1", open.port, 5_000));
        assert.deepStrictEqual(result, { reachable: true });
        assert.ok(ms < 500, `took ${ms} ms`);
        await ensureEndpointReachable(`https://127.0.0.1:${open.port}`, PRIVATE, tcpConnect);
    });

    it("an unreachable private endpoint fails within the bound, naming the endpoint, the setting and the agent pool to use", async () => {
        const endpoint = `https://127.0.0.1:${closedPort}`;
        const { result: error, ms } = await timed(() =>
            ensureEndpointReachable(endpoint, PRIVATE, tcpConnect, 1_000).then(
                () => assert.fail("the check passed"),
                (err: unknown) => err,
            ),
        );
        assert.ok(ms < 1_000, `took ${ms} ms`);
        assert.ok(error instanceof EndpointUnreachableError && error instanceof pulumi.RunError);
        assert.strictEqual(
            (error as Error).message,
            `the EKS API endpoint ${endpoint} (127.0.0.1:${closedPort}) of stack production is not reachable from this machine (ECONNREFUSED). ` +
                "cluster.endpointPublicAccess is false (private endpoint): only machines inside the cluster's VPC (or a network connected to it) reach it. " +
                "Run this stack's previews and updates on a runner inside the VPC: " +
                "claude-enhancer-deployments:settings.stacks.production.agentPoolId in deploy/Pulumi.cloud.yaml (Pulumi Deployments), " +
                "or the repository variable RUNNER_LABEL_PRODUCTION (GitHub workflow); see docs/pipelines.md.",
        );
    });

    it("an endpoint that never answers is given up at the bound", async function () {
        // A non-routable address: depending on the network, no answer (the timeout) or an immediate network error.
        const { result, ms } = await timed(() => tcpConnect("10.255.255.1", 443, 300));
        // A sandbox whose proxy accepts every outbound connection cannot show the timeout.
        if (result.reachable) this.skip();
        assert.ok(ms < 300 + 200, `took ${ms} ms`);
        if (!result.reachable && /no answer/.test(result.reason)) assert.strictEqual(result.reason, "no answer within 0.3 s");
    });

    it("a name still resolving at the bound is a DNS problem (warning), not a missing path", async () => {
        const hanging = tcpConnector(() => undefined);
        const { result, ms } = await timed(() => hanging("abc.gr7.us-east-1.eks.amazonaws.com", 443, 200));
        assert.deepStrictEqual(result, { reachable: false, reason: "name not resolved within 0.2 s", unresolved: true });
        assert.ok(ms < 200 + 200, `took ${ms} ms`);
        assert.deepStrictEqual(reachabilityVerdict("https://abc.gr7.us-east-1.eks.amazonaws.com", PRIVATE, result), {
            proceed: true,
            warning:
                "could not resolve the EKS API endpoint abc.gr7.us-east-1.eks.amazonaws.com (name not resolved within 0.2 s); its reachability was not checked",
        });
    });

    it("a name that resolves but refuses the connection is a missing path", async () => {
        // The name resolves to this machine, at a port nothing listens on.
        const toLoopback = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
            options.all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4)) as never;
        const result = await tcpConnector(toLoopback)("abc.gr7.us-east-1.eks.amazonaws.com", closedPort, 1_000);
        assert.deepStrictEqual(result, { reachable: false, reason: "ECONNREFUSED", unresolved: false });
    });

    it("a public endpoint limited to CIDRs says to add the runner's address or use the agent pool", () => {
        const verdict = reachabilityVerdict(
            "https://ABC.gr7.us-east-1.eks.amazonaws.com",
            { stack: "staging", endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] },
            { reachable: false, reason: "no answer within 5 s", unresolved: false },
        );
        assert.ok(!verdict.proceed);
        assert.match(
            verdict.message,
            /^the EKS API endpoint https:\/\/ABC\.gr7\.us-east-1\.eks\.amazonaws\.com \(abc\.gr7\.us-east-1\.eks\.amazonaws\.com:443\) of stack staging is not reachable from this machine \(no answer within 5 s\)\. cluster\.endpointPublicAccess is true, limited to cluster\.publicAccessCidrs \["203\.0\.113\.0\/24"\]: add this runner's public address there, or run this stack's previews/,
        );
        assert.match(verdict.message, /settings\.stacks\.staging\.agentPoolId .* RUNNER_LABEL_STAGING/);
    });

    it("a name that does not resolve is not a network path problem: proceed with a warning", () => {
        assert.deepStrictEqual(
            reachabilityVerdict("https://x.eks.amazonaws.com", PRIVATE, { reachable: false, reason: "ENOTFOUND", unresolved: true }),
            {
                proceed: true,
                warning: "could not resolve the EKS API endpoint x.eks.amazonaws.com (ENOTFOUND); its reachability was not checked",
            },
        );
        assert.deepStrictEqual(reachabilityVerdict("https://x", PRIVATE, { reachable: true }), { proceed: true });
    });

    it("reads host and port from the endpoint URL", () => {
        assert.deepStrictEqual(endpointAddress("https://ABC.yl4.eu-west-1.eks.amazonaws.com"), {
            // URL lower-cases the host; DNS names are case-insensitive.
            host: "abc.yl4.eu-west-1.eks.amazonaws.com",
            port: 443,
        });
        assert.deepStrictEqual(endpointAddress("https://127.0.0.1:6443"), { host: "127.0.0.1", port: 6443 });
    });

    it("probes only under a real engine: the mock runtime has none, so tests never dial invented endpoints", async () => {
        await installMocks("production");
        assert.strictEqual(pulumi.runtime.hasEngine(), false);
        assert.strictEqual(defaultEndpointConnector(pulumi.runtime.hasEngine()), undefined);
        assert.strictEqual(defaultEndpointConnector(true), tcpConnect);
        // Behind an HTTPS proxy the Kubernetes provider goes through the proxy; a direct connect would wrongly fail.
        assert.strictEqual(defaultEndpointConnector(true, { HTTPS_PROXY: "http://proxy.internal:3128" }), undefined);
        assert.strictEqual(defaultEndpointConnector(true, { https_proxy: "http://proxy.internal:3128" }), undefined);
    });

    it("the Cluster probes its endpoint once, bounded, before its Kubernetes provider is registered", async () => {
        const config = loadStackConfig("production");
        const calls: { host: string; port: number; timeoutMs: number; providerRegistered: boolean }[] = [];
        const mocks = await installMocks("production");
        const connector: EndpointConnector = async (host, port, timeoutMs) => {
            calls.push({ host, port, timeoutMs, providerRegistered: mocks.ofType("pulumi:providers:kubernetes").length > 0 });
            return { reachable: true };
        };
        const provider = new aws.Provider("aws", { region: "us-east-1" });
        new Cluster(
            "cluster",
            { cluster: config.cluster, environment: "production", network: NETWORK, endpointConnector: connector },
            { providers: [provider] },
        );
        await settings.waitForRPCs();
        assert.deepStrictEqual(calls, [
            { host: "cluster-eks.gr7.us-east-1.eks.amazonaws.com", port: 443, timeoutMs: 5_000, providerRegistered: false },
        ]);
        assert.strictEqual(mocks.ofType("pulumi:providers:kubernetes").length, 1, "the provider follows a passed check");
    });
});
