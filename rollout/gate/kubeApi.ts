import * as childProcess from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import { parse } from "yaml";

/**
 * A minimal Kubernetes API client over Node's http/https, authenticated from a kubeconfig (bearer
 * token, client certificate, basic auth or an exec credential plugin such as `aws eks get-token`) or,
 * in a pod, from its service account.
 * The health gate uses it for the API server's service proxy to Prometheus and for the fast traffic
 * cut; it keeps no state between calls besides a cached exec credential.
 */

interface NamedEntry<T> {
    name: string;
    [key: string]: unknown;
    value?: T;
}

interface ExecConfig {
    command: string;
    args?: string[];
    env?: { name: string; value: string }[] | null;
    apiVersion?: string;
}

export interface KubeCredentials {
    server: string;
    /** PEM of the cluster CA. */
    ca?: string;
    insecureSkipTlsVerify: boolean;
    tlsServerName?: string;
    token?: string;
    clientCert?: string;
    clientKey?: string;
    basicAuth?: { username: string; password: string };
    exec?: ExecConfig;
}

function entry<T>(list: unknown, name: string, kind: string, field: string): T {
    const found = Array.isArray(list) ? (list as NamedEntry<T>[]).find((e) => e?.name === name) : undefined;
    if (!found || typeof found[field] !== "object" || found[field] === null) throw new Error(`kubeconfig: no ${kind} named "${name}"`);
    return found[field] as T;
}

function fileOrData(data: unknown, file: unknown, what: string): string | undefined {
    if (typeof data === "string" && data !== "") return Buffer.from(data, "base64").toString("utf8");
    if (typeof file === "string" && file !== "") {
        try {
            return fs.readFileSync(file, "utf8");
        } catch (err) {
            throw new Error(`kubeconfig: cannot read ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
                cause: err,
            });
        }
    }
    return undefined;
}

/** The server and credentials of a kubeconfig's context (its current context unless named). */
export function credentialsFromKubeconfig(kubeconfig: string, contextName?: string): KubeCredentials {
    let doc: Record<string, unknown>;
    try {
        doc = (parse(kubeconfig) ?? {}) as Record<string, unknown>;
    } catch (err) {
        throw new Error(`kubeconfig: not YAML/JSON: ${(err as Error).message.split("\n")[0]}`, { cause: err });
    }
    const name = contextName ?? (doc["current-context"] as string | undefined);
    if (!name) throw new Error("kubeconfig: no current-context and no context named");
    const context = entry<{ cluster: string; user?: string }>(doc.contexts, name, "context", "context");
    const cluster = entry<Record<string, unknown>>(doc.clusters, context.cluster, "cluster", "cluster");
    const user = context.user ? entry<Record<string, unknown>>(doc.users, context.user, "user", "user") : {};
    if (typeof cluster.server !== "string" || !/^https?:\/\//.test(cluster.server)) {
        throw new Error(`kubeconfig: cluster "${context.cluster}" has no http(s) server URL`);
    }
    const tokenFile = typeof user.tokenFile === "string" ? user.tokenFile : undefined;
    return {
        server: cluster.server.replace(/\/+$/, ""),
        ca: fileOrData(cluster["certificate-authority-data"], cluster["certificate-authority"], "certificate-authority"),
        insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
        tlsServerName: typeof cluster["tls-server-name"] === "string" ? cluster["tls-server-name"] : undefined,
        token: typeof user.token === "string" ? user.token : tokenFile ? fs.readFileSync(tokenFile, "utf8").trim() : undefined,
        clientCert: fileOrData(user["client-certificate-data"], user["client-certificate"], "client-certificate"),
        clientKey: fileOrData(user["client-key-data"], user["client-key"], "client-key"),
        basicAuth:
            typeof user.username === "string" && typeof user.password === "string"
                ? { username: user.username, password: user.password }
                : undefined,
        exec: typeof user.exec === "object" && user.exec !== null ? (user.exec as ExecConfig) : undefined,
    };
}

interface ExecCredential {
    token?: string;
    clientCert?: string;
    clientKey?: string;
    /** Epoch ms after which the plugin must be run again. */
    expiresAt: number;
}

/** Runs a client-go exec credential plugin (`client.authentication.k8s.io`) and reads its ExecCredential. */
function runExecPlugin(exec: ExecConfig, server: string): ExecCredential {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const e of exec.env ?? []) env[e.name] = e.value;
    env.KUBERNETES_EXEC_INFO = JSON.stringify({
        apiVersion: exec.apiVersion ?? "client.authentication.k8s.io/v1beta1",
        kind: "ExecCredential",
        spec: { interactive: false, cluster: { server } },
    });
    let out: string;
    try {
        out = childProcess.execFileSync(exec.command, exec.args ?? [], {
            env,
            encoding: "utf8",
            timeout: 30_000,
            stdio: ["ignore", "pipe", "pipe"],
        });
    } catch (err) {
        const e = err as { stderr?: string; message: string };
        throw new Error(`kubeconfig exec plugin ${exec.command} failed: ${(e.stderr || e.message).trim().split("\n")[0]}`, { cause: err });
    }
    const status = (JSON.parse(out) as { status?: Record<string, string> }).status ?? {};
    const expiry = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : NaN;
    return {
        token: status.token,
        clientCert: status.clientCertificateData,
        clientKey: status.clientKeyData,
        // Renew a minute early; without an expiry, run the plugin again after five minutes.
        expiresAt: Number.isFinite(expiry) ? expiry - 60_000 : Date.now() + 5 * 60_000,
    };
}

export interface HttpResponse {
    status: number;
    body: string;
}

export interface RequestOptions {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    timeoutMs: number;
}

export interface TlsOptions {
    ca?: string;
    cert?: string;
    key?: string;
    rejectUnauthorized?: boolean;
    servername?: string;
}

/** One HTTP(S) request with a hard timeout covering connect, headers and body; no keep-alive agent is kept. */
export function httpRequest(url: string, options: RequestOptions, tls: TlsOptions = {}): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
        // Declared before the callbacks that clear it (Pulumi's closure serialiser reads declarations in source order).
        // eslint-disable-next-line prefer-const -- assigned once the request exists, below
        let timer: NodeJS.Timeout | undefined;
        const target = new URL(url);
        const secure = target.protocol === "https:";
        const request = (secure ? https : http).request(
            target,
            {
                method: options.method ?? "GET",
                headers: options.headers,
                agent: false,
                ...(secure
                    ? {
                          ca: tls.ca,
                          cert: tls.cert,
                          key: tls.key,
                          rejectUnauthorized: tls.rejectUnauthorized ?? true,
                          servername: tls.servername,
                      }
                    : {}),
            },
            (response) => {
                const chunks: Buffer[] = [];
                response.on("data", (c: Buffer) => chunks.push(c));
                response.on("end", () => {
                    clearTimeout(timer);
                    resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
                });
                response.on("error", (err) => {
                    clearTimeout(timer);
                    reject(err);
                });
            },
        );
        timer = setTimeout(() => request.destroy(new Error(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
        request.on("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
        request.end(options.body);
    });
}

export interface KubeClient {
    readonly server: string;
    /** A request to the API server; `path` starts with `/`. */
    request(path: string, options: RequestOptions): Promise<HttpResponse>;
}

/** A client for the kubeconfig's context. Exec credentials are obtained on first use and renewed when they expire. */
export function kubeClient(kubeconfig: string, contextName?: string): KubeClient {
    const creds = credentialsFromKubeconfig(kubeconfig, contextName);
    let execCredential: ExecCredential | undefined;
    return {
        server: creds.server,
        request(path, options) {
            if (creds.exec && (!execCredential || Date.now() >= execCredential.expiresAt))
                execCredential = runExecPlugin(creds.exec, creds.server);
            const token = execCredential?.token ?? creds.token;
            const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
            if (token) headers.Authorization = `Bearer ${token}`;
            else if (creds.basicAuth)
                headers.Authorization = `Basic ${Buffer.from(`${creds.basicAuth.username}:${creds.basicAuth.password}`).toString("base64")}`;
            return httpRequest(
                `${creds.server}${path}`,
                { ...options, headers },
                {
                    ca: creds.ca,
                    cert: execCredential?.clientCert ?? creds.clientCert,
                    key: execCredential?.clientKey ?? creds.clientKey,
                    rejectUnauthorized: !creds.insecureSkipTlsVerify,
                    servername: creds.tlsServerName,
                },
            );
        },
    };
}

/** Where the kubelet mounts a pod's service-account token and the cluster CA. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * A client for the pod's own service account: the API server from the `KUBERNETES_SERVICE_HOST`/`_PORT`
 * variables every pod gets, the CA and token from `dir`. The token is read on every request, because the
 * kubelet rotates projected tokens in place.
 */
export function inClusterClient(env: Record<string, string | undefined>, dir: string = SERVICE_ACCOUNT_DIR): KubeClient {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT;
    if (!host || !port) throw new Error("not in a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set");
    const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
    const ca = fs.readFileSync(`${dir}/ca.crt`, "utf8");
    return {
        server,
        request(path, options) {
            const token = fs.readFileSync(`${dir}/token`, "utf8").trim();
            return httpRequest(
                `${server}${path}`,
                { ...options, headers: { Accept: "application/json", ...options.headers, Authorization: `Bearer ${token}` } },
                { ca, rejectUnauthorized: true },
            );
        },
    };
}
