import { ChildProcess, execFileSync, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";

/**
 * A real kube-apiserver (with its etcd) on 127.0.0.1 for the conformance tier: free ports, throwaway
 * certificates and service-account keys in a temporary directory, a static admin token,
 * RBAC authorization and the default admission plugins plus PodSecurity. Nothing listens on or
 * connects to any other address. No controller-manager, scheduler or kubelet runs: objects are
 * validated, admitted, defaulted and stored, and nothing acts on them.
 */

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
/** Where `npm run apiserver:setup` (scripts/apiserver-setup.sh) puts the binaries. */
export const TOOLS_BIN = path.join(PROJECT_ROOT, ".tools", "bin");
const LOOPBACK = "127.0.0.1";

export interface ApiServerOptions {
    /** How long to wait for `/readyz` (a cold start on a busy 2-core machine takes 10–30 s). */
    readyTimeoutMs?: number;
}

/** A Kubernetes object as sent to and read from the API server. */
export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: {
        name?: string;
        namespace?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        [key: string]: unknown;
    };
    [key: string]: unknown;
}

export interface ApiResponse<T = KubeObject> {
    status: number;
    body: T;
    /** Texts of the response's `Warning` headers (PodSecurity "would violate" warnings, deprecations, ...). */
    warnings: string[];
}

/** A request the API server refused, with its `Status` reason and message. */
export class ApiError extends Error {
    constructor(
        readonly method: string,
        readonly path: string,
        readonly status: number,
        /** `Status.reason`, e.g. "Invalid", "Forbidden", "AlreadyExists", "NotFound". */
        readonly reason: string,
        /** `Status.message`: what the API server says is wrong. */
        readonly apiMessage: string,
        readonly warnings: string[],
    ) {
        super(`${method} ${path}: ${status} ${reason}: ${apiMessage}`);
    }
}

/** Where a kind is served: its plural resource name and whether it lives in a namespace. */
export interface ResourceInfo {
    resource: string;
    namespaced: boolean;
}

export interface ApplyOptions {
    fieldManager: string;
    /** Take over fields another manager owns (`?force=true`). */
    force?: boolean;
    /** Admission and validation only, nothing stored (`?dryRun=All`). */
    dryRun?: boolean;
}

/** Parses one `Warning` header value (RFC 7234: `299 - "text"`) into its text. */
export function warningText(header: string): string {
    const m = /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(header);
    return m ? m[1].replace(/\\(.)/g, "$1") : header;
}

/** `group/version` → the discovery path of that group version. */
function groupVersionPath(apiVersion: string): string {
    return apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/**
 * A small client of the Kubernetes REST API over Node's https: server-side apply, get, list,
 * delete and discovery, with the API server's warnings on every response and its `Status` on
 * every refusal. Only talks to the one API server it was made for.
 */
export class KubeClient {
    private readonly agent: https.Agent;
    private readonly discovered = new Map<string, Map<string, ResourceInfo>>();

    constructor(
        readonly server: string,
        private readonly token: string,
        ca: string,
    ) {
        this.agent = new https.Agent({ ca, keepAlive: true, maxSockets: 8 });
    }

    /** One HTTP request; JSON in and out. Throws ApiError for any status >= 400. */
    request<T = KubeObject>(method: string, urlPath: string, body?: unknown, contentType = "application/json"): Promise<ApiResponse<T>> {
        const payload = body === undefined ? undefined : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
        const url = new URL(urlPath, this.server);
        return new Promise((resolve, reject) => {
            const req = https.request(
                url,
                {
                    method,
                    agent: this.agent,
                    headers: {
                        Authorization: `Bearer ${this.token}`,
                        Accept: "application/json",
                        ...(payload ? { "Content-Type": contentType, "Content-Length": payload.length } : {}),
                    },
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("error", reject);
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        const warnings = warningsOf(res);
                        let parsed: unknown = text;
                        try {
                            parsed = text === "" ? undefined : JSON.parse(text);
                        } catch {
                            // Non-JSON bodies (e.g. /readyz's "ok") are returned as text.
                        }
                        const status = res.statusCode ?? 0;
                        if (status >= 400) {
                            const s = (parsed ?? {}) as { reason?: string; message?: string };
                            reject(new ApiError(method, urlPath, status, s.reason ?? "", s.message ?? text, warnings));
                        } else {
                            resolve({ status, body: parsed as T, warnings });
                        }
                    });
                },
            );
            req.on("error", reject);
            if (payload) req.write(payload);
            req.end();
        });
    }

    /** Resource name and scope of `kind` in `apiVersion`, from discovery (re-read once when unknown, e.g. a CRD just established). */
    async resourceInfo(apiVersion: string, kind: string): Promise<ResourceInfo> {
        for (const fresh of [false, true]) {
            if (fresh || !this.discovered.has(apiVersion)) await this.discover(apiVersion);
            const info = this.discovered.get(apiVersion)?.get(kind);
            if (info) return info;
        }
        throw new Error(`the API server does not serve ${kind} in ${apiVersion}`);
    }

    /** Forgets what discovery said, after CRDs were added or removed. */
    forgetDiscovery(): void {
        this.discovered.clear();
    }

    private async discover(apiVersion: string): Promise<void> {
        const kinds = new Map<string, ResourceInfo>();
        try {
            const list = await this.request<{ resources: { name: string; kind: string; namespaced: boolean }[] }>(
                "GET",
                groupVersionPath(apiVersion),
            );
            for (const r of list.body.resources) {
                // Subresources ("deployments/scale") share a kind with their parent; keep the top-level resource.
                if (!r.name.includes("/")) kinds.set(r.kind, { resource: r.name, namespaced: r.namespaced });
            }
        } catch (e) {
            if (!(e instanceof ApiError && e.status === 404)) throw e;
        }
        this.discovered.set(apiVersion, kinds);
    }

    /** REST path of a collection (`name` undefined) or of one object; namespaced kinds need `namespace`. */
    async pathOf(apiVersion: string, kind: string, name?: string, namespace?: string): Promise<string> {
        const info = await this.resourceInfo(apiVersion, kind);
        if (info.namespaced && !namespace) throw new Error(`${kind} ${name ?? ""} is namespaced but has no namespace`);
        const scope = info.namespaced ? `/namespaces/${encodeURIComponent(namespace!)}` : "";
        return `${groupVersionPath(apiVersion)}${scope}/${info.resource}${name ? `/${encodeURIComponent(name)}` : ""}`;
    }

    /** Server-side apply of a whole object, as `kubectl apply --server-side` and Pulumi's provider do. */
    async apply(object: KubeObject, options: ApplyOptions): Promise<ApiResponse> {
        const { name, namespace } = object.metadata;
        if (!name) throw new Error(`${object.kind} has no metadata.name`);
        const query = new URLSearchParams({ fieldManager: options.fieldManager, fieldValidation: "Strict" });
        if (options.force) query.set("force", "true");
        if (options.dryRun) query.set("dryRun", "All");
        const objectPath = await this.pathOf(object.apiVersion, object.kind, name, namespace);
        // JSON is YAML, so the object goes as is.
        return this.request("PATCH", `${objectPath}?${query}`, object, "application/apply-patch+yaml");
    }

    /** Create (POST); `dryRun` runs validation and admission without storing. */
    async create(object: KubeObject, options: { dryRun?: boolean } = {}): Promise<ApiResponse> {
        const collection = await this.pathOf(object.apiVersion, object.kind, undefined, object.metadata.namespace);
        return this.request("POST", `${collection}${options.dryRun ? "?dryRun=All" : ""}`, object);
    }

    async get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject> {
        return (await this.request("GET", await this.pathOf(apiVersion, kind, name, namespace))).body;
    }

    /** The object, or undefined when the API server has none of that name. */
    async find(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined> {
        try {
            return await this.get(apiVersion, kind, name, namespace);
        } catch (e) {
            if (e instanceof ApiError && e.status === 404) return undefined;
            throw e;
        }
    }

    async list(apiVersion: string, kind: string, namespace?: string): Promise<KubeObject[]> {
        const info = await this.resourceInfo(apiVersion, kind);
        const collection = await this.pathOf(apiVersion, kind, undefined, info.namespaced ? namespace : undefined);
        return (await this.request<{ items: KubeObject[] }>("GET", collection)).body.items;
    }

    /** Deletes one object. No garbage collector runs here: objects owned by it stay, which is the caller's business. */
    async delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<ApiResponse> {
        return this.request("DELETE", await this.pathOf(apiVersion, kind, name, namespace));
    }

    close(): void {
        this.agent.destroy();
    }
}

function warningsOf(res: http.IncomingMessage): string[] {
    // rawHeaders keeps repeated Warning headers apart (headers["warning"] joins them with commas the texts also contain).
    const warnings: string[] = [];
    for (let i = 0; i < res.rawHeaders.length; i += 2) {
        if (res.rawHeaders[i].toLowerCase() === "warning") warnings.push(warningText(res.rawHeaders[i + 1]));
    }
    return warnings;
}

/** A TCP port on 127.0.0.1 nobody listens on right now. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, LOOPBACK, () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** A binary built by `npm run apiserver:setup`; fails with what to run when it is missing. */
export function toolPath(name: "kube-apiserver" | "etcd"): string {
    const file = path.join(TOOLS_BIN, name);
    if (!fs.existsSync(file))
        throw new Error(
            `${file} is missing: run \`npm run apiserver:setup\` (builds the pinned kube-apiserver and etcd from tools/apiserver)`,
        );
    return file;
}

/**
 * A throwaway CA and the API server's serving certificate for 127.0.0.1, made with Debian's
 * openssl (Node's crypto makes keys but cannot issue X.509 certificates).
 */
function issueServingCertificate(dir: string): { caCert: string; cert: string; key: string } {
    const config = path.join(dir, "openssl.cnf");
    fs.writeFileSync(
        config,
        [
            "[req]",
            "distinguished_name = dn",
            "[dn]",
            "[ca]",
            "basicConstraints = critical,CA:TRUE",
            "keyUsage = critical,keyCertSign,cRLSign",
            "subjectKeyIdentifier = hash",
            "[server]",
            "basicConstraints = critical,CA:FALSE",
            "keyUsage = critical,digitalSignature",
            "extendedKeyUsage = serverAuth",
            `subjectAltName = IP:${LOOPBACK},DNS:localhost`,
            "",
        ].join("\n"),
    );
    const files = {
        caKey: path.join(dir, "ca.key"),
        caCert: path.join(dir, "ca.crt"),
        cert: path.join(dir, "apiserver.crt"),
        key: path.join(dir, "apiserver.key"),
    };
    const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-config", config];
    const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
    openssl([
        "req",
        "-x509",
        ...newKey,
        "-extensions",
        "ca",
        "-subj",
        "/CN=conformance-test-ca",
        "-keyout",
        files.caKey,
        "-out",
        files.caCert,
    ]);
    openssl([
        "req",
        "-x509",
        ...newKey,
        "-extensions",
        "server",
        "-CA",
        files.caCert,
        "-CAkey",
        files.caKey,
        "-subj",
        "/CN=kube-apiserver",
        "-keyout",
        files.key,
        "-out",
        files.cert,
    ]);
    return files;
}

/** Last lines of a log file, for start-up failures. */
function tail(file: string, lines = 30): string {
    try {
        return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
        return "(no log)";
    }
}

function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

/** Children still running, killed if the test process exits without stopping them (e.g. on Ctrl-C). */
const running = new Set<ChildProcess>();
process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL");
});

/** A started etcd + kube-apiserver pair. `stop()` ends both and removes every file they used. */
export class ApiServer {
    private constructor(
        /** The temporary directory holding certificates, keys, token file, kubeconfig, etcd data and logs. */
        readonly dir: string,
        readonly url: string,
        readonly kubeconfigPath: string,
        readonly client: KubeClient,
        private readonly processes: ChildProcess[],
    ) {}

    static async start(options: ApiServerOptions = {}): Promise<ApiServer> {
        const kubeApiserver = toolPath("kube-apiserver");
        const etcd = toolPath("etcd");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "conformance-apiserver-"));
        const processes: ChildProcess[] = [];
        try {
            const [etcdPort, etcdPeerPort, apiPort] = await distinctFreePorts(3);
            const certs = issueServingCertificate(dir);
            // Service-account tokens are signed with this key pair (ES256).
            const sa = crypto.generateKeyPairSync("ec", {
                namedCurve: "P-256",
                publicKeyEncoding: { type: "spki", format: "pem" },
                privateKeyEncoding: { type: "pkcs8", format: "pem" },
            });
            fs.writeFileSync(path.join(dir, "sa.key"), sa.privateKey, { mode: 0o600 });
            fs.writeFileSync(path.join(dir, "sa.pub"), sa.publicKey);
            const token = crypto.randomBytes(24).toString("hex");
            // token,user,uid,"groups": the admin is in system:masters, which RBAC lets do anything.
            fs.writeFileSync(path.join(dir, "tokens.csv"), `${token},conformance-admin,conformance-admin,"system:masters"\n`, {
                mode: 0o600,
            });

            const etcdUrl = `http://${LOOPBACK}:${etcdPort}`;
            const peerUrl = `http://${LOOPBACK}:${etcdPeerPort}`;
            processes.push(
                launch(
                    etcd,
                    [
                        "--name=conformance",
                        `--data-dir=${path.join(dir, "etcd")}`,
                        `--listen-client-urls=${etcdUrl}`,
                        `--advertise-client-urls=${etcdUrl}`,
                        `--listen-peer-urls=${peerUrl}`,
                        `--initial-advertise-peer-urls=${peerUrl}`,
                        `--initial-cluster=conformance=${peerUrl}`,
                        // Throwaway data: skipping fsync makes every write cheap.
                        "--unsafe-no-fsync",
                        "--log-level=warn",
                    ],
                    path.join(dir, "etcd.log"),
                ),
            );
            await waitUntil(processes[0], path.join(dir, "etcd.log"), options.readyTimeoutMs ?? 120_000, async () => {
                const health = await plainGet(`${etcdUrl}/health`);
                return health.includes('"health":"true"');
            });

            const url = `https://${LOOPBACK}:${apiPort}`;
            processes.push(
                launch(
                    kubeApiserver,
                    [
                        `--etcd-servers=${etcdUrl}`,
                        `--bind-address=${LOOPBACK}`,
                        `--advertise-address=${LOOPBACK}`,
                        `--secure-port=${apiPort}`,
                        `--tls-cert-file=${certs.cert}`,
                        `--tls-private-key-file=${certs.key}`,
                        `--cert-dir=${path.join(dir, "certs")}`,
                        `--token-auth-file=${path.join(dir, "tokens.csv")}`,
                        "--anonymous-auth=false",
                        "--authorization-mode=RBAC",
                        // Added to the default plugins (NamespaceLifecycle, LimitRanger, ServiceAccount, ResourceQuota, the
                        // admission webhooks and policies, ...), which stay on; named so the tier never runs without it.
                        "--enable-admission-plugins=PodSecurity",
                        // As on EKS: privileged pods are allowed by the cluster, so Pod Security is what refuses them.
                        "--allow-privileged=true",
                        `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
                        `--service-account-key-file=${path.join(dir, "sa.pub")}`,
                        `--service-account-signing-key-file=${path.join(dir, "sa.key")}`,
                        "--service-cluster-ip-range=10.96.0.0/16",
                        // The `kubernetes` Service's endpoint would be 127.0.0.1, which Endpoints may not hold.
                        "--endpoint-reconciler-type=none",
                        "--profiling=false",
                    ],
                    path.join(dir, "kube-apiserver.log"),
                ),
            );
            const client = new KubeClient(url, token, fs.readFileSync(certs.caCert, "utf8"));
            await waitUntil(processes[1], path.join(dir, "kube-apiserver.log"), options.readyTimeoutMs ?? 120_000, async () => {
                try {
                    return (await client.request<string>("GET", "/readyz")).status === 200;
                } catch {
                    return false;
                }
            });

            const kubeconfigPath = path.join(dir, "kubeconfig");
            fs.writeFileSync(
                kubeconfigPath,
                stringify({
                    apiVersion: "v1",
                    kind: "Config",
                    clusters: [{ name: "conformance", cluster: { server: url, "certificate-authority": certs.caCert } }],
                    users: [{ name: "conformance-admin", user: { token } }],
                    contexts: [{ name: "conformance", context: { cluster: "conformance", user: "conformance-admin" } }],
                    "current-context": "conformance",
                }),
                { mode: 0o600 },
            );
            return new ApiServer(dir, url, kubeconfigPath, client, processes);
        } catch (e) {
            await stopAll(processes);
            fs.rmSync(dir, { recursive: true, force: true });
            throw e;
        }
    }

    async stop(): Promise<void> {
        this.client.close();
        // The API server first, so it does not log etcd going away.
        await stopAll([...this.processes].reverse());
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

async function distinctFreePorts(count: number): Promise<number[]> {
    const ports = new Set<number>();
    while (ports.size < count) ports.add(await freePort());
    return [...ports];
}

function launch(binary: string, args: string[], logFile: string): ChildProcess {
    const log = fs.openSync(logFile, "a");
    const child = spawn(binary, args, { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    running.add(child);
    child.once("exit", () => running.delete(child));
    return child;
}

/** Polls `ready` until it holds; fails with the log's tail when the process exits or time runs out. */
async function waitUntil(child: ChildProcess, logFile: string, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
    const name = path.basename(logFile, ".log");
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (child.exitCode !== null || child.signalCode !== null) {
            throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail(logFile)}`);
        }
        if (await ready()) return;
        await sleep(250);
    }
    throw new Error(`${name} was not ready after ${timeoutMs} ms:\n${tail(logFile)}`);
}

/** GET over plain HTTP (etcd's /health on loopback); "" when nothing answers yet. */
function plainGet(url: string): Promise<string> {
    return new Promise((resolve) => {
        const req = http.get(url, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
            res.on("error", () => resolve(""));
        });
        req.on("error", () => resolve(""));
        req.setTimeout(2000, () => req.destroy());
    });
}

/** SIGTERM, then SIGKILL after 10 s; resolves when each process has exited. */
async function stopAll(processes: ChildProcess[]): Promise<void> {
    for (const child of processes) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(killer);
    }
}
