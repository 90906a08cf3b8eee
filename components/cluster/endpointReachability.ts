import * as net from "node:net";
import * as pulumi from "@pulumi/pulumi";

/**
 * Whether the machine running the program can reach the EKS API endpoint, asked once before any
 * Kubernetes object is registered (docs/pipelines.md). A runner outside the VPC of a private cluster
 * otherwise waits for the Kubernetes provider's own timeouts and fails with a bare dial error.
 */

/** How long one TCP connect may take; a reachable endpoint answers in milliseconds. */
export const ENDPOINT_PROBE_TIMEOUT_MS = 5_000;

export type ProbeOutcome =
    | { reachable: true }
    /** `unresolved`: the name did not resolve, so no network path was tried. */
    | { reachable: false; reason: string; unresolved: boolean };

/** Opens (and closes) one TCP connection to host:port, settling within timeoutMs; injected so tests choose what answers. */
export type EndpointConnector = (host: string, port: number, timeoutMs: number) => Promise<ProbeOutcome>;

const UNRESOLVED = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME"]);

/**
 * The real connector: a bounded TCP handshake, nothing sent. A name still resolving at the bound counts
 * as unresolved (a DNS problem), not as a missing network path. `lookup` replaces the system resolver (tests).
 */
export function tcpConnector(lookup?: net.LookupFunction): EndpointConnector {
    return (host, port, timeoutMs) =>
        new Promise((resolve) => {
            // An address needs no resolution (and Node emits no "lookup" for one).
            let resolving = net.isIP(host) === 0;
            const socket = net.connect({ host, port, ...(lookup ? { lookup } : {}) });
            const finish = (outcome: ProbeOutcome) => {
                clearTimeout(timer);
                socket.destroy();
                resolve(outcome);
            };
            const timer = setTimeout(
                () =>
                    finish(
                        resolving
                            ? { reachable: false, reason: `name not resolved within ${timeoutMs / 1000} s`, unresolved: true }
                            : { reachable: false, reason: `no answer within ${timeoutMs / 1000} s`, unresolved: false },
                    ),
                timeoutMs,
            );
            socket.once("lookup", () => (resolving = false));
            socket.once("connect", () => finish({ reachable: true }));
            socket.once("error", (err: NodeJS.ErrnoException) =>
                finish({ reachable: false, reason: err.code ?? err.message, unresolved: UNRESOLVED.has(err.code ?? "") }),
            );
        });
}

/** The connector with the system resolver. */
export const tcpConnect = tcpConnector();

/**
 * The connector a Cluster uses unless one is injected: none under the mock runtime (no engine; its
 * endpoints are invented), and none behind an HTTPS proxy, which the Kubernetes provider goes through
 * but a direct TCP connect cannot.
 */
export function defaultEndpointConnector(engineConnected: boolean, env: NodeJS.ProcessEnv = {}): EndpointConnector | undefined {
    const proxied = Boolean(env.HTTPS_PROXY || env.https_proxy);
    return engineConnected && !proxied ? tcpConnect : undefined;
}

/** Host and port of an endpoint URL such as https://ABC.gr7.us-east-1.eks.amazonaws.com. */
export function endpointAddress(endpoint: string): { host: string; port: number } {
    const url = new URL(endpoint);
    return { host: url.hostname, port: url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443 };
}

/** What the stack's configuration says about who may reach the endpoint. */
export interface EndpointAccess {
    /** The stack (staging, production): names its agent-pool and runner settings. */
    stack: string;
    endpointPublicAccess: boolean;
    publicAccessCidrs: string[];
}

export type ReachabilityVerdict = { proceed: true; warning?: string } | { proceed: false; message: string };

/** The decision on a probe's outcome: proceed, proceed with a warning, or stop with what to change. */
export function reachabilityVerdict(endpoint: string, access: EndpointAccess, outcome: ProbeOutcome): ReachabilityVerdict {
    if (outcome.reachable) return { proceed: true };
    const { host, port } = endpointAddress(endpoint);
    if (outcome.unresolved) {
        // EKS publishes even a private endpoint's addresses in public DNS: a name that does not resolve is a
        // DNS problem of this machine, which the Kubernetes provider reports itself.
        return {
            proceed: true,
            warning: `could not resolve the EKS API endpoint ${host} (${outcome.reason}); its reachability was not checked`,
        };
    }
    const exposure = access.endpointPublicAccess
        ? `cluster.endpointPublicAccess is true, limited to cluster.publicAccessCidrs ${JSON.stringify(access.publicAccessCidrs)}: ` +
          "add this runner's public address there, or run"
        : "cluster.endpointPublicAccess is false (private endpoint): only machines inside the cluster's VPC (or a network connected to it) reach it. Run";
    return {
        proceed: false,
        message:
            `the EKS API endpoint ${endpoint} (${host}:${port}) of stack ${access.stack} is not reachable from this machine (${outcome.reason}). ` +
            `${exposure} this stack's previews and updates on a runner inside the VPC: ` +
            `claude-enhancer-deployments:settings.stacks.${access.stack}.agentPoolId in deploy/Pulumi.cloud.yaml (Pulumi Deployments), ` +
            `or the repository variable RUNNER_LABEL_${access.stack.toUpperCase()} (GitHub workflow); see docs/pipelines.md.`,
    };
}

/** Raised when the endpoint cannot be reached; a RunError, so the CLI prints the message without a stack trace. */
export class EndpointUnreachableError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "EndpointUnreachableError";
    }
}

/** Probes the endpoint once and throws EndpointUnreachableError unless the verdict is to proceed. */
export async function ensureEndpointReachable(
    endpoint: string,
    access: EndpointAccess,
    connect: EndpointConnector,
    timeoutMs = ENDPOINT_PROBE_TIMEOUT_MS,
): Promise<void> {
    const { host, port } = endpointAddress(endpoint);
    const verdict = reachabilityVerdict(endpoint, access, await connect(host, port, timeoutMs));
    if (!verdict.proceed) throw new EndpointUnreachableError(verdict.message);
    // Not awaited: the SDK delivers log messages in order, and an earlier one may name a resource whose
    // registration waits for this very kubeconfig (found by the language-host tier: the program exited
    // with every Kubernetes registration pending).
    if (verdict.warning) void pulumi.log.warn(verdict.warning);
}

/**
 * The kubeconfig once the endpoint has answered: the Kubernetes provider is given this one, so no
 * Kubernetes object is registered before the check. Runs only when the endpoint is known (the cluster
 * exists, or has just been created); a preview that creates the cluster has nothing to probe yet.
 */
export function afterEndpointCheck(
    kubeconfig: pulumi.Output<string>,
    endpoint: pulumi.Input<string>,
    access: EndpointAccess,
    connect: EndpointConnector,
    timeoutMs = ENDPOINT_PROBE_TIMEOUT_MS,
): pulumi.Output<string> {
    return pulumi.all([pulumi.output(endpoint), kubeconfig]).apply(async ([url, text]) => {
        await ensureEndpointReachable(url, access, connect, timeoutMs);
        return text;
    });
}
