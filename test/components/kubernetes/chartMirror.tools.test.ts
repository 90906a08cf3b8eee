import * as assert from "assert";
import * as http from "http";
import * as net from "net";
import { stringify } from "yaml";
import { fetchGet, HttpGet, mirrorVerdict } from "../../../components/kubernetes/chartMirror";

/**
 * The mirror check against real servers on 127.0.0.1 (Node's fetch, real sockets, real timeouts): a Helm
 * repository serving index.yaml, an OCI registry stand-in speaking the distribution API's tag list and
 * token handshake, and mirrors that refuse connections or never answer.
 */

const JAEGER = { name: "jaeger", version: "4.11.1", repo: "https://jaegertracing.github.io/helm-charts" };
const CERT_MANAGER = { name: "cert-manager", version: "v1.18.2", repo: "https://charts.jetstack.io" };
const FLUENT_BIT = { name: "fluent-bit", version: "0.58.1", repo: "https://fluent.github.io/helm-charts" };

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, base: string) => void;

/** An HTTP server on a free 127.0.0.1 port, with the paths it was asked for. */
async function serve(handler: Handler): Promise<{ base: string; requests: string[]; close(): Promise<void> }> {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
        requests.push(req.url ?? "");
        handler(req, res, base);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    return {
        base,
        requests,
        close: () => {
            server.closeAllConnections();
            return new Promise((resolve) => server.close(() => resolve()));
        },
    };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
}

/** A server that accepts connections and never says a word. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as net.AddressInfo).port,
        close: () => {
            for (const s of sockets) s.destroy();
            return new Promise((resolve) => server.close(() => resolve()));
        },
    };
}

describe("chartMirror against a Helm repository on 127.0.0.1", function () {
    this.timeout(30_000);
    let repo: Awaited<ReturnType<typeof serve>>;
    let mirror: { kind: "repository"; location: string };

    before(async () => {
        repo = await serve((req, res) => {
            if (req.url !== "/helm/index.yaml") {
                res.writeHead(404).end("not found\n");
                return;
            }
            const entries = {
                jaeger: [
                    { name: "jaeger", version: "4.10.0" },
                    { name: "jaeger", version: "4.11.1" },
                ],
                "cert-manager": [{ name: "cert-manager", version: "v1.17.0" }],
            };
            res.writeHead(200, { "Content-Type": "application/yaml" }).end(stringify({ apiVersion: "v1", entries }));
        });
        mirror = { kind: "repository", location: `${repo.base}/helm/` };
    });
    after(() => repo.close());
    beforeEach(() => repo.requests.splice(0));

    it("passes when index.yaml lists every chart at its version, reading the index once", async () => {
        assert.deepStrictEqual(await mirrorVerdict([JAEGER, JAEGER], mirror), { problems: [], warnings: [] });
        assert.deepStrictEqual(repo.requests, ["/helm/index.yaml"]);
    });

    it("names each chart the index lacks, its version, the mirror and what the index has", async () => {
        const verdict = await mirrorVerdict([JAEGER, CERT_MANAGER, FLUENT_BIT], mirror);
        const got = `claude-enhancer:charts.mirror: got "${repo.base}/helm/"`;
        assert.deepStrictEqual(verdict.problems, [
            `${got}; expected a mirror holding chart cert-manager version v1.18.2 (index.yaml lists cert-manager v1.17.0; add it with: ` +
                "helm pull cert-manager --repo https://charts.jetstack.io --version v1.18.2 --destination ., then upload cert-manager-v1.18.2.tgz to the repository)",
            `${got}; expected a mirror holding chart fluent-bit version 0.58.1 (index.yaml lists no chart fluent-bit; add it with: ` +
                "helm pull fluent-bit --repo https://fluent.github.io/helm-charts --version 0.58.1 --destination ., then upload fluent-bit-0.58.1.tgz to the repository)",
        ]);
        assert.deepStrictEqual(repo.requests, ["/helm/index.yaml"]);
    });

    it("a URL that serves no index fails with the URL and the status", async () => {
        const verdict = await mirrorVerdict([JAEGER], { kind: "repository", location: `${repo.base}/charts` });
        assert.deepStrictEqual(verdict.problems, [
            `claude-enhancer:charts.mirror: got "${repo.base}/charts"; expected a Helm repository this machine can read ` +
                `(GET ${repo.base}/charts/index.yaml: HTTP 404)`,
        ]);
    });

    it("a repository that refuses connections fails at once, saying so", async () => {
        const location = `http://127.0.0.1:${await closedPort()}`;
        const verdict = await mirrorVerdict([JAEGER], { kind: "repository", location });
        assert.deepStrictEqual(verdict.problems, [
            `claude-enhancer:charts.mirror: got "${location}"; expected a Helm repository this machine can read (GET ${location}/index.yaml: ECONNREFUSED)`,
        ]);
    });

    it("a repository that never answers fails within the timeout, saying so", async () => {
        const silent = await silentServer();
        try {
            const location = `http://127.0.0.1:${silent.port}`;
            const started = Date.now();
            const verdict = await mirrorVerdict([JAEGER], { kind: "repository", location }, { get: fetchGet(500) });
            const elapsed = Date.now() - started;
            assert.ok(elapsed >= 450 && elapsed < 3_000, `settled after ${elapsed} ms`);
            assert.deepStrictEqual(verdict.problems, [
                `claude-enhancer:charts.mirror: got "${location}"; expected a Helm repository this machine can read ` +
                    `(GET ${location}/index.yaml: no answer within 0.5 s)`,
            ]);
        } finally {
            await silent.close();
        }
    });
});

describe("chartMirror against an OCI registry stand-in on 127.0.0.1", function () {
    this.timeout(30_000);
    const TOKEN = "anonymous-pull-token";
    let registry: Awaited<ReturnType<typeof serve>>;
    /** The URLs the check formed, before they are sent to the stand-in. */
    const asked: string[] = [];
    let get: HttpGet;
    const mirror = { kind: "oci" as const, location: "oci://registry.test/charts" };

    before(async () => {
        registry = await serve((req, res, base) => {
            const url = new URL(req.url ?? "/", base);
            const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
                res.writeHead(status, { "Content-Type": "application/json", ...headers }).end(JSON.stringify(body));
            if (url.pathname === "/token") {
                // Anonymous tokens for pulling charts/*; the private project needs credentials.
                const scope = url.searchParams.get("scope") ?? "";
                if (url.searchParams.get("service") === "stand-in" && /^repository:charts\/[a-z-]+:pull$/.test(scope))
                    json(200, { token: TOKEN });
                else json(401, { errors: [{ code: "UNAUTHORIZED" }] });
                return;
            }
            const tags = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
            if (req.headers.authorization !== `Bearer ${TOKEN}`) {
                const scope = tags ? `,scope="repository:${tags[1]}:pull"` : "";
                json(
                    401,
                    { errors: [{ code: "UNAUTHORIZED" }] },
                    { "WWW-Authenticate": `Bearer realm="${base}/token",service="stand-in"${scope}` },
                );
                return;
            }
            if (tags?.[1] === "charts/jaeger") {
                // Two pages, as registries paginate long tag lists.
                if (url.searchParams.get("last") === "4.10.0") json(200, { name: tags[1], tags: ["4.11.1"] });
                else json(200, { name: tags[1], tags: ["4.10.0"] }, { Link: '</v2/charts/jaeger/tags/list?last=4.10.0&n=1>; rel="next"' });
            } else if (tags?.[1] === "charts/cert-manager") json(200, { name: tags[1], tags: ["v1.17.0"] });
            else json(404, { errors: [{ code: "NAME_UNKNOWN" }] });
        });
        // Helm's OCI client speaks HTTPS only, so the check asks https://registry.test/…; the stand-in answers those requests over HTTP.
        const real = fetchGet();
        get = (url, headers) => {
            asked.push(url);
            return real(url.replace("https://registry.test/", `${registry.base}/`), headers);
        };
    });
    after(() => registry.close());
    beforeEach(() => asked.splice(0));

    it("passes when the chart's repository has the version as a tag (anonymous token, every page)", async () => {
        assert.deepStrictEqual(await mirrorVerdict([JAEGER], mirror, { get }), { problems: [], warnings: [] });
        assert.deepStrictEqual(
            asked.filter((u) => u.includes("/tags/list")),
            [
                "https://registry.test/v2/charts/jaeger/tags/list",
                "https://registry.test/v2/charts/jaeger/tags/list",
                "https://registry.test/v2/charts/jaeger/tags/list?last=4.10.0&n=1",
            ],
        );
        assert.ok(asked.includes(`${registry.base}/token?service=stand-in&scope=repository%3Acharts%2Fjaeger%3Apull`), asked.join("\n"));
    });

    it("names a missing version (with the tags there are) and a missing chart, with the mirror and how to push it", async () => {
        const verdict = await mirrorVerdict([CERT_MANAGER, FLUENT_BIT], mirror, { get });
        const got = 'claude-enhancer:charts.mirror: got "oci://registry.test/charts"';
        assert.deepStrictEqual(verdict, {
            problems: [
                `${got}; expected a mirror holding chart cert-manager version v1.18.2 (oci://registry.test/charts/cert-manager has tags v1.17.0; add it with: ` +
                    "helm pull cert-manager --repo https://charts.jetstack.io --version v1.18.2 --destination . && helm push cert-manager-v1.18.2.tgz oci://registry.test/charts)",
                `${got}; expected a mirror holding chart fluent-bit version 0.58.1 (the registry has no oci://registry.test/charts/fluent-bit; add it with: ` +
                    "helm pull fluent-bit --repo https://fluent.github.io/helm-charts --version 0.58.1 --destination . && helm push fluent-bit-0.58.1.tgz oci://registry.test/charts)",
            ],
            warnings: [],
        });
    });

    it("a repository that wants credentials is not checked: a warning, the preview goes on", async () => {
        const verdict = await mirrorVerdict([JAEGER], { kind: "oci", location: "oci://registry.test/private" }, { get });
        assert.deepStrictEqual(verdict, {
            problems: [],
            warnings: [
                "claude-enhancer:charts.mirror oci://registry.test/private: chart jaeger version 4.11.1 was not checked, the registry wants " +
                    "credentials (HTTP 401); the Kubernetes provider pulls it with those of `helm registry login`",
            ],
        });
    });

    it("a registry that refuses connections fails once, at its API base, not once per chart", async () => {
        const host = `127.0.0.1:${await closedPort()}`;
        const verdict = await mirrorVerdict([JAEGER, CERT_MANAGER], { kind: "oci", location: `oci://${host}/charts` });
        assert.deepStrictEqual(verdict.problems, [
            `claude-enhancer:charts.mirror: got "oci://${host}/charts"; expected an OCI registry this machine can read (GET https://${host}/v2/: ECONNREFUSED)`,
        ]);
    });

    it("a registry that never answers fails within the timeout, saying so", async () => {
        const silent = await silentServer();
        try {
            const host = `127.0.0.1:${silent.port}`;
            const started = Date.now();
            const verdict = await mirrorVerdict([JAEGER], { kind: "oci", location: `oci://${host}/charts` }, { get: fetchGet(500) });
            const elapsed = Date.now() - started;
            assert.ok(elapsed >= 450 && elapsed < 3_000, `settled after ${elapsed} ms`);
            assert.deepStrictEqual(verdict.problems, [
                `claude-enhancer:charts.mirror: got "oci://${host}/charts"; expected an OCI registry this machine can read ` +
                    `(GET https://${host}/v2/: no answer within 0.5 s)`,
            ]);
        } finally {
            await silent.close();
        }
    });
});
