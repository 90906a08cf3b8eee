/**
 * Stand-in Helm chart repositories for the e2e tier. The program's Helm releases name chart
 * repositories on the internet (https://prometheus-community.github.io/helm-charts, ...), which
 * these machines cannot reach (DNS does not resolve them). The Kubernetes provider fetches charts
 * through Go's HTTP client, which honours HTTPS_PROXY and SSL_CERT_FILE; so the tier runs an HTTPS
 * proxy on 127.0.0.1 that answers only for those repository hosts, with a throwaway CA, serving each
 * chart the program asks for under its own name and version. A stand-in chart renders nothing; it
 * ships only the CRDs of custom kinds the program itself creates (reduced to an open schema), as the
 * real chart would install them first. The releases are real Helm installs by the real provider; the
 * charts' contents are not what is tested here (docs/testing.md).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import { stringify } from "yaml";

export interface ChartRef {
    /** Repository URL as the program names it. */
    repo: string;
    name: string;
    version: string;
}

export interface CustomKind {
    group: string;
    version: string;
    kind: string;
}

/** Which chart installs the CRDs of an API group (the real charts do). */
const CRD_CHARTS: Record<string, string> = {
    "monitoring.coreos.com": "kube-prometheus-stack",
    "cert-manager.io": "cert-manager",
    "networking.istio.io": "base",
    "security.istio.io": "base",
};

/** Custom kinds that are cluster-wide objects (everything else is namespaced). */
const CLUSTER_SCOPED = new Set(["ClusterIssuer"]);

/** An open-schema CRD for a custom kind: the API server stores its objects as given. */
function crd({ group, version, kind }: CustomKind): object {
    const plural = `${kind.toLowerCase()}s`;
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `${plural}.${group}` },
        spec: {
            group,
            names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
            scope: CLUSTER_SCOPED.has(kind) ? "Cluster" : "Namespaced",
            versions: [
                {
                    name: version,
                    served: true,
                    storage: true,
                    schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
                },
            ],
        },
    };
}

export class ChartRepositories {
    /** Paths requested through the proxy, e.g. "prometheus-community.github.io/helm-charts/index.yaml". */
    readonly requests: string[] = [];

    private constructor(
        private readonly dir: string,
        private readonly proxy: http.Server,
        private readonly port: number,
        readonly caFile: string,
        private readonly charts: ChartRef[],
    ) {}

    /** The charts served. */
    served(): ChartRef[] {
        return [...this.charts];
    }

    /** Serves `charts` (with CRDs for `customKinds`) through an HTTPS proxy on a free 127.0.0.1 port. */
    static async start(charts: ChartRef[], customKinds: CustomKind[]): Promise<ChartRepositories> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-charts-"));
        const files = new Map<string, Buffer>(); // "host/path" -> body
        const byRepo = new Map<string, ChartRef[]>();
        for (const chart of charts) byRepo.set(chart.repo, [...(byRepo.get(chart.repo) ?? []), chart]);
        for (const [repo, refs] of byRepo) {
            const base = new URL(repo);
            const key = (file: string) => `${base.host}${base.pathname.replace(/\/$/, "")}/${file}`;
            const entries: Record<string, object[]> = {};
            for (const ref of refs) {
                const archive = `${ref.name}-${ref.version}.tgz`;
                files.set(
                    key(archive),
                    packChart(
                        dir,
                        ref,
                        customKinds.filter((k) => CRD_CHARTS[k.group] === ref.name),
                    ),
                );
                entries[ref.name] = [
                    {
                        apiVersion: "v2",
                        name: ref.name,
                        version: ref.version,
                        created: new Date().toISOString(),
                        urls: [`${repo.replace(/\/$/, "")}/${archive}`],
                    },
                ];
            }
            files.set(key("index.yaml"), Buffer.from(stringify({ apiVersion: "v1", entries, generated: new Date().toISOString() })));
        }
        const hosts = [...new Set(charts.map((c) => new URL(c.repo).hostname))];
        const { caFile, key, cert } = certificates(dir, hosts);
        const secureContext = tls.createSecureContext({ key, cert });

        const repositories: { instance?: ChartRepositories } = {};
        const site = http.createServer((req, res) => {
            const file = `${req.headers.host?.replace(/:443$/, "")}${new URL(req.url ?? "/", "https://x").pathname}`;
            repositories.instance?.requests.push(file);
            const body = files.get(file);
            res.writeHead(body ? 200 : 404, { "Content-Type": file.endsWith(".yaml") ? "application/yaml" : "application/gzip" });
            res.end(body ?? "not a stand-in chart\n");
        });
        const proxy = http.createServer((_req, res) => {
            res.writeHead(405);
            res.end("CONNECT only\n");
        });
        proxy.on("connect", (req: http.IncomingMessage, socket: net.Socket) => {
            const [host, port] = (req.url ?? "").split(":");
            // Only the chart repositories' hosts; anything else would be a request to the internet.
            if (!hosts.includes(host) || port !== "443") {
                socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
                return;
            }
            socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
            site.emit("connection", new tls.TLSSocket(socket, { isServer: true, secureContext }));
        });
        await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
        const instance = new ChartRepositories(dir, proxy, (proxy.address() as net.AddressInfo).port, caFile, charts);
        repositories.instance = instance;
        return instance;
    }

    /**
     * What the engine's plugins need to fetch the charts here. Go's HTTP client honours these; so does
     * grpc-js (the program's and dynamic providers' connections to the engine), which needs NO_PROXY
     * for loopback, where Go never proxies anyway.
     */
    env(): NodeJS.ProcessEnv {
        const proxy = `http://127.0.0.1:${this.port}`;
        const direct = "127.0.0.1,localhost";
        return { HTTPS_PROXY: proxy, https_proxy: proxy, NO_PROXY: direct, no_proxy: direct, SSL_CERT_FILE: this.caFile };
    }

    async stop(): Promise<void> {
        this.proxy.closeAllConnections();
        await new Promise((resolve) => this.proxy.close(resolve));
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** A chart archive: Chart.yaml, and the CRDs in crds/ (Helm installs those before anything else). */
function packChart(dir: string, ref: ChartRef, kinds: CustomKind[]): Buffer {
    const root = path.join(dir, "src", `${ref.name}-${ref.version}`);
    const chartDir = path.join(root, ref.name);
    fs.mkdirSync(path.join(chartDir, "templates"), { recursive: true });
    fs.writeFileSync(
        path.join(chartDir, "Chart.yaml"),
        stringify({
            apiVersion: "v2",
            name: ref.name,
            version: ref.version,
            description: `e2e stand-in for ${ref.name} ${ref.version} from ${ref.repo}`,
        }),
    );
    if (kinds.length > 0) {
        fs.mkdirSync(path.join(chartDir, "crds"));
        kinds.forEach((k, i) => fs.writeFileSync(path.join(chartDir, "crds", `${i}.yaml`), stringify(crd(k))));
    }
    const archive = path.join(root, "chart.tgz");
    execFileSync("tar", ["-czf", archive, "-C", root, ref.name]);
    return fs.readFileSync(archive);
}

/** A throwaway CA and a serving certificate for the repository hosts. */
function certificates(dir: string, hosts: string[]): { caFile: string; key: string; cert: string } {
    const f = (name: string) => path.join(dir, name);
    fs.writeFileSync(
        f("openssl.cnf"),
        [
            "[req]",
            "distinguished_name = dn",
            "[dn]",
            "[ca]",
            "basicConstraints = critical,CA:TRUE",
            "keyUsage = critical,keyCertSign,cRLSign",
            "[server]",
            "basicConstraints = critical,CA:FALSE",
            "keyUsage = critical,digitalSignature",
            "extendedKeyUsage = serverAuth",
            `subjectAltName = ${hosts.map((h) => `DNS:${h}`).join(",")}`,
            "",
        ].join("\n"),
    );
    const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-config", f("openssl.cnf")];
    const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
    openssl(["req", "-x509", ...newKey, "-extensions", "ca", "-subj", "/CN=e2e-chart-ca", "-keyout", f("ca.key"), "-out", f("ca.crt")]);
    openssl([
        "req",
        "-x509",
        ...newKey,
        "-extensions",
        "server",
        "-CA",
        f("ca.crt"),
        "-CAkey",
        f("ca.key"),
        "-subj",
        "/CN=charts",
        "-keyout",
        f("server.key"),
        "-out",
        f("server.crt"),
    ]);
    return { caFile: f("ca.crt"), key: fs.readFileSync(f("server.key"), "utf8"), cert: fs.readFileSync(f("server.crt"), "utf8") };
}
