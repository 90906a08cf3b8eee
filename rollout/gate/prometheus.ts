import { HttpResponse, RequestOptions, httpRequest, kubeClient } from "./kubeApi";
import type { PrometheusEndpoint } from "./gates";
import type { Sample } from "./verdict";

/**
 * A minimal client of Prometheus' HTTP API (instant queries) over Node's http/https, reached by URL
 * or through the Kubernetes API server's service proxy. Every failure is an explicit "no data"
 * sample with its reason — unreachable, HTTP 5xx, timeout, NaN, empty result — never a healthy value.
 */

/** Where the gate reaches Prometheus; the service proxy needs the kubeconfig (a secret input). */
export type PrometheusTarget =
    { url: string } | (Extract<PrometheusEndpoint, { service: unknown }> & { kubeconfig: string; context?: string });

export interface PrometheusClient {
    /** Where queries go, for messages (no credentials). */
    readonly description: string;
    /**
     * One instant query evaluated at `time` (epoch seconds), retried on transport errors, timeouts and
     * 5xx until `budgetMs` is spent; each attempt is bounded by the client's per-request timeout.
     */
    query(promql: string, time: number, budgetMs: number): Promise<Sample>;
}

type Transport = (pathAndQuery: string, options: RequestOptions) => Promise<HttpResponse>;

/** The API server's service proxy path of a Prometheus Service. */
export function serviceProxyPath(service: { namespace: string; name: string; port: number; scheme: string }): string {
    return `/api/v1/namespaces/${encodeURIComponent(service.namespace)}/services/${service.scheme}:${encodeURIComponent(service.name)}:${service.port}/proxy`;
}

/** Reads the one number of an instant query's JSON answer, or says why there is none. */
export function sampleFromResponse(body: string): Sample {
    let parsed: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
    try {
        parsed = JSON.parse(body);
    } catch {
        throw new Error(`not a Prometheus API answer: ${body.slice(0, 120)}`);
    }
    if (parsed.status !== "success") return { value: null, reason: `query failed: ${parsed.error ?? "unknown error"}` };
    const data = parsed.data ?? {};
    let raw: unknown;
    if (data.resultType === "scalar") {
        raw = (data.result as [number, string])[1];
    } else if (data.resultType === "vector") {
        const result = data.result as { value: [number, string] }[];
        if (result.length === 0) return { value: null, reason: "empty result (no series in the window)" };
        if (result.length > 1) return { value: null, reason: `${result.length} series; a gate query must aggregate to one` };
        raw = result[0].value[1];
    } else {
        return { value: null, reason: `unexpected result type ${data.resultType}` };
    }
    const value = Number(raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : raw);
    if (Number.isNaN(value)) return { value: null, reason: "NaN (nothing to divide by in the window)" };
    return { value };
}

function clientOver(description: string, transport: Transport, timeoutMs: number, sleep: (ms: number) => Promise<void>): PrometheusClient {
    return {
        description,
        async query(promql, time, budgetMs) {
            const started = Date.now();
            const params = new URLSearchParams({ query: promql, time: time.toFixed(3) });
            let attempts = 0;
            let lastError: string | undefined;
            for (;;) {
                attempts++;
                const remaining = budgetMs - (Date.now() - started);
                try {
                    const res = await transport(`/api/v1/query?${params}`, {
                        method: "GET",
                        timeoutMs: Math.max(1, Math.min(timeoutMs, remaining)),
                    });
                    if (res.status >= 500 || res.status === 429) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 200).trim()}`);
                    if (res.status >= 400) {
                        // 400/422: the query is wrong; 401/403/404: credentials or the proxy path are. Retrying changes nothing.
                        let detail = res.body.slice(0, 200).trim();
                        try {
                            const parsed = JSON.parse(res.body) as { error?: string; message?: string };
                            detail = parsed.error ?? parsed.message ?? detail;
                        } catch {
                            // plain-text error body
                        }
                        return { value: null, reason: `Prometheus at ${description} answered HTTP ${res.status}: ${detail}` };
                    }
                    return sampleFromResponse(res.body);
                } catch (err) {
                    // Refused, reset, timed out, 5xx, garbled: Prometheus (or the API server) may answer next time.
                    lastError = err instanceof Error ? err.message : String(err);
                }
                // Back off 250 ms, 500 ms, 1 s ... within the budget; stop when another attempt cannot fit.
                const backoff = Math.min(250 * 2 ** (attempts - 1), 2000);
                if (budgetMs - (Date.now() - started) < backoff + 50) break;
                await sleep(backoff);
            }
            return {
                value: null,
                reason: `Prometheus at ${description} unavailable after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${lastError}`,
                unavailable: true,
            };
        },
    };
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A client for the target: straight to the URL, or via the API server's service proxy with the kubeconfig's credentials. */
export function prometheusClient(
    target: PrometheusTarget,
    timeoutMs: number,
    sleep: (ms: number) => Promise<void> = wait,
): PrometheusClient {
    if ("url" in target) {
        const base = target.url.replace(/\/+$/, "");
        return clientOver(base, (path, options) => httpRequest(`${base}${path}`, options), timeoutMs, sleep);
    }
    const kube = kubeClient(target.kubeconfig, target.context);
    const proxy = serviceProxyPath(target.service);
    const { namespace, name, port } = target.service;
    return clientOver(
        `service ${namespace}/${name}:${port} via ${kube.server}`,
        (path, options) => kube.request(`${proxy}${path}`, options),
        timeoutMs,
        sleep,
    );
}
